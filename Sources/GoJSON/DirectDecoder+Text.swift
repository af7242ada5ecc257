/// The JSON text as `DirectDecoder` reads it: Go's scanner grammar, as
/// `JSONParser` implements it, giving up (`GiveUp`) wherever the reference
/// path would report an error.
extension DirectDecoder {

    mutating func skipSpace() {
        guard index < bytes.count, JSONParser.isSpace(bytes[index]) else { return }
        canonical = false
        while index < bytes.count, JSONParser.isSpace(bytes[index]) { index += 1 }
    }

    /// The next non-space byte (not consumed).
    mutating func peek() throws(GiveUp) -> UInt8 {
        skipSpace()
        guard index < bytes.count else { throw GiveUp() }
        return bytes[index]
    }

    mutating func open() throws(GiveUp) {
        guard depth + 1 <= maxDepth else { throw GiveUp() }
        depth += 1
        index += 1
    }

    mutating func literal(_ word: StaticString) throws(GiveUp) {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw GiveUp() }
        for k in 0..<n where bytes[index + k] != word.utf8Start[k] { throw GiveUp() }
        index += n
    }

    /// A number literal per Go's scanner (see `JSONParser`).
    mutating func number() throws(GiveUp) -> UnsafeBufferPointer<UInt8> {
        let start = index
        @inline(__always) func digit(_ i: Int) -> Bool { i < bytes.count && GoNumbers.isDigit(bytes[i]) }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digit(index) else { throw GiveUp() }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while digit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digit(index) else { throw GiveUp() }
            while digit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digit(index) else { throw GiveUp() }
            while digit(index) { index += 1 }
        }
        return UnsafeBufferPointer(rebasing: bytes[start..<index])
    }

    /// At a `"`: the contents' bounds, and whether they need Go's unquote
    /// (escapes or non-ASCII bytes). `index` ends after the closing quote.
    /// Not canonical when escaped, or holding a byte GoEncoder escapes.
    mutating func scanString() throws(GiveUp) -> (start: Int, end: Int, escaped: Bool) {
        index += 1
        let start = index
        var escaped = false
        var html = false
        // One table look-up per byte of the common run (plain bytes), not
        // seven comparisons: strings and keys are most of a body's bytes.
        let classes = Self.stringByteClasses
        scan: while true {
            guard index < bytes.count else { throw GiveUp() }
            let c = bytes[index]
            switch classes[Int(c)] {
            case .plain:
                index += 1
            case .quote:
                break scan
            case .control:
                throw GiveUp()
            case .backslash:
                escaped = true
                index += 1
                guard index < bytes.count else { throw GiveUp() }
                switch bytes[index] {
                case UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"),
                     UInt8(ascii: "t"), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "\""):
                    index += 1
                case UInt8(ascii: "u"):
                    guard index + 4 < bytes.count else { throw GiveUp() }
                    for k in 1...4 where GoText.hexValue(bytes[index + k]) == nil { throw GiveUp() }
                    index += 5
                default:
                    throw GiveUp()
                }
            case .nonASCII:
                escaped = true
                index += 1
            case .html:
                html = true
                index += 1
            }
        }
        if escaped || html { canonical = false }
        let end = index
        index += 1
        return (start, end, escaped)
    }

    /// What a byte inside a JSON string is to `scanString`.
    enum StringByte: UInt8 {
        /// Taken as is, and written as is by GoEncoder.
        case plain
        /// `"`: the end.
        case quote
        /// Below 0x20: not allowed unescaped (the reference path words the error).
        case control
        /// `\`: an escape follows.
        case backslash
        /// 0x80 and above: UTF-8 that Go's unquote checks.
        case nonASCII
        /// `<`, `>`, `&`: GoEncoder escapes them (not canonical).
        case html
    }

    static let stringByteClasses: [StringByte] = (0...255).map { (b: Int) -> StringByte in
        switch b {
        case 0x22: return .quote
        case 0..<0x20: return .control
        case 0x5C: return .backslash
        case 0x80...: return .nonASCII
        case 0x3C, 0x3E, 0x26: return .html
        default: return .plain
        }
    }

    mutating func string() throws(GiveUp) -> String {
        let (start, end, escaped) = try scanString()
        let contents = UnsafeBufferPointer(rebasing: bytes[start..<end])
        return escaped ? try Self.unescaped(contents) : String(decoding: contents, as: UTF8.self)
    }

    static func unescaped(_ contents: UnsafeBufferPointer<UInt8>) throws(GiveUp) -> String {
        guard let decoded = GoText.unquoteContents(contents, allowSingleQuoteEscape: false) else { throw GiveUp() }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// The value at `index` as a `JSONValue`, parsed by `JSONParser` (for
    /// interface{} and custom types, and to check skipped values).
    mutating func subtree() throws(GiveUp) -> JSONValue {
        guard case .success(let (value, end)) = JSONParser.parseValue(source, at: index, maxDepth: maxDepth - depth) else {
            throw GiveUp()
        }
        index = end
        return value
    }

    mutating func skipValue() throws(GiveUp) {
        _ = try subtree()
    }
}

/// Which fields of a struct were set: in two words up to 128 fields.
struct FieldSet {
    private var low: UInt64 = 0
    private var high: UInt64 = 0
    private var large: [Bool]

    init(count: Int) {
        large = count > 128 ? [Bool](repeating: false, count: count) : []
    }

    /// False when `i` was already in the set.
    mutating func insert(_ i: Int) -> Bool {
        if large.isEmpty {
            let bit = UInt64(1) << UInt64(i & 63)
            if i < 64 {
                if low & bit != 0 { return false }
                low |= bit
            } else {
                if high & bit != 0 { return false }
                high |= bit
            }
            return true
        }
        if large[i] { return false }
        large[i] = true
        return true
    }

    /// The members, ascending.
    func members() -> [Int] {
        if large.isEmpty {
            return (0..<128).filter { $0 < 64 ? low & (UInt64(1) << UInt64($0)) != 0 : high & (UInt64(1) << UInt64($0 - 64)) != 0 }
        }
        return large.indices.filter { large[$0] }
    }
}
