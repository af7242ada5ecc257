/// Percent-decoding of a request path, reproducing Go's
/// `net/url.unescape(s, encodePath)` (called by `url.ParseRequestURI` →
/// `URL.setPath`), which is how the daemon's `req.URL.Path` is produced:
///
/// - every `%` must be followed by two hex digits (either case), otherwise the
///   whole request is rejected with 400 (`invalid URL escape "%zz"`): "%zz",
///   "%4" at the end, a trailing "%" are errors;
/// - "%XX" decodes to the byte 0xXX, whatever it is: "%2F" becomes '/', "%00"
///   NUL, "%0A" a newline, "%25" a '%' (decoded once, never twice);
/// - '+' stays '+' (only query mode turns it into a space);
/// - every other byte is kept as is.
///
/// gorilla/mux then matches routes against this decoded path (moby never turns
/// on `UseEncodedPath`), so "/containers%2Fjson" routes like "/containers/json".
enum PercentDecoding {
    enum Failure: Error, Equatable {
        /// The offending escape as Go reports it: "%" plus at most two more bytes.
        case invalidEscape(String)
    }

    /// Decodes `raw` (the path part of an origin-form target).
    static func decodePath<C: Collection>(_ raw: C) -> Result<[UInt8], Failure>
    where C.Element == UInt8, C.Index == Int {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        let end = raw.endIndex
        while i < end {
            let byte = raw[i]
            if byte != UInt8(ascii: "%") {
                out.append(byte)
                i += 1
                continue
            }
            guard end - i >= 3, let hi = hexValue(raw[i + 1]), let lo = hexValue(raw[i + 2]) else {
                let stop = min(end, i + 3)
                return .failure(.invalidEscape(String(decoding: raw[i..<stop], as: UTF8.self)))
            }
            out.append(hi << 4 | lo)
            i += 3
        }
        return .success(out)
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}
