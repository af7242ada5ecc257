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
}
