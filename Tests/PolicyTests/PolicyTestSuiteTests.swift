import EngineAPI
import Foundation  // tests only: to list and read the shipped files
import Testing
@testable import Policy

let okCase = "[[cases]]\nname = \"ping\"\nmethod = \"GET\"\npath = \"/_ping\"\nexpect = \"allow\"\n"

struct BadTestsFile: CustomTestStringConvertible, Sendable {
    let name: String
    let source: String
    let error: String
    var testDescription: String { name }
}

let badTestsFiles: [BadTestsFile] = [
    .init(name: "no cases", source: "[tests]\npolicy = \"x.toml\"\n",
          error: "t.tests.toml:1:1: no test cases; add [[cases]] tables with name, method, path and expect"),
    .init(name: "misspelt key, with suggestion", source: okCase + "[[cases]]\nname = \"b\"\nmethod = \"GET\"\npath = \"/_ping\"\nexpcet = \"deny\"\n",
          error: "t.tests.toml:10:1: unknown key \"expcet\" in [[cases]] (did you mean \"expect\"?); the allowed keys are name, method, path, api-version, body, body-file, content-type, expect, rule, reason"),
    .init(name: "missing expect", source: "[[cases]]\nname = \"a\"\nmethod = \"GET\"\npath = \"/_ping\"\n",
          error: "t.tests.toml:1:1: this case has no expect; add expect = \"allow\" or expect = \"deny\""),
    .init(name: "expect neither allow nor deny", source: "[[cases]]\nname = \"a\"\nmethod = \"GET\"\npath = \"/_ping\"\nexpect = \"alow\"\n",
          error: "t.tests.toml:5:10: expect must be \"allow\" or \"deny\", not \"alow\" (did you mean \"allow\"?)"),
    .init(name: "duplicate case names", source: okCase + okCase,
          error: "t.tests.toml:6:1: duplicate case name \"ping\": the case at line 1 already uses it"),
    .init(name: "body and body-file", source: "[[cases]]\nname = \"a\"\nmethod = \"POST\"\npath = \"/containers/create\"\nbody = '{}'\nbody-file = \"b.json\"\nexpect = \"deny\"\n",
          error: "t.tests.toml:6:1: give body or body-file, not both"),
    .init(name: "api-version on a versioned path", source: "[[cases]]\nname = \"a\"\nmethod = \"GET\"\npath = \"/v1.41/_ping\"\napi-version = \"1.41\"\nexpect = \"allow\"\n",
          error: "t.tests.toml:5:15: /v1.41/_ping already names API version 1.41; drop the API version or the /v1.41 prefix"),
    .init(name: "api-version not MAJOR.MINOR", source: "[[cases]]\nname = \"a\"\nmethod = \"GET\"\npath = \"/_ping\"\napi-version = \"v1\"\nexpect = \"allow\"\n",
          error: "t.tests.toml:5:15: API version \"v1\" must look like 1.41"),
    .init(name: "lower-case method", source: "[[cases]]\nname = \"a\"\nmethod = \"get\"\npath = \"/_ping\"\nexpect = \"allow\"\n",
          error: "t.tests.toml:3:10: method \"get\" must be an upper-case HTTP method such as GET or POST"),
    .init(name: "path without a slash", source: "[[cases]]\nname = \"a\"\nmethod = \"GET\"\npath = \"_ping\"\nexpect = \"allow\"\n",
          error: "t.tests.toml:4:8: path \"_ping\" must start with \"/\" (the request-target as a client sends it)"),
    .init(name: "a single [cases] table", source: "[cases]\nname = \"a\"\n",
          error: "t.tests.toml:1:2: cases must be an array of tables: write [[cases]] (two brackets) above each case"),
    .init(name: "misspelt table, with suggestion", source: "[[case]]\nname = \"a\"\n",
          error: "t.tests.toml:1:3: unknown table or key \"case\" (did you mean [[cases]]?); a tests file has [tests] and [[cases]]"),
    .init(name: "unknown key in [tests]", source: "[tests]\npolcy = \"x.toml\"\n" + okCase,
          error: "t.tests.toml:2:1: unknown key \"polcy\" in [tests] (did you mean \"policy\"?); the allowed keys are policy, description"),
]

