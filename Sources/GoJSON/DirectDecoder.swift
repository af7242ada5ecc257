/// `GoDecoder.decodeFirstValue` in one pass from the bytes to the `GoValue`,
/// without the intermediate `JSONValue` and `Slot` trees, for the bodies
/// real clients send. It gives up (returns nil) instead of deciding anything
/// subtle, and the caller then runs the reference path (`JSONParser` →
/// `DecodeState`), which is the specification:
///
/// - any error at all (syntax, EOF, type mismatch, range, depth): the
///   reference path finds it and words it;
/// - a struct field set twice (duplicate or case-folded keys: Go's merge
///   rules), a map key given twice (also after integer keys are made
///   canonical);
/// - `,string` fields, `[]byte` written as a JSON array, a zero value that
///   cannot be represented, a key the field match cannot decide.
///
/// Without duplicates nothing is decoded INTO an earlier value, so every
/// value is decoded from Go's zero value, which is what this does:
/// - null: a no-op on bool, numbers, string, struct and [N]T (the field
///   stays absent, or, for a field promoted through an embedded pointer,
///   present as its zero value; a slice/map/array element is the zero
///   value); nil for pointer, map, slice, []byte and interface{}; a custom
///   type's UnmarshalJSON is given `null`;
/// - interface{} values and custom types get the subtree as a `JSONValue`
///   (parsed by `JSONParser`), as the reference path gives it.
///
/// On the way it notes whether the value's text is already canonical: byte
/// for byte what `GoEncoder` writes for the decoded value (no white space,
/// struct fields in schema order under their exact names, map keys sorted,
/// no escapes, no null the encoder would not write, integers as Go prints
/// them). Go clients write bodies that way; the proxy then forwards the
/// body's own bytes instead of encoding the value again.
struct DirectDecoder {
    let bytes: UnsafeBufferPointer<UInt8>
    let source: [UInt8]
    let maxDepth: Int
    var index = 0
    /// Open arrays and objects around `index`.
    var depth = 0
    /// The text read so far is what GoEncoder writes for what was decoded.
    var canonical = true
    /// Where `rendersAs` renders (one buffer for the whole body).
    private var rendered: [UInt8] = []

    /// Give up: the reference path decides.
    struct GiveUp: Error {}

    private init(bytes: UnsafeBufferPointer<UInt8>, source: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.source = source
        self.maxDepth = maxDepth
    }

    /// `canonical`: `source[0..<consumed]` is `GoEncoder.encode(value, as: type)`.
    static func decodeFirstValue(_ source: [UInt8], as type: GoType, maxDepth: Int)
        -> (value: GoValue, consumed: Int, canonical: Bool)?
    {
        source.withUnsafeBufferPointer { buffer in
            var decoder = DirectDecoder(bytes: buffer, source: source, maxDepth: maxDepth)
            do {
                decoder.skipSpace()
                guard decoder.index < buffer.count else { return nil }
                let value = try decoder.valueOrZero(type)
                return (value, decoder.index, decoder.canonical)
            } catch {
                return nil
            }
        }
    }

    // MARK: values

    /// The value at `index` decoded into a zero `type`; nil when it is a null
    /// that leaves the zero value as it is.
    private mutating func value(_ type: GoType) throws(GiveUp) -> GoValue? {
        skipSpace()
        guard index < bytes.count else { throw GiveUp() }
        if bytes[index] == UInt8(ascii: "n") {
            try literal("null")
            switch type {
            case .bool, .int, .uint, .float, .string, .structure, .array: return nil
            case .map, .slice, .bytes, .pointer, .interface: return .null
            case .custom(let custom):
                guard case .success(let v) = custom.decode(.null) else { throw GiveUp() }
                if canonical { canonical = rendersAs(custom.encode(v), index - 4) }
                return v
            }
        }
        switch type {
        case .bool:
            switch bytes[index] {
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            default: throw GiveUp()
            }
        case .int(let bits):
            let literal = try number()
            guard let n = GoNumbers.parseInt(literal), GoNumbers.fitsInt(n, bits: bits) else { throw GiveUp() }
            if canonical { canonical = Self.isCanonicalInteger(literal) }
            return .int(n)
        case .uint(let bits):
            let literal = try number()
            guard let n = GoNumbers.parseUint(literal), GoNumbers.fitsUint(n, bits: bits) else { throw GiveUp() }
            if canonical { canonical = Self.isCanonicalInteger(literal) }
            return .uint(n)
        case .float(let bits):
            let literal = try number()
            guard let d = GoNumbers.parseFloat(Array(literal), bits: bits) else { throw GiveUp() }
            if canonical { canonical = GoNumbers.formatFloat(d, bits: bits).map { $0.utf8.elementsEqual(literal) } ?? false }
            return .float(d)
        case .string:
            guard bytes[index] == UInt8(ascii: "\"") else { throw GiveUp() }
            return .string(try string())
        case .structure(let st):
            return try structure(st)
        case .map(let keyType, let valueType):
            return try map(keyType, valueType)
        case .slice(let elementType):
            return .slice(try items(elementType, limit: nil))
        case .array(let elementType, let count):
            var elements = try items(elementType, limit: count)
            if elements.count < count { canonical = false }
            while elements.count < count { elements.append(try zero(elementType)) }
            return .slice(elements)
        case .bytes:
            guard bytes[index] == UInt8(ascii: "\"") else { throw GiveUp() }
            guard let b = GoBase64.decode(Array(try string().utf8)) else { throw GiveUp() }
            canonical = false // base64 has more than one spelling; not worth checking
            return .bytes(b)
        case .pointer(let pointee):
            guard let inner = try value(pointee) else { throw GiveUp() }
            return .pointer(inner)
        case .interface:
            let start = index
            let json = try subtree()
            let normalized: JSONValue
            do { normalized = try DecodeState().normalize(json) } catch { throw GiveUp() }
            if canonical { canonical = rendersAs(normalized, start) }
            return .any(normalized)
        case .custom(let custom):
            let start = index
            guard case .success(let v) = custom.decode(try subtree()) else { throw GiveUp() }
            if canonical { canonical = rendersAs(custom.encode(v), start) }
            return v
        }
    }

