/// A query string as Go's `url.ParseQuery` reads it (go1.17+): pairs split on
/// '&'; a ';' anywhere in a pair is an error; `key=value` split at the first
/// '='; both unescaped with `QueryUnescape` ('+' is a space, `%XX` a byte).
/// Any error makes the daemon's `ParseForm` fail (400), so it is an error here.
/// `FormValue` returns the first value of a key.
public struct GoQuery: Sendable, Equatable {
    public let pairs: [(key: String, value: String)]

    public static func == (a: GoQuery, b: GoQuery) -> Bool {
        a.pairs.elementsEqual(b.pairs) { $0.key == $1.key && $0.value == $1.value }
    }

    public static func parse(_ raw: String?) -> GoQuery? {
        guard let raw, !raw.isEmpty else { return GoQuery(pairs: []) }
        var pairs: [(key: String, value: String)] = []
        for part in raw.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if part.contains(UInt8(ascii: ";")) { return nil }
            let key: Substring.UTF8View.SubSequence
            let value: Substring.UTF8View.SubSequence
            if let eq = part.firstIndex(of: UInt8(ascii: "=")) {
                key = part[..<eq]
                value = part[part.index(after: eq)...]
            } else {
                key = part
                value = part[part.endIndex...]
            }
            guard let k = unescape(Array(key)), let v = unescape(Array(value)) else { return nil }
            pairs.append((k, v))
        }
        return GoQuery(pairs: pairs)
    }

    /// `r.FormValue(key)`: the first value, nil when absent.
    public func first(_ key: String) -> String? {
        pairs.first { $0.key.bytesEqual(key) }?.value
    }

    public func all(_ key: String) -> [String] {
        pairs.filter { $0.key.bytesEqual(key) }.map(\.value)
    }

    static func unescape(_ s: [UInt8]) -> String? {
        var bytes: [UInt8] = []
        var it = s[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%") {
                guard it.count >= 2, let hi = hex(it[it.startIndex]), let lo = hex(it[it.startIndex + 1]) else { return nil }
                bytes.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        // Go keeps invalid UTF-8 as bytes; we cannot judge such text: refuse.
        return String(validating: bytes, as: UTF8.self)
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
