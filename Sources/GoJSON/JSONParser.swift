/// JSON text exactly as Go's `encoding/json` scanner (go1.19 through go1.24:
/// scanner.go and stream.go did not change) accepts it.
///
/// - Whitespace is space, `\t`, `\n`, `\r` only.
/// - RFC 8259 grammar as Go's scanner implements it: no leading zeros, no `+`,
///   no NaN/Infinity, no trailing commas, no comments, no single quotes,
///   bytes < 0x20 inside strings are errors, escapes are `\" \\ \/ \b \f \n \r
///   \t \uXXXX` only.
/// - Strings are decoded the way Go's `unquote` does it: a `\uXXXX` surrogate
///   that does not form a valid pair with an immediately following `\uXXXX`
///   becomes one U+FFFD (and the following escape is decoded on its own);
///   every byte that `utf8.DecodeRune` rejects becomes one U+FFFD. Go rejects
///   a whole ill-formed sequence one byte at a time, so `E2 82 41` gives
///   U+FFFD U+FFFD "A" (not the single U+FFFD of "maximal subpart" decoders,
///   and not what `String(decoding:as:)` would do).
///
/// The parser is iterative: nesting depth costs heap, not stack.
public enum JSONParser {
    /// What `json.NewDecoder(r).Decode(&v)` accepts as its first value.
    ///
    /// `consumed` is the number of bytes up to and including the last byte of
    /// the value (leading whitespace included). Go's Decoder never looks at
    /// the bytes after a value, except that a top-level number (or literal)
    /// ends at the first byte that cannot continue it: `123x` is the value
    /// 123 with `consumed == 3`, and `01` is the value 0 with `consumed == 1`,
    /// exactly as dockerd's Decoder reads them.
    ///
    /// Errors: no value at all (empty or whitespace only) → `.empty` (Go's
    /// io.EOF); the input ends inside the value → `.unexpectedEOF`; a byte the
    /// scanner refuses → `.syntax`; nesting beyond `maxDepth` arrays/objects →
    /// `.tooDeep` (Go allows 10000; we are stricter on purpose).
    public static func parseFirstValue(_ bytes: [UInt8], maxDepth: Int = 512)
        -> Result<(value: JSONValue, consumed: Int), GoDecodeError>
    {
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        do {
            let value = try parser.parseValue()
            return .success((value, parser.index))
        } catch {
            return .failure(error)
        }
    }

    /// The value that starts at `offset` (after optional whitespace) and the
    /// offset just past it, as `parseFirstValue` reads a value; `maxDepth`
    /// counts the arrays and objects inside this value.
    static func parseValue(_ bytes: [UInt8], at offset: Int, maxDepth: Int)
        -> Result<(value: JSONValue, end: Int), GoDecodeError>
    {
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        parser.index = offset
        do {
            let value = try parser.parseValue()
            return .success((value, parser.index))
        } catch {
            return .failure(error)
        }
    }

