/// Canonical JSON for a decoded Go value: what the daemon is sent after the
/// value was judged. `GoDecoder.decode(JSONParser.parse(encode(v, t)), t)`
/// gives `v` back for every `v` that `GoDecoder` produced for `t`.
///
/// - Struct fields: only the present ones, in schema order, under their exact
///   schema names; no duplicates, no unknown keys.
/// - Maps: keys sorted by their UTF-8 bytes (as Go's encoder sorts them).
/// - nil pointer/map/slice/[]byte/interface: `null`; empty slice `[]`.
/// - []byte: standard base64 with padding.
/// - Floats: as Go's encoder prints them (shortest round-trip digits; 'e'
///   notation below 1e-6 and from 1e21 on).
/// - `,string` fields: the literal wrapped in a JSON string, as Go writes it.
/// - Strings: escaped as Go's encoder does with HTML escaping on: `\"`, `\\`,
///   `\n`, `\r`, `\t`, other controls as `\u00XX`, `<` `>` `&` as `\u003c`
///   `\u003e` `\u0026`, U+2028/U+2029 as `\u2028`/`\u2029`; everything else
///   literally as UTF-8.
public enum GoEncoder {
    /// Encodes a value the decoder produced. A value that does not fit the
    /// type (possible only if policy code built one by hand wrongly) is a
    /// programming error and stops the process rather than forwarding
    /// something that was not judged; use `encodeChecked` to handle it.
    public static func encode(_ value: GoValue, as type: GoType) -> [UInt8] {
        switch encodeChecked(value, as: type) {
        case .success(let bytes): return bytes
        case .failure(let error): preconditionFailure("GoEncoder: \(error)")
        }
    }

