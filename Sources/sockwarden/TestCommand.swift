import Glibc
import Policy
import Posix

let testHelp = """
USAGE
  sockwarden test [PATH...] [--verbose]

Runs the test cases kept beside each policy: for policies/ci.toml they are
in policies/ci.tests.toml. Each case is one request in and the expected
decision out (allow or deny, optionally the deciding rule and a part of the
reason). Cases are judged as `sockwarden explain` judges a request: the
policy's verdict whatever its mode, host paths taken at their word, a
build's body read as its context (its Dockerfile judged).

PATH is a tests file (X.tests.toml), a policy (X.toml: its X.tests.toml),
or a directory (every *.tests.toml in it). Without PATH: ./policies.

Format (see policies/README.md, "Policy tests"):
  [tests]
  policy = "ci.toml"                 # optional; default: X.tests.toml -> X.toml
  [[cases]]
  name = "a privileged container is refused"
  method = "POST"
  path = "/v1.41/containers/create"  # or path = "/containers/create" + api-version = "1.41"
  body = '{"Image":"alpine","HostConfig":{"Privileged":true}}'   # or body-file = "x.json"
  expect = "deny"                    # "allow" or "deny"
  rule = "containers"                # optional: the deciding rule or body section
  reason = "privileged"              # optional: text the reason contains

Prints one line per case (PASS/FAIL, decision, rule, name) and, for a failed
case, what differed and the reason. --verbose also prints every reason.

EXIT CODES
  0 every case passed   1 a case failed   2 bad usage, no tests found, or an
  invalid tests file, policy or body file (FILE:LINE:COLUMN: problem)

EXAMPLES
  sockwarden test                         # every policies/*.tests.toml
  sockwarden test policies/ci.toml        # the cases of one policy
  sockwarden test my.tests.toml --verbose
"""

func runTest(_ args: ArraySlice<String>) -> Never {
    let flags: Flags
    do {
        flags = try Flags(args, specs: [.init(name: "help", takesValue: false), .init(name: "verbose", takesValue: false)])
    } catch {
        fail("test: \(error); run 'sockwarden help test'")
    }
    if flags.has("help") {
        print(testHelp)
        exit(0)
    }
    var files: [String] = []
    for path in flags.positional.isEmpty ? ["policies"] : flags.positional {
        switch TestFiles.find(path) {
        case .success(let found):
            if found.isEmpty { fail("test: no *.tests.toml in \(path); write the cases of X.toml in X.tests.toml beside it") }
            files += found
        case .failure(let message):
            fail("test: \(message)")
        }
    }
    var passed = 0
    var failed = 0
    var invalid = false
    for file in files {
        switch runTestFile(file, verbose: flags.has("verbose")) {
        case .success(let (p, f)):
            passed += p
            failed += f
        case .failure(let message):
            Files.writeStderr("\(message)\n")
            invalid = true
        }
    }
    print("\(passed + failed) cases: \(passed) passed, \(failed) failed\(invalid ? "; some files could not be run (see above)" : "")")
    exit(invalid ? 2 : (failed > 0 ? 1 : 0))
}

private func runTestFile(_ path: String, verbose: Bool) -> Result<(Int, Int), PolicyLoadError> {
    let bytes: [UInt8]
    do {
        bytes = try Files.read(path)
    } catch {
        return .failure(PolicyLoadError(description: "\(path): cannot read the tests file: \(error)"))
    }
    let suite: PolicyTestFile
    do {
        suite = try PolicyTestFile.parse(bytes: bytes, fileName: path)
    } catch {
        return .failure(PolicyLoadError(description: error.description))
    }
    let directory = TestFiles.directory(of: path)
    guard let policyName = suite.policy ?? PolicyTestFile.defaultPolicyName(forTestsFile: TestFiles.baseName(path)) else {
        return .failure(PolicyLoadError(description: "\(path):1:1: cannot tell which policy these cases are for; name the file X.tests.toml beside X.toml, or add [tests] policy = \"X.toml\""))
    }
    let policyPath = policyName.hasPrefix("/") ? policyName : directory + policyName
    let policy: Policy
    switch loadPolicy(path: policyPath) {
    case .success(let p): policy = p
    case .failure(let error): return .failure(error)
    }
    print("\(path) (policy \(policyPath), \(suite.cases.count) cases)")
    var passed = 0
    var failed = 0
    for testCase in suite.cases {
        var body: [UInt8]?
        switch testCase.body {
        case .inline(let bytes)?: body = bytes
        case .file(let file)?:
            let bodyPath = file.hasPrefix("/") ? file : directory + file
            do {
                body = try Files.read(bodyPath)
            } catch {
                return .failure(PolicyLoadError(description: "\(path):\(testCase.line):1: case \"\(testCase.name)\": cannot read body-file \(bodyPath): \(error)"))
            }
        case nil: break
        }
        let result = testCase.run(policy, body: body)
        let verdict = result.decision.verdict.rawValue
        print("  \(result.passed ? "PASS" : "FAIL")  \(verdict.padding(5))  \(result.decision.rule.padding(22))  \(testCase.name)")
        if result.passed {
            passed += 1
            if verbose { print("        reason: \(result.decision.reason)") }
        } else {
            failed += 1
            print("        \(path):\(testCase.line): \(result.problems.joined(separator: "; "))")
            print("        \(testCase.method) \(testCase.target) -> route \(result.route ?? "none"); reason: \(result.decision.reason)")
        }
    }
    return .success((passed, failed))
}

/// Validates a tests file without running it (`sockwarden check X.tests.toml`).
func checkTestsFile(_ path: String) -> Result<Int, PolicyLoadError> {
    do {
        let suite = try PolicyTestFile.parse(bytes: try Files.read(path), fileName: path)
        return .success(suite.cases.count)
    } catch let error as PolicyError {
        return .failure(PolicyLoadError(description: error.description))
    } catch {
        return .failure(PolicyLoadError(description: "\(path): cannot read the tests file: \(error)"))
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

/// Finding tests files on disk.
enum TestFiles {
    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// "policies/" for "policies/ci.tests.toml"; "" for "ci.tests.toml".
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    static func find(_ path: String) -> Result<[String], Problem> {
        var st = stat()
        guard stat(path, &st) == 0 else {
            return .failure(Problem(description: "\(path): \(String(cString: strerror(errno))); give a tests file, a policy or a directory"))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            guard let dir = opendir(path) else { return .failure(Problem(description: "\(path): cannot list: \(String(cString: strerror(errno)))")) }
            defer { closedir(dir) }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name.hasSuffix(".tests.toml") && !name.hasPrefix(".") { names.append(name) }
            }
            let prefix = path.hasSuffix("/") ? path : path + "/"
            return .success(names.sorted().map { prefix + $0 })
        }
        if path.hasSuffix(".tests.toml") { return .success([path]) }
        if path.hasSuffix(".toml") {
            let tests = String(path.dropLast(".toml".count)) + ".tests.toml"
            guard access(tests, R_OK) == 0 else {
                return .failure(Problem(description: "\(path) has no tests: \(tests) does not exist; write its cases there (see 'sockwarden help test')"))
            }
            return .success([tests])
        }
        return .failure(Problem(description: "\(path) is neither a directory, a policy (X.toml) nor a tests file (X.tests.toml)"))
    }
}
