/// Incremental chunked transfer-coding decoder (RFC 9112 §7.1).
///
/// Used two ways: for requests the proxy forwards only the decoded data,
/// re-chunked canonically (`ChunkedEncoder`), so chunk extensions and odd
/// spellings never reach the daemon; for responses it only finds where the
/// body ends while the original bytes are relayed.
///
/// Accepted chunk-size line: 1–16 hex digits, optional SP/HTAB, optional
/// `;extension` of visible ASCII/SP/HTAB, CRLF. Chunk data must be followed by
/// CRLF. Trailer fields are refused when `allowTrailers` is false.
public struct ChunkedDecoder: Sendable {
    public enum Status: Equatable, Sendable {
        case needMore
        /// The last chunk and the trailer section were read.
        case done
        case failure(HTTPError)
    }

    private enum State: Sendable {
        case size(value: UInt64, digits: Int)
        case sizeTail(value: UInt64, lineBytes: Int, phase: SizeTail)
        case sizeLF(value: UInt64)
        case data(remaining: UInt64)
        case dataCR
        case dataLF
        case trailerStart
        case trailerLine(lineBytes: Int)
        case trailerLF(empty: Bool)
        case done
    }

    private enum SizeTail: Sendable { case afterDigits, whitespace, extensionText }

    private var state: State = .size(value: 0, digits: 0)
    public let allowTrailers: Bool
    public let maxLineBytes: Int
    /// Total decoded body bytes so far.
    public private(set) var bodyBytes: UInt64 = 0

    public init(allowTrailers: Bool, maxLineBytes: Int = HTTPLimits.default.maxChunkLineBytes) {
        self.allowTrailers = allowTrailers
        self.maxLineBytes = maxLineBytes
    }

    public var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// Consumes bytes from `input`, calling `onData` with each run of body
    /// data. Returns how many input bytes were used (all of them unless the
    /// body ended or failed) and the status.
    public mutating func decode(_ input: UnsafeRawBufferPointer, onData: (UnsafeRawBufferPointer) -> Void) -> (consumed: Int, status: Status) {
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            switch state {
            case .size(let value, let digits):
                if let h = ByteClass.hexValue(b) {
                    guard digits < 16 else { return (i, fail("a chunk size has more than 16 hex digits")) }
                    state = .size(value: value << 4 | h, digits: digits + 1)
                    i += 1
                } else {
                    guard digits > 0 else { return (i, fail("a chunk size line does not start with a hex digit")) }
                    state = .sizeTail(value: value, lineBytes: digits, phase: .afterDigits)
                }
            case .sizeTail(let value, let lineBytes, let phase):
                // After the digits: trailing whitespace, or `;extension`
                // (read and dropped). Go refuses whitespace before ';'.
                if lineBytes >= maxLineBytes { return (i, fail("a chunk size line is too long")) }
                if b == ByteClass.cr {
                    state = .sizeLF(value: value)
                } else if phase == .extensionText {
                    guard b == ByteClass.htab || (b >= 0x20 && b < 0x7F) else {
                        return (i, fail("a chunk extension has an invalid byte"))
                    }
                    state = .sizeTail(value: value, lineBytes: lineBytes + 1, phase: .extensionText)
                } else if b == UInt8(ascii: ";") && phase == .afterDigits {
                    state = .sizeTail(value: value, lineBytes: lineBytes + 1, phase: .extensionText)
                } else if b == ByteClass.sp || b == ByteClass.htab {
                    state = .sizeTail(value: value, lineBytes: lineBytes + 1, phase: .whitespace)
                } else {
                    return (i, fail("a chunk size has an invalid byte"))
                }
                i += 1
            case .sizeLF(let value):
                guard b == ByteClass.lf else { return (i, fail("a chunk size line does not end in CRLF")) }
                i += 1
                state = value == 0 ? .trailerStart : .data(remaining: value)
            case .data(let remaining):
                let take = Int(min(UInt64(n - i), remaining))
                onData(UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
                bodyBytes += UInt64(take)
                i += take
                state = remaining == UInt64(take) ? .dataCR : .data(remaining: remaining - UInt64(take))
            case .dataCR:
                guard b == ByteClass.cr else { return (i, fail("chunk data is not followed by CRLF")) }
                i += 1
                state = .dataLF
            case .dataLF:
                guard b == ByteClass.lf else { return (i, fail("chunk data is not followed by CRLF")) }
                i += 1
                state = .size(value: 0, digits: 0)
            case .trailerStart:
                if b == ByteClass.cr {
                    state = .trailerLF(empty: true)
                } else {
                    guard allowTrailers else {
                        return (i, .failure(HTTPError(.trailersNotSupported, "trailer fields after a chunked body are not supported")))
                    }
                    state = .trailerLine(lineBytes: 1)
                }
                i += 1
            case .trailerLine(let lineBytes):
                if b == ByteClass.cr {
                    state = .trailerLF(empty: false)
                } else {
                    if lineBytes >= maxLineBytes { return (i, fail("a trailer line is too long")) }
                    state = .trailerLine(lineBytes: lineBytes + 1)
                }
                i += 1
            case .trailerLF(let empty):
                guard b == ByteClass.lf else { return (i, fail("a trailer line does not end in CRLF")) }
                i += 1
                if empty {
                    state = .done
                    return (i, .done)
                }
                state = .trailerStart
            case .done:
                return (i, .done)
            }
        }
        if case .done = state { return (i, .done) }
        return (i, .needMore)
    }

    private func fail(_ message: String) -> Status {
        .failure(HTTPError(.malformedChunk, message))
    }
}

/// Canonical chunked encoding for forwarding: `HEX\r\n data \r\n`, and
/// `0\r\n\r\n` at the end. No extensions, no trailers.
public enum ChunkedEncoder {
    public static func chunkHeader(_ size: Int) -> [UInt8] {
        Array(String(size, radix: 16).utf8) + [ByteClass.cr, ByteClass.lf]
    }

    public static let chunkTrailer: [UInt8] = [ByteClass.cr, ByteClass.lf]
    public static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
}
