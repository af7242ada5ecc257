import GoJSON
import Testing
@testable import Proxy

/// What `sockwarden audit --json` prints: the same JSON value, with C1
/// controls and format characters (bidi controls, invisible ones) written as
/// `\uXXXX` escapes, surrogate pairs above U+FFFF (red team, 2026-12-02).
@Suite struct AuditJSONTextTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let id: String
        let value: String
        let written: String
        var testDescription: String { id }
    }

    static let cases: [Case] = [
        Case(id: "ASCII is left as it is", value: "deny \"x\"", written: #""deny \"x\"""#),
        Case(id: "printable non-ASCII is left as it is", value: "café 日本 😀", written: "\"café 日本 😀\""),
        Case(id: "a bidi override is escaped", value: "deny\u{202E}wolla", written: #""deny\u202ewolla""#),
        Case(id: "bidi isolates are escaped", value: "\u{2066}x\u{2069}", written: #""\u2066x\u2069""#),
        Case(id: "an 8-bit CSI (C1) is escaped", value: "\u{9B}31m", written: #""\u009b31m""#),
        Case(id: "NEL (C1) is escaped", value: "a\u{85}b", written: #""a\u0085b""#),
        Case(id: "zero-width space and BOM are escaped", value: "a\u{200B}b\u{FEFF}", written: #""a\u200bb\ufeff""#),
        Case(id: "word joiner to invisible plus are escaped", value: "\u{2060}\u{2064}", written: #""\u2060\u2064""#),
        Case(id: "a tag character is a surrogate pair", value: "x\u{E0041}", written: #""x\udb40\udc41""#),
        Case(id: "the cancel tag is a surrogate pair", value: "\u{E007F}", written: #""\udb40\udc7f""#),
        Case(id: "Hangul fillers and a variation selector (default-ignorable, not Cf) are escaped",
             value: "a\u{3164}\u{115F}b\u{FE0F}", written: #""a\u3164\u115fb\ufe0f""#),
        Case(id: "line separators stay escaped as Go writes them", value: "a\u{2028}b", written: #""a\u2028b""#),
    ]

    @Test(arguments: cases) func escapes(_ c: Case) throws {
        let text = AuditJSONText.escaped(GoEncoder.render(.string(c.value)))
        #expect(String(decoding: text, as: UTF8.self) == c.written)
        let back = try JSONParser.parse(text).get()
        #expect(back == .string(c.value))
    }

    @Test func keysAndNestedValuesAreEscapedToo() throws {
        let value = JSONValue.object([JSONMember("k\u{202E}", .array([.string("\u{200B}"), .number("1")]))])
        let text = AuditJSONText.escaped(GoEncoder.render(value))
        #expect(String(decoding: text, as: UTF8.self) == #"{"k\u202e":["\u200b",1]}"#)
        #expect(try JSONParser.parse(text).get() == value)
    }

    @Test func noFormatCharacterOrC1IsLeftRaw() {
        let all = String(String.UnicodeScalarView((0x80...0xE0FFF).compactMap(Unicode.Scalar.init)))
        let text = String(decoding: AuditJSONText.escaped(GoEncoder.render(.string(all))), as: UTF8.self)
        #expect(!text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) || $0.properties.generalCategory == .format })
    }
}
