/// The text pieces of `GoEncoder`'s output: JSON values as written, quoted
/// strings with Go's escaping, integers, literals.
extension GoEncoder {
    /// A JSON value as text: members in their order, numbers as their
    /// literal, strings escaped as above.
    public static func render(_ json: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        render(json, into: &out)
        return out
    }

    static func render(_ json: JSONValue, into out: inout [UInt8]) {
        switch json {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): appendQuoted(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                render(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendQuoted(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                render(m.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Bytes that `appendQuoted` writes as they are: printable ASCII but
    /// `"`, `\\`, `<`, `>`, `&`, and every byte of a multi-byte sequence but
    /// 0xE2 (the lead byte of U+2028/U+2029).
    private static let plainByte: [Bool] = (0...255).map { c in
        switch c {
        case 0..<0x20, 0x22, 0x5C, 0x3C, 0x3E, 0x26, 0xE2: return false
        default: return true
        }
    }

    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var i = 0
            var run = 0 // start of the pending run of plain bytes
            while i < bytes.count {
                let c = bytes[i]
                if plainByte[Int(c)] { i += 1; continue }
                if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
                switch c {
                case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0xE2:
                    // U+2028 / U+2029 are E2 80 A8 / E2 80 A9.
                    if i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                        out.append(contentsOf: "\\u202".utf8)
                        out.append(bytes[i + 2] == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9"))
                        i += 3
                        run = i
                        continue
                    }
                    out.append(c)
                default:
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                            hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]])
                }
                i += 1
                run = i
            }
            if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendLiteral(_ word: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    static func appendInt(_ n: Int64, to out: inout [UInt8]) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        appendUint(n.magnitude, to: &out)
    }

    static func appendUint(_ n: UInt64, to out: inout [UInt8]) {
        if n < 10 {
            out.append(UInt8(ascii: "0") + UInt8(n))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes: 20 digits at most
        var count = 0
        var v = n
        withUnsafeMutableBytes(of: &digits) { buffer in
            while v > 0 {
                count += 1
                buffer[24 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            out.append(contentsOf: buffer[(24 - count)...])
        }
    }

    /// Byte equality of a value's field name and a schema name's bytes.
    static func sameBytes(_ name: String, _ schemaBytes: [UInt8]) -> Bool {
        schemaBytes.withUnsafeBufferPointer { sameBytes(name, $0) }
    }

    static func sameBytes(_ name: String, _ schemaBytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.utf8.count == schemaBytes.count else { return false }
        return name.utf8.withContiguousStorageIfAvailable { GoFieldIndex.equal($0, schemaBytes) }
            ?? name.utf8.elementsEqual(schemaBytes)
    }

    /// Keys strictly increasing by their UTF-8 bytes.
    static func sortedStrictly(_ entries: [GoMapEntry]) -> Bool {
        var i = 1
        while i < entries.count {
            guard UTF8Order.precedes(entries[i - 1].key, entries[i].key) else { return false }
            i += 1
        }
        return true
    }
}
