import Testing
@testable import Policy

/// Values from an audit log that `suggest` must not learn as they are: one
/// the policy list would read as a pattern (a `*`), one the loader refuses.
/// Each is listed under "Asked for, but no policy setting allows it", and
/// everything else in the log is still learned.
@Suite struct SuggestLearnedValuesTests {
    /// Everything routed, registries narrowed: only what the body asks is judged.
    static let narrow = """
        [policy]
        mode = "audit"
        [[rules]]
        id = "all"
        action = "allow"
        groups = ["*"]
        [registries]
        allow = ["docker.io"]
        """

    /// (case, method, target, body, the value that must not be learned)
    static let patterns: [(String, String, String, String?, String)] = [
        ("sysctl * would allow every sysctl", "POST", "/v1.41/containers/create",
         #"{"Image":"busybox","HostConfig":{"Sysctls":{"*":"1"}}}"#, "*"),
        ("a literal sysctl ending in * would allow every net.ipv4 sysctl", "POST", "/v1.41/containers/create",
         #"{"Image":"busybox","HostConfig":{"Sysctls":{"net.ipv4.*":"1"}}}"#, "net.ipv4.*"),
        ("log driver * would allow every driver", "POST", "/v1.41/containers/create",
         #"{"Image":"busybox","HostConfig":{"LogConfig":{"Type":"*","Config":{}}}}"#, "*"),
        ("log option * would allow every address option", "POST", "/v1.41/containers/create",
         #"{"Image":"busybox","HostConfig":{"LogConfig":{"Type":"json-file","Config":{"*":"x"}}}}"#, "*"),
        ("a login to registry * would allow every registry", "POST", "/v1.41/auth", #"{"serveraddress":"*"}"#, "*"),
        ("a pull from registry *.io would allow every .io registry", "POST", "/v1.41/images/create?fromImage=%2A.io%2Fx&tag=1", nil, "*.io"),
        ("swarm address * would allow every address", "POST", "/v1.41/swarm/init",
         #"{"ListenAddr":"*:2377","AdvertiseAddr":"127.0.0.1"}"#, "*"),
    ]

    @Test(arguments: patterns.indices)
    func patternIsNotLearned(_ i: Int) throws {
        let (name, method, target, body, value) = Self.patterns[i]
        let base = try Policy.parse(source: Self.narrow, fileName: "narrow.toml")
        let entries = [try recorded("HEAD", "/_ping", under: base, line: 1),
                       try recorded(method, target, body: body, under: base, line: 2)]
        let s = try suggest(entries, base: base)
        let r = s.policy.bodyRules
        let lists: [String] = r.sysctls + Array(r.logDrivers) + Array(r.logOptions) + r.registries + r.swarmAddresses
        #expect(!lists.contains { $0.contains("*") }, "\(name): \(lists)")
        #expect(s.notAllowed.count == 1 && s.notAllowed[0].contains("line 2"), "\(name): \(s.notAllowed)")
        let asked = s.text.components(separatedBy: "Asked for, but no policy setting allows it")
        #expect(asked.count == 2 && asked[1].contains("\"\(value)\"") && asked[1].contains("pattern"), "\(name): \(s.text)")
    }

    @Test("a sysctl read as a pattern is not learned; the one beside it is")
    func restIsLearned() throws {
        let base = try Policy.parse(source: Self.narrow, fileName: "narrow.toml")
        let body = #"{"Image":"busybox","HostConfig":{"Sysctls":{"net.ipv4.*":"1","net.ipv4.ip_forward":"1"}}}"#
        let s = try suggest([try recorded("POST", "/v1.41/containers/create", body: body, under: base, line: 1)], base: base)
        #expect(s.policy.bodyRules.sysctls == ["net.ipv4.ip_forward"])
    }

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
