import Testing
@testable import Proxy

/// What `sockwarden audit` prints of a record's text: nothing a terminal
/// would act on (escape sequences, line breaks, bidi overrides), the rest as is.
@Suite struct AuditDisplayTextTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let id: String
        let text: String
        let shown: String
        var testDescription: String { id }
    }

    static let cases: [Case] = [
        Case(id: "plain text is left as it is", text: "[containers]: HostConfig.CapAdd[0] \"SYS_ADMIN\"", shown: "[containers]: HostConfig.CapAdd[0] \"SYS_ADMIN\""),
        Case(id: "non-ASCII letters are left as they are", text: "café ünïcödé 日本", shown: "café ünïcödé 日本"),
        Case(id: "a CSI sequence loses its ESC", text: "\u{1B}[2J\u{1B}[31mred", shown: "\\u{1b}[2J\\u{1b}[31mred"),
        Case(id: "an OSC title (BEL-terminated) is shown", text: "\u{1B}]0;owned\u{07}", shown: "\\u{1b}]0;owned\\u{7}"),
        Case(id: "a newline cannot start a forged row", text: "x\nFAKE allow", shown: "x\\nFAKE allow"),
        Case(id: "carriage return and tab are shown", text: "a\rb\tc", shown: "a\\rb\\tc"),
        Case(id: "NUL and DEL are shown", text: "a\u{0}b\u{7F}", shown: "a\\u{0}b\\u{7f}"),
        Case(id: "an 8-bit CSI (C1) is shown", text: "\u{9B}31m", shown: "\\u{9b}31m"),
        Case(id: "line and paragraph separators are shown", text: "a\u{2028}b\u{2029}", shown: "a\\u{2028}b\\u{2029}"),
        Case(id: "a bidi override cannot reorder the cell", text: "deny\u{202E}wolla", shown: "deny\\u{202e}wolla"),
        Case(id: "bidi isolates are shown", text: "\u{2066}x\u{2069}", shown: "\\u{2066}x\\u{2069}"),
        Case(id: "a zero-width space is shown", text: "de\u{200B}ny", shown: "de\\u{200b}ny"),
        Case(id: "a byte order mark is shown", text: "\u{FEFF}allow", shown: "\\u{feff}allow"),
        Case(id: "word joiner and invisible operators are shown", text: "a\u{2060}b\u{2064}", shown: "a\\u{2060}b\\u{2064}"),
        Case(id: "tag characters (above U+FFFF) are shown", text: "x\u{E0041}\u{E007F}", shown: "x\\u{e0041}\\u{e007f}"),
        Case(id: "a combining grapheme joiner and a Hangul filler are shown", text: "a\u{34F}b\u{3164}", shown: "a\\u{34f}b\\u{3164}"),
        Case(id: "a soft hyphen is shown", text: "ro\u{AD}ot", shown: "ro\\u{ad}ot"),
        Case(id: "the empty string stays empty", text: "", shown: ""),
    ]

    @Test(arguments: cases) func escapes(_ c: Case) {
        #expect(AuditDisplayText.escaped(c.text) == c.shown)
    }

    @Test func nothingEscapedIsLeftInAnyControl() {
        let all = String(String.UnicodeScalarView((0...0x2100).compactMap(Unicode.Scalar.init)))
        let shown = AuditDisplayText.escaped(all)
        #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" })
    }

    @Test func noFormatCharacterIsLeft() {
        let all = String(String.UnicodeScalarView((0...0xE0FFF).compactMap(Unicode.Scalar.init)))
        let shown = AuditDisplayText.escaped(all)
        #expect(!shown.unicodeScalars.contains { $0.properties.generalCategory == .format })
    }
}
