import GoJSON
import Policy
import Posix
import Testing
@testable import Proxy

/// The records' JSON: valid, with the documented members in order.
@Suite struct AuditRecordTests {
    static func record() -> AuditRecord {
        var r = AuditRecord(connection: 6, request: 10, peer: PeerCredentials(pid: 4242, uid: 1000, gid: 100), method: "POST",
                            target: "/v1.41/containers/create?name=\"x\"", route: "container.create", group: "containers",
                            apiVersion: "1.41", decision: "deny", rule: "host-paths", reason: "[host-paths]: HostConfig.Binds[0] \"/etc:/x\"",
                            policy: "ci.toml", status: nil, startedAt: (1_795_988_597, 436_000_000))
        r.policyDigest = "sha256:" + String(repeating: "0", count: 64)
        r.container = AuditCgroupTests.id
        r.facts = Array("{\"image\":\"alpine\",\"privileged\":false}".utf8)
        return r
    }

    static func members(_ bytes: [UInt8]) -> [JSONMember] {
        guard case .success(.object(let m)) = JSONParser.parse(bytes) else { return [] }
        return m
    }

    @Test func requestRecordHasIdentityDecisionAndFacts() {
        let m = AuditRecordTests.members(AuditRecordTests.record().requestObject(seq: 3, run: "abc"))
        #expect(m.map(\.key) == ["v", "seq", "time", "run", "event", "conn", "req", "peer", "method", "target", "route", "group",
                                 "api_version", "decision", "would_deny", "mode", "rule", "reason", "policy", "policy_digest", "facts"])
        #expect(m.first { $0.key == "event" }?.value == .string("request"))
        #expect(m.first { $0.key == "time" }?.value == .string("2026-11-29T21:43:17.436Z"))
        #expect(m.first { $0.key == "target" }?.value == .string("/v1.41/containers/create?name=\"x\""))
        #expect(m.first { $0.key == "peer" }?.value == .object([JSONMember("uid", .number("1000")), JSONMember("gid", .number("100")),
                                                                JSONMember("pid", .number("4242")), JSONMember("container", .string(AuditCgroupTests.id))]))
        #expect(m.first { $0.key == "facts" }?.value == .object([JSONMember("image", .string("alpine")), JSONMember("privileged", .bool(false))]))
    }

    @Test("a pull a job socket made for a build names the build's request and Dockerfile line, in both records")
    func pullForABuildNamesTheBuild() {
        var r = AuditRecordTests.record()
        r.job = (id: "j1", labels: [])
        r.pulledFor = (request: 9, line: 3)
        for object in [r.requestObject(seq: 1, run: "abc"), r.resultObject(seq: 2, run: "abc")] {
            let m = AuditRecordTests.members(object)
            let keys = m.map(\.key)
            #expect(keys.firstIndex(of: "pulled_for") == keys.firstIndex(of: "job").map { $0 + 1 }, "\(keys)")
            #expect(m.first { $0.key == "pulled_for" }?.value == .object([JSONMember("req", .number("9")), JSONMember("line", .number("3"))]))
        }
        #expect(!AuditRecordTests.members(AuditRecordTests.record().requestObject(seq: 1, run: "abc")).contains { $0.key == "pulled_for" })
    }

    @Test("a name a job socket gave a build's image names the build's request, in both records")
    func tagForABuildNamesTheBuild() {
        var r = AuditRecordTests.record()
        r.job = (id: "j1", labels: [])
        r.taggedFor = 12
        for object in [r.requestObject(seq: 1, run: "abc"), r.resultObject(seq: 2, run: "abc")] {
            let m = AuditRecordTests.members(object)
            let keys = m.map(\.key)
            #expect(keys.firstIndex(of: "tagged_for") == keys.firstIndex(of: "job").map { $0 + 1 }, "\(keys)")
            #expect(m.first { $0.key == "tagged_for" }?.value == .object([JSONMember("req", .number("12"))]))
        }
        #expect(!AuditRecordTests.members(AuditRecordTests.record().resultObject(seq: 1, run: "abc")).contains { $0.key == "tagged_for" })
    }

    @Test("a request forwarded with another target names it after the target, in both records")
    func forwardedTargetFollowsTheTarget() {
        var r = AuditRecordTests.record()
        let pinned = "/v1.41/containers/" + String(repeating: "c", count: 64) + "/exec"
        r.forwardedTarget = pinned
        for object in [r.requestObject(seq: 1, run: "abc"), r.resultObject(seq: 2, run: "abc")] {
            let m = AuditRecordTests.members(object)
            let keys = m.map(\.key)
            #expect(keys.firstIndex(of: "forwarded_target") == keys.firstIndex(of: "target").map { $0 + 1 }, "\(keys)")
            #expect(m.first { $0.key == "forwarded_target" }?.value == .string(pinned))
        }
        #expect(!AuditRecordTests.members(AuditRecordTests.record().requestObject(seq: 1, run: "abc")).contains { $0.key == "forwarded_target" })
    }

    @Test func resultRecordHasStatusBytesAndDurations() {
        var r = AuditRecordTests.record()
        r.judgedAt = r.startedMonotonic + 1_500_000
        r.status = 403
        r.respondedAt = r.startedMonotonic + 2_000_000
        r.bytesOut = 319
        r.durationNanoseconds = 2_250_000
        let m = AuditRecordTests.members(r.resultObject(seq: 4, run: "abc"))
        #expect(Array(m.map(\.key).suffix(8)) == ["status", "hijacked", "bytes_in", "bytes_out", "judge_ms", "response_ms", "duration_ms", "error"])
        #expect(m.first { $0.key == "event" }?.value == .string("result"))
        #expect(m.first { $0.key == "status" }?.value == .number("403"))
        #expect(m.first { $0.key == "judge_ms" }?.value == .number("1.500"))
        #expect(m.first { $0.key == "response_ms" }?.value == .number("2.000"))
        #expect(m.first { $0.key == "duration_ms" }?.value == .number("2.250"))
        #expect(m.first { $0.key == "facts" } == nil)
    }

    @Test func settingTheStatusStampsTheResponseTime() {
        var r = AuditRecordTests.record()
        #expect(r.respondedAt == nil)
        r.status = 100
        let first = r.respondedAt
        #expect(first != nil)
        r.status = 200
        #expect(r.respondedAt == first)
    }

    @Test func eventsCarryTheCommonHeader() {
        let e = AuditEvent("reload", time: (0, 0)) { w in
            w.field("outcome", "invalid")
            w.field("error", "ci.toml:3:1: bad")
        }
        let m = AuditRecordTests.members(e.object(seq: 9, run: "r"))
        #expect(m.map(\.key) == ["v", "seq", "time", "run", "event", "outcome", "error"])
        #expect(m.first { $0.key == "time" }?.value == .string("1970-01-01T00:00:00.000Z"))
    }

    @Test("a reload record names the policy in force after it; a [[peer]]'s also its line", arguments: [nil, 12] as [Int?])
    func reloadRecord(_ peerLine: Int?) throws {
        let policy = try Policy.parse(source: "[[rules]]\nid = \"none\"\naction = \"deny\"\ngroups = [\"*\"]\n", fileName: "t.toml")
        let inForce = PolicyInForce(policy: policy, digest: "sha256:old", loadedAt: (0, 0))
        let e = AuditEvent.reload(trigger: "file-change", outcome: "busy", path: "/etc/sw/t.toml", peerLine: peerLine,
                                  fileDigest: nil, inForce: inForce, previousDigest: "sha256:old", error: "kept changing")
        let m = AuditRecordTests.members(e.object(seq: 1, run: "r"))
        let peer = peerLine == nil ? [] : ["peer_line"]
        #expect(m.map(\.key) == ["v", "seq", "time", "run", "event", "trigger", "outcome", "path"] + peer
                + ["file_digest", "policy", "policy_digest", "previous_digest", "mode", "rules", "error"])
        #expect(m.first { $0.key == "file_digest" }?.value == JSONValue.null)
        #expect(m.first { $0.key == "policy_digest" }?.value == .string("sha256:old"))
        if let peerLine { #expect(m.first { $0.key == "peer_line" }?.value == .number(String(peerLine))) }
    }
}

