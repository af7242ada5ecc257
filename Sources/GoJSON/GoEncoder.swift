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
        var state = EncodeState()
        do {
            try state.encode(value, type)
            return .success(state.out)
        } catch {
            return .failure(error)
        }
    }
}


/// One encoding in progress: the output, and where in the value it is (for
/// error messages only: steps hold the schema's own strings, so keeping the
/// path costs no allocation).
struct EncodeState {
    var out: [UInt8] = []
    private var path: [Step] = []

    private enum Step {
        case field(String)
        case index(Int)
        case key(String)
    }

    init() {
        out.reserveCapacity(2048)
    }

    private func pathString() -> String {
        var s = ""
        for p in path {
            switch p {
            case .field(let name): s += s.isEmpty ? name : "." + name
            case .index(let i): s += "[\(i)]"
            case .key(let k): s += "[" + k + "]"
            }
        }
        return s
    }

    private func wrong(_ value: GoValue, _ type: GoType) -> GoDecodeError {
        GoDecodeError(.typeMismatch, "value \(value) does not fit Go type \(DecodeState.typeName(type))", path: pathString())
    }

    mutating func encode(_ value: GoValue, _ type: GoType) throws(GoDecodeError) {
        switch (type, value) {
        case (.bool, .bool(let b)):
            GoEncoder.appendLiteral(b ? "true" : "false", to: &out)
        case (.int(let bits), .int(let n)) where GoNumbers.fitsInt(n, bits: bits):
            GoEncoder.appendInt(n, to: &out)
        case (.uint(let bits), .uint(let n)) where GoNumbers.fitsUint(n, bits: bits):
            GoEncoder.appendUint(n, to: &out)
        case (.float(let bits), .float(let d)):
            guard let text = GoNumbers.formatFloat(d, bits: bits) else {
                throw GoDecodeError(.numberRange, "cannot encode \(d) (Go's encoder refuses NaN and Inf)", path: pathString())
            }
            out.append(contentsOf: text.utf8)
        case (.string, .string(let s)):
            GoEncoder.appendQuoted(s, to: &out)
        case (.structure(let st), .structure(let fields)):
            try encodeStruct(fields, st)
        case (.map, .null), (.slice, .null), (.bytes, .null), (.pointer, .null), (.interface, .null):
            GoEncoder.appendLiteral("null", to: &out)
        case (.map(let keyType, let valueType), .map(let entries)):
            try encodeMap(entries, keyType, valueType)
        case (.slice(let elementType), .slice(let items)):
            try encodeItems(items, elementType)
        case (.array(let elementType, let count), .slice(let items)) where items.count == count:
            try encodeItems(items, elementType)
        case (.bytes, .bytes(let b)):
            out.append(UInt8(ascii: "\""))
            GoBase64.encode(b, into: &out)
            out.append(UInt8(ascii: "\""))
        case (.pointer(let pointee), .pointer(let inner)):
            try encode(inner, pointee)
        case (.interface, .any(let json)):
            GoEncoder.render(json, into: &out)
        case (.custom(let custom), _):
            GoEncoder.render(custom.encode(value), into: &out)
        default:
            throw wrong(value, type)
        }
    }

