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
}