    /// Whether the text from `start` to `index` is what GoEncoder renders for `json`.
    private mutating func rendersAs(_ json: JSONValue, _ start: Int) -> Bool {
        rendered.removeAll(keepingCapacity: true)
        GoEncoder.render(json, into: &rendered)
        return rendered.elementsEqual(UnsafeBufferPointer(rebasing: bytes[start..<index]))
    }

    /// A number literal as Go's encoder prints an integer: no fraction or
    /// exponent, and not `-0`.
    private static func isCanonicalInteger(_ literal: UnsafeBufferPointer<UInt8>) -> Bool {
        var digits = literal[...]
        if digits.first == UInt8(ascii: "-") {
            digits = digits.dropFirst()
            if digits.first == UInt8(ascii: "0") { return false }
        }
        return !digits.isEmpty && digits.allSatisfy(GoNumbers.isDigit)
    }

    /// The value at `index`, a null giving the zero value (an element, a
    /// map value, the top level).
    private mutating func valueOrZero(_ type: GoType) throws(GiveUp) -> GoValue {
        if let v = try value(type) { return v }
        canonical = false // the encoder writes the zero value, not null
        return try zero(type)
    }

    /// Go's zero value of a type (what an element decoded from null holds).
    private func zero(_ type: GoType) throws(GiveUp) -> GoValue {
        do { return try DecodeState().zeroValue(type) } catch { throw GiveUp() }
    }

    @inline(never)
    private mutating func structure(_ st: GoStruct) throws(GiveUp) -> GoValue {
        let index = st.index
        var fields: [GoFieldValue] = []
        // One allocation instead of a doubling series (HostConfig: ~60 of ~130 fields sent).
        fields.reserveCapacity(st.fields.count)
        var seen = FieldSet(count: st.fields.count)
        var present = FieldSet(count: st.fields.count) // the fields in `fields`
        var last = -1
        // Field numbers of `fields`, kept only once keys came out of schema order.
        var order: [Int]?
        var more = try beginObject()
        while more {
            let (start, end, escaped) = try key()
            let key = UnsafeBufferPointer(rebasing: bytes[start..<end])
            var i = -1
            if !escaped, let k = index.exactField(key) {
                i = k
            } else {
                canonical = false // an unknown key, or one the encoder spells otherwise
                switch fieldMatch(key, escaped: escaped, in: st) {
                case .unknown: try skipValue()
                case .undecidable: throw GiveUp()
                case .field(let k): i = k
                }
            }
            if i >= 0 {
                if index.quotedForDecoder[i] { throw GiveUp() }
                let scalar = index.scalars[i]
                var v = scalar == .notScalar ? try value(st.fields[i].type) : try self.scalar(scalar)
                if v == nil {
                    canonical = false // null leaves the field out, or (promoted) at its zero value
                    if index.embedded[i] { v = try zero(st.fields[i].type) }
                }
                if let v {
                    if i < last { canonical = false }
                    if i < last && order == nil {
                        // So far in schema order: their numbers are the present ones.
                        order = present.members()
                    }
                    guard seen.insert(i) else { throw GiveUp() }
                    _ = present.insert(i)
                    order?.append(i)
                    last = i
                    fields.append(GoFieldValue(index.fieldNames[i], v))
                } else {
                    guard seen.insert(i) else { throw GiveUp() }
                }
            }
            more = try nextMember(closing: UInt8(ascii: "}"))
        }
        if let order {
            fields = zip(order, fields).sorted { $0.0 < $1.0 }.map(\.1)
        }
        return .structure(fields)
    }