/// The container an exec, attach or copy acts in: `target_container` in the
/// request record, before `facts`; not in the result record; absent when
/// none was looked up (older readers and records stay as they were).
let targetContainerMemberCases: [(name: String, target: (id: String, name: String)?, expected: JSONValue?)] = [
    ("a container looked up is named by its full ID and name", (String(repeating: "a", count: 64), "build-42"),
     .object([JSONMember("id", .string(String(repeating: "a", count: 64))), JSONMember("name", .string("build-42"))])),
    ("a name that needs escaping is escaped", (String(repeating: "b", count: 64), "x\"y\n"),
     .object([JSONMember("id", .string(String(repeating: "b", count: 64))), JSONMember("name", .string("x\"y\n"))])),
    ("no container looked up: no member", nil, nil),
]

@Suite struct AuditTargetContainerTests {
    @Test(arguments: targetContainerMemberCases.indices)
    func member(_ index: Int) {
        let c = targetContainerMemberCases[index]
        var r = AuditRecordTests.record()
        r.targetContainer = c.target
        let request = AuditRecordTests.members(r.requestObject(seq: 1, run: "abc"))
        #expect(request.first { $0.key == "target_container" }?.value == c.expected, "\(c.name)")
        if c.expected != nil {
            let keys = request.map(\.key)
            #expect(keys.firstIndex(of: "target_container")! + 1 == keys.firstIndex(of: "facts")!, "\(c.name): \(keys)")
        }
        r.status = 200
        #expect(AuditRecordTests.members(r.resultObject(seq: 2, run: "abc")).first { $0.key == "target_container" } == nil, "\(c.name)")
    }
}

