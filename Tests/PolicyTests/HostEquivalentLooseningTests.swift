import Testing
@testable import Policy

/// What `suggest` warns about: the settings it learned beyond its base that
/// give jobs the host (`HostEquivalentLoosening`).
@Suite struct HostEquivalentLooseningTests {
    static let cases: [(String, @Sendable (inout BodyRules) -> Void, [String])] = [
        ("nothing learned: no warning", { _ in }, []),
        ("privileged", { $0.privileged = true }, ["privileged"]),
        ("a host namespace", { $0.hostNamespaces = [.pid] }, ["host-namespaces"]),
        ("a writable host path", { $0.hostPaths = ["/etc"] }, ["host-paths \"/etc\", writable"]),
        ("a capability and devices", { $0.capabilities = ["CAP_SYS_ADMIN"]; $0.devices = true }, ["capabilities CAP_SYS_ADMIN", "devices"]),
        ("trust-bodies", { $0.trustBodies = true }, ["trust-bodies"]),
        ("a custom seccomp profile, which may allow every call", { $0.seccompProfiles = true }, ["seccomp-profiles = true"]),
        ("a swarm to join, whose managers run tasks here", { $0.swarmRemotes = ["127.0.0.1:1"] }, ["swarm join \"127.0.0.1:1\""]),
        // Decided not host-equivalent (see HostEquivalentLoosening):
        ("volumes-from: the lent mounts are judged as the request's own", { $0.volumesFrom = true }, []),
        ("ulimit memlock: the host's memory, not root on it", { $0.ulimits.insert("memlock") }, []),
        ("OOM protection: the host's processes die first, not root on it", { $0.oomProtection = true }, []),
    ]