@Suite("Policy tests (sockwarden test)")
struct PolicyTestSuiteTests {
    @Test("an invalid tests file is refused with file:line:column", arguments: badTestsFiles)
    func invalid(_ c: BadTestsFile) {
        do {
            _ = try PolicyTestFile.parse(bytes: Array(c.source.utf8), fileName: "t.tests.toml")
            Issue.record("accepted")
        } catch {
            #expect(error.description == c.error)
        }
    }

    @Test("a tests file names its policy, or is named after it")
    func policyName() throws {
        #expect(PolicyTestFile.defaultPolicyName(forTestsFile: "ci.tests.toml") == "ci.toml")
        #expect(PolicyTestFile.defaultPolicyName(forTestsFile: "ci.toml") == nil)
        let file = try PolicyTestFile.parse(bytes: Array(("[tests]\npolicy = \"other.toml\"\n" + okCase).utf8), fileName: "t.tests.toml")
        #expect(file.policy == "other.toml")
        #expect(file.cases.count == 1)
        #expect(file.cases[0].line == 3)
    }

    @Test("api-version puts the version in front of the path")
    func apiVersion() throws {
        let file = try PolicyTestFile.parse(bytes: Array("[[cases]]\nname = \"a\"\nmethod = \"GET\"\npath = \"/containers/json?all=1\"\napi-version = \"1.41\"\nexpect = \"allow\"\n".utf8),
                                            fileName: "t.tests.toml")
        #expect(file.cases[0].target == "/v1.41/containers/json?all=1")
    }

    @Test("a case fails on the verdict, the rule or the reason, and says which")
    func failures() throws {
        let policy = try containersPolicy()
        func run(_ extra: String) throws -> PolicyTestResult {
            let source = "[[cases]]\nname = \"c\"\nmethod = \"POST\"\npath = \"/v1.41/containers/create\"\nbody = '{\"Image\":\"b\",\"HostConfig\":{\"Privileged\":true}}'\n" + extra
            return try PolicyTestFile.parse(bytes: Array(source.utf8), fileName: "t.tests.toml").cases[0].run(policy, body: Array(#"{"Image":"b","HostConfig":{"Privileged":true}}"#.utf8))
        }
        #expect(try run("expect = \"deny\"\nrule = \"containers\"\nreason = \"privileged\"\n").passed)
        #expect(try run("expect = \"allow\"\n").problems == ["expected allow, got deny by rule containers"])
        #expect(try run("expect = \"deny\"\nrule = \"host-paths\"\n").problems == ["expected rule host-paths, got containers"])
        #expect(try run("expect = \"deny\"\nreason = \"capability\"\n").problems == ["the reason does not contain \"capability\""])
    }

    /// A one-file tar: a build context as the docker CLI sends it.
    static func context(_ name: String, _ text: String) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        let data = Array(text.utf8)
        for (i, b) in name.utf8.enumerated() { header[i] = b }
        for (i, b) in "0000644\0".utf8.enumerated() { header[100 + i] = b }
        let size = String(data.count, radix: 8)
        for (i, b) in (String(repeating: "0", count: 11 - size.count) + size + "\0").utf8.enumerated() { header[124 + i] = b }
        for (i, b) in "00000000000\0".utf8.enumerated() { header[136 + i] = b }
        header[156] = UInt8(ascii: "0")
        for (i, b) in "ustar\u{0}00".utf8.enumerated() { header[257 + i] = b }
        for i in 148..<156 { header[i] = 0x20 }
        let checksum = String(header.reduce(0) { $0 + Int($1) }, radix: 8)
        for (i, b) in (String(repeating: "0", count: 6 - checksum.count) + checksum + "\0 ").utf8.enumerated() { header[148 + i] = b }
        return header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512) + [UInt8](repeating: 0, count: 1024)
    }

