/// Minimal JSON text building for audit records and error bodies. Strings are
/// escaped per RFC 8259 §7 as Go's encoder escapes them (without its HTML
/// escapes): `"`, `\`, controls below 0x20, and U+2028 and U+2029, which
/// JavaScript and Python's splitlines take for line breaks; DEL and other
/// non-ASCII pass through as UTF-8.
public struct JSONObjectWriter {
    public private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    public init() {}

    /// Starts with room for `capacity` bytes (an audit record: no regrowth).
    public init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        JSONObjectWriter.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func field(_ name: String, _ value: String?) {
        key(name)
        if let value { JSONObjectWriter.appendString(value, to: &bytes) } else { bytes += "null".utf8 }
    }

    public mutating func field<I: BinaryInteger>(_ name: String, _ value: I?) {
        key(name)
        if let value { bytes += String(value).utf8 } else { bytes += "null".utf8 }
    }

    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bytes += (value ? "true" : "false").utf8
    }

    public mutating func raw(_ name: String, _ json: [UInt8]) {
        key(name)
        bytes += json
    }

    public mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { raw in
            // Runs of bytes that need no escape are copied whole.
            var runStart = 0
            var i = 0
            while i < raw.count {
                let b = raw[i]
                i += 1
                let separator = b == 0xE2 && i + 1 < raw.count && raw[i] == 0x80 && (raw[i + 1] == 0xA8 || raw[i + 1] == 0xA9)
                guard b < 0x20 || b == 0x22 || b == 0x5C || separator else { continue }
                if runStart < i - 1 { out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[runStart..<(i - 1)])) }
                if separator {
                    out += Array(raw[i + 1] == 0xA8 ? "\\u2028".utf8 : "\\u2029".utf8)
                    i += 2
                    runStart = i
                    continue
                }
                runStart = i
                switch b {
                case UInt8(ascii: "\""): out += [92, 34]
                case UInt8(ascii: "\\"): out += [92, 92]
                case 10: out += [92, UInt8(ascii: "n")]
                case 13: out += [92, UInt8(ascii: "r")]
                case 9: out += [92, UInt8(ascii: "t")]
                default:
                    let hex: StaticString = "0123456789abcdef"
                    let digits = hex.utf8Start
                    out += [92, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), digits[Int(b >> 4)], digits[Int(b & 15)]]
                }
            }
            if runStart < raw.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[runStart...])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}
