import Testing
@testable import Policy

/// Values from an audit log that `suggest` must not learn as they are: one
/// the loader refuses. Each is listed under "Asked for, but no policy setting allows it", and
/// everything else in the log is still learned.
@Suite struct SuggestLearnedValuesTests {
    /// (case, method, target, body, what must not be in the policy, what the listing says)
    static let unloadable: [(String, String, String, String?, String, String)] = [
        ("a login to an IPv6 literal with a port", "POST", "/v1.41/auth", #"{"serveraddress":"http://[::1]:1"}"#,
         "[::1]:1", "must be *, *.domain or host[:port]"),
        ("a bind of a path with a NUL in it", "POST", "/v1.41/containers/create",
         #"{"Image":"busybox","HostConfig":{"Binds":["/srv/c\u0000i:/c"]}}"#, "/srv/c\u{0}i", "NUL"),
    ]

    @Test(arguments: unloadable.indices)
    func unloadableIsNotLearned(_ i: Int) throws {
        let (name, method, target, body, value, why) = Self.unloadable[i]
        var ci = try loadShippedPolicy("ci.toml")
        ci.mode = .audit
        let entries = [try recorded(method, target, body: body, under: ci, line: 1),
                       try recorded("POST", "/v1.41/containers/create", body: netAdminBody, under: ci, line: 2)]
        let s = try suggest(entries, base: try loadShippedPolicy("ci.toml"))
        #expect(!s.policy.bodyRules.registries.contains(value) && !s.policy.bodyRules.hostPaths.contains(value), "\(name)")
        #expect(s.policy.bodyRules.capabilities == ["CAP_NET_ADMIN"], "\(name): the rest is still learned")
        #expect(s.notAllowed.count == 1 && s.notAllowed[0].contains("line 1"), "\(name): \(s.notAllowed)")
        let asked = s.text.components(separatedBy: "Asked for, but no policy setting allows it")
        #expect(asked.count == 2 && asked[1].contains(why), "\(name): \(s.text)")
    }
}
