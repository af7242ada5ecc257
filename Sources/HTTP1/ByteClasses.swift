import Glibc

/// Character classes of RFC 9110 §5.6.2 and RFC 9112, on raw bytes.
enum ByteClass {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10

    /// The index of the first LF in `buffer[from..<to]` (memchr, not byte by byte), nil when none.
    @inline(__always)
    static func nextLineFeed(_ buffer: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard from < to, let base = buffer.baseAddress, let found = memchr(base + from, Int32(lf), to - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
    static let sp: UInt8 = 32
    static let htab: UInt8 = 9
    static let colon: UInt8 = 58

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
    ///         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    @inline(__always)
    static func isTokenChar(_ b: UInt8) -> Bool {
        // `isTokenCharBySet` as two bit masks (bytes 0–63, 64–127);
        // HTTP1Tests check that the two agree on every byte.
        let mask: UInt64 = b < 64 ? 0x03ff_6cfa_0000_0000 : 0x57ff_ffff_c7ff_fffe
        return b < 128 && (mask >> UInt64(b & 63)) & 1 == 1
    }

    /// The definition `isTokenChar` implements.
    static func isTokenCharBySet(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"),
             UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// field-vchar / SP / HTAB, with obs-text allowed as Go's
    /// httpguts.ValidHeaderFieldValue does. No CTLs, no DEL.
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == htab || (b >= 0x20 && b != 0x7F)
    }

    /// Visible ASCII, as allowed in a request-target (RFC 9112 §3.2).
    static func isTargetByte(_ b: UInt8) -> Bool { b > 0x20 && b < 0x7F }

    static func hexValue(_ b: UInt8) -> UInt64? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    static func lowercased(_ b: UInt8) -> UInt8 {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) ? b + 32 : b
    }
}

extension Collection where Element == UInt8 {
    /// ASCII case-insensitive comparison with a lowercase ASCII literal.
    func equalsIgnoringASCIICase(_ lower: String) -> Bool {
        var it = lower.utf8.makeIterator()
        for b in self {
            guard let c = it.next(), ByteClass.lowercased(b) == c else { return false }
        }
        return it.next() == nil
    }
}

extension String.UTF8View {
    /// ASCII case-insensitive comparison of two names (no allocation).
    @inline(__always)
    func equalsFoldingASCIICase(_ other: String.UTF8View) -> Bool {
        guard count == other.count else { return false }
        var it = other.makeIterator()
        for b in self {
            guard let c = it.next(), ByteClass.lowercased(b) == ByteClass.lowercased(c) else { return false }
        }
        return true
    }
}

/// Trims SP and HTAB (OWS) from both ends.
func trimmedOWS(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var start = bytes.startIndex
    var end = bytes.endIndex
    while start < end, bytes[start] == ByteClass.sp || bytes[start] == ByteClass.htab { start += 1 }
    while end > start, bytes[end - 1] == ByteClass.sp || bytes[end - 1] == ByteClass.htab { end -= 1 }
    return bytes[start..<end]
}
