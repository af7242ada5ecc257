import Posix

/// One line of the audit log: what was asked, by whom, what was decided and
/// what came of it. A value; `AuditLog` writes it.
public struct AuditRecord: Sendable {
    public var connection: UInt64
    public var request: UInt64
    public var peer: PeerCredentials?
    public var method: String
    /// The request-target as received (path and query, undecoded).
    public var target: String
    /// The catalogue's route name, nil when the request matched no route.
    public var route: String?
    public var group: String?
    public var apiVersion: String?
    public var decision: String          // "allow" | "deny"
    public var rule: String
    public var reason: String?
    public var policy: String
    public var status: Int?
    public var bytesIn: UInt64 = 0
    public var bytesOut: UInt64 = 0
    public var startedAt: (seconds: Int, nanoseconds: Int)
    public var durationNanoseconds: UInt64 = 0
    /// Set when the exchange ended abnormally (daemon gone, client left, …).
    public var error: String?
    public var hijacked = false

    public func jsonLine() -> [UInt8] {
        var w = JSONObjectWriter()
        w.field("time", AuditRecord.rfc3339(startedAt))
        w.field("conn", connection)
        w.field("req", request)
        if let peer {
            var p = JSONObjectWriter()
            p.field("uid", peer.uid)
            p.field("gid", peer.gid)
            p.field("pid", peer.pid)
            w.raw("peer", p.finish())
        } else {
            w.field("peer", nil as String?)
        }
        w.field("method", method)
        w.field("target", target)
        w.field("route", route)
        w.field("group", group)
        w.field("api_version", apiVersion)
        w.field("decision", decision)
        w.field("rule", rule)
        w.field("reason", reason)
        w.field("policy", policy)
        w.field("status", status)
        w.field("hijacked", hijacked)
        w.field("bytes_in", bytesIn)
        w.field("bytes_out", bytesOut)
        w.key("duration_ms")
        var line = w.bytes
        line += AuditRecord.milliseconds(durationNanoseconds).utf8
        var tail = JSONObjectWriter()
        tail.field("error", error)
        var rest = tail.finish()
        rest[0] = UInt8(ascii: ",")
        line += rest
        line.append(10)
        return line
    }

    static func milliseconds(_ ns: UInt64) -> String {
        let us = ns / 1000
        let frac = us % 1000
        let pad = frac < 10 ? "00" : (frac < 100 ? "0" : "")
        return "\(us / 1000).\(pad)\(frac)"
    }

    /// UTC, millisecond precision: 2026-11-29T19:30:01.123Z.
    static func rfc3339(_ t: (seconds: Int, nanoseconds: Int)) -> String {
        let days = t.seconds >= 0 ? t.seconds / 86400 : (t.seconds - 86399) / 86400
        let secs = t.seconds - days * 86400
        // Civil from days (Howard Hinnant's algorithm).
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = t.nanoseconds / 1_000_000
        let msText = ms < 10 ? "00\(ms)" : (ms < 100 ? "0\(ms)" : "\(ms)")
        return "\(y)-\(two(m))-\(two(d))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)).\(msText)Z"
    }
}
