/// Byte-wise string operations. Go compares and splits strings as bytes;
/// Swift's `==`, `hasPrefix` and `split` work on grapheme clusters under
/// canonical equivalence ("\u{212A}" == "K", a ':' followed by a combining
/// mark is not a ':'). Everything that judges text from a request uses these.
extension String {
    public func bytesEqual(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }

    public func bytesHavePrefix(_ prefix: String) -> Bool {
        utf8.starts(with: prefix.utf8)
    }

    public func bytesHaveSuffix(_ suffix: String) -> Bool {
        utf8.count >= suffix.utf8.count && utf8.suffix(suffix.utf8.count).elementsEqual(suffix.utf8)
    }

    /// ASCII-only lower-casing (Go's strings.ToLower agrees on ASCII).
    public var asciiLowercased: String {
        String(decoding: utf8.map { ($0 >= 65 && $0 <= 90) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// Splits on an ASCII byte, keeping empty parts, at most `maxSplits` times.
    public func bytesSplit(_ separator: UInt8, maxSplits: Int = Int.max) -> [String] {
        utf8.split(separator: separator, maxSplits: maxSplits, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    public func bytesContain(_ byte: UInt8) -> Bool {
        utf8.contains(byte)
    }

    public var isASCII: Bool { utf8.allSatisfy { $0 < 0x80 } }

    /// ASCII-only upper-casing (Go's strings.ToUpper agrees on ASCII).
    public var asciiUppercased: String {
        String(decoding: utf8.map { ($0 >= 97 && $0 <= 122) ? $0 - 32 : $0 }, as: UTF8.self)
    }

    /// `self` is one of `candidates`, byte for byte.
    public func isOneOf(_ candidates: [String]) -> Bool {
        candidates.contains { bytesEqual($0) }
    }
}