    public static func encodeChecked(_ value: GoValue, as type: GoType) -> Result<[UInt8], GoDecodeError> {
        var out: [UInt8] = []
        do {
            try encodeValue(value, type, into: &out, path: "")
            return .success(out)
        } catch {
            return .failure(error)
        }
    }

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

    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var bytes = s.utf8.makeIterator()
        while let c = bytes.next() {
            switch c {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]])
            case 0xE2:
                // U+2028 / U+2029 are E2 80 A8 / E2 80 A9.
                guard let c1 = bytes.next() else { out.append(c); continue }
                guard let c2 = bytes.next() else { out.append(contentsOf: [c, c1]); continue }
                if c1 == 0x80 && (c2 == 0xA8 || c2 == 0xA9) {
                    out.append(contentsOf: "\\u202".utf8)
                    out.append(c2 == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9"))
                } else {
                    out.append(contentsOf: [c, c1, c2])
                }
            default:
                out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func wrong(_ value: GoValue, _ type: GoType, _ path: String) -> GoDecodeError {
        GoDecodeError(.typeMismatch, "value \(value) does not fit Go type \(DecodeState.typeName(type))", path: path)
    }

    private static func encodeValue(_ value: GoValue, _ type: GoType, into out: inout [UInt8], path: String) throws(GoDecodeError) {
        switch (type, value) {
        case (.bool, .bool(let b)):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case (.int(let bits), .int(let n)) where GoNumbers.fitsInt(n, bits: bits):
            out.append(contentsOf: String(n).utf8)
        case (.uint(let bits), .uint(let n)) where GoNumbers.fitsUint(n, bits: bits):
            out.append(contentsOf: String(n).utf8)
        case (.float(let bits), .float(let d)):
            guard let text = GoNumbers.formatFloat(d, bits: bits) else {
                throw GoDecodeError(.numberRange, "cannot encode \(d) (Go's encoder refuses NaN and Inf)", path: path)
            }
            out.append(contentsOf: text.utf8)
        case (.string, .string(let s)):
            appendQuoted(s, to: &out)
        case (.structure(let st), .structure(let fields)):
            out.append(UInt8(ascii: "{"))
            var used = [Bool](repeating: false, count: fields.count)
            var first = true
            for field in st.fields {
                guard let k = fields.indices.first(where: { !used[$0] && fields[$0].name.utf8.elementsEqual(field.name.utf8) }) else { continue }
                used[k] = true
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendQuoted(field.name, to: &out)
                out.append(UInt8(ascii: ":"))
                let fieldPath = path.isEmpty ? field.name : path + "." + field.name
                if field.quoted && DecodeState.isQuotable(field.type) {
                    try encodeQuoted(fields[k].value, field.type, into: &out, path: fieldPath)
                } else {
                    try encodeValue(fields[k].value, field.type, into: &out, path: fieldPath)
                }
            }
            if let k = used.firstIndex(of: false) {
                throw GoDecodeError(.typeMismatch, "field \(fields[k].name) is not a (single) field of \(st.name)", path: path)
            }
            out.append(UInt8(ascii: "}"))
        case (.map, .null), (.slice, .null), (.bytes, .null), (.pointer, .null), (.interface, .null):
            out.append(contentsOf: "null".utf8)
        case (.map(let keyType, let valueType), .map(let entries)):
            var sorted: [(key: [UInt8], entry: GoMapEntry)] = entries.map { (Array($0.key.utf8), $0) }
            sorted.sort { $0.key.lexicographicallyPrecedes($1.key) }
            out.append(UInt8(ascii: "{"))
            for (i, e) in sorted.enumerated() {
                if i > 0 {
                    guard sorted[i - 1].key != e.key else {
                        throw GoDecodeError(.typeMismatch, "duplicate map key \(e.entry.key)", path: path)
                    }
                    out.append(UInt8(ascii: ","))
                }
                switch keyType {
                case .string: break
                case .int(let bits):
                    guard let n = GoNumbers.parseInt(e.key), GoNumbers.fitsInt(n, bits: bits), String(n).utf8.elementsEqual(e.key) else {
                        throw GoDecodeError(.typeMismatch, "map key \(e.entry.key) is not a canonical int\(bits)", path: path)
                    }
                case .uint(let bits):
                    guard let n = GoNumbers.parseUint(e.key), GoNumbers.fitsUint(n, bits: bits), String(n).utf8.elementsEqual(e.key) else {
                        throw GoDecodeError(.typeMismatch, "map key \(e.entry.key) is not a canonical uint\(bits)", path: path)
                    }
                }
                appendQuoted(e.entry.key, to: &out)
                out.append(UInt8(ascii: ":"))
                try encodeValue(e.entry.value, valueType, into: &out, path: path + "[" + e.entry.key + "]")
            }
            out.append(UInt8(ascii: "}"))
        case (.slice(let elementType), .slice(let items)):
            try encodeItems(items, elementType, into: &out, path: path)
        case (.array(let elementType, let count), .slice(let items)) where items.count == count:
            try encodeItems(items, elementType, into: &out, path: path)
        case (.bytes, .bytes(let b)):
            out.append(UInt8(ascii: "\""))
            GoBase64.encode(b, into: &out)
            out.append(UInt8(ascii: "\""))
        case (.pointer(let pointee), .pointer(let inner)):
            try encodeValue(inner, pointee, into: &out, path: path)
        case (.interface, .any(let json)):
            render(json, into: &out)
        case (.custom(let custom), _):
            render(custom.encode(value), into: &out)
        default:
            throw wrong(value, type, path)
        }
    }

    private static func encodeItems(_ items: [GoValue], _ elementType: GoType, into out: inout [UInt8], path: String) throws(GoDecodeError) {
        out.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            try encodeValue(item, elementType, into: &out, path: path + "[\(i)]")
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A `,string` field: the scalar's JSON text, itself as a JSON string.
    private static func encodeQuoted(_ value: GoValue, _ type: GoType, into out: inout [UInt8], path: String) throws(GoDecodeError) {
        var scalarType = type
        var scalar = value
        if case .pointer(let pointee) = type {
            switch value {
            case .null:
                out.append(contentsOf: "null".utf8)
                return
            case .pointer(let inner):
                scalarType = pointee
                scalar = inner
            default:
                throw wrong(value, type, path)
            }
        }
        var inner: [UInt8] = []
        try encodeValue(scalar, scalarType, into: &inner, path: path)
        appendQuoted(String(decoding: inner, as: UTF8.self), to: &out)
    }
}
