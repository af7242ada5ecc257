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

    func object(seq: UInt64, run: String) -> [UInt8] {
        var w = JSONObjectWriter()
        w.field("v", 1)
        w.field("seq", seq)
        w.field("time", AuditRecord.rfc3339(time))
        w.field("run", run)
        w.field("event", name)
        var out = w.finish()
        if !members.isEmpty {
            out.removeLast()
            out.append(UInt8(ascii: ","))
            out += members
            out.append(UInt8(ascii: "}"))
        }
        return out
    }
}
