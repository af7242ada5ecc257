/// `sockwarden audit --json` made safe to print on a reviewer's terminal,
/// as the same JSON value. Go's escaping (`GoEncoder`) leaves C1 controls
/// (U+0080–U+009F: U+009B is a CSI to xterm in UTF-8), bidi controls and
/// other format characters (Unicode category Cf: U+200B, U+FEFF, U+2060–
/// U+2064, tag characters U+E0000–U+E007F…) raw; here each is written as
/// `\uXXXX` (above U+FFFF as a surrogate pair, `\udb40\udc41`). Outside
/// its strings JSON text is ASCII, so every such character is in a string,
/// where the escape means the same character. Pure.
public enum AuditJSONText {
    public static func escaped(_ json: [UInt8]) -> [UInt8] {
        guard json.contains(where: { $0 >= 0x80 }) else { return json }
        let text = String(decoding: json, as: UTF8.self)
        guard text.unicodeScalars.contains(where: hidden) else { return json }
        var out: [UInt8] = []
        out.reserveCapacity(json.count + 32)
        for scalar in text.unicodeScalars {
            guard hidden(scalar) else {
                out.append(contentsOf: UTF8.encode(scalar)!)
                continue
            }
            for unit in UTF16.encode(scalar)! { appendEscape(unit, to: &out) }
        }
        return out
    }

    /// Not ASCII, and a C1 control or a format character.
    static func hidden(_ s: Unicode.Scalar) -> Bool {
        s.value >= 0x80 && ((0x80...0x9F).contains(s.value) || s.properties.generalCategory == .format || s.properties.isDefaultIgnorableCodePoint)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendEscape(_ unit: UInt16, to out: inout [UInt8]) {
        out += [UInt8(ascii: "\\"), UInt8(ascii: "u")]
        for shift in stride(from: 12, through: 0, by: -4) { out.append(hexDigits[Int(unit >> UInt16(shift)) & 0xF]) }
    }
}
