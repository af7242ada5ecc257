/// A response the proxy writes itself: denials, framing errors, a dead daemon.
/// Docker-style: a status and `{"message": "…"}`, which the docker CLI prints.
struct LocalResponse: Sendable {
    let status: Int
    let message: String
    let close: Bool
    /// A body to send instead of `{"message": …}` (JSON, as the daemon
    /// would send it), for answers that must be the daemon's own.
    var raw: [UInt8]? = nil
    /// The head and the build's progress were sent already
    /// (`BuildProgressStream`): the message ends that stream as an error.
    var continuesStream = false
    /// With `close`: the client is still sending a body too large to drain;
    /// after the answer only the writing side is shut, and the request
    /// thread reads and discards for a while before the connection closes
    /// (`Connection.discardWhileTheClientSends`).
    var lingers = false

    init(status: Int, message: String, close: Bool, raw: [UInt8]? = nil, continuesStream: Bool = false) {
        self.status = status
        self.message = message
        self.close = close
        self.raw = raw
        self.continuesStream = continuesStream
    }

    func serialized(headRequest: Bool) -> [UInt8] {
        if continuesStream { return BuildProgressStream.chunk(BuildProgressStream.error(message)) + BuildProgressStream.lastChunk }
        var body = JSONObjectWriter()
        body.field("message", message)
        let json = raw ?? (body.finish() + [10])
        var out = Array("HTTP/1.1 \(status) \(LocalResponse.reason(status))\r\n".utf8)
        out += "Content-Type: application/json\r\n".utf8
        out += "Content-Length: \(json.count)\r\n".utf8
        if close { out += "Connection: close\r\n".utf8 }
        out += "\r\n".utf8
        if !headRequest { out += json }
        return out
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 200: return "OK"
        case 408: return "Request Timeout"
        case 413: return "Payload Too Large"
        case 417: return "Expectation Failed"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Error"
        }
    }
}
