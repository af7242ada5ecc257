import Testing
@testable import Policy

/// A compact, order-preserving rendering of a parsed document, to compare
/// whole trees in one string.
func render(_ table: TOMLTable) -> String {
    "{" + table.entries.map { "\(displayKey($0.key))=\(render($0.node.value))" }.joined(separator: ", ") + "}"
}

func render(_ value: TOMLValue) -> String {
    switch value {
    case .string(let s): return displayKey(s) == s ? "\"\(s)\"" : displayKey(s)
    case .integer(let i): return String(i)
    case .boolean(let b): return String(b)
    case .array(let items): return "[" + items.map { render($0.value) }.joined(separator: ", ") + "]"
    case .table(let t): return render(t)
    }
}

/// Every "\n" becomes "\r\n".
func crlf(_ source: String) -> [UInt8] {
    var out: [UInt8] = []
    for b in source.utf8 {
        if b == 0x0A { out.append(0x0D) }
        out.append(b)
    }
    return out
}

struct ValidDocument: CustomTestStringConvertible, Sendable {
    let name: String
    let source: String
    let expected: String
    var testDescription: String { name }
}

let validDocuments: [ValidDocument] = [
    .init(name: "empty document", source: "", expected: "{}"),
    .init(name: "only comments and blank lines", source: "# a comment\n\n   \t\n# another\n", expected: "{}"),
    .init(name: "bare, quoted and literal keys",
          source: "a = 1\n\"b c\" = 2\n'd' = 3\nA_-9 = 4\n\"\" = 5\n",
          expected: "{a=1, \"b c\"=2, d=3, A_-9=4, \"\"=5}"),
    .init(name: "basic string escapes",
          source: #"s = "q\" b\\ t\t u\u00e9 U\U0001F600""#,
          expected: "{s=\"q\\\" b\\\\ t\\t u\u{e9} U\u{1F600}\"}"),
    .init(name: "newline, return, backspace and form feed escapes",
          source: #"s = "\n\r\b\f""#,
          expected: #"{s="\n\u000D\u0008\u000C"}"#),
    .init(name: "literal string keeps backslashes", source: #"s = 'C:\path\n'"#,
          expected: #"{s="C:\\path\\n"}"#),
    .init(name: "strings may hold tabs, quotes of the other kind and unicode",
          source: "a = \"x\ty 'q' h\u{e9}llo\"\nb = 'say \"hi\"'\n",
          expected: "{a=\"x\\ty 'q' h\u{e9}llo\", b=\"say \\\"hi\\\"\"}"),
    .init(name: "integers with sign and underscores",
          source: "a = 0\nb = +42\nc = -17\nd = 1_000_000\ne = -0\nf = +0\n",
          expected: "{a=0, b=42, c=-17, d=1000000, e=0, f=0}"),
    .init(name: "integer limits",
          source: "max = 9223372036854775807\nmin = -9223372036854775808\n",
          expected: "{max=9223372036854775807, min=-9223372036854775808}"),
    .init(name: "booleans", source: "t = true\nf = false\n", expected: "{t=true, f=false}"),
    .init(name: "array spanning lines with comments and trailing comma",
          source: "a = [\n  \"x\", # first\n  # nothing here\n  \"y\",\n]\n",
          expected: "{a=[\"x\", \"y\"]}"),
    .init(name: "empty arrays", source: "a = []\nb = [ ]\nc = [\n]\n", expected: "{a=[], b=[], c=[]}"),
    .init(name: "nested arrays of different element types", source: "a = [[1, 2], [\"x\"], []]",
          expected: "{a=[[1, 2], [\"x\"], []]}"),
    .init(name: "inline tables", source: "t = { a = 1, \"b\" = \"x\", c.d = true }\ne = {}\n",
          expected: "{t={a=1, b=\"x\", c={d=true}}, e={}}"),
    .init(name: "array of inline tables", source: "a = [ { x = 1 }, { x = 2 } ]",
          expected: "{a=[{x=1}, {x=2}]}"),
    .init(name: "tables with dotted and quoted header names",
          source: "[a]\nx = 1\n[a.b]\ny = 2\n[ c . \"d e\" ]\nz = 3\n",
          expected: "{a={x=1, b={y=2}}, c={\"d e\"={z=3}}}"),
    .init(name: "implicit table defined later", source: "[a.b]\nx = 1\n[a]\ny = 2\n",
          expected: "{a={b={x=1}, y=2}}"),
    .init(name: "arrays of tables", source: "[[r]]\nid = 1\n\n[[r]]\nid = 2\n",
          expected: "{r=[{id=1}, {id=2}]}"),
    .init(name: "sub-table of the last array element",
          source: "[[r]]\nid = 1\n[r.sub]\nk = 1\n[[r]]\nid = 2\n[[r.list]]\nk = 3\n",
          expected: "{r=[{id=1, sub={k=1}}, {id=2, list=[{k=3}]}]}"),
    .init(name: "dotted keys", source: "a.b = 1\na.c = 2\n\"x\".'y' . z = 3\n",
          expected: "{a={b=1, c=2}, x={y={z=3}}}"),
    .init(name: "header below a table defined by dotted keys",
          source: "[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true\n",
          expected: "{fruit={apple={color=\"red\", texture={smooth=true}}}}"),
    .init(name: "spaces and tabs around everything",
          source: "  \ta\t=\t1   # trailing comment\n\t[ t ]  # c\n  b =  \"x\"",
          expected: "{a=1, t={b=\"x\"}}"),
    .init(name: "comments may hold any printable unicode and tabs",
          source: "# h\u{e9}llo \u{1F600}\tthere\na = 1 # \u{fc}\n",
          expected: "{a=1}"),
    .init(name: "no final line end", source: "a = 1", expected: "{a=1}"),
    .init(name: "a leading byte order mark is skipped", source: "\u{FEFF}a = 1\n", expected: "{a=1}"),
]

struct MalformedDocument: CustomTestStringConvertible, Sendable {
    let name: String
    let source: String
    let line: Int
    let column: Int
    let message: String
    var testDescription: String { name }
}

let malformedDocuments: [MalformedDocument] = [
    // Values outside the subset.
    .init(name: "float with a fraction", source: "a = 1\nb = 1.5\n", line: 2, column: 5,
          message: "floats are not supported (found 1.5); use an integer"),
    .init(name: "float with an exponent", source: "a = 1e6", line: 1, column: 5,
          message: "floats are not supported (found 1e6); use an integer"),
    .init(name: "infinity", source: "a = -inf", line: 1, column: 5, message: "floats are not supported (found -inf)"),
    .init(name: "nan", source: "a = nan", line: 1, column: 5, message: "floats are not supported (found nan)"),
    .init(name: "date", source: "d = 1979-05-27", line: 1, column: 5,
          message: "dates and times are not supported (found 1979-05-27)"),
    .init(name: "date and time", source: "d = 1979-05-27T07:32:00Z", line: 1, column: 5,
          message: "dates and times are not supported (found 1979-05-27T07:32:00Z)"),
    .init(name: "time", source: "t = 07:32:00", line: 1, column: 5,
          message: "dates and times are not supported (found 07:32:00)"),
    .init(name: "hexadecimal integer", source: "a = 0xFF", line: 1, column: 5,
          message: "hexadecimal, octal and binary integers are not supported; write 0xFF in decimal"),
    .init(name: "leading zero", source: "a = 012", line: 1, column: 5,
          message: "invalid integer 012: leading zeros are not allowed"),
    .init(name: "double underscore", source: "a = 1__0", line: 1, column: 5,
          message: "invalid integer 1__0: '_' must be between two digits"),
    .init(name: "trailing underscore", source: "a = 10_", line: 1, column: 5,
          message: "invalid integer 10_: '_' must be between two digits"),
    .init(name: "integer too large", source: "a = 9223372036854775808", line: 1, column: 5,
          message: "integer 9223372036854775808 does not fit in 64 bits"),
    .init(name: "unquoted word", source: "a = hello", line: 1, column: 5,
          message: "invalid value hello; strings must be quoted: \"hello\""),
    .init(name: "unquoted dotted name", source: "a = [system.info]", line: 1, column: 6,
          message: "invalid value system.info; strings must be quoted: \"system.info\""),
    .init(name: "lone sign", source: "a = -", line: 1, column: 5, message: "invalid value -"),
    .init(name: "multi-line basic string", source: "s = \"\"\"x\"\"\"", line: 1, column: 5,
          message: "multi-line strings (\"\"\") are not supported"),
    .init(name: "multi-line literal string", source: "s = '''x'''", line: 1, column: 5,
          message: "multi-line strings (''') are not supported"),

    // Duplicates and redefinitions.
    .init(name: "duplicate key", source: "a = 1\na = 2\n", line: 2, column: 1,
          message: "duplicate key a: it was already defined at 1:1"),
    .init(name: "duplicate key spelt differently", source: "a = 1\n\"a\" = 2\n", line: 2, column: 1,
          message: "duplicate key a: it was already defined at 1:1"),
    .init(name: "duplicate dotted key", source: "a.b = 1\na . b = 2\n", line: 2, column: 5,
          message: "duplicate key a.b: it was already defined at 1:3"),
    .init(name: "duplicate key in an inline table", source: "t = { a = 1, a = 2 }", line: 1, column: 14,
          message: "duplicate key a: it was already defined at 1:7"),
    .init(name: "table defined twice with other tables between", source: "[t]\nx = 1\n\n[u]\n[t.y]\n[t]\n", line: 6, column: 2,
          message: "table [t] is defined twice; it was first defined at 1:1"),
    .init(name: "table defined twice", source: "[a]\nx = 1\n[a]\n", line: 3, column: 2,
          message: "table [a] is defined twice; it was first defined at 1:1"),
    .init(name: "table over an array of tables", source: "[[a]]\n[a]\n", line: 2, column: 2,
          message: "[a] is an array of tables (first defined at 1:1); write [[a]] to add an element"),
    .init(name: "array of tables over a table", source: "[a]\n[[a]]\n", line: 2, column: 3,
          message: "[[a]] conflicts with table [a] defined at 1:1"),
    .init(name: "array of tables over a static array", source: "a = [1]\n[[a]]\n", line: 2, column: 3,
          message: "cannot append to array a: it was defined with '=' at 1:1"),
    .init(name: "inline table extended by a header", source: "a = { b = 1 }\n[a]\n", line: 2, column: 2,
          message: "table a was defined inline at 1:1 and cannot be extended"),
    .init(name: "inline table extended by a dotted key", source: "a = { b = 1 }\na.c = 2\n", line: 2, column: 1,
          message: "table a was defined inline at 1:1 and cannot be extended"),
    .init(name: "header over a table defined by dotted keys", source: "a.b = 1\n[a]\n", line: 2, column: 2,
          message: "table [a] was already defined by dotted keys at 1:1"),
    .init(name: "dotted key into a header table", source: "[a.b]\n[a]\nb.c = 1\n", line: 3, column: 1,
          message: "cannot add keys to table [a.b] with a dotted key: it is defined by a header at 1:1"),
    .init(name: "header through a string", source: "a = \"x\"\n[a.b]\n", line: 2, column: 2,
          message: "key a was already defined at 1:1 as a string, not a table"),

    // Arrays and inline tables.
    .init(name: "array mixing integers and strings", source: "a = [1, \"x\"]", line: 1, column: 9,
          message: "arrays must not mix types: found a string after an integer (at 1:6)"),
    .init(name: "array mixing types over lines", source: "a = [\n  \"x\",\n  true,\n]", line: 3, column: 3,
          message: "arrays must not mix types: found a boolean after a string (at 2:3)"),
    .init(name: "array missing a comma", source: "a = [1 2]", line: 1, column: 8,
          message: "expected ',' or ']' in array, found '2'"),
    .init(name: "unterminated array", source: "a = [1, 2\n", line: 1, column: 5,
          message: "unterminated array: missing ']'"),
    .init(name: "inline table over two lines", source: "t = { a = 1,\n b = 2 }", line: 1, column: 13,
          message: "inline tables must be on a single line; found end of line before the closing '}'"),
    .init(name: "trailing comma in an inline table", source: "t = { a = 1, }", line: 1, column: 14,
          message: "trailing comma in inline table: remove the ',' before '}'"),
    .init(name: "values nested too deeply", source: "a = " + String(repeating: "[", count: 100), line: 1, column: 69,
          message: "values are nested too deeply (more than 64 levels)"),

    // Strings.
    .init(name: "control character in a string", source: "s = \"a\u{01}b\"", line: 1, column: 7,
          message: "control character U+0001 is not allowed in a string; write it as an escape such as \\n or \\u0001"),
    .init(name: "delete character in a literal string", source: "s = 'a\u{7F}'", line: 1, column: 7,
          message: "control character U+007F is not allowed in a string"),
    .init(name: "control character in a comment", source: "a = 1\n# bell \u{07}\n", line: 2, column: 8,
          message: "control character U+0007 is not allowed in a comment"),
    .init(name: "NUL byte at the top level", source: "\u{0}", line: 1, column: 1,
          message: "expected a key, found control character U+0000"),
    .init(name: "bad escape", source: "s = \"ab\\q\"", line: 1, column: 8,
          message: "invalid escape sequence: backslash followed by 'q'; valid escapes are \\\" \\\\ \\b \\t \\n \\f \\r \\uXXXX \\UXXXXXXXX"),
    .init(name: "short unicode escape", source: "s = \"\\u12\"", line: 1, column: 6,
          message: "invalid escape: \\u must be followed by 4 hexadecimal digits"),
    .init(name: "surrogate unicode escape", source: "s = \"\\uD800\"", line: 1, column: 6,
          message: "invalid escape: U+D800 is not a Unicode scalar value"),
    .init(name: "escape above U+10FFFF", source: "s = \"\\U00110000\"", line: 1, column: 6,
          message: "invalid escape: U+110000 is not a Unicode scalar value"),
    .init(name: "unterminated string", source: "a = \"abc\nb = 1", line: 1, column: 5,
          message: "unterminated string: missing closing '\"' before end of line"),
    .init(name: "unterminated literal string at end of file", source: "a = 'abc", line: 1, column: 5,
          message: "unterminated string: missing closing \"'\" before end of file"),

    // Structure.
    .init(name: "garbage after a value", source: "a = 1 2", line: 1, column: 7,
          message: "unexpected '2' after value; expected a line end or a comment"),
    .init(name: "garbage right after a string", source: "a = \"x\"y", line: 1, column: 8,
          message: "unexpected 'y' after value; expected a line end or a comment"),
    .init(name: "garbage after a header", source: "[a] b = 1", line: 1, column: 5,
          message: "unexpected 'b' after table header; expected a line end or a comment"),
    .init(name: "column counts characters, not bytes", source: "a = \"h\u{e9}\u{1F600}\" x", line: 1, column: 11,
          message: "unexpected 'x' after value; expected a line end or a comment"),
    .init(name: "lone carriage return", source: "a = 1\r", line: 1, column: 6,
          message: "unexpected control character U+000D after value; expected a line end or a comment"),
    .init(name: "missing equals sign", source: "a 1", line: 1, column: 3, message: "expected '=' after key a, found '1'"),
    .init(name: "missing value at end of line", source: "a =\nb = 1", line: 1, column: 4,
          message: "expected a value, found end of line"),
    .init(name: "missing value at end of file", source: "a = ", line: 1, column: 5,
          message: "expected a value, found end of file"),
    .init(name: "a key that is not a key", source: "= 1", line: 1, column: 1, message: "expected a key, found '='"),
    .init(name: "empty header", source: "[]", line: 1, column: 2, message: "expected a table name, found ']'"),
    .init(name: "unclosed header", source: "[a\nb = 1", line: 1, column: 3,
          message: "expected ']' to close the table header, found end of line"),
    .init(name: "array-of-tables header closed by one bracket", source: "[[a]\n", line: 1, column: 4,
          message: "expected ']]' to close the array-of-tables header, found ']'"),
]

@Suite("TOML parser")
struct TOMLParserTests {
    @Test("parses valid documents", arguments: validDocuments)
    func valid(_ doc: ValidDocument) throws {
        #expect(render(try TOMLParser.parse(doc.source)) == doc.expected)
    }

    @Test("parses valid documents with CRLF line ends", arguments: validDocuments)
    func validCRLF(_ doc: ValidDocument) throws {
        #expect(render(try TOMLParser.parse(bytes: crlf(doc.source))) == doc.expected)
    }

    @Test("rejects malformed documents at the exact position", arguments: malformedDocuments)
    func malformed(_ doc: MalformedDocument) {
        #expect(throws: TOMLError(line: doc.line, column: doc.column, message: doc.message)) {
            try TOMLParser.parse(doc.source)
        }
    }

    @Test("rejects malformed documents with CRLF line ends at the same position", arguments: malformedDocuments)
    func malformedCRLF(_ doc: MalformedDocument) {
        #expect(throws: TOMLError(line: doc.line, column: doc.column, message: doc.message)) {
            try TOMLParser.parse(bytes: crlf(doc.source))
        }
    }

    struct InvalidUTF8: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let line: Int
        let column: Int
        let message: String
        var testDescription: String { name }
    }

    @Test("rejects invalid UTF-8 with its position", arguments: [
        InvalidUTF8(name: "stray continuation byte", bytes: Array("a = \"".utf8) + [0x80, 0x22],
                    line: 1, column: 6, message: "invalid UTF-8: byte 0x80 cannot start a character"),
        InvalidUTF8(name: "truncated sequence on line 2", bytes: Array("a = 1\n# \u{e9}".utf8) + [0xE2, 0x82],
                    line: 2, column: 4, message: "invalid UTF-8: the file ends in the middle of a character"),
        InvalidUTF8(name: "overlong encoding", bytes: Array("a = '".utf8) + [0xC0, 0xAF, 0x27],
                    line: 1, column: 6, message: "invalid UTF-8: byte 0xC0 cannot start a character"),
        InvalidUTF8(name: "encoded surrogate", bytes: Array("a = '".utf8) + [0xED, 0xA0, 0x80, 0x27],
                    line: 1, column: 6, message: "invalid UTF-8: byte 0xED is followed by 0xA0"),
        InvalidUTF8(name: "code point above U+10FFFF", bytes: [0xF4, 0x90, 0x80, 0x80],
                    line: 1, column: 1, message: "invalid UTF-8: byte 0xF4 is followed by 0x90"),
        InvalidUTF8(name: "Latin-1 byte", bytes: Array("# caf".utf8) + [0xE9, 0x0A],
                    line: 1, column: 6, message: "invalid UTF-8: byte 0xE9 is followed by 0x0A"),
    ])
    func invalidUTF8(_ c: InvalidUTF8) {
        #expect(throws: TOMLError(line: c.line, column: c.column, message: c.message)) {
            try TOMLParser.parse(bytes: c.bytes)
        }
    }

    @Test("keys and values keep their source positions, with LF or CRLF")
    func positions() throws {
        let source = """
            # header comment
            [policy]
            "d\u{e9}j\u{e0}" = "\u{fc}"

            [[rules]]
            id = "x"
            list = [
              "a",  "b",
            ]
            inline = { k = 1, sub.n = true }
            """
        for bytes in [Array(source.utf8), crlf(source)] {
            let doc = try TOMLParser.parse(bytes: bytes)
            let policy = try #require(doc["policy"])
            #expect(policy.keyPosition == TOMLPosition(line: 2, column: 2))
            #expect(policy.node.position == TOMLPosition(line: 2, column: 1))
            let table = try #require(policy.node.table)
            let dejà = try #require(table["d\u{e9}j\u{e0}"])
            #expect(dejà.keyPosition == TOMLPosition(line: 3, column: 1))
            #expect(dejà.node.position == TOMLPosition(line: 3, column: 10))

            let rules = try #require(doc["rules"])
            #expect(rules.node.position == TOMLPosition(line: 5, column: 1))
            let rule = try #require(rules.node.array?.first?.table)
            #expect(rule["id"]?.keyPosition == TOMLPosition(line: 6, column: 1))
            #expect(rule["id"]?.node.position == TOMLPosition(line: 6, column: 6))
            let list = try #require(rule["list"]?.node)
            #expect(list.position == TOMLPosition(line: 7, column: 8))
            #expect(list.array?.map(\.position) == [TOMLPosition(line: 8, column: 3), TOMLPosition(line: 8, column: 9)])
            let inline = try #require(rule["inline"]?.node.table)
            #expect(inline["k"]?.keyPosition == TOMLPosition(line: 10, column: 12))
            #expect(inline["k"]?.node.position == TOMLPosition(line: 10, column: 16))
            #expect(inline["sub"]?.keyPosition == TOMLPosition(line: 10, column: 19))
            #expect(inline["sub"]?.node.table?["n"]?.node.position == TOMLPosition(line: 10, column: 27))
        }
    }
}
