import Testing
@testable import Policy

/// Whether a policy refuses BuildKit builds, which makes the proxy tell a
/// ping's client the classic builder is the daemon's default.
@Suite("A policy that refuses BuildKit")
struct RefusesBuildKitTests {
    static let allowAll = """
        [[rules]]
        id = "all"
        action = "allow"
        groups = ["*"]
        """
    static let sessionsDenied = """
        [[rules]]
        id = "no-sessions"
        action = "deny"
        groups = ["session"]
        """ + "\n" + allowAll

    @Test("refused by its streams' routes or [builds] buildkit, in enforce mode only", arguments: [
        ("every route, bodies judged, buildkit at its default", allowAll, true),
        ("every route, [builds] buildkit = true", allowAll + "\n[builds]\nbuildkit = true\n", false),
        ("every route, bodies trusted", "[policy]\ntrust-bodies = true\n" + allowAll, false),
        ("sessions denied, [builds] buildkit = true", sessionsDenied + "\n[builds]\nbuildkit = true\n", true),
        ("sessions denied, bodies trusted", "[policy]\ntrust-bodies = true\n" + sessionsDenied, true),
        ("warn mode: refusals are only warned about", "[policy]\nmode = \"warn\"\n" + sessionsDenied, false),
        ("audit mode", "[policy]\nmode = \"audit\"\n" + sessionsDenied, false),
    ])
    func refusesBuildKit(_ name: String, _ source: String, _ refuses: Bool) throws {
        let policy = try Policy.parse(source: source, fileName: "t.toml")
        #expect(policy.refusesBuildKit == refuses, "\(name)")
    }

    @Test("the shipped policies", arguments: [("ci.toml", true), ("observe.toml", false), ("read-only.toml", true)])
    func shipped(_ name: String, _ refuses: Bool) throws {
        #expect(try loadShippedPolicy(name).refusesBuildKit == refuses)
    }
}
