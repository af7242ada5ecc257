import GoJSON

/// The daemon's answer to an image pull (`POST /images/create`) over
/// HTTP/1.0, read as it arrives: the status, then either the JSON progress
/// stream (one message per line; a failure after the stream began is a
/// message with `error`/`errorDetail`, under status 200) or an error
/// answer (`{"message": …}`). Pure: bytes in, the outcome out.
public struct PullStreamReader: Sendable {
    public enum Result: Equatable, Sendable {
        case pulled
        /// The status and message the pull's client would have been given;
        /// an error inside a 200 stream is given 500, as the daemon answers
        /// a failure it does not classify.
        case failed(status: Int, message: String)
    }

    /// The longest line kept of the progress stream, and the most of an
    /// error answer kept; a progress message is a few hundred bytes.
    static let maxKept = 1 << 20

    private var head: [UInt8] = []
    private var body: [UInt8] = []
    public private(set) var status: Int?
    private var error: String?
    private var overlong = false

    public init() {}

    /// Returns the whole lines of a 200 answer's progress stream completed
    /// by `bytes` (JSON messages as the daemon wrote them, each with its
    /// line end), to show the client; not an error message, which is the
    /// pull's `result`.
    @discardableResult
    public mutating func feed<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        guard let status else {
            head += bytes
            guard let end = Self.headEnd(head) else {
                if head.count > Self.maxKept { self.status = 0 }
                return []
            }
            self.status = head.count >= 12 ? Int(String(decoding: head[9..<12], as: UTF8.self)) ?? 0 : 0
            let rest = Array(head[end...])
            head = []
            return rest.isEmpty ? [] : feed(rest)
        }
        guard status != 0 else { return [] }
        if status != 200 {
            if body.count < Self.maxKept { body += bytes.prefix(Self.maxKept - body.count) }
            return []
        }
        var shown: [UInt8] = []
        for b in bytes {
            guard b == UInt8(ascii: "\n") else {
                if body.count < Self.maxKept { body.append(b) } else { overlong = true }
                continue
            }
            if !overlong, !line(body) { shown += body + [b] }
            body.removeAll(keepingCapacity: true)
            overlong = false
        }
        return shown
    }

    /// True when the line is an error message (kept as the pull's error).
    private mutating func line(_ bytes: [UInt8]) -> Bool {
        guard case .success(let message) = JSONParser.parse(bytes) else { return false }
        if case .string(let text)? = member(message, "error"), !text.utf8.isEmpty {
            error = text
            return true
        } else if let detail = member(message, "errorDetail"), case .string(let text)? = member(detail, "message"), !text.utf8.isEmpty {
            error = text
            return true
        }
        return false
    }

    private func member(_ value: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let members) = value else { return nil }
        return members.last { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    /// The outcome once the daemon closed the connection.
    public var result: Result {
        guard let status, status != 0 else { return .failed(status: 502, message: "the daemon's answer to the pull is not HTTP") }
        guard status == 200 else {
            var text = "the daemon answered \(status)"
            if case .success(let answer) = JSONParser.parse(body), case .string(let message)? = member(answer, "message") {
                text = message
            }
            return .failed(status: status, message: text)
        }
        if !overlong, !body.isEmpty {
            var last = PullStreamReader()
            last.status = 200
            _ = last.line(body)
            if let error = last.error { return .failed(status: 500, message: error) }
        }
        if let error { return .failed(status: 500, message: error) }
        return .pulled
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }
}
