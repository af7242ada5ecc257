import EngineAPI
import GoJSON
import Testing
@testable import Policy

/// A policy allowing containers (body rules at their secure defaults) and
/// nothing else, in `mode`.
func containersPolicy(mode: String? = nil) throws -> Policy {
    let header = mode.map { "[policy]\nmode = \"\($0)\"\n\n" } ?? ""
    return try Policy.parse(source: header + "[[rules]]\nid = \"containers\"\naction = \"allow\"\ngroups = [\"containers\", \"exec\"]\n",
                            fileName: "modes.toml")
}

func createInput(_ body: String, version: String? = "1.41", contentType: String? = "application/json") -> PolicyInput {
    PolicyInput(method: "POST", route: Catalogue.route(named: "container.create"), apiVersion: version,
                body: .complete(Array(body.utf8), contentType: contentType), contentType: contentType)
}

struct ModeCase: CustomTestStringConvertible, Sendable {
    let name: String
    let mode: String?
    let input: PolicyInput
    let forwards: Bool
    let wouldDeny: Bool
    /// nil: the received body is forwarded (or nothing is); else the forwarded body must contain it.
    var forwardedContains: String?
    var testDescription: String { name }
}

let privilegedBody = #"{"image":"busybox","hostconfig":{"privileged":true}}"#

