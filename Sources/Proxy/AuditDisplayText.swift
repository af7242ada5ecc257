/// Text from the audit log made safe to print on a reviewer's terminal
/// (`sockwarden audit` table and summary). Records carry what clients sent:
/// a denial's reason quotes the body's values as received, so a CI job can
/// put ESC sequences (clear the screen, retitle the window, OSC 52 into the
/// clipboard), newlines (a forged row) or bidi overrides into it. Every
/// character that moves the cursor, controls the terminal or reorders text
/// is shown as a visible escape instead: `\n`, `\r`, `\t`, otherwise
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
    /// line and paragraph separators, and the bidirectional formatting
    /// characters (which can make a cell read as something else).
    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
