import Glibc
import Posix

func runCheck(_ args: ArraySlice<String>) -> Never {
    let flags: Flags
    do {
        flags = try Flags(args, specs: [.init(name: "help", takesValue: false)])
    } catch {
        fail("check: \(error); run 'sockwarden help check'")
    }
    if flags.has("help") {
        print(checkHelp)
        exit(0)
    }
    guard !flags.positional.isEmpty else { fail("check: name at least one policy file") }
    var failed = false
    for path in flags.positional {
        if path.hasSuffix(".tests.toml") {
            // The test cases kept beside a policy: validated here, run by `sockwarden test`.
            switch checkTestsFile(path) {
            case .success(let count): print("\(path): ok (\(count) test cases; run them with `sockwarden test \(path)`)")
            case .failure(let error):
                Files.writeStderr("\(error)\n")
                failed = true
            }
            continue
        }
        switch loadPolicy(path: path) {
        case .success(let policy):
            switch policyFileTrust(path) {
            case .refused(let message):
                Files.writeStderr("\(path): \(message)\n")
                failed = true
                continue
            case .warning(let message): Files.writeStderr("\(path): warning: \(message)\n")
            case .fine: break
            }
            print("\(path): ok (\(policy.rules.count) rules)")
        case .failure(let message):
            Files.writeStderr("\(message)\n")
            failed = true
        }
    }
    exit(failed ? 2 : 0)
}