    /// Present fields in schema order under their schema names. The decoder
    /// lists them in schema order, so one walk pairs them up; a value built
    /// in another order is paired field by field (the first unused value of
    /// each schema name).
    @inline(never)
    private mutating func encodeStruct(_ fields: [GoFieldValue], _ st: GoStruct) throws(GoDecodeError) {
        let index = st.index
        out.append(UInt8(ascii: "{"))
        let start = out.count
        var next = 0
        try index.flatNames.withUnsafeBufferPointer { (names) throws(GoDecodeError) in
            try index.flatPrefixes.withUnsafeBufferPointer { (prefixes) throws(GoDecodeError) in
                var i = 0
                while i < st.fields.count && next < fields.count {
                    let name = UnsafeBufferPointer(rebasing: names[index.flatNameOffsets[i]..<index.flatNameOffsets[i + 1]])
                    if GoEncoder.sameBytes(fields[next].name, name) {
                        if next > 0 { out.append(UInt8(ascii: ",")) }
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: prefixes[index.flatPrefixOffsets[i]..<index.flatPrefixOffsets[i + 1]]))
                        if index.quotes[i] || !encodedScalar(fields[next].value, index.scalars[i]) {
                            try encodeFieldValue(fields[next].value, st.fields, i, quoted: index.quotes[i])
                        }
                        next += 1
                    }
                    i += 1
                }
            }
        }
        if next < fields.count {
            // Not in schema order: encode the members again, pairing by name.
            out.removeSubrange(start...)
            var used = [Bool](repeating: false, count: fields.count)
            var first = true
            for i in st.fields.indices {
                guard let k = fields.indices.first(where: { !used[$0] && GoEncoder.sameBytes(fields[$0].name, index.nameBytes[i]) }) else { continue }
                used[k] = true
                if !first { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: index.memberPrefixes[i])
                try encodeFieldValue(fields[k].value, st.fields, i, quoted: index.quotes[i])
                first = false
            }
            if let k = used.firstIndex(of: false) {
                throw GoDecodeError(.typeMismatch, "field \(fields[k].name) is not a (single) field of \(st.name)", path: pathString())
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A scalar field's value written without looking at its GoType; false
    /// when it is not that simple (the general path then writes it, or
    /// reports what is wrong). Not for `,string` fields.
    private mutating func encodedScalar(_ value: GoValue, _ kind: GoScalarKind) -> Bool {
        switch (kind, value) {
        case (.bool, .bool(let b)):
            GoEncoder.appendLiteral(b ? "true" : "false", to: &out)
        case (.string, .string(let s)):
            GoEncoder.appendQuoted(s, to: &out)
        case (.int(let bits), .int(let n)) where GoNumbers.fitsInt(n, bits: bits):
            GoEncoder.appendInt(n, to: &out)
        case (.uint(let bits), .uint(let n)) where GoNumbers.fitsUint(n, bits: bits):
            GoEncoder.appendUint(n, to: &out)
        default:
            return false
        }
        return true
    }

    /// The value of field `i` of `schema` (passed whole, so that no GoField
    /// is copied); `quoted`: its `,string` option applies.
    private mutating func encodeFieldValue(_ value: GoValue, _ schema: [GoField], _ i: Int, quoted: Bool) throws(GoDecodeError) {
        path.append(.field(schema[i].name))
        if quoted {
            try encodeQuoted(value, schema[i].type)
        } else {
            try encode(value, schema[i].type)
        }
        path.removeLast()
    }
}

extension EncodeState {
    /// Keys sorted by their UTF-8 bytes (the decoder's maps already are);
    /// integer keys must be canonical.
    @inline(never)
    private mutating func encodeMap(_ entries: [GoMapEntry], _ keyType: GoMapKey, _ valueType: GoType) throws(GoDecodeError) {
        var sorted = entries
        if !GoEncoder.sortedStrictly(entries) {
            sorted = UTF8Order.sortedByKey(entries)
        }
        out.append(UInt8(ascii: "{"))
        for (i, e) in sorted.enumerated() {
            if i > 0 {
                guard !e.key.utf8.elementsEqual(sorted[i - 1].key.utf8) else {
                    throw GoDecodeError(.typeMismatch, "duplicate map key \(e.key)", path: pathString())
                }
                out.append(UInt8(ascii: ","))
            }
            switch keyType {
            case .string: break
            case .int(let bits):
                guard let n = GoNumbers.parseInt(e.key.utf8), GoNumbers.fitsInt(n, bits: bits), String(n).utf8.elementsEqual(e.key.utf8) else {
                    throw GoDecodeError(.typeMismatch, "map key \(e.key) is not a canonical int\(bits)", path: pathString())
                }
            case .uint(let bits):
                guard let n = GoNumbers.parseUint(e.key.utf8), GoNumbers.fitsUint(n, bits: bits), String(n).utf8.elementsEqual(e.key.utf8) else {
                    throw GoDecodeError(.typeMismatch, "map key \(e.key) is not a canonical uint\(bits)", path: pathString())
                }
            }
            GoEncoder.appendQuoted(e.key, to: &out)
            out.append(UInt8(ascii: ":"))
            path.append(.key(e.key))
            try encode(e.value, valueType)
            path.removeLast()
        }
        out.append(UInt8(ascii: "}"))
    }

    @inline(never)
    private mutating func encodeItems(_ items: [GoValue], _ elementType: GoType) throws(GoDecodeError) {
        out.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            path.append(.index(i))
            try encode(item, elementType)
            path.removeLast()
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A `,string` field: the scalar's JSON text, itself as a JSON string.
    @inline(never)
    private mutating func encodeQuoted(_ value: GoValue, _ type: GoType) throws(GoDecodeError) {
        var scalarType = type
        var scalar = value
        if case .pointer(let pointee) = type {
            switch value {
            case .null:
                GoEncoder.appendLiteral("null", to: &out)
                return
            case .pointer(let inner):
                scalarType = pointee
                scalar = inner
            default:
                throw wrong(value, type)
            }
        }
        let start = out.count
        try encode(scalar, scalarType)
        let inner = String(decoding: out[start...], as: UTF8.self)
        out.removeSubrange(start...)
        GoEncoder.appendQuoted(inner, to: &out)
    }
}