    @Test(arguments: cases.indices)
    func warns(_ i: Int) {
        let (name, change, expected) = Self.cases[i]
        var suggested = BodyRules()
        change(&suggested)
        let lines = HostEquivalentLoosening.of(suggested, beyond: BodyRules())
        #expect(lines.count == expected.count, "\(name): \(lines)")
        for (line, prefix) in zip(lines, expected) { #expect(line.hasPrefix(prefix), "\(name): \(line)") }
    }

    @Test("what the base already allows is not warned about")
    func baseAllowsIt() {
        var base = BodyRules()
        base.privileged = true
        base.hostPaths = ["/etc"]
        var suggested = base
        suggested.hostPaths.append("/srv")
        #expect(HostEquivalentLoosening.of(suggested, beyond: base).map { $0.hasPrefix("host-paths \"/srv\"") } == [true])
    }

    /// (case, base, what the suggestion changes, the lines' beginnings, text every line together must hold)
    static let beyondBase: [(String, @Sendable (inout BodyRules) -> Void, @Sendable (inout BodyRules) -> Void, [String], String)] = [
        ("read-only turned off: the base's paths become writable",
         { $0.hostPaths = ["/x", "/y"]; $0.hostPathsReadOnly = true }, { $0.hostPathsReadOnly = false },
         ["host-paths read-only = false"], "\"/x\", \"/y\""),
        ("read-only turned off for a new path: the new path and the base's",
         { $0.hostPaths = ["/x"]; $0.hostPathsReadOnly = true }, { $0.hostPaths.append("/z"); $0.hostPathsReadOnly = false },
         ["host-paths \"/z\", writable", "host-paths read-only = false"], "\"/x\""),
        ("read-only already off in the base: nothing new",
         { $0.hostPaths = ["/x"]; $0.hostPathsReadOnly = false }, { _ in }, [], ""),
        ("read-only turned off with no path allowed: nothing becomes writable",
         { $0.hostPathsReadOnly = true }, { $0.hostPathsReadOnly = false }, [], ""),
        ("a swarm the base may join already", { $0.swarmRemotes = ["m.example.com:2377"] }, { _ in }, [], ""),
        ("another swarm than the base's", { $0.swarmRemotes = ["m.example.com:2377"] }, { $0.swarmRemotes.append("127.0.0.1:1") },
         ["swarm join \"127.0.0.1:1\""], "managers"),
        ("seccomp-profiles already in the base", { $0.seccompProfiles = true }, { _ in }, [], ""),
    ]

    @Test(arguments: beyondBase.indices)
    func warnsBeyondBase(_ i: Int) {
        let (name, makeBase, change, expected, text) = Self.beyondBase[i]
        var base = BodyRules()
        makeBase(&base)
        var suggested = base
        change(&suggested)
        let lines = HostEquivalentLoosening.of(suggested, beyond: base)
        #expect(lines.count == expected.count, "\(name): \(lines)")
        for (line, prefix) in zip(lines, expected) { #expect(line.hasPrefix(prefix), "\(name): \(line)") }
        #expect(text.isEmpty || lines.joined(separator: "\n").contains(text), "\(name): \(lines)")
    }

    /// Routes of the cluster and plugin groups (ci.toml denies them) that a
    /// suggestion allows ahead of the base: warned when they manage the
    /// cluster or plugins, or read its keys; not for reads of its state.
    static let clusterRoutes: [(String, Bool)] = [
        ("swarm.join", true), ("swarm.init", true), ("swarm.update", true), ("swarm.inspect", true), ("swarm.unlockkey", true),
        ("service.create", true), ("service.update", true), ("node.update", true), ("secret.create", true),
        ("config.update", true), ("plugin.pull", true), ("plugin.enable", true), ("plugin.set", true),
        ("secret.list", false), ("config.list", false), ("task.list", false), ("service.logs", false), ("node.list", false),
        ("plugin.list", false), ("container.list", false),
    ]

    @Test(arguments: clusterRoutes)
    func clusterRouteBeyondTheBase(_ name: String, _ warned: Bool) throws {
        let ci = try loadShippedPolicy("ci.toml")
        var draft = PolicyDraft(ci)
        draft.rules.insert(PolicyDraft.DraftRule(id: "learned", action: .allow, description: nil, routes: .only([name]),
                                                 groups: nil, methods: nil), at: 0)
        let suggested = try Policy.parse(source: draft.render(), fileName: "suggested.toml")
        let lines = HostEquivalentLoosening.of(suggested, beyond: ci)
        #expect(lines.contains { $0.contains(name) } == warned, "\(name): \(lines)")
        // The same route allowed by the base is not the suggestion's doing.
        #expect(HostEquivalentLoosening.of(suggested, beyond: suggested).isEmpty)
    }

    @Test("a swarm join recorded under ci.toml in audit mode is learned with a warning for the route and the remote")
    func swarmJoinLearned() throws {
        var ci = try loadShippedPolicy("ci.toml")
        ci.mode = .audit
        let join = #"{"ListenAddr":"127.0.0.1:2377","AdvertiseAddr":"127.0.0.1","RemoteAddrs":["127.0.0.1:1"],"JoinToken":"SWMTKN-1-x"}"#
        let entries = [try recorded("HEAD", "/_ping", under: ci, line: 1),
                       try recorded("POST", "/v1.41/swarm/join", body: join, under: ci, line: 2)]
        let base = try loadShippedPolicy("ci.toml")
        let s = try suggest(entries, base: base)
        #expect(s.policy.bodyRules.swarmRemotes == ["127.0.0.1:1"])
        let lines = HostEquivalentLoosening.of(s.policy, beyond: base)
        #expect(lines.contains { $0.contains("swarm.join") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("swarm join \"127.0.0.1:1\"") }, "\(lines)")
    }

    @Test("a writable bind of a path the base allows read-only is learned with a warning naming the path")
    func readOnlyTurnedOff() throws {
        let base = try Policy.parse(source: """
            [policy]
            mode = "audit"
            [[rules]]
            id = "c"
            action = "allow"
            groups = ["containers"]
            [host-paths]
            allow = ["/x"]
            read-only = true
            """, fileName: "base.toml")
        let entry = try recorded("POST", "/v1.41/containers/create", body: #"{"Image":"busybox","HostConfig":{"Binds":["/x:/c"]}}"#,
                                 under: base, line: 1)
        let s = try suggest([entry], base: base)
        #expect(s.policy.bodyRules.hostPathsReadOnly == false)
        let lines = HostEquivalentLoosening.of(s.policy, beyond: base)
        #expect(lines.count == 1 && lines[0].hasPrefix("host-paths read-only = false") && lines[0].contains("\"/x\""), "\(lines)")
    }
}
