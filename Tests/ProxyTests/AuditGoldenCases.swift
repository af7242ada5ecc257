import Posix
import Testing
@testable import Proxy

/// Records that exercise every member and every way of rendering one: the
/// byte-for-byte fixtures of `AuditGoldenTests` were written by the
/// renderer before the fast one (commit 23e8546), and the log format must
/// not move from them. Moved once, deliberately (2026-12-01, the audit
/// log's growth): DEL is written as is, not `\u007f` (the busy records'
/// hashes were computed again outside Swift); U+2028 and U+2029 are
/// escaped, and a long `reason` or `error` keeps its head and tail (the
/// "cut" case, its line written by a Python model of the rule).
enum AuditGoldenCases {
    struct Case: Sendable, CustomTestStringConvertible {
        let id: String
        let seq: UInt64
        let prev: String
        let render: @Sendable (inout AuditLineRenderer, inout [UInt8]) -> Void
        var testDescription: String { id }
    }

    static let run = "8d18ae0ceff3"
    static let prevA = String(repeating: "0", count: 64)
    static let prevB = "e5b6" + String(repeating: "9f", count: 30)

    static func ping() -> AuditRecord {
        var r = AuditRecord(connection: 2, request: 7, peer: nil, method: "GET", target: "/_ping", route: "system.ping",
                            group: "system", apiVersion: nil, decision: "allow", rule: "ci-work", reason: "group \"system\" is allowed",
                            policy: "ci.toml", status: nil, startedAt: (1_795_988_597, 436_000_000))
        r.policyDigest = "sha256:" + String(repeating: "ab", count: 32)
        r.judgedAt = r.startedMonotonic + 41_000
        r.status = 200
        r.respondedAt = r.startedMonotonic + 182_999
        r.durationNanoseconds = 1_190_000
        r.bytesOut = 250
        return r
    }

    /// Every optional member set, strings that need escaping, extreme numbers.
    static func busy() -> AuditRecord {
        var r = AuditRecord(connection: UInt64.max, request: 0, peer: PeerCredentials(pid: -1, uid: UInt32.max, gid: 0), method: "POST",
                            target: "/v1.41/containers/create?name=\"x\"&a=\\b\u{01}\u{1f}\u{7f}\t\r\n/é/日本/🐳",
                            route: "container.create", group: "containers", apiVersion: "1.41", decision: "deny",
                            rule: "host-paths", reason: "[host-paths]: HostConfig.Binds[0] \"/etc:/x\"", policy: "p\"o\\l.toml",
                            status: nil, startedAt: (0, 999_999_999))
        r.policyDigest = "sha256:" + String(repeating: "0", count: 64)
        r.container = "3f2a9c"
        r.facts = Array("{\"image\":[{\"field\":\"Image\",\"value\":\"busybox\"}],\"privileged\":false}".utf8)
        r.wouldDeny = true
        r.mode = "warn"
        r.job = (id: "job-1", labels: [(key: "team", value: "a\"b"), (key: "", value: "ü")])
        r.hijacked = true
        r.bytesIn = UInt64.max
        r.bytesOut = 0
        r.judgedAt = r.startedMonotonic + 999
        r.status = 101
        r.respondedAt = nil
        r.durationNanoseconds = 12_345_678_901
        r.error = "daemon gone: \"EOF\"\n"
        return r
    }

    /// A reason longer than a record holds (2,818 bytes: cut to its first
    /// 1,024 and last 511, the tail starting on a whole `é`), a long target
    /// (a result repeats its head and tail), line separators in the reason
    /// and the error.
    static func cut() -> AuditRecord {
        var r = bare()
        r.target = "/v1.41/containers/" + String(repeating: "\"", count: 2000) + "/json"
        r.reason = "[r]: " + String(repeating: "a", count: 2000) + "\u{2028}\u{2029}" + String(repeating: "é", count: 400) + " add it"
        r.error = "x\u{2028}y\u{2029}z\u{7f}"
        return r
    }

    /// Nothing optional set.
    static func bare() -> AuditRecord {
        AuditRecord(connection: 0, request: 0, peer: nil, method: "-", target: "-", route: nil, group: nil, apiVersion: nil,
                    decision: "deny", rule: "", reason: nil, policy: "", status: nil, startedAt: (4_102_444_800 + 86_399, 5_000_000))
    }

    static let cases: [Case] = [
        Case(id: "ping request", seq: 0, prev: prevA) { $0.request(ping(), into: &$1) },
        Case(id: "ping result", seq: 1, prev: prevB) { $0.result(ping(), into: &$1) },
        Case(id: "busy request: facts, peer, container, job, escapes", seq: 41, prev: prevB) { $0.request(busy(), into: &$1) },
        Case(id: "busy result: error, extreme numbers, no response time", seq: 42, prev: prevB) { $0.result(busy(), into: &$1) },
        Case(id: "bare request: nulls, empty strings, year 2100", seq: 9, prev: prevA) { $0.request(bare(), into: &$1) },
        Case(id: "bare result: no status, no judge time", seq: 10, prev: prevA) { $0.result(bare(), into: &$1) },
        Case(id: "cut result: a long reason and target keep their head and tail; line separators escaped", seq: 11, prev: prevA) {
            $0.result(cut(), into: &$1)
        },
        Case(id: "event with members", seq: UInt64.max - 1, prev: prevB) { r, out in
            r.event(AuditEvent("gap", time: (1_795_988_597, 12_000_000)) { w in
                w.field("since", "2026-11-29T21:43:17.000Z")
                w.field("error", nil as String?)
                w.field("refused_requests", 3)
                w.field("ok", true)
            }, into: &out)
        },
        Case(id: "event without members", seq: 5, prev: prevA) { r, out in
            r.event(AuditEvent("stop", time: (86_400 * 365, 100_000_000)) { _ in }, into: &out)
        },
    ]
}