/// A record is a value though what it asked lives in a shared box: a copy
/// taken before a change (the log's queued `request` record, a `Start`
/// judged later) keeps what it had, for every member the box holds.
let auditRecordCopyCases: [(name: String, change: @Sendable (inout AuditRecord) -> Void, read: @Sendable (AuditRecord) -> String)] = [
    ("the rule", { $0.rule = "other" }, { $0.rule }),
    ("the decision", { $0.decision = "allow" }, { $0.decision }),
    ("the reason", { $0.reason = nil }, { $0.reason ?? "nil" }),
    ("the facts", { $0.facts = nil }, { $0.facts.map { String(decoding: $0, as: UTF8.self) } ?? "nil" }),
    ("the request number", { $0.request = 99 }, { "\($0.request)" }),
    ("the job", { $0.job = ("j9", [("k", "v")]) }, { $0.job.map { "\($0.id) \($0.labels.map(\.key))" } ?? "nil" }),
    ("the target container", { $0.targetContainer = ("id", "name") }, { $0.targetContainer.map { "\($0.id)/\($0.name)" } ?? "nil" }),
    ("would-deny", { $0.wouldDeny = true }, { "\($0.wouldDeny)" }),
    ("the status (not in the box)", { $0.status = 201 }, { $0.status.map { "\($0)" } ?? "nil" }),
]

@Suite struct AuditRecordCopyTests {
    @Test(arguments: auditRecordCopyCases.indices)
    func aCopyKeepsWhatItHad(_ index: Int) {
        let c = auditRecordCopyCases[index]
        var changed = AuditRecordTests.record()
        let kept = changed
        let before = c.read(kept)
        c.change(&changed)
        #expect(c.read(kept) == before, "\(c.name): the copy changed")
        #expect(c.read(changed) != before, "\(c.name): the change was lost")
        #expect(kept.requestObject(seq: 1, run: "abc") == AuditRecordTests.record().requestObject(seq: 1, run: "abc"), "\(c.name)")
    }

    @Test("a record moved out of a judged start leaves a spent one, never written")
    func spentRecordIsShared() {
        var moved = AuditRecord.spent
        var start = AuditRecordTests.record()
        swap(&moved, &start)
        moved.rule = "changed in place"
        #expect(AuditRecord.spent.rule == "")
        #expect(start.rule == "")
        #expect(moved.rule == "changed in place")
    }
}