    @Test("a build case's body is its context: its Dockerfile is judged, as serve and explain judge it", arguments: [
        ("FROM busybox\nRUN true\n", "allow", "ci-work"),
        ("FROM busybox\nADD http://example.com/payload /payload\n", "deny", "builds"),
        ("FROM busybox\nLABEL io.sockwarden.job=other\n", "deny", "build-context"),
    ])
    func buildContextIsJudged(_ row: (String, String, String)) throws {
        let source = "[[cases]]\nname = \"b\"\nmethod = \"POST\"\npath = \"/v1.41/build?t=app\"\ncontent-type = \"application/x-tar\"\n"
            + "expect = \"\(row.1)\"\nrule = \"\(row.2)\"\n"
        let testCase = try PolicyTestFile.parse(bytes: Array(source.utf8), fileName: "t.tests.toml").cases[0]
        let policy = try loadShippedPolicy("ci.toml")
        let result = testCase.run(policy, body: Self.context("Dockerfile", row.0))
        #expect(result.passed, "\(result.problems) \(result.decision.reason)")
        let explained = policy.whatIfBuild(policy.whatIf(method: "POST", target: "/v1.41/build?t=app", body: Self.context("Dockerfile", row.0),
                                                         contentType: "application/x-tar"),
                                           rawQuery: "t=app", context: Self.context("Dockerfile", row.0), dockerfile: nil,
                                           environment: LiteralHostEnvironment())
        #expect(explained.decision == result.decision)
    }

    @Test("a case is judged whatever the policy's mode")
    func modeDoesNotChangeTheVerdict() throws {
        let source = "[[cases]]\nname = \"c\"\nmethod = \"GET\"\npath = \"/images/json\"\nexpect = \"deny\"\nrule = \"default-deny\"\n"
        let testCase = try PolicyTestFile.parse(bytes: Array(source.utf8), fileName: "t.tests.toml").cases[0]
        #expect(testCase.run(try containersPolicy(mode: "audit"), body: nil).passed)
    }
}

/// The tests files beside the shipped policies.
func shippedTestsFiles() -> [String] {
    let directory = repositoryRoot() + "/policies"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".tests.toml") }.sorted()
}

@Suite("Shipped policy tests")
struct ShippedPolicyTestsTests {
    @Test("every shipped policy has its tests file")
    func everyPolicyHasTests() {
        let directory = repositoryRoot() + "/policies"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let policies = names.filter { $0.hasSuffix(".toml") && !$0.hasSuffix(".tests.toml") }
        #expect(policies.count >= 3)
        for policy in policies {
            #expect(names.contains(String(policy.dropLast(5)) + ".tests.toml"), "\(policy) has no tests file")
        }
    }

    @Test("every case of every shipped tests file passes", arguments: shippedTestsFiles())
    func shippedCasesPass(_ name: String) throws {
        let path = repositoryRoot() + "/policies/" + name
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let file = try PolicyTestFile.parse(bytes: [UInt8](bytes), fileName: path)
        let policy = try loadShippedPolicy(file.policy ?? PolicyTestFile.defaultPolicyName(forTestsFile: name)!)
        for testCase in file.cases {
            var body: [UInt8]?
            switch testCase.body {
            case .inline(let bytes)?: body = bytes
            case .file?:
                Issue.record("\(testCase.name): shipped cases keep their bodies inline")
                continue
            case nil: break
            }
            let result = testCase.run(policy, body: body)
            #expect(result.passed, "\(name):\(testCase.line) \(testCase.name): \(result.problems) (\(result.decision.reason))")
        }
    }

    @Test("ci.tests.toml has at least 40 cases and exercises every body section and both verdicts")
    func ciCoverage() throws {
        let path = repositoryRoot() + "/policies/ci.tests.toml"
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let file = try PolicyTestFile.parse(bytes: [UInt8](bytes), fileName: path)
        #expect(file.cases.count >= 40)
        let rules = Set(file.cases.compactMap(\.rule))
        for section in ["ci-work", "no-cluster-or-plugins", "no-buildkit-sessions", "containers", "security-options", "host-paths",
                        "volumes", "networks", "host-ports", "builds", "api", "body", "unknown-route"] {
            #expect(rules.contains(section), "no case expects rule \(section)")
        }
        #expect(file.cases.filter { $0.expect == .allow }.count >= 15)
        #expect(file.cases.filter { $0.expect == .deny }.count >= 25)
    }
}
