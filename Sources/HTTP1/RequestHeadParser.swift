/// Result of feeding bytes to a head parser.
public enum HeadParseResult<Head: Sendable>: Sendable {
    case needMore
    /// The head, and how many bytes of the buffer it used. Bytes after that
    /// belong to the body or to the next message.
    case complete(Head, consumed: Int)
    case failure(HTTPError)
}

/// Parses a request head (RFC 9112 §2–§6) strictly: anything two parsers could
/// read differently is refused, never repaired.
///
/// Feed it the whole buffer received so far, as often as you like; it resumes
/// scanning where it stopped, so a head dribbled byte by byte costs O(n).
public struct RequestHeadParser: Sendable {
    public let limits: HTTPLimits
    private var scanned = 0
    private var lines = 0

    public init(limits: HTTPLimits = .default) {
        self.limits = limits
    }

    /// Forget progress; call after a head was returned, before the next one.
    public mutating func reset() {
        scanned = 0
        lines = 0
    }

    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> HeadParseResult<RequestHead> {
        let scan = HeadScanner.scan(buffer, from: scanned, linesSoFar: lines, limits: limits)
        switch scan {
        case .needMore(let next, let count):
            scanned = next
            lines = count
            return .needMore
        case .failure(let error):
            return .failure(error)
        case .complete(let lineRanges, let end):
            let result = RequestHeadParser.build(buffer, lineRanges)
            switch result {
            case .success(let head): return .complete(head, consumed: end)
            case .failure(let error): return .failure(error)
            }
        }
    }

    public mutating func parse(_ bytes: [UInt8]) -> HeadParseResult<RequestHead> {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// Parses the lines in place (no copy of the head): the request line,
    /// then each field, then their meaning.
    private static func build(_ buffer: UnsafeRawBufferPointer, _ lineRanges: [Range<Int>]) -> Result<RequestHead, HTTPError> {
        let requestLine: (method: String, target: String, version: HTTPVersion)
        switch parseRequestLine(buffer[lineRanges[0]]) {
        case .success(let parsed): requestLine = parsed
        case .failure(let error): return .failure(error)
        }
        var fields: [HTTPHeader] = []
        fields.reserveCapacity(lineRanges.count - 1)
        for i in 1..<lineRanges.count {
            let line = buffer[lineRanges[i]]
            switch fieldBounds(line) {
            case .success(let bounds):
                fields.append(HTTPHeader(name: String(decoding: line[bounds.name], as: UTF8.self), value: Array(line[bounds.value])))
            case .failure(let error):
                return .failure(error)
            }
        }
        return RequestSemantics.interpret(method: requestLine.method, target: requestLine.target,
                                          version: requestLine.version, fields: fields)
    }

    /// request-line = method SP request-target SP HTTP-version, single spaces.
    /// Split as `line.split(separator: SP, maxSplits: 2, omittingEmptySubsequences: false)`
    /// would split it (the version keeps any further spaces), without the array.
    static func parseRequestLine<Line: BidirectionalCollection>(_ line: Line)
        -> Result<(method: String, target: String, version: HTTPVersion), HTTPError> where Line.Element == UInt8 {
        guard let firstSpace = line.firstIndex(of: ByteClass.sp) else {
            return .failure(HTTPError(.malformedRequestLine, "the request line must be METHOD SP TARGET SP HTTP/1.1"))
        }
        let afterFirst = line.index(after: firstSpace)
        guard let secondSpace = line[afterFirst...].firstIndex(of: ByteClass.sp) else {
            return .failure(HTTPError(.malformedRequestLine, "the request line must be METHOD SP TARGET SP HTTP/1.1"))
        }
        let method = line[line.startIndex..<firstSpace]
        let target = line[afterFirst..<secondSpace]
        let version = line[line.index(after: secondSpace)...]
        guard !method.isEmpty, method.allSatisfy(ByteClass.isTokenChar) else {
            return .failure(HTTPError(.malformedRequestLine, "the request method is not a valid token"))
        }
        guard !target.isEmpty, target.allSatisfy(ByteClass.isTargetByte) else {
            return .failure(HTTPError(.malformedRequestLine, "the request target is empty or has bytes outside visible ASCII"))
        }
        let parsedVersion: HTTPVersion
        if version.elementsEqual("HTTP/1.1".utf8) {
            parsedVersion = .http11
        } else if version.elementsEqual("HTTP/1.0".utf8) {
            parsedVersion = .http10
        } else if version.count == 8, version.starts(with: "HTTP/".utf8),
                  version[version.index(version.startIndex, offsetBy: 6)] == UInt8(ascii: "."),
                  ByteClass.hexValue(version[version.index(version.startIndex, offsetBy: 5)]).map({ $0 < 10 }) == true,
                  ByteClass.hexValue(version[version.index(version.startIndex, offsetBy: 7)]).map({ $0 < 10 }) == true {
            return .failure(HTTPError(.unsupportedVersion, "only HTTP/1.1 and HTTP/1.0 are supported"))
        } else {
            return .failure(HTTPError(.malformedRequestLine, "the HTTP version is malformed"))
        }
        return .success((String(decoding: method, as: UTF8.self), String(decoding: target, as: UTF8.self), parsedVersion))
    }

    /// field-line = field-name ":" OWS field-value OWS. No obs-fold, no
    /// whitespace before the colon, no control bytes in the value.
    static func parseField(_ line: ArraySlice<UInt8>) -> Result<HTTPHeader, HTTPError> {
        switch fieldBounds(line) {
        case .success(let bounds):
            return .success(HTTPHeader(name: String(decoding: line[bounds.name], as: UTF8.self), value: Array(line[bounds.value])))
        case .failure(let error):
            return .failure(error)
        }
    }

    /// Validates one field line and finds its name and its value (OWS
    /// trimmed), without copying: the one definition of a valid field line,
    /// shared by `parseField` and `ResponseHeadParser.parseSummary`.
    @inline(__always)
    static func fieldBounds<Line: BidirectionalCollection>(_ line: Line) -> Result<(name: Range<Line.Index>, value: Range<Line.Index>), HTTPError>
    where Line.Element == UInt8 {
        guard let first = line.first else {
            return .failure(HTTPError(.malformedHeader, "empty header line"))
        }
        if first == ByteClass.sp || first == ByteClass.htab {
            return .failure(HTTPError(.obsFold, "a header line starts with whitespace (obs-fold is not allowed)"))
        }
        guard let colon = line.firstIndex(of: ByteClass.colon) else {
            return .failure(HTTPError(.malformedHeader, "a header line has no colon"))
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(ByteClass.isTokenChar) else {
            let hint = name.last == ByteClass.sp || name.last == ByteClass.htab
                ? "whitespace between a header name and its colon is not allowed"
                : "a header name is not a valid token"
            return .failure(HTTPError(.malformedHeader, hint))
        }
        // Trim SP and HTAB (OWS) from both ends of the value.
        var start = line.index(after: colon)
        var end = line.endIndex
        while start < end, line[start] == ByteClass.sp || line[start] == ByteClass.htab { line.formIndex(after: &start) }
        var i = start
        var lastNonOWS = start
        while i < end {
            let b = line[i]
            guard ByteClass.isFieldValueByte(b) else {
                return .failure(HTTPError(.malformedHeader, "header \(String(decoding: name, as: UTF8.self)) has a control byte in its value"))
            }
            line.formIndex(after: &i)
            if b != ByteClass.sp && b != ByteClass.htab { lastNonOWS = i }
        }
        end = lastNonOWS
        return .success((name: line.startIndex..<colon, value: start..<end))
    }
}
