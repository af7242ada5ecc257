import Posix

/// A record that is not about one request: `start`, `stop`, `reload`,
/// `reopen`, `gap`. Its members after the common header are rendered when
/// the event is made.
public struct AuditEvent: Sendable {
    public let name: String
    public let time: (seconds: Int, nanoseconds: Int)
    /// `"key":value,…` without braces (may be empty).
    let members: [UInt8]

    public init(_ name: String, time: (seconds: Int, nanoseconds: Int) = wallClock(), _ fill: (inout JSONObjectWriter) -> Void) {
        self.name = name
        self.time = time
        var w = JSONObjectWriter()
        fill(&w)
        let object = w.finish()
        members = Array(object.dropFirst().dropLast())
    }

    /// The record's members (without the chain's prev and hash).
    func object(seq: UInt64, run: String) -> [UInt8] {
        var renderer = AuditLineRenderer(run: run, seq: seq)
        renderer.renderEvent(self)
        return renderer.object
    }

    /// A `reload` record: what was read (`path`, `fileDigest`; a `[[peer]]`'s
    /// line) and the policy in force afterwards, the old one when `error`.
    public static func reload(trigger: String, outcome: String, path: String, peerLine: Int? = nil,
                              fileDigest: String?, inForce: PolicyInForce, previousDigest: String, error: String?) -> AuditEvent {
        AuditEvent("reload") { w in
            w.field("trigger", trigger)
            w.field("outcome", outcome)
            w.field("path", path)
            if let peerLine { w.field("peer_line", peerLine) }
            w.field("file_digest", fileDigest)
            w.field("policy", inForce.policy.name)
            w.field("policy_digest", inForce.digest)
            w.field("previous_digest", previousDigest)
            w.field("mode", inForce.policy.mode.rawValue)
            w.field("rules", inForce.policy.rules.count)
            w.field("error", error)
        }
    }
}
