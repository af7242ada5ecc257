import EngineAPI

/// Policy tests: the cases kept beside a policy (`ci.tests.toml` beside
/// `ci.toml`), each a request in and the expected decision out, in the
/// spirit of OPA's `_test.rego` files and Kyverno's `kyverno test`.
///
/// ```toml
/// [tests]
/// policy = "ci.toml"            # optional; default: this file's name without ".tests"
///
/// [[cases]]
/// name = "a privileged container is refused"
/// method = "POST"
/// path = "/containers/create"
/// api-version = "1.41"          # optional: put /v1.41 in front of path
/// body = '{"Image":"alpine","HostConfig":{"Privileged":true}}'
/// expect = "deny"
/// rule = "containers"           # optional: the deciding rule (or body section)
/// reason = "privileged"         # optional: text the reason must contain
/// ```
///
/// Cases are judged as `sockwarden explain` judges a request (a build's body
/// is its context, whose Dockerfile is judged): the verdict of
/// the policy, whatever its mode; host paths taken at their word
/// (`LiteralHostEnvironment`), so results do not depend on the machine.
public struct PolicyTestFile: Sendable {
    /// The file as named (errors cite it).
    public let fileName: String
    /// `[tests] policy`, as written (relative to the tests file), if given.
    public let policy: String?
    public let description: String?
    public let cases: [PolicyTestCase]

    static let tableKeys = ["policy", "description"]
    static let caseKeys = ["name", "method", "path", "api-version", "body", "body-file", "content-type", "expect", "rule", "reason"]

    /// The policy a tests file is about when `[tests] policy` is absent:
    /// `ci.tests.toml` → `ci.toml`.
    public static func defaultPolicyName(forTestsFile name: String) -> String? {
        guard name.hasSuffix(".tests.toml") else { return nil }
        return String(name.dropLast(".tests.toml".count)) + ".toml"
    }

    /// Parses and validates a tests file; errors are `file:line:column: message`.
    public static func parse(bytes: [UInt8], fileName: String) throws(PolicyError) -> PolicyTestFile {
        let document: TOMLTable
        do {
            document = try TOMLParser.parse(bytes: bytes)
        } catch {
            throw PolicyError(file: fileName, line: error.line, column: error.column, message: error.message)
        }
        let loader = PolicyLoader(file: fileName, catalogue: Catalogue.routes)
        var policy: String?
        var description: String?
        var cases: [PolicyTestCase] = []
        for entry in document.entries {
            switch entry.key {
            case "tests":
                guard case .table(let table) = entry.node.value else {
                    throw loader.fail(entry.node.position, "tests must be a table: write [tests] above policy = \"...\"")
                }
                for item in table.entries {
                    switch item.key {
                    case "policy": policy = try loader.string(item, in: "tests")
                    case "description": description = try loader.string(item, in: "tests")
                    default: throw loader.unknownKey(item, in: "[tests]", allowed: tableKeys)
                    }
                }
            case "cases":
                guard case .array(let items) = entry.node.value else {
                    throw loader.fail(entry.keyPosition, "cases must be an array of tables: write [[cases]] (two brackets) above each case")
                }
                var names: [String: Int] = [:]
                for item in items {
                    guard case .table(let table) = item.value else {
                        throw loader.fail(item.position, "cases: expected an array of tables")
                    }
                    let testCase = try loadCase(table, at: item.position, loader: loader)
                    if let line = names[testCase.name] {
                        throw loader.fail(item.position, "duplicate case name \"\(testCase.name)\": the case at line \(line) already uses it")
                    }
                    names[testCase.name] = testCase.line
                    cases.append(testCase)
                }
            default:
                let known = ["tests", "cases"]
                var hint = ""
                if let close = Suggest.closest(to: entry.key, in: known) {
                    hint = close == "cases" ? " (did you mean [[cases]]?)" : " (did you mean [tests]?)"
                }
                throw loader.fail(entry.keyPosition, "unknown table or key \"\(entry.key)\"\(hint); a tests file has [tests] and [[cases]]")
            }
        }
        guard !cases.isEmpty else {
            throw PolicyError(file: fileName, line: 1, column: 1, message: "no test cases; add [[cases]] tables with name, method, path and expect")
        }
        return PolicyTestFile(fileName: fileName, policy: policy, description: description, cases: cases)
    }

