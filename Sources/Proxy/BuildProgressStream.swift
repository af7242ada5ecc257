import GoJSON

/// A classic build's answer when the job socket pulled its images first and
/// showed their progress (`Connection.prePull`): the client gets a 200
/// JSON message stream (chunked), as the daemon's own build answers, with
/// the pulls' progress messages first, then the daemon's build stream, or
/// the failure as an error message, which the docker CLI prints as the
/// daemon's builder's own.
enum BuildProgressStream {
    static let head = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)

    /// One chunk (none for no bytes: an empty chunk ends the body).
    static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        return Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10]
    }

    static let lastChunk = Array("0\r\n\r\n".utf8)

    /// `{"errorDetail":{"message":…},"error":…}`, as the daemon's stream
    /// formatter writes an error.
    static func error(_ message: String) -> [UInt8] {
        GoEncoder.render(.object([JSONMember("errorDetail", .object([JSONMember("message", .string(message))])),
                                  JSONMember("error", .string(message))])) + [13, 10]
    }

    /// `{"stream":…}`: a line of the build's output.
    static func stream(_ text: String) -> [UInt8] {
        GoEncoder.render(.object([JSONMember("stream", .string(text + "\n"))])) + [13, 10]
    }

    /// The end of the stream with an error answer's message (`{"message":…}`) in it.
    static func ending(status: Int, answer: [UInt8]) -> [UInt8] {
        var message = "the daemon answered \(status)"
        if case .success(let value) = JSONParser.parse(answer), let text = value.member("message")?.string, !text.utf8.isEmpty {
            message = text
        }
        return chunk(error(message)) + lastChunk
    }
}
