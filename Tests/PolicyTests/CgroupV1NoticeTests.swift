import EngineAPI
import Testing
@testable import Policy

/// `serve` warns at start when the daemon runs cgroup v1 and the policy
/// refuses the host's cgroup namespace, which it cannot refuse there for a
/// create that names no mode.
@Suite struct CgroupV1NoticeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let cgroupVersion: String?
        let rules: @Sendable () -> BodyRules
        /// nil: no warning; else what it must say.
        let says: [String]?
        let doesNotSay: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "cgroup v1, the default API floor: both the daemon flag and min-version", cgroupVersion: "1",
             rules: { BodyRules() },
             says: ["cgroup v1", "--default-cgroupns-mode=private", "below API 1.41", "[api] min-version = \"1.41\"", "policy ci.toml"],
             doesNotSay: []),
        Case(name: "cgroup v1 with min-version 1.41 already: only the daemon flag", cgroupVersion: "1",
             rules: { var r = BodyRules(); r.minAPIVersion = APIVersion(1, 41); return r },
             says: ["--default-cgroupns-mode=private"], doesNotSay: ["min-version", "below API 1.41"]),
        Case(name: "cgroup v2: nothing to say", cgroupVersion: "2", rules: { BodyRules() }, says: nil, doesNotSay: []),
        Case(name: "the daemon did not say (older than API 1.40)", cgroupVersion: nil, rules: { BodyRules() }, says: nil, doesNotSay: []),
        Case(name: "the policy allows --cgroupns host anyway", cgroupVersion: "1",
             rules: { var r = BodyRules(); r.hostNamespaces = [.cgroupns]; return r }, says: nil, doesNotSay: []),
        Case(name: "bodies trusted (observe.toml): nothing is judged", cgroupVersion: "1",
             rules: { var r = BodyRules(); r.trustBodies = true; return r }, says: nil, doesNotSay: []),
    ]

    @Test(arguments: cases) func warning(_ c: Case) {
        let text = CgroupV1Notice.warning(cgroupVersion: c.cgroupVersion, bodyRules: c.rules(), policyName: "ci.toml")
        guard let says = c.says else {
            #expect(text == nil)
            return
        }
        guard let text else {
            Issue.record("no warning")
            return
        }
        for part in says { #expect(text.contains(part), "\(part) in \(text)") }
        for part in c.doesNotSay { #expect(!text.contains(part), "\(part) in \(text)") }
    }

    @Test func theShippedCIPolicyIsWarnedAbout() throws {
        let policy = try loadShippedPolicy("ci.toml")
        #expect(CgroupV1Notice.warning(cgroupVersion: "1", bodyRules: policy.bodyRules, policyName: policy.name) != nil)
    }
}