    /// `value` for a field of a scalar type (see `GoScalarKind`).
    private mutating func scalar(_ kind: GoScalarKind) throws(GiveUp) -> GoValue? {
        skipSpace()
        guard index < bytes.count else { throw GiveUp() }
        if bytes[index] == UInt8(ascii: "n") {
            try literal("null")
            return nil
        }
        switch kind {
        case .bool:
            switch bytes[index] {
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            default: throw GiveUp()
            }
        case .string:
            guard bytes[index] == UInt8(ascii: "\"") else { throw GiveUp() }
            return .string(try string())
        case .int(let bits):
            let literal = try number()
            guard let n = GoNumbers.parseInt(literal), GoNumbers.fitsInt(n, bits: bits) else { throw GiveUp() }
            if canonical { canonical = Self.isCanonicalInteger(literal) }
            return .int(n)
        case .uint(let bits):
            let literal = try number()
            guard let n = GoNumbers.parseUint(literal), GoNumbers.fitsUint(n, bits: bits) else { throw GiveUp() }
            if canonical { canonical = Self.isCanonicalInteger(literal) }
            return .uint(n)
        case .notScalar:
            throw GiveUp()
        }
    }

    @inline(never)
    private mutating func map(_ keyType: GoMapKey, _ valueType: GoType) throws(GiveUp) -> GoValue {
        var entries: [GoMapEntry] = []
        var sorted = true
        var more = try beginObject()
        while more {
            let (start, end, escaped) = try key()
            let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
            var name = escaped ? try Self.unescaped(raw) : String(decoding: raw, as: UTF8.self)
            switch keyType {
            case .string: break
            case .int(let bits):
                canonical = false
                guard let n = GoNumbers.parseInt(name.utf8), GoNumbers.fitsInt(n, bits: bits) else { throw GiveUp() }
                name = String(n)
            case .uint(let bits):
                canonical = false
                guard let n = GoNumbers.parseUint(name.utf8), GoNumbers.fitsUint(n, bits: bits) else { throw GiveUp() }
                name = String(n)
            }
            let v = try valueOrZero(valueType)
            if let last = entries.last, !UTF8Order.precedes(last.key, name) { sorted = false }
            entries.append(GoMapEntry(name, v))
            more = try nextMember(closing: UInt8(ascii: "}"))
        }
        if !sorted {
            canonical = false
            entries = UTF8Order.sortedByKey(entries)
            for i in entries.indices.dropFirst() where entries[i - 1].key.utf8.elementsEqual(entries[i].key.utf8) {
                throw GiveUp() // a key given twice: Go's last-wins, left to the reference path
            }
        }
        return .map(entries)
    }

    /// A JSON array's elements; with a `limit` ([N]T), elements beyond it
    /// are checked as JSON only.
    @inline(never)
    private mutating func items(_ elementType: GoType, limit: Int?) throws(GiveUp) -> [GoValue] {
        guard bytes[index] == UInt8(ascii: "[") else { throw GiveUp() }
        try open()
        var out: [GoValue] = []
        if try peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return out
        }
        while true {
            if let limit, out.count >= limit {
                canonical = false
                try skipValue()
            } else {
                out.append(try valueOrZero(elementType))
            }
            if try !nextMember(closing: UInt8(ascii: "]")) { return out }
        }
    }

    /// At a `{`: opens it; false when it is empty (and closed).
    private mutating func beginObject() throws(GiveUp) -> Bool {
        guard bytes[index] == UInt8(ascii: "{") else { throw GiveUp() }
        try open()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return false
        }
        return true
    }

    /// A member's key and the colon after it: the key's bounds between the
    /// quotes, `escaped` when it holds escapes or non-ASCII bytes.
    private mutating func key() throws(GiveUp) -> (start: Int, end: Int, escaped: Bool) {
        guard try peek() == UInt8(ascii: "\"") else { throw GiveUp() }
        let key = try scanString()
        guard try peek() == UInt8(ascii: ":") else { throw GiveUp() }
        index += 1
        return key
    }

    /// After a member or element: true at a `,`, false at `closing` (the
    /// container is then closed).
    private mutating func nextMember(closing: UInt8) throws(GiveUp) -> Bool {
        let c = try peek()
        index += 1
        if c == UInt8(ascii: ",") { return true }
        guard c == closing else { throw GiveUp() }
        depth -= 1
        return false
    }

    private func fieldMatch(_ key: UnsafeBufferPointer<UInt8>, escaped: Bool, in st: GoStruct) -> GoFieldMatch.Outcome {
        let decoded: [UInt8]
        if escaped {
            guard let d = GoText.unquoteContents(key, allowSingleQuoteEscape: false) else { return .undecidable("") }
            decoded = d
        } else {
            decoded = Array(key)
        }
        return GoFieldMatch.match(key: decoded, in: st)
    }
}
