/// A response head from the daemon. The proxy relays the daemon's original
/// bytes; this value only tells it how the body is delimited and whether the
/// connection was taken over.
public struct ResponseHead: Equatable, Sendable {
    public let version: HTTPVersion
    public let status: Int
    public let headers: HTTPHeaders

    public init(version: HTTPVersion, status: Int, headers: HTTPHeaders) {
        self.version = version
        self.status = status
        self.headers = headers
    }

    /// 1xx other than 101: another head follows.
    public var isInterim: Bool { status >= 100 && status < 200 && status != 101 }

    /// How the body is delimited, given the request method (RFC 9112 §6.3).
    public func framing(requestMethod: String) -> BodyFraming {
        if requestMethod == "HEAD" || (status >= 100 && status < 200) || status == 204 || status == 304 {
            return .none
        }
        let codings = headers.tokens("transfer-encoding")
        if !codings.isEmpty {
            return codings.last == "chunked" ? .chunked : .untilClose
        }
        if let length = headers.first("content-length"),
           let n = RequestSemantics.parseContentLength(Array(length.utf8)) {
            return .length(n)
        }
        return .untilClose
    }

    /// The daemon keeps the connection for another request.
    public var keepAlive: Bool {
        let connection = headers.tokens("connection")
        return version == .http11 ? !connection.contains("close") : connection.contains("keep-alive")
    }
}

public struct ResponseHeadParser: Sendable {
    public let limits: HTTPLimits
    private var scanned = 0
    private var lines = 0

    public init(limits: HTTPLimits = .default) {
        self.limits = limits
    }

    public mutating func reset() {
        scanned = 0
        lines = 0
    }

    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> HeadParseResult<ResponseHead> {
        switch HeadScanner.scan(buffer, from: scanned, linesSoFar: lines, limits: limits) {
        case .needMore(let next, let count):
            scanned = next
            lines = count
            return .needMore
        case .failure(let error):
            return .failure(error)
        case .complete(let ranges, let end):
            let statusLine = Array(buffer[ranges[0]])
            guard statusLine.count >= 12, statusLine[8] == ByteClass.sp,
                  let version = HTTPVersion(rawValue: String(decoding: statusLine[0..<8], as: UTF8.self)),
                  let status = Int(String(decoding: statusLine[9..<12], as: UTF8.self)), status >= 100, status <= 999,
                  statusLine.count == 12 || statusLine[12] == ByteClass.sp else {
                return .failure(HTTPError(.malformedStatusLine, "the daemon sent a malformed status line"))
            }
            // One copy of the field lines; each field is parsed from a slice of it.
            let base = ranges[1...].first?.lowerBound ?? 0
            let lines = ranges.count > 1 ? Array(buffer[base..<ranges[ranges.count - 1].upperBound]) : []
            var fields: [HTTPHeader] = []
            fields.reserveCapacity(ranges.count - 1)
            for range in ranges.dropFirst() {
                switch RequestHeadParser.parseField(lines[(range.lowerBound - base)..<(range.upperBound - base)]) {
                case .success(let field): fields.append(field)
                case .failure(let error): return .failure(error)
                }
            }
            return .complete(ResponseHead(version: version, status: status, headers: HTTPHeaders(fields)), consumed: end)
        }
    }
}
