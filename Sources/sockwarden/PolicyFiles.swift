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

/// Validates a policy file's bytes (hot reload reads them once, for the digest too).
func parsePolicy(bytes: [UInt8], path: String) -> Result<Policy, PolicyLoadError> {
    guard let source = String(validating: bytes, as: UTF8.self) else {
        return .failure(PolicyLoadError(description: "\(path):1:1: the policy is not valid UTF-8"))
    }
    let fileName = path.split(separator: "/").last.map(String.init) ?? path
    do {
        return .success(try Policy.parse(source: source, fileName: fileName))
    } catch {
        // Report the path as given, so editors can jump to it.
        return .failure(PolicyLoadError(description: "\(path):\(error.line):\(error.column): \(error.message)"))
    }
}
