import Policy
import Posix

/// Reads and validates a policy file; errors are `file:line:column: message`.
struct PolicyLoadError: Error, CustomStringConvertible {
    let description: String
}

func loadPolicy(path: String) -> Result<Policy, PolicyLoadError> {
    let bytes: [UInt8]
    do {
        bytes = try Files.read(path)
    } catch {
        return .failure(PolicyLoadError(description: "\(path): cannot read the policy: \(error)"))
    }
    return parsePolicy(bytes: bytes, path: path)
}

/// `serve --mode`: the mode of every policy serve parses, the main one,
/// `[[peer]]` and job policies alike (set once, before any is read). It
/// applied to the main policy only: a `[[peer]]` policy written with
/// `mode = "audit"` forwarded what `serve --mode enforce` was meant to
/// refuse, and `--mode audit` left the others enforcing mid-rollout (found
/// 2026-12-02, session 23).
let servePolicyMode = Locked<PolicyMode?>(nil)

/// Validates a policy file's bytes (hot reload reads them once, for the digest too).
func parsePolicy(bytes: [UInt8], path: String) -> Result<Policy, PolicyLoadError> {
    guard let source = String(validating: bytes, as: UTF8.self) else {
        return .failure(PolicyLoadError(description: "\(path):1:1: the policy is not valid UTF-8"))
    }
    let fileName = path.split(separator: "/").last.map(String.init) ?? path
    do {
        var policy = try Policy.parse(source: source, fileName: fileName)
        if let mode = servePolicyMode.withLock({ $0 }) { policy.mode = mode }
        return .success(policy)
    } catch {
        // Report the path as given, so editors can jump to it.
        return .failure(PolicyLoadError(description: "\(path):\(error.line):\(error.column): \(error.message)"))
    }
}
