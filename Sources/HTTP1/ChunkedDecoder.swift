/// Incremental chunked transfer-coding decoder (RFC 9112 §7.1).
///
/// Used two ways: for requests the proxy forwards only the decoded data,
/// re-chunked canonically (`ChunkedEncoder`), so chunk extensions and odd
/// spellings never reach the daemon; for responses it only finds where the
/// body ends while the original bytes are relayed.
///
/// Accepted chunk-size line: 1–16 hex digits, optional SP/HTAB, optional
/// `;extension` of visible ASCII/SP/HTAB, CRLF, shorter than `maxLineBytes`
/// with its CRLF (Go's `len(line) >= maxLineLength` refusal). Chunk data must
/// be followed by CRLF. Trailer fields are refused when `allowTrailers` is
/// false; otherwise each must be a field line (token name, colon, value
/// bytes, CRLF) and the trailer section, final CRLF included, at most
/// `maxLineBytes` long: go1.19's client refuses a longer section ("suspiciously
/// long trailer") and a line without a colon, and ends the section at a bare
/// LF, so anything looser would end the answer elsewhere than the client does.
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
        /// `section`: trailer bytes so far (Go's client wants them all in its 4096-byte buffer).
        case trailerStart(section: Int)
        case trailerLine(lineBytes: Int, section: Int, inValue: Bool)
        case trailerLF(empty: Bool, section: Int)
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
                // With its CRLF the line must stay under the limit (as Go counts it).
                if lineBytes + 2 >= maxLineBytes { return (i, fail("a chunk size line is too long")) }
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
                state = value == 0 ? .trailerStart(section: 0) : .data(remaining: value)
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
            case .trailerStart(let section):
                if section + 1 > maxLineBytes { return (i, fail("the trailer section is too long")) }
                if b == ByteClass.cr {
                    state = .trailerLF(empty: true, section: section + 1)
                } else {
                    guard allowTrailers else {
                        return (i, .failure(HTTPError(.trailersNotSupported, "trailer fields after a chunked body are not supported")))
                    }
                    guard ByteClass.isTokenChar(b) else { return (i, fail("a trailer line does not start with a field name")) }
                    state = .trailerLine(lineBytes: 1, section: section + 1, inValue: false)
                }
                i += 1
            case .trailerLine(let lineBytes, let section, let inValue):
                if section + 1 > maxLineBytes { return (i, fail("the trailer section is too long")) }
                if lineBytes >= maxLineBytes { return (i, fail("a trailer line is too long")) }
                if b == ByteClass.cr {
                    guard inValue else { return (i, fail("a trailer line has no colon")) }
                    state = .trailerLF(empty: false, section: section + 1)
                } else if inValue {
                    guard ByteClass.isFieldValueByte(b) else { return (i, fail("a trailer value has a control byte")) }
                    state = .trailerLine(lineBytes: lineBytes + 1, section: section + 1, inValue: true)
                } else if b == ByteClass.colon {
                    state = .trailerLine(lineBytes: lineBytes + 1, section: section + 1, inValue: true)
                } else {
                    guard ByteClass.isTokenChar(b) else { return (i, fail("a trailer field name is not a valid token")) }
                    state = .trailerLine(lineBytes: lineBytes + 1, section: section + 1, inValue: false)
                }
                i += 1
            case .trailerLF(let empty, let section):
                if section + 1 > maxLineBytes { return (i, fail("the trailer section is too long")) }
                guard b == ByteClass.lf else { return (i, fail("a trailer line does not end in CRLF")) }
                i += 1
                if empty {
                    state = .done
                    return (i, .done)
                }
                state = .trailerStart(section: section + 1)
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