    /// What `json.Unmarshal` accepts: exactly one value, optionally surrounded
    /// by whitespace. Empty input is a `.unexpectedEOF` here, as in Go.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 512) -> Result<JSONValue, GoDecodeError> {
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        do {
            let value = try parser.parseValue()
            var i = parser.index
            while i < bytes.count, isSpace(bytes[i]) { i += 1 }
            if i < bytes.count {
                return .failure(GoDecodeError(.syntax, "invalid character \(describe(bytes[i])) after top-level value (offset \(i))"))
            }
            return .success(value)
        } catch {
            if error.code == .empty {
                return .failure(GoDecodeError(.unexpectedEOF, "unexpected end of JSON input"))
            }
            return .failure(error)
        }
    }

    /// `Decoder.More()` after a successful `Decode`: true when a non-space
    /// byte other than `]` or `}` follows `offset`.
    public static func hasMore(_ bytes: [UInt8], after offset: Int) -> Bool {
        var i = max(0, offset)
        while i < bytes.count {
            let c = bytes[i]
            if isSpace(c) { i += 1; continue }
            return c != UInt8(ascii: "]") && c != UInt8(ascii: "}")
        }
        return false
    }

    @inline(__always)
    static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D
    }

    static func describe(_ c: UInt8) -> String {
        if c >= 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        let hex = String(c, radix: 16, uppercase: true)
        return "0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}

// MARK: - The scanner

private struct Parser {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private enum Frame { case array, object }

    func eof() -> GoDecodeError {
        GoDecodeError(.unexpectedEOF, "unexpected end of JSON input")
    }

    func syntax(_ context: String) -> GoDecodeError {
        GoDecodeError(.syntax, "invalid character \(JSONParser.describe(bytes[index])) \(context) (offset \(index))")
    }

    mutating func skipSpace() {
        while index < bytes.count, JSONParser.isSpace(bytes[index]) { index += 1 }
    }

    /// Skips whitespace and returns the next byte, or throws unexpected EOF.
    mutating func nextNonSpace() throws(GoDecodeError) -> UInt8 {
        skipSpace()
        guard index < bytes.count else { throw eof() }
        return bytes[index]
    }

    mutating func parseValue() throws(GoDecodeError) -> JSONValue {
        skipSpace()
        guard index < bytes.count else {
            throw GoDecodeError(.empty, "EOF: no JSON value")
        }
        // Open containers, innermost last. Separate stacks so that appends
        // mutate in place (no copy-on-write of a payload bound out of an enum).
        var frames: [Frame] = []
        var arrays: [[JSONValue]] = []
        var objects: [[JSONMember]] = []
        var keys: [String] = []
        while true {
            // Parse the start of a value at `index` (whitespace skipped).
            var value: JSONValue
            let c = bytes[index]
            switch c {
            case UInt8(ascii: "{"):
                if frames.count + 1 > maxDepth {
                    throw GoDecodeError(.tooDeep, "exceeded max depth \(maxDepth) (offset \(index))")
                }
                index += 1
                let d = try nextNonSpace()
                if d == UInt8(ascii: "}") {
                    index += 1
                    value = .object([])
                } else if d == UInt8(ascii: "\"") {
                    keys.append(try parseKeyAndColon())
                    objects.append([])
                    frames.append(.object)
                    _ = try nextNonSpace()
                    continue
                } else {
                    throw syntax("looking for beginning of object key string")
                }
            case UInt8(ascii: "["):
                if frames.count + 1 > maxDepth {
                    throw GoDecodeError(.tooDeep, "exceeded max depth \(maxDepth) (offset \(index))")
                }
                index += 1
                let d = try nextNonSpace()
                if d == UInt8(ascii: "]") {
                    index += 1
                    value = .array([])
                } else {
                    arrays.append([])
                    frames.append(.array)
                    continue
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            case UInt8(ascii: "t"):
                try expectLiteral("true"); value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false"); value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null"); value = .null
            default:
                throw syntax("looking for beginning of value")
            }

            // Complete the value: attach it to its container, closing
            // containers as their closing bytes come.
            completing: while true {
                guard let frame = frames.last else { return value }
                let d = try nextNonSpace()
                switch frame {
                case .array:
                    arrays[arrays.count - 1].append(value)
                    if d == UInt8(ascii: ",") {
                        index += 1
                        _ = try nextNonSpace()
                        break completing
                    } else if d == UInt8(ascii: "]") {
                        index += 1
                        frames.removeLast()
                        value = .array(arrays.removeLast())
                    } else {
                        throw syntax("after array element")
                    }
                case .object:
                    objects[objects.count - 1].append(JSONMember(keys.removeLast(), value))
                    if d == UInt8(ascii: ",") {
                        index += 1
                        let e = try nextNonSpace()
                        guard e == UInt8(ascii: "\"") else {
                            throw syntax("looking for beginning of object key string")
                        }
                        keys.append(try parseKeyAndColon())
                        _ = try nextNonSpace()
                        break completing
                    } else if d == UInt8(ascii: "}") {
                        index += 1
                        frames.removeLast()
                        value = .object(objects.removeLast())
                    } else {
                        throw syntax("after object key:value pair")
                    }
                }
            }
        }
    }

    /// At a `"`: reads the key string and the `:` after it.
    mutating func parseKeyAndColon() throws(GoDecodeError) -> String {
        let key = try parseString()
        let c = try nextNonSpace()
        guard c == UInt8(ascii: ":") else { throw syntax("after object key") }
        index += 1
        return key
    }

    mutating func expectLiteral(_ word: StaticString) throws(GoDecodeError) {
        let p = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount {
            guard index < bytes.count else { throw eof() }
            guard bytes[index] == p[k] else { throw syntax("in literal \(word) (expecting '\(Character(Unicode.Scalar(p[k])))')") }
            index += 1
        }
    }

    /// A number literal per Go's scanner; it ends at the first byte that
    /// cannot continue it (that byte is judged by the caller's context).
    mutating func parseNumber() throws(GoDecodeError) -> String {
        let start = index
        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        if bytes[index] == UInt8(ascii: "-") {
            index += 1
            guard index < bytes.count else { throw eof() }
            guard isDigit(bytes[index]) else { throw syntax("in numeric literal") }
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count else { throw eof() }
            guard isDigit(bytes[index]) else { throw syntax("after decimal point in numeric literal") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            guard index < bytes.count else { throw eof() }
            if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
                guard index < bytes.count else { throw eof() }
            }
            guard isDigit(bytes[index]) else { throw syntax("in exponent of numeric literal") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// At the opening `"`: validates the string as the scanner does, then
    /// decodes its contents as Go's `unquote` does.
    mutating func parseString() throws(GoDecodeError) -> String {
        index += 1
        let start = index
        var plain = true // no escapes, no bytes >= 0x80
        while true {
            guard index < bytes.count else { throw eof() }
            let c = bytes[index]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw syntax("in string literal") }
            if c == UInt8(ascii: "\\") {
                plain = false
                index += 1
                guard index < bytes.count else { throw eof() }
                switch bytes[index] {
                case UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"),
                     UInt8(ascii: "t"), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "\""):
                    index += 1
                case UInt8(ascii: "u"):
                    index += 1
                    for _ in 0..<4 {
                        guard index < bytes.count else { throw eof() }
                        guard GoText.hexValue(bytes[index]) != nil else {
                            throw syntax("in \\u hexadecimal character escape")
                        }
                        index += 1
                    }
                default:
                    throw syntax("in string escape code")
                }
                continue
            }
            if c >= 0x80 { plain = false }
            index += 1
        }
        let end = index
        index += 1 // closing quote
        if plain {
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
        // The scanner accepted it, so Go's unquote cannot fail here.
        let decoded = GoText.unquoteContents(bytes[start..<end], allowSingleQuoteEscape: false) ?? []
        return String(decoding: decoded, as: UTF8.self)
    }
}

// MARK: - Go's unquote and UTF-8 rules

enum GoText {
    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Go's `utf8.DecodeRune`: the scalar and its length, or nil with length 1
    /// for any ill-formed sequence (Go's `RuneError, 1`).
    static func decodeRune<C: RandomAccessCollection>(_ s: C, at i: C.Index) -> (scalar: UInt32?, size: Int)
        where C.Element == UInt8
    {
        let b0 = s[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        let n = s.distance(from: i, to: s.endIndex)
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> UInt8? {
            guard k < n else { return nil }
            let b = s[s.index(i, offsetBy: k)]
            return (b >= lo && b <= hi) ? b : nil
        }
        switch b0 {
        case 0xC2...0xDF:
            guard let b1 = cont(1) else { return (nil, 1) }
            return (UInt32(b0 & 0x1F) << 6 | UInt32(b1 & 0x3F), 2)
        case 0xE0...0xEF:
            let lo: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80
            let hi: UInt8 = b0 == 0xED ? 0x9F : 0xBF
            guard let b1 = cont(1, lo, hi), let b2 = cont(2) else { return (nil, 1) }
            return (UInt32(b0 & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F), 3)
        case 0xF0...0xF4:
            let lo: UInt8 = b0 == 0xF0 ? 0x90 : 0x80
            let hi: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
            guard let b1 = cont(1, lo, hi), let b2 = cont(2), let b3 = cont(3) else { return (nil, 1) }
            return (UInt32(b0 & 0x07) << 18 | UInt32(b1 & 0x3F) << 12 | UInt32(b2 & 0x3F) << 6 | UInt32(b3 & 0x3F), 4)
        default:
            return (nil, 1)
        }
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(0xC0 | UInt8(scalar >> 6))
            out.append(0x80 | UInt8(scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(0xE0 | UInt8(scalar >> 12))
            out.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            out.append(0x80 | UInt8(scalar & 0x3F))
        default:
            out.append(0xF0 | UInt8(scalar >> 18))
            out.append(0x80 | UInt8((scalar >> 12) & 0x3F))
            out.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            out.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    /// Go's `getu4`: `\uXXXX` at `i`, or nil.
    static func getu4<C: RandomAccessCollection>(_ s: C, _ i: C.Index) -> UInt32? where C.Element == UInt8 {
        guard s.distance(from: i, to: s.endIndex) >= 6,
              s[i] == UInt8(ascii: "\\"), s[s.index(after: i)] == UInt8(ascii: "u") else { return nil }
        var r: UInt32 = 0
        var j = s.index(i, offsetBy: 2)
        for _ in 0..<4 {
            guard let h = hexValue(s[j]) else { return nil }
            r = r * 16 + h
            j = s.index(after: j)
        }
        return r
    }

    /// Go's `unquoteBytes` applied to the bytes between the quotes. Returns
    /// nil where Go's returns ok == false. `allowSingleQuoteEscape`: Go's
    /// unquote accepts `\'` (the scanner never lets one through, but the
    /// `,string` option feeds unscanned text to it).
    static func unquoteContents<C: RandomAccessCollection>(_ s: C, allowSingleQuoteEscape: Bool) -> [UInt8]?
        where C.Element == UInt8, C.Index == Int
    {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var r = s.startIndex
        let end = s.endIndex
        while r < end {
            let c = s[r]
            if c == UInt8(ascii: "\\") {
                r += 1
                guard r < end else { return nil }
                switch s[r] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                    out.append(s[r]); r += 1
                case UInt8(ascii: "'"):
                    guard allowSingleQuoteEscape else { return nil }
                    out.append(s[r]); r += 1
                case UInt8(ascii: "b"): out.append(0x08); r += 1
                case UInt8(ascii: "f"): out.append(0x0C); r += 1
                case UInt8(ascii: "n"): out.append(0x0A); r += 1
                case UInt8(ascii: "r"): out.append(0x0D); r += 1
                case UInt8(ascii: "t"): out.append(0x09); r += 1
                case UInt8(ascii: "u"):
                    r -= 1
                    guard var rr = getu4(s, r) else { return nil }
                    r += 6
                    if rr >= 0xD800 && rr < 0xE000 {
                        // utf16.DecodeRune(rr, next): valid only for high+low.
                        if rr < 0xDC00, let rr1 = getu4(s, r), rr1 >= 0xDC00 && rr1 < 0xE000 {
                            r += 6
                            appendUTF8(((rr - 0xD800) << 10 | (rr1 - 0xDC00)) + 0x10000, to: &out)
                            continue
                        }
                        rr = 0xFFFD
                    }
                    appendUTF8(rr, to: &out)
                default:
                    return nil
                }
            } else if c == UInt8(ascii: "\"") || c < 0x20 {
                return nil
            } else if c < 0x80 {
                out.append(c); r += 1
            } else {
                let (scalar, size) = decodeRune(s, at: r)
                if scalar != nil {
                    out.append(contentsOf: s[r..<(r + size)])
                } else {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                }
                r += size
            }
        }
        return out
    }
}
