/// Text from the audit log made safe to print on a reviewer's terminal
/// (`sockwarden audit` table and summary). Records carry what clients sent:
/// a denial's reason quotes the body's values as received, so a CI job can
/// put ESC sequences (clear the screen, retitle the window, OSC 52 into the
/// clipboard), newlines (a forged row) or bidi overrides into it. Every
/// character that moves the cursor, controls the terminal, reorders text or
/// does not show is shown as a visible escape instead: `\n`, `\r`, `\t`, otherwise
/// `\u{XX}` (its code point in hex). Printable text, non-ASCII included,
/// is left as it is. Pure.
public enum AuditDisplayText {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    /// C0 controls, DEL, C1 controls (U+0080–U+009F: 8-bit CSI, OSC…),
    /// line and paragraph separators, and the format characters (Unicode
    /// category Cf): the bidirectional controls, which can make a cell read
    /// as something else, and the invisible ones (U+200B, U+FEFF, U+2060–
    /// U+2064, tag characters U+E0000–U+E007F…), which make two values that
    /// differ look the same. Before 2026-12-02 only the bidi controls of Cf.
    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029: return true
        case 0x20..<0x7F: return false
        // And the other default-ignorable code points (U+034F, U+115F, U+3164, variation
        // selectors U+FE00–U+FE0F, U+E0100–U+E01EF…): invisible too (a review, 2026-12-02).
        default: return s.properties.generalCategory == .format || s.properties.isDefaultIgnorableCodePoint
        }
    }
}