    static func loadCase(_ table: TOMLTable, at position: TOMLPosition, loader: PolicyLoader) throws(PolicyError) -> PolicyTestCase {
        for entry in table.entries where !caseKeys.contains(entry.key) {
            throw loader.unknownKey(entry, in: "[[cases]]", allowed: caseKeys)
        }
        func required(_ key: String, _ hint: String) throws(PolicyError) -> (String, TOMLEntry) {
            guard let entry = table[key] else { throw loader.fail(position, "this case has no \(key); add \(hint)") }
            return (try loader.string(entry, in: "cases"), entry)
        }
        func optional(_ key: String) throws(PolicyError) -> String? {
            guard let entry = table[key] else { return nil }
            return try loader.string(entry, in: "cases")
        }
        let (name, nameEntry) = try required("name", "name = \"what this case shows\"")
        guard !name.isEmpty else { throw loader.fail(nameEntry.node.position, "name must not be empty") }
        let (method, methodEntry) = try required("method", "method = \"GET\" (or POST, PUT, DELETE, HEAD)")
        guard !method.isEmpty, method.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            throw loader.fail(methodEntry.node.position, "method \"\(method)\" must be an upper-case HTTP method such as GET or POST")
        }
        var (path, pathEntry) = try required("path", "path = \"/containers/json\"")
        guard path.hasPrefix("/") else {
            throw loader.fail(pathEntry.node.position, "path \"\(path)\" must start with \"/\" (the request-target as a client sends it)")
        }
        if let versionEntry = table["api-version"] {
            let version = try loader.string(versionEntry, in: "cases")
            switch APIVersionPrefix.apply(version, to: path) {
            case .success(let target): path = target
            case .failure(let error): throw loader.fail(versionEntry.node.position, error.description)
            }
        }
        var body: PolicyTestCase.Body?
        if let text = try optional("body") { body = .inline(Array(text.utf8)) }
        if let entry = table["body-file"] {
            guard body == nil else { throw loader.fail(entry.keyPosition, "give body or body-file, not both") }
            body = .file(try loader.string(entry, in: "cases"))
        }
        let (expectText, expectEntry) = try required("expect", "expect = \"allow\" or expect = \"deny\"")
        guard let expect = Decision.Verdict(rawValue: expectText) else {
            throw loader.fail(expectEntry.node.position, "expect must be \"allow\" or \"deny\", not \"\(expectText)\"\(Suggest.didYouMean(expectText, in: ["allow", "deny"]))")
        }
        return PolicyTestCase(name: name, line: position.line, method: method, target: path, body: body,
                              contentType: try optional("content-type"), expect: expect,
                              rule: try optional("rule"), reasonContains: try optional("reason"))
    }
}

/// One request in, the expected decision out.
public struct PolicyTestCase: Sendable, Hashable {
    public enum Body: Sendable, Hashable {
        case inline([UInt8])
        /// A path relative to the tests file.
        case file(String)
    }

    public let name: String
    /// Line of the case's `[[cases]]` header.
    public let line: Int
    public let method: String
    /// The request-target, with the `api-version` prefix applied.
    public let target: String
    public let body: Body?
    /// nil: `application/json` when there is a body, none otherwise.
    public let contentType: String?
    public let expect: Decision.Verdict
    /// The deciding rule id (or body-rule section) expected, if given.
    public let rule: String?
    /// Text the decision's reason must contain, if given.
    public let reasonContains: String?

    /// Judges the case. `body`: the body's bytes (a `body-file` read by the caller).
    public func run(_ policy: Policy, body: [UInt8]?, environment: HostEnvironment = LiteralHostEnvironment()) -> PolicyTestResult {
        let contentType = self.contentType ?? (body == nil ? nil : "application/json")
        var whatIf = policy.whatIf(method: method, target: target, body: body, contentType: contentType, environment: environment)
        if whatIf.route?.name == "build.image" {
            // The body is the build context: its Dockerfile is judged, as serve and explain judge it.
            let rawQuery = target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) }
            whatIf = policy.whatIfBuild(whatIf, rawQuery: rawQuery, context: body, dockerfile: nil, environment: environment)
        }
        let decision = whatIf.decision
        var problems: [String] = []
        if decision.verdict != expect {
            problems.append("expected \(expect.rawValue), got \(decision.verdict.rawValue) by rule \(decision.rule)")
        }
        if let rule, rule != decision.rule {
            problems.append("expected rule \(rule), got \(decision.rule)")
        }
        if let reasonContains, !decision.reason.contains(reasonContains) {
            problems.append("the reason does not contain \"\(reasonContains)\"")
        }
        return PolicyTestResult(testCase: self, route: whatIf.route?.name, decision: decision, problems: problems)
    }
}

public struct PolicyTestResult: Sendable {
    public let testCase: PolicyTestCase
    public let route: String?
    public let decision: Decision
    /// Empty when the case passed.
    public let problems: [String]

    public var passed: Bool { problems.isEmpty }
}
