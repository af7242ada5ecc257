/// Finds the lines of a message head: every line ends in CRLF, the head ends
/// with an empty line. A bare LF anywhere is refused (RFC 9112 §2.2 lets a
/// recipient accept it; we do not, so no two parsers can disagree).
enum HeadScanner {
    enum Outcome {
        case needMore(scanned: Int, lines: Int)
        case complete(lines: [Range<Int>], end: Int)
        case failure(HTTPError)
    }

    /// `collectLines`: false leaves `lines` of `.complete` empty (the caller
    /// walks the head itself). `statusLine`: the first line is a response's
    /// status line, refused as soon as it is complete (as Go's client does,
    /// without waiting for the rest of the head; checked in scanning order,
    /// so the outcome does not depend on how the bytes arrived).
    static func scan(_ buffer: UnsafeRawBufferPointer, from start: Int, linesSoFar: Int, limits: HTTPLimits,
                     collectLines: Bool = true, statusLine: Bool = false) -> Outcome {
        var lines = linesSoFar
        var i = start
        let count = buffer.count
        // A byte past the limit with no end of head yet is too large, decided
        // there rather than at the end of the buffer, so that the outcome
        // does not depend on how the bytes arrived (found by FuzzHTTP1Request):
        // only the bytes below the limit are searched, and more bytes than
        // the limit with no end among them are refused below.
        let searchEnd = min(count, limits.maxHeadBytes)
        while i < searchEnd {
            guard let lf = ByteClass.nextLineFeed(buffer, from: i, to: searchEnd) else { break }
            i = lf
            guard i > 0, buffer[i - 1] == ByteClass.cr else {
                return .failure(HTTPError(.bareLineFeed, "a line ends in LF without CR"))
            }
            // Empty line: the previous line ended right before this CR.
            if i == 1 || (i >= 3 && buffer[i - 2] == ByteClass.lf) {
                if lines == 0 {
                    return .failure(HTTPError(.malformedRequestLine, "the message starts with an empty line"))
                }
                let end = i + 1
                if end > limits.maxHeadBytes { return tooLarge(limits) }
                return .complete(lines: collectLines ? lineRanges(buffer, end: end, count: lines) : [], end: end)
            }
            lines += 1
            if statusLine && lines == 1 && ResponseHeadParser.statusLine(buffer[0..<(i - 1)]) == nil {
                return .failure(ResponseHeadParser.malformedStatusLine)
            }
            if lines > limits.maxHeaderCount + 1 {
                return .failure(HTTPError(.tooManyHeaders, "more than \(limits.maxHeaderCount) header fields"))
            }
            i += 1
        }
        if count > limits.maxHeadBytes { return tooLarge(limits) }
        return .needMore(scanned: count, lines: lines)
    }

    private static func tooLarge(_ limits: HTTPLimits) -> Outcome {
        .failure(HTTPError(.headTooLarge, "the request head is larger than \(limits.maxHeadBytes) bytes"))
    }

    /// Ranges of each non-empty line without its CRLF; `count`: how many
    /// the scan found (one allocation rather than a doubling series).
    private static func lineRanges(_ buffer: UnsafeRawBufferPointer, end: Int, count: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(count)
        var lineStart = 0
        var i = 0
        while let lf = ByteClass.nextLineFeed(buffer, from: i, to: end) {
            i = lf
            if i - 1 > lineStart { ranges.append(lineStart..<(i - 1)) }
            lineStart = i + 1
            i += 1
        }
        return ranges
    }
}
