import Testing
import GoJSON

struct ParseRow: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    var testDescription: String { name }
    init(_ name: String, _ text: String) { self.name = name; self.input = Array(text.utf8) }
    init(_ name: String, bytes: [UInt8]) { self.name = name; self.input = bytes }
}

struct ParseErrorRow: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    let code: GoDecodeError.Code
    var testDescription: String { name }
    init(_ name: String, _ text: String, _ code: GoDecodeError.Code) {
        self.name = name; self.input = Array(text.utf8); self.code = code
    }
}

struct StringRow: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    let scalars: [UInt32]
    var testDescription: String { name }
}

@Suite("JSONParser")
struct ParserTests {
    @Test("accepts what Go's scanner accepts", arguments: [
        ParseRow("empty object", "{}"),
        ParseRow("empty array", "[]"),
        ParseRow("all four whitespace bytes", " \t\r\n1"),
        ParseRow("negative zero", "-0"),
        ParseRow("fraction with exponent", "-12.5e+3"),
        ParseRow("nested containers", #"{"a":[{"b":[]},{}],"c":null}"#),
        ParseRow("duplicate keys kept", #"{"a":1,"a":2}"#),
        ParseRow("DEL in string", "\"\u{7F}\""),
        ParseRow("invalid UTF-8 in string", bytes: [0x22, 0xFF, 0xFE, 0x22]),
    ])
    func accepts(_ row: ParseRow) {
        #expect(throws: Never.self) { try JSONParser.parseFirstValue(row.input).get() }
    }

    @Test("refuses what Go's scanner refuses", arguments: [
        ParseErrorRow("leading zero inside array", "[01]", .syntax),
        ParseErrorRow("plus sign", "+1", .syntax),
        ParseErrorRow("NaN", "NaN", .syntax),
        ParseErrorRow("Infinity", "Infinity", .syntax),
        ParseErrorRow("trailing comma in array", "[1,]", .syntax),
        ParseErrorRow("trailing comma in object", #"{"a":1,}"#, .syntax),
        ParseErrorRow("block comment", "/**/1", .syntax),
        ParseErrorRow("line comment", "//\n1", .syntax),
        ParseErrorRow("single quotes", "'a'", .syntax),
        ParseErrorRow("raw control char in string", "\"\u{1}\"", .syntax),
        ParseErrorRow("escaped single quote", #""\'""#, .syntax),
        ParseErrorRow("bad unicode escape", #""\u00G0""#, .syntax),
        ParseErrorRow("form feed as whitespace", "\u{C}1", .syntax),
        ParseErrorRow("byte order mark", "\u{FEFF}1", .syntax),
        ParseErrorRow("missing colon", #"{"a" 1}"#, .syntax),
        ParseErrorRow("bare word", "nope", .syntax),
        ParseErrorRow("empty", "", .empty),
        ParseErrorRow("whitespace only", " \n\t\r", .empty),
        ParseErrorRow("unclosed object", #"{"a":1"#, .unexpectedEOF),
        ParseErrorRow("unclosed array", "[1,2", .unexpectedEOF),
        ParseErrorRow("unclosed string", #""abc"#, .unexpectedEOF),
        ParseErrorRow("number ends in dot", "1.", .unexpectedEOF),
        ParseErrorRow("number ends in exponent", "1e", .unexpectedEOF),
        ParseErrorRow("lone minus", "-", .unexpectedEOF),
        ParseErrorRow("truncated literal", "tr", .unexpectedEOF),
        ParseErrorRow("truncated escape", #""\u12"#, .unexpectedEOF),
    ])
    func refuses(_ row: ParseErrorRow) {
        guard case .failure(let error) = JSONParser.parseFirstValue(row.input) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == row.code, "\(error)")
    }

    @Test("decodes strings as Go's unquote does", arguments: [
        StringRow(name: "short escapes", input: Array(#""\"\\\/\b\f\n\r\t""#.utf8),
                  scalars: [0x22, 0x5C, 0x2F, 0x08, 0x0C, 0x0A, 0x0D, 0x09]),
        StringRow(name: "surrogate pair", input: Array(#""\uD83D\uDE00""#.utf8), scalars: [0x1F600]),
        StringRow(name: "lone high surrogate", input: Array(#""\uD83Dx""#.utf8), scalars: [0xFFFD, 0x78]),
        StringRow(name: "lone low surrogate", input: Array(#""\uDE00""#.utf8), scalars: [0xFFFD]),
        StringRow(name: "high then non-surrogate escape", input: Array(#""\uD83D\u0041""#.utf8), scalars: [0xFFFD, 0x41]),
        StringRow(name: "two highs then a low", input: Array(#""\uD83D\uD83D\uDE00""#.utf8), scalars: [0xFFFD, 0x1F600]),
        StringRow(name: "escaped NUL", input: Array(#""\u0000""#.utf8), scalars: [0]),
        StringRow(name: "one U+FFFD per bad byte: FF", input: [0x22, 0xFF, 0x22], scalars: [0xFFFD]),
        StringRow(name: "truncated 3-byte sequence gives two", input: [0x22, 0xE2, 0x82, 0x22], scalars: [0xFFFD, 0xFFFD]),
        StringRow(name: "truncated 3-byte then ASCII", input: [0x22, 0xE2, 0x82, 0x41, 0x22], scalars: [0xFFFD, 0xFFFD, 0x41]),
        StringRow(name: "UTF-8 encoded surrogate gives three", input: [0x22, 0xED, 0xA0, 0x80, 0x22], scalars: [0xFFFD, 0xFFFD, 0xFFFD]),
        StringRow(name: "overlong NUL gives two", input: [0x22, 0xC0, 0x80, 0x22], scalars: [0xFFFD, 0xFFFD]),
        StringRow(name: "beyond U+10FFFF gives four", input: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], scalars: [0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD]),
        StringRow(name: "truncated 4-byte gives three", input: [0x22, 0xF0, 0x9F, 0x98, 0x22], scalars: [0xFFFD, 0xFFFD, 0xFFFD]),
        StringRow(name: "bad lead before a good sequence", input: [0x22, 0xE2, 0xE2, 0x82, 0xAC, 0x22], scalars: [0xFFFD, 0x20AC]),
        StringRow(name: "valid 4-byte kept", input: [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22], scalars: [0x1F600]),
        StringRow(name: "literal U+FFFD kept", input: [0x22, 0xEF, 0xBF, 0xBD, 0x22], scalars: [0xFFFD]),
    ])
    func strings(_ row: StringRow) throws {
        let (value, _) = try JSONParser.parseFirstValue(row.input).get()
        guard case .string(let s) = value else {
            Issue.record("not a string: \(value)")
            return
        }
        #expect(s.unicodeScalars.map(\.value) == row.scalars)
    }

    @Test("consumed ends where Go's Decoder stops", arguments: [
        ("123x", 3), ("01", 1), ("-01", 2), ("truex", 4), ("{}x", 2), ("[1]]", 3),
        ("  {\"a\":1} {", 9), ("\"a\"\"b\"", 3), ("0.5.5", 3), ("1 2", 1), ("null", 4), ("\n[]\n", 3),
    ])
    func consumed(_ text: String, _ expected: Int) throws {
        let (_, consumed) = try JSONParser.parseFirstValue(Array(text.utf8)).get()
        #expect(consumed == expected)
    }

    @Test("parse() wants exactly one value, like json.Unmarshal")
    func wholeInput() {
        #expect((try? JSONParser.parse(Array(" {\"a\":1}\n".utf8)).get()) != nil)
        #expect((try? JSONParser.parse(Array("{} x".utf8)).get()) == nil)
        #expect((try? JSONParser.parse(Array("123x".utf8)).get()) == nil)
        guard case .failure(let e) = JSONParser.parse([]) else { Issue.record("accepted"); return }
        #expect(e.code == .unexpectedEOF)
    }

    @Test("hasMore is Decoder.More()", arguments: [
        ("{} ", false), ("{} {}", true), ("{} ]", false), ("{}}", false), ("{}x", true), ("{}", false),
    ])
    func hasMore(_ text: String, _ expected: Bool) throws {
        let bytes = Array(text.utf8)
        let (_, consumed) = try JSONParser.parseFirstValue(bytes).get()
        #expect(JSONParser.hasMore(bytes, after: consumed) == expected)
    }

    @Test("nesting up to maxDepth is fine, one more is tooDeep", arguments: [1, 2, 64, 512])
    func depthLimit(_ depth: Int) {
        let ok = Array(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).map { $0.asciiValue! }
        #expect((try? JSONParser.parseFirstValue(ok, maxDepth: depth).get()) != nil)
        let objects = Array((String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)).utf8)
        #expect((try? JSONParser.parseFirstValue(objects, maxDepth: depth).get()) != nil)
        let deeper = Array(String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)).map { $0.asciiValue! }
        guard case .failure(let e) = JSONParser.parseFirstValue(deeper, maxDepth: depth) else {
            Issue.record("accepted depth \(depth + 1)")
            return
        }
        #expect(e.code == .tooDeep)
    }

    @Test("too deep is reported even when truncated")
    func tooDeepBeforeEOF() {
        guard case .failure(let e) = JSONParser.parseFirstValue(Array(repeating: UInt8(ascii: "["), count: 600)) else {
            Issue.record("accepted")
            return
        }
        #expect(e.code == .tooDeep)
    }

    @Test("every truncation of a valid document is unexpectedEOF or empty")
    func truncations() {
        let doc = Array(#"{"a":[1,-2.5e+3,true,false,null,"s\u00e9\n"],"b":{"c":{}}}"#.utf8)
        for n in 0..<doc.count {
            guard case .failure(let e) = JSONParser.parseFirstValue(Array(doc[0..<n])) else {
                Issue.record("prefix of \(n) bytes accepted")
                continue
            }
            #expect(e.code == (n == 0 ? .empty : .unexpectedEOF), "prefix \(n): \(e)")
        }
    }

    @Test("numbers keep their literal")
    func numberLiterals() throws {
        let (v, _) = try JSONParser.parseFirstValue(Array("[1.50,-0,1E+2]".utf8)).get()
        #expect(v == .array([.number("1.50"), .number("-0"), .number("1E+2")]))
    }
}
