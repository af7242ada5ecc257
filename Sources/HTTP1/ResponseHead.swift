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

    /// How the body is delimited, given the request method (RFC 9112 §6.3,
    /// as Go's client reads it: `ResponseFramingFields`).
    public func framing(requestMethod: String) -> BodyFraming {
        framingFields.framing(status: status, requestMethod: requestMethod)
    }

    /// The daemon keeps the connection for another request.
    public var keepAlive: Bool { framingFields.keepAlive(version: version, status: status) }

    var framingFields: ResponseFramingFields {
        var fields = ResponseFramingFields()
        for field in headers { fields.add(name: field.name.utf8, value: field.value) }
        return fields
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
        switch HeadScanner.scan(buffer, from: scanned, linesSoFar: lines, limits: limits, statusLine: true) {
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
            let head = ResponseHead(version: version, status: status, headers: HTTPHeaders(fields))
            if let refusal = head.framingFields.refusal(version: version) { return .failure(refusal) }
            return .complete(head, consumed: end)
        }
    }
}

/// What the proxy needs to know of a response head to relay it: status,
/// version, and the few fields that decide framing and persistence, read
/// without materialising the header fields. `ResponseHeadParser.parseSummary`
/// accepts and refuses exactly what `parse` does (every field line is
/// validated by the same code), and `framing(requestMethod:)`, `keepAlive`
/// and `isInterim` agree with `ResponseHead`'s (HTTP1Tests prove it on a
/// table of heads, malformed and ambiguous ones included).
public struct ResponseSummary: Equatable, Sendable {
    public let version: HTTPVersion
    public let status: Int
    let fields: ResponseFramingFields

    /// 1xx other than 101: another head follows.
    public var isInterim: Bool { status >= 100 && status < 200 && status != 101 }

    /// How the body is delimited, given the request method (RFC 9112 §6.3);
    /// the same decision as `ResponseHead.framing(requestMethod:)`.
    public func framing(requestMethod: String) -> BodyFraming {
        fields.framing(status: status, requestMethod: requestMethod)
    }

    /// The daemon keeps the connection for another request.
    public var keepAlive: Bool { fields.keepAlive(version: version, status: status) }
}

extension ResponseHeadParser {
    /// As `parse`, but returns a `ResponseSummary` instead of the head: no
    /// header field is copied. Shares the resumable scanning state with `parse`.
    public mutating func parseSummary(_ buffer: UnsafeRawBufferPointer) -> HeadParseResult<ResponseSummary> {
        switch HeadScanner.scan(buffer, from: scanned, linesSoFar: lines, limits: limits, collectLines: false,
                                 statusLine: true) {
        case .needMore(let next, let count):
            scanned = next
            lines = count
            return .needMore
        case .failure(let error):
            return .failure(error)
        case .complete(_, let end):
            return ResponseHeadParser.summarize(buffer, end: end)
        }
    }

    private static func summarize(_ buffer: UnsafeRawBufferPointer, end: Int) -> HeadParseResult<ResponseSummary> {
        // Lines end in CRLF (the scanner refused bare LFs); empty lines are skipped as the scanner's line ranges skip them.
        var lineStart = 0
        var i = 0
        var statusLineSeen = false
        var version = HTTPVersion.http11
        var status = 0
        var fields = ResponseFramingFields()
        while let lf = ByteClass.nextLineFeed(buffer, from: i, to: end) {
            i = lf
            let lineEnd = i - 1
            let start = lineStart
            lineStart = i + 1
            i += 1
            guard lineEnd > start else { continue }
            let line = buffer[start..<lineEnd]
            if !statusLineSeen {
                statusLineSeen = true
                guard let parsed = statusLine(line) else {
                    return .failure(HTTPError(.malformedStatusLine, "the daemon sent a malformed status line"))
                }
                (version, status) = parsed
                continue
            }
            let bounds: (name: Range<Int>, value: Range<Int>)
            switch RequestHeadParser.fieldBounds(line) {
            case .success(let found): bounds = found
            case .failure(let error): return .failure(error)
            }
            fields.add(name: buffer[bounds.name], value: buffer[bounds.value])
        }
        if let refusal = fields.refusal(version: version) { return .failure(refusal) }
        return .complete(ResponseSummary(version: version, status: status, fields: fields),
                         consumed: end)
    }

    static let malformedStatusLine = HTTPError(.malformedStatusLine, "the daemon sent a malformed status line")

    /// status-line = HTTP-version SP 3DIGIT [SP reason-phrase], as `parse` reads it.
    static func statusLine(_ line: Slice<UnsafeRawBufferPointer>) -> (HTTPVersion, Int)? {
        guard line.count >= 12 else { return nil }
        let base = line.startIndex
        guard line[base + 8] == ByteClass.sp, line.count == 12 || line[base + 12] == ByteClass.sp else { return nil }
        let version: HTTPVersion
        let versionBytes = line[base..<(base + 8)]
        if versionBytes.elementsEqual("HTTP/1.1".utf8) {
            version = .http11
        } else if versionBytes.elementsEqual("HTTP/1.0".utf8) {
            version = .http10
        } else {
            return nil
        }
        // `Int(String)` of three bytes: an optional sign then digits; only
        // three digits can reach 100.
        var status = 0
        for b in line[(base + 9)..<(base + 12)] {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            status = status * 10 + Int(b - UInt8(ascii: "0"))
        }
        guard status >= 100 else { return nil }
        return (version, status)
    }
}

/// Trims SP and HTAB (OWS) from both ends.
func trimmedOWS(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
    var start = bytes.startIndex
    var end = bytes.endIndex
    while start < end, bytes[start] == ByteClass.sp || bytes[start] == ByteClass.htab { start += 1 }
    while end > start, bytes[end - 1] == ByteClass.sp || bytes[end - 1] == ByteClass.htab { end -= 1 }
    return bytes[start..<end]
}
