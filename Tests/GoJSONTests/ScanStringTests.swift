import Testing
@testable import GoJSON

/// Strings and keys as `scanString` reads them: what it decides, and what it leaves.
let scanRows: [DirectRow] = [
    DirectRow("a control byte in a string is left to the reference path", "inner", "{\"b\":\"a\u{01}b\"}", direct: false),
    DirectRow("a control byte in a key is left to the reference path", "inner", "{\"\u{1F}b\":\"x\"}", direct: false),
    DirectRow("DEL is plain", "inner", "{\"b\":\"a\u{7F}b\"}", direct: true),
    DirectRow("a bad escape is left to the reference path", "inner", #"{"b":"\x"}"#, direct: false),
    DirectRow("a short u-escape is left to the reference path", "inner", #"{"b":"\u12"}"#, direct: false),
    DirectRow("a string cut off after a backslash is left to the reference path", "inner", #"{"b":"\"#, direct: false),
    DirectRow("an unterminated string is left to the reference path", "inner", #"{"b":"abc"#, direct: false),
    DirectRow("an escaped quote and backslash", "inner", #"{"b":"a\"b\\c"}"#, direct: true),
    DirectRow("non-ASCII goes to Go's unquote", "inner", "{\"b\":\"\u{E9}\"}", direct: true),
]

@Suite("Single-pass decoding: strings")
struct ScanStringTests {
    // `scanRows` run through DirectDecoderTests' row test.

    @Test("canonical text: plain bytes keep it, escapes, non-ASCII and HTML characters do not")
    func canonical() {
        for (text, canonical) in [(#"{"b":"plain ~ text"}"#, true), (#"{"b":"a\"b"}"#, false), ("{\"b\":\"\u{E9}\"}", false),
                                  (#"{"b":"a<b"}"#, false), (#"{"b":"a>b"}"#, false), (#"{"b":"a&b"}"#, false)] {
            let decoded = DirectDecoder.decodeFirstValue(Array(text.utf8), as: Schemas.named("inner"), maxDepth: 512)
            #expect(decoded?.canonical == canonical, "\(text)")
        }
    }
}