let modeCases: [ModeCase] = [
    .init(name: "enforce refuses a privileged container", mode: nil, input: createInput(privilegedBody), forwards: false, wouldDeny: false),
    .init(name: "warn forwards it as would-deny, re-encoded as judged", mode: "warn", input: createInput(privilegedBody),
          forwards: true, wouldDeny: true, forwardedContains: #""Privileged":true"#),
    .init(name: "audit forwards it as would-deny", mode: "audit", input: createInput(privilegedBody),
          forwards: true, wouldDeny: true, forwardedContains: #""Privileged":true"#),
    .init(name: "an allowed request is no would-deny in warn mode", mode: "warn", input: createInput(#"{"Image":"busybox"}"#),
          forwards: true, wouldDeny: false, forwardedContains: #""Image":"busybox""#),
    .init(name: "audit forwards an undecodable body as received, never re-encoded", mode: "audit",
          input: createInput(#"{"Image":"busybox","Privileged":true}"#), forwards: true, wouldDeny: true),
    .init(name: "audit forwards a body below min-version as received", mode: "audit",
          input: createInput(privilegedBody, version: "1.20"), forwards: true, wouldDeny: true),
    .init(name: "audit forwards a form-encoded body as received", mode: "audit",
          input: createInput("a=b", contentType: "application/x-www-form-urlencoded"), forwards: true, wouldDeny: true),
    .init(name: "a route no rule allows is forwarded in audit mode", mode: "audit",
          input: PolicyInput(method: "GET", route: Catalogue.route(named: "image.list")), forwards: true, wouldDeny: true),
    .init(name: "an unknown route is refused in every mode", mode: "audit",
          input: PolicyInput(method: "GET", route: nil), forwards: false, wouldDeny: false),
    .init(name: "a body over the inspection limit is refused in every mode", mode: "warn",
          input: PolicyInput(method: "POST", route: Catalogue.route(named: "container.create"), apiVersion: "1.41",
                             body: .tooLarge(limit: 1 << 20), contentType: "application/json"),
          forwards: false, wouldDeny: false),
]

@Suite("Rollout modes")
struct ModeTests {
    @Test("a mode decides whether a denied request is forwarded, and what", arguments: modeCases)
    func judge(_ c: ModeCase) throws {
        let policy = try containersPolicy(mode: c.mode)
        let judgement = policy.judge(c.input)
        #expect(judgement.forwards == c.forwards)
        #expect(judgement.wouldDeny == c.wouldDeny)
        if let fragment = c.forwardedContains {
            let forwarded = try #require(judgement.forwardBody)
            #expect(String(decoding: forwarded, as: UTF8.self).contains(fragment))
        } else {
            #expect(judgement.forwardBody == nil, "the received body must be forwarded unchanged")
        }
        // The policy's own verdict does not depend on the mode.
        #expect(judgement.decision == policy.evaluate(c.input))
    }

    @Test("facts are recorded whatever the decision, and not for trusted bodies")
    func factsRecorded() throws {
        let denied = try containersPolicy().judge(createInput(privilegedBody))
        #expect(denied.facts?.asks.contains { $0.kind == .privileged } == true)
        let routeDenied = try Policy.parse(source: "[[rules]]\nid = \"ping\"\naction = \"allow\"\nroutes = [\"system.ping\"]\n", fileName: "p.toml")
            .judge(createInput(#"{"Image":"busybox","HostConfig":{"CapAdd":["NET_ADMIN"]}}"#))
        #expect(routeDenied.decision.rule == Decision.defaultDeny)
        #expect(routeDenied.facts?.asks.contains { $0.kind == .capabilityAdd("CAP_NET_ADMIN") } == true)
        let trusted = try Policy.parse(source: "[policy]\ntrust-bodies = true\n[[rules]]\nid = \"all\"\naction = \"allow\"\ngroups = [\"*\"]\n",
                                       fileName: "o.toml").judge(createInput(privilegedBody))
        #expect(trusted.facts == nil)
    }

    @Test("a relaxed body denial lists every refused ask, not only the first")
    func everyViolation() throws {
        let body = #"{"Image":"b","HostConfig":{"CapAdd":["NET_ADMIN"],"Binds":["/srv:/x"],"Privileged":true}}"#
        let warned = try containersPolicy(mode: "warn").judge(createInput(body))
        #expect(warned.violations.count == 3)
        #expect(warned.violations.first == warned.decision.reason)
        #expect(warned.violations.contains { $0.hasPrefix("[host-paths]") })
        // A route-level denial has no body violations to list.
        let routeDenied = try containersPolicy(mode: "warn").judge(PolicyInput(method: "GET", route: Catalogue.route(named: "image.list")))
        #expect(routeDenied.wouldDeny && routeDenied.violations.isEmpty)
    }

    @Test("mode values load, and a wrong one is refused with a suggestion",
          arguments: [("enforce", "ok"), ("warn", "ok"), ("audit", "ok"),
                      ("wran", "modes.toml:2:8: unknown mode \"wran\" (did you mean \"warn\"?); the modes are \"enforce\", \"warn\", \"audit\""),
                      ("Audit", "modes.toml:2:8: unknown mode \"Audit\" (did you mean \"audit\"?); the modes are \"enforce\", \"warn\", \"audit\"")])
    func modeValues(_ value: String, _ expected: String) {
        do {
            let policy = try containersPolicy(mode: value)
            #expect(expected == "ok")
            #expect(policy.mode.rawValue == value)
        } catch {
            #expect("\(error)" == expected)
        }
    }

    @Test("no mode means enforce")
    func defaultMode() throws {
        #expect(try containersPolicy().mode == .enforce)
    }
}

struct WarningsCase: CustomTestStringConvertible, Sendable {
    let name: String
    let body: String
    /// nil: the body is left alone.
    let expected: String?
    var testDescription: String { name }
}

let warningsCases: [WarningsCase] = [
    .init(name: "20.10 writes null Warnings", body: "{\"Id\":\"abc\",\"Warnings\":null}\n", expected: "{\"Id\":\"abc\",\"Warnings\":[\"W\"]}\n"),
    .init(name: "28.x writes an empty array", body: "{\"Id\":\"abc\",\"Warnings\":[]}\n", expected: "{\"Id\":\"abc\",\"Warnings\":[\"W\"]}\n"),
    .init(name: "the daemon's own warnings come first", body: #"{"Id":"abc","Warnings":["kernel"]}"#, expected: "{\"Id\":\"abc\",\"Warnings\":[\"kernel\",\"W\"]}\n"),
    .init(name: "no Warnings member: one is added", body: #"{"Id":"abc"}"#, expected: "{\"Id\":\"abc\",\"Warnings\":[\"W\"]}\n"),
    .init(name: "not an object: left alone", body: #"["x"]"#, expected: nil),
    .init(name: "not JSON: left alone", body: "{", expected: nil),
    .init(name: "Warnings of another type: left alone", body: #"{"Id":"a","Warnings":"x"}"#, expected: nil),
]

@Suite("Warn mode tells the client")
struct ModeWarningsTests {
    @Test("a container-create response gets the warning in Warnings", arguments: warningsCases)
    func createWarnings(_ c: WarningsCase) {
        let out = ModeWarnings.addingWarnings(["W"], toCreateResponse: Array(c.body.utf8))
        #expect(out.map { String(decoding: $0, as: UTF8.self) } == c.expected)
    }

    @Test("escapes survive the rewrite")
    func escapes() throws {
        let out = try #require(ModeWarnings.addingWarnings(["a \"quoted\" \\ path\n"], toCreateResponse: Array(#"{"Id":"\u00e9"}"#.utf8)))
        guard case .success(.object(let members)) = JSONParser.parse(out) else { Issue.record("not JSON"); return }
        #expect(members[0] == JSONMember("Id", .string("é")))
        #expect(members[1] == JSONMember("Warnings", .array([.string("a \"quoted\" \\ path\n")])))
    }

    @Test("a header value keeps visible ASCII only",
          arguments: [("plain text", "plain text"), ("line\r\nInjected: 1", "line??Injected: 1"), ("caf\u{E9}", "caf??"), ("tab\there ", "tab?here")])
    func headerValue(_ input: String, _ expected: String) {
        #expect(ModeWarnings.headerValue(input) == expected)
    }

    @Test("a header value is bounded")
    func headerBounded() {
        #expect(ModeWarnings.headerValue(String(repeating: "x", count: 5000)).utf8.count == 1024)
    }
}
