/// `json.Unmarshal` into a ZERO value of a Go type, with go1.19.8's semantics
/// (dockerd 20.10), which go1.24 (dockerd 28.x) shares wherever it matters:
/// see `GoFieldMatch` for struct keys, and the notes below.
///
/// Semantics reproduced (from encoding/json decode.go):
/// - Keys: exact match, else case-insensitive (Go's folding, see
///   `GoFieldMatch`); unknown keys are skipped without looking at their value.
/// - Duplicate keys are processed in order, each decoded INTO what is there:
///   scalars are overwritten; structs merge (fields not mentioned again are
///   kept); maps are reused and entries added or replaced, but each entry's
///   value is decoded from a fresh zero value (Go decodes into a zeroed
///   `mapElem`, then `SetMapIndex`), so map values never merge; pointers are
///   reused when non-nil (their pointee merges); interface{} is replaced.
/// - Slices (`decodeState.array`): element i is decoded INTO the existing
///   element i; the slice is re-lengthened over its old backing array, so
///   elements beyond the current length that an earlier (longer) value wrote
///   come back to life (stale elements, merged into); then the slice is
///   truncated to the new length. An empty JSON array replaces the slice
///   with a new empty one (dropping the backing array); null sets nil.
///   go1.24 grows with `reflect.Value.Grow(1)` where go1.19 computed
///   `max(4, cap*3/2)`, so capacities differ — but growth only happens when
///   the length has reached the capacity, and grown room is zeroed in both,
///   so which stale element is visible depends only on the lengths written
///   since the last reset; we model exactly that, and both versions agree.
/// - Arrays [N]T: elements decoded into place; extra JSON elements skipped
///   (no type check); missing ones zeroed; null is a no-op.
/// - null: sets pointers, maps, slices, []byte and interfaces to nil; a no-op
///   for every other kind (the field does not become present — except a
///   field promoted from an embedded struct, i.e. whose `goPath` has a dot:
///   Go allocates embedded pointers on the way to the field whatever the
///   value, which matters to dockerd (ContainerConfigWrapper.getHostConfig
///   looks at whether the embedded *HostConfig is nil), so such a field
///   becomes present as its zero value and is re-encoded). For a custom
///   type (own UnmarshalJSON) that is not behind a pointer, Go calls
///   UnmarshalJSON with `null` (`indirect` takes the address of the named
///   value first): we call `GoCustomType.decode(.null)`. For `*Custom`, null
///   sets the pointer to nil without calling it.
/// - Numbers: into int kinds `strconv.ParseInt(literal, 10, 64)` then a range
///   check ("1.0", "1e2" fail); uint kinds `ParseUint` ("-0" fails); floats
///   `ParseFloat(literal, bits)` (out of range fails); into interface{} a
///   float64 (out of range fails), kept as the literal Go's encoder would
///   print for that float64.
/// - []byte: a string is base64 (StdEncoding: padding required, `\r`/`\n`
///   ignored, non-zero trailing bits accepted); a JSON array of numbers is
///   decoded as []uint8 (with the slice rules above); null sets nil.
/// - `,string`: only for bool, int, uint, float and string fields, or one
///   pointer level to them (otherwise ignored, as Go does). JSON null → plain
///   null semantics; a JSON string → its contents decoded as a literal
///   (`"null"` is a no-op on non-pointers and sets pointers to nil; `"12"`
///   or `"012"` into an int; `"\"x\""` into a string, whose inner quoted text
///   is unquoted with Go's unquote, which also accepts `\'`); anything else
///   is an error. Float forms ParseFloat accepts beyond plain decimal (hex
///   mantissas `0x1p3`, `-Inf`/`-infinity`, digit-separating underscores
///   `1_0`) are REFUSED (`.numberRange`), not emulated.
/// - interface{}: null → nil; otherwise the JSON value with Go's semantics
///   applied: objects become map[string]any (duplicate keys: last wins; we
///   return members sorted by their UTF-8 bytes, as Go's encoder prints a
///   map), numbers become float64 (rendered as Go's encoder prints it: `1e2`
///   → `100`, `1.0` → `1`, 12345678901234567890 → `12345678901234567000`).
///
/// Go reports a type mismatch and goes on decoding, returning the first such
/// error at the end; whatever the error, the daemon answers 400, so we stop
/// at the first error we see (it may not be the one Go would report first).
///
/// Not reproduced, refused instead: see `GoFieldMatch` (non-ASCII field
/// names), a custom type in a fixed-size array that is not fully written (Go
/// would hold its zero value, which `GoCustomType` cannot express), and
/// `,string` on a custom type. `GoCustomType.decode` must be a pure function
/// of the JSON (the type's UnmarshalJSON must overwrite the whole value, as
/// strslice.StrSlice's does), since Go calls it on the existing value.
public enum GoDecoder {
    public static func decode(_ json: JSONValue, as type: GoType) -> Result<GoValue, GoDecodeError> {
        var state = DecodeState()
        var slot = Slot.zero
        do {
            try state.decode(json, into: &slot, as: type)
            return .success(try state.materialize(slot, type))
        } catch {
            return .failure(error)
        }
    }

    /// Parse the first value of `bytes` the way `json.NewDecoder(r).Decode(&v)`
    /// reads it, then decode it into a zero `type`.
    ///
    /// Real bodies take `DirectDecoder`'s single pass; whatever it does not
    /// decide (any error, duplicate keys, …) takes the reference path.
    public static func decodeFirstValue(_ bytes: [UInt8], as type: GoType, maxDepth: Int = 512)
        -> Result<(value: GoValue, consumed: Int), GoDecodeError>
    {
        if let decoded = DirectDecoder.decodeFirstValue(bytes, as: type, maxDepth: maxDepth) {
            return .success((decoded.value, decoded.consumed))
        }
        return decodeFirstValueReference(bytes, as: type, maxDepth: maxDepth)
    }

    /// `decodeFirstValue`, and the canonical encoding of the value
    /// (`GoEncoder.encodeChecked(value, as: type)`, what is forwarded after
    /// judging). When the body's first value is already written exactly that
    /// way, as Go clients write bodies, the encoding is that text and nothing
    /// is encoded again; otherwise it is encoded (and may fail as
    /// `encodeChecked` does).
    public static func decodeFirstValueAndCanonical(_ bytes: [UInt8], as type: GoType, maxDepth: Int = 512)
        -> Result<(value: GoValue, canonical: Result<[UInt8], GoDecodeError>), GoDecodeError>
    {
        if let decoded = DirectDecoder.decodeFirstValue(bytes, as: type, maxDepth: maxDepth) {
            if decoded.canonical {
                let text = Array(bytes[..<decoded.consumed])
                assert(GoEncoder.encodeChecked(decoded.value, as: type) == .success(text), "canonical text that GoEncoder writes otherwise")
                return .success((decoded.value, .success(text)))
            }
            return .success((decoded.value, GoEncoder.encodeChecked(decoded.value, as: type)))
        }
        return decodeFirstValueReference(bytes, as: type, maxDepth: maxDepth).map { decoded in
            (decoded.value, GoEncoder.encodeChecked(decoded.value, as: type))
        }
    }

    /// `decodeFirstValue` through the reference path only (`JSONParser`, then
    /// `decode`): what the single pass is tested against.
    public static func decodeFirstValueReference(_ bytes: [UInt8], as type: GoType, maxDepth: Int = 512)
        -> Result<(value: GoValue, consumed: Int), GoDecodeError>
    {
        switch JSONParser.parseFirstValue(bytes, maxDepth: maxDepth) {
        case .failure(let e): return .failure(e)
        case .success(let (json, consumed)):
            return decode(json, as: type).map { ($0, consumed) }
        }
    }

    /// interface{} semantics applied to a JSON value (see above): what Go
    /// holds after decoding `json` into an `any`, as JSON. nil for `null`.
    public static func interfaceValue(_ json: JSONValue) -> Result<JSONValue, GoDecodeError> {
        let state = DecodeState()
        do { return .success(try state.normalize(json)) } catch { return .failure(error) }
    }
}

/// The decoder's picture of Go memory while decoding.
enum Slot {
    /// The type's zero value (never written).
    case zero
    /// nil pointer, map, slice, []byte or interface.
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Double)
    case string(String)
    /// One entry per schema field; nil = not present.
    case structure([Slot?])
    /// Keyed by the canonical key's UTF-8 bytes (the string itself, or the
    /// decimal form of an integer key).
    case map([[UInt8]: Slot])
    /// A non-nil slice: the backing array as far as it was ever written since
    /// the slice was last reset, and the current length.
    case slice(backing: [Slot], count: Int)
    case array([Slot])
    /// A non-nil []byte from base64.
    case bytes([UInt8])
    indirect case pointer(Slot)
    /// A non-nil interface{} (normalised JSON).
    case any(JSONValue)
    case custom(GoValue)
}

struct DecodeState {
    enum PathComponent {
        case field(String)
        case index(Int)
        case key(String)
    }

    private var path: [PathComponent] = []

    private func pathString() -> String {
        var s = ""
        for p in path {
            switch p {
            case .field(let name): s += s.isEmpty ? name : "." + name
            case .index(let i): s += "[\(i)]"
            case .key(let k): s += "[\(k)]"
            }
        }
        return s
    }

    private func fail(_ code: GoDecodeError.Code, _ message: String) -> GoDecodeError {
        GoDecodeError(code, message, path: pathString())
    }

    private func mismatch(_ json: JSONValue, _ type: GoType) -> GoDecodeError {
        fail(.typeMismatch, "json: cannot unmarshal \(Self.kindName(json)) into Go value of type \(Self.typeName(type))")
    }

    static func kindName(_ json: JSONValue) -> String {
        switch json {
        case .null: return "null"
        case .bool: return "bool"
        case .number(let n): return "number " + n
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    static func typeName(_ type: GoType) -> String {
        switch type {
        case .bool: return "bool"
        case .int(let b): return b == 0 ? "int" : "int\(b)"
        case .uint(let b): return b == 0 ? "uint" : "uint\(b)"
        case .float(let b): return "float\(b)"
        case .string: return "string"
        case .structure(let s): return s.name
        case .map(let k, let v):
            let key: String
            switch k {
            case .string: key = "string"
            case .int(let b): key = b == 0 ? "int" : "int\(b)"
            case .uint(let b): key = b == 0 ? "uint" : "uint\(b)"
            }
            return "map[\(key)]" + typeName(v)
        case .slice(let e): return "[]" + typeName(e)
        case .array(let e, let n): return "[\(n)]" + typeName(e)
        case .bytes: return "[]uint8"
        case .pointer(let e): return "*" + typeName(e)
        case .interface: return "interface {}"
        case .custom(let c): return c.name
        }
    }

    // MARK: decoding

    // The decoder recurses once per nesting level (at most maxDepth levels)
    // on connection threads with 256 KiB stacks: `decode` only dispatches,
    // and each kind is handled out of line, so that a level costs a few
    // small frames rather than one frame sized for every case.

    mutating func decode(_ json: JSONValue, into slot: inout Slot, as type: GoType) throws(GoDecodeError) {
        switch type {
        case .bool, .int, .uint, .float, .string: try decodeScalar(json, into: &slot, as: type)
        case .structure(let st): try decodeStruct(json, into: &slot, st)
        case .map(let keyType, let valueType): try decodeMap(json, into: &slot, keyType, valueType)
        case .slice(let elementType): try decodeSliceValue(json, into: &slot, elementType)
        case .array(let elementType, let count): try decodeArray(json, into: &slot, elementType, count)
        case .bytes: try decodeBytes(json, into: &slot)
        case .pointer(let pointee): try decodePointer(json, into: &slot, pointee)
        case .interface: try decodeInterface(json, into: &slot)
        case .custom(let custom): try decodeCustom(json, into: &slot, custom)
        }
    }

    @inline(never)
    private func decodeScalar(_ json: JSONValue, into slot: inout Slot, as type: GoType) throws(GoDecodeError) {
        if case .null = json { return }
        switch (type, json) {
        case (.bool, .bool(let b)):
            slot = .bool(b)
        case (.int(let bits), .number(let lit)):
            guard let n = GoNumbers.parseInt(lit.utf8), GoNumbers.fitsInt(n, bits: bits) else { throw numberError(lit, type) }
            slot = .int(n)
        case (.uint(let bits), .number(let lit)):
            guard let n = GoNumbers.parseUint(lit.utf8), GoNumbers.fitsUint(n, bits: bits) else { throw numberError(lit, type) }
            slot = .uint(n)
        case (.float(let bits), .number(let lit)):
            guard let d = GoNumbers.parseFloat(Array(lit.utf8), bits: bits) else { throw numberError(lit, type) }
            slot = .float(d)
        case (.string, .string(let s)):
            slot = .string(s)
        default:
            throw mismatch(json, type)
        }
    }

    private func numberError(_ literal: String, _ type: GoType) -> GoDecodeError {
        fail(.numberRange, "json: cannot unmarshal number \(literal) into Go value of type \(Self.typeName(type))")
    }

    @inline(never)
    private mutating func decodeStruct(_ json: JSONValue, into slot: inout Slot, _ st: GoStruct) throws(GoDecodeError) {
        guard case .object(let members) = json else {
            if case .null = json { return }
            throw mismatch(json, .structure(st))
        }
        var fields: [Slot?]
        if case .structure(let existing) = slot {
            fields = existing
            slot = .zero // drop the reference: mutate `fields` in place
        } else {
            fields = Array(repeating: nil, count: st.fields.count)
        }
        for member in members {
            switch GoFieldMatch.match(key: Array(member.key.utf8), in: st) {
            case .unknown:
                continue
            case .undecidable(let why):
                throw fail(.custom, why)
            case .field(let i):
                path.append(.field(st.fields[i].name))
                try decodeField(member.value, into: &fields[i], field: st.fields[i])
                path.removeLast()
            }
        }
        slot = .structure(fields)
    }

    @inline(never)
    private mutating func decodeMap(_ json: JSONValue, into slot: inout Slot, _ keyType: GoMapKey, _ valueType: GoType) throws(GoDecodeError) {
        guard case .object(let members) = json else {
            if case .null = json { slot = .null; return }
            throw mismatch(json, .map(key: keyType, value: valueType))
        }
        var entries: [[UInt8]: Slot]
        if case .map(let existing) = slot {
            entries = existing
            slot = .zero
        } else {
            entries = [:]
        }
        for member in members {
            path.append(.key(member.key))
            // Go decodes each value into a fresh zero element (mapElem), then
            // stores it: map values never merge.
            var element = Slot.zero
            try decode(member.value, into: &element, as: valueType)
            let key = try mapKey(member.key, keyType)
            path.removeLast()
            entries[key] = element
        }
        slot = .map(entries)
    }

    @inline(never)
    private mutating func decodeSliceValue(_ json: JSONValue, into slot: inout Slot, _ elementType: GoType) throws(GoDecodeError) {
        switch json {
        case .null: slot = .null
        case .array(let items): try decodeSlice(items, into: &slot, elementType: elementType)
        default: throw mismatch(json, .slice(elementType))
        }
    }

    @inline(never)
    private mutating func decodeArray(_ json: JSONValue, into slot: inout Slot, _ elementType: GoType, _ count: Int) throws(GoDecodeError) {
        guard case .array(let items) = json else {
            if case .null = json { return }
            throw mismatch(json, .array(elementType, count: count))
        }
        var elements: [Slot]
        if case .array(let existing) = slot, existing.count == count {
            elements = existing
            slot = .zero
        } else {
            elements = Array(repeating: .zero, count: count)
        }
        // Elements beyond the array's length are skipped unexamined.
        for (i, item) in items.enumerated() where i < count {
            path.append(.index(i))
            try decode(item, into: &elements[i], as: elementType)
            path.removeLast()
        }
        if items.count < count {
            for i in items.count..<count { elements[i] = .zero }
        }
        slot = .array(elements)
    }

    @inline(never)
    private mutating func decodeBytes(_ json: JSONValue, into slot: inout Slot) throws(GoDecodeError) {
        switch json {
        case .null:
            slot = .null
        case .string(let s):
            guard let b = GoBase64.decode(Array(s.utf8)) else {
                throw fail(.typeMismatch, "illegal base64 data")
            }
            slot = .bytes(b)
        case .array(let items):
            if case .bytes(let b) = slot {
                // SetBytes gave a fresh array: no stale bytes beyond len.
                slot = .slice(backing: b.map { .uint(UInt64($0)) }, count: b.count)
            }
            try decodeSlice(items, into: &slot, elementType: .uint(bits: 8))
        default:
            throw mismatch(json, .bytes)
        }
    }

    @inline(never)
    private mutating func decodePointer(_ json: JSONValue, into slot: inout Slot, _ pointee: GoType) throws(GoDecodeError) {
        if case .null = json {
            slot = .null
            return
        }
        var inner: Slot
        if case .pointer(let existing) = slot {
            inner = existing
            slot = .zero
        } else {
            inner = .zero
        }
        try decode(json, into: &inner, as: pointee)
        slot = .pointer(inner)
    }

    @inline(never)
    private func decodeInterface(_ json: JSONValue, into slot: inout Slot) throws(GoDecodeError) {
        if case .null = json {
            slot = .null
        } else {
            slot = .any(try normalize(json))
        }
    }

    @inline(never)
    private func decodeCustom(_ json: JSONValue, into slot: inout Slot, _ custom: GoCustomType) throws(GoDecodeError) {
        switch custom.decode(json) {
        case .success(let v): slot = .custom(v)
        case .failure(let e):
            let here = pathString()
            throw GoDecodeError(e.code, e.message, path: e.path.isEmpty ? here : here.isEmpty ? e.path : here + "." + e.path)
        }
    }

    @inline(never)
    private mutating func decodeSlice(_ items: [JSONValue], into slot: inout Slot, elementType: GoType) throws(GoDecodeError) {
        var backing: [Slot]
        var count: Int
        if case .slice(let b, let c) = slot {
            backing = b
            count = c
            slot = .zero
        } else {
            backing = []
            count = 0
        }
        if items.isEmpty {
            // Go: reflect.MakeSlice(t, 0, 0) — a new, empty, non-nil slice.
            slot = .slice(backing: [], count: 0)
            return
        }
        for (i, item) in items.enumerated() {
            if i >= count {
                count = i + 1
                if i >= backing.count { backing.append(.zero) }
            }
            path.append(.index(i))
            try decode(item, into: &backing[i], as: elementType)
            path.removeLast()
        }
        slot = .slice(backing: backing, count: items.count)
    }

    private func mapKey(_ key: String, _ keyType: GoMapKey) throws(GoDecodeError) -> [UInt8] {
        switch keyType {
        case .string:
            return Array(key.utf8)
        case .int(let bits):
            guard let n = GoNumbers.parseInt(key.utf8), GoNumbers.fitsInt(n, bits: bits) else {
                throw fail(.typeMismatch, "json: cannot unmarshal number \(key) into Go value of type \(bits == 0 ? "int" : "int\(bits)")")
            }
            return Array(String(n).utf8)
        case .uint(let bits):
            guard let n = GoNumbers.parseUint(key.utf8), GoNumbers.fitsUint(n, bits: bits) else {
                throw fail(.typeMismatch, "json: cannot unmarshal number \(key) into Go value of type \(bits == 0 ? "uint" : "uint\(bits)")")
            }
            return Array(String(n).utf8)
        }
    }

    /// Whether Go leaves a value of this type untouched for a JSON null.
    static func nullIsNoOp(_ type: GoType) -> Bool {
        switch type {
        case .bool, .int, .uint, .float, .string, .structure, .array: return true
        case .map, .slice, .bytes, .pointer, .interface, .custom: return false
        }
    }

    /// Types the `,string` option applies to (encode.go typeFields: the
    /// field's kind, after one unnamed pointer level).
    static func isQuotable(_ type: GoType) -> Bool {
        switch type {
        case .bool, .int, .uint, .float, .string: return true
        case .pointer(let inner):
            switch inner {
            case .bool, .int, .uint, .float, .string: return true
            default: return false
            }
        default: return false
        }
    }

    @inline(never)
    private mutating func decodeField(_ json: JSONValue, into fieldSlot: inout Slot?, field: GoField) throws(GoDecodeError) {
        // Go allocates the embedded pointers on the way to a promoted field
        // before it looks at the value, so the key alone has an effect: such
        // a field becomes present (as its zero value) even when the value is
        // a no-op null, and the re-encoding carries the key.
        let embedded = field.goPath?.contains(".") ?? false
        if case .null = json, Self.nullIsNoOp(field.type) {
            if embedded, case .none = fieldSlot { fieldSlot = .zero }
            return
        }
        if field.quoted, case .custom = field.type, json != .null {
            throw fail(.custom, "the ,string option on a field with its own UnmarshalJSON is not supported")
        }
        var slot = fieldSlot ?? .zero
        fieldSlot = nil
        defer {
            if case .zero = slot {
                if embedded { fieldSlot = .zero }
            } else {
                fieldSlot = slot
            }
        }
        if field.quoted && Self.isQuotable(field.type) {
            switch json {
            case .null:
                try decode(json, into: &slot, as: field.type)
            case .string(let s):
                try storeQuoted(Array(s.utf8), into: &slot, as: field.type)
            default:
                throw fail(.typeMismatch, "json: invalid use of ,string struct tag, trying to unmarshal unquoted value into \(Self.typeName(field.type))")
            }
        } else {
            try decode(json, into: &slot, as: field.type)
        }
    }

    /// literalStore(item, v, fromQuoted: true) for a quotable type.
    private func storeQuoted(_ item: [UInt8], into slot: inout Slot, as type: GoType) throws(GoDecodeError) {
        let invalid = fail(.typeMismatch, "json: invalid use of ,string struct tag, trying to unmarshal \"\(String(decoding: item, as: UTF8.self))\" into \(Self.typeName(type))")
        guard let first = item.first else { throw invalid }
        if case .pointer(let pointee) = type {
            if first == UInt8(ascii: "n") {
                guard item.elementsEqual("null".utf8) else { throw invalid }
                slot = .null
                return
            }
            var inner: Slot
            if case .pointer(let existing) = slot { inner = existing } else { inner = .zero }
            try storeQuoted(item, into: &inner, as: pointee)
            slot = .pointer(inner)
            return
        }
        switch first {
        case UInt8(ascii: "n"):
            guard item.elementsEqual("null".utf8) else { throw invalid }
            return // no-op on a non-pointer
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            let isTrue = item.elementsEqual("true".utf8)
            guard isTrue || item.elementsEqual("false".utf8), case .bool = type else { throw invalid }
            slot = .bool(isTrue)
        case UInt8(ascii: "\""):
            guard item.count >= 2, item.last == UInt8(ascii: "\""),
                  let s = GoText.unquoteContents(item[1..<(item.count - 1)], allowSingleQuoteEscape: true) else {
                throw invalid
            }
            guard case .string = type else {
                throw fail(.typeMismatch, "json: cannot unmarshal string into Go value of type \(Self.typeName(type))")
            }
            slot = .string(String(decoding: s, as: UTF8.self))
        default:
            guard first == UInt8(ascii: "-") || GoNumbers.isDigit(first) else { throw invalid }
            let lit = String(decoding: item, as: UTF8.self)
            let range = fail(.numberRange, "json: cannot unmarshal number \(lit) into Go value of type \(Self.typeName(type))")
            switch type {
            case .int(let bits):
                guard let n = GoNumbers.parseInt(item), GoNumbers.fitsInt(n, bits: bits) else { throw range }
                slot = .int(n)
            case .uint(let bits):
                guard let n = GoNumbers.parseUint(item), GoNumbers.fitsUint(n, bits: bits) else { throw range }
                slot = .uint(n)
            case .float(let bits):
                guard let d = GoNumbers.parseFloat(item, bits: bits) else { throw range }
                slot = .float(d)
            default:
                throw invalid
            }
        }
    }

    // MARK: interface{}

    /// interface{} semantics. Recursive per JSON level (interface values are
    /// the one place where JSON depth, not schema depth, sets the recursion
    /// depth), so the recursive frame is kept small: numbers and the
    /// de-duplication of object members are handled out of line.
    func normalize(_ json: JSONValue) throws(GoDecodeError) -> JSONValue {
        switch json {
        case .null, .bool, .string:
            return json
        case .number(let lit):
            return try normalizeNumber(lit)
        case .array(let items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try normalize(item)) }
            return .array(out)
        case .object(let members):
            var out: [JSONMember] = []
            out.reserveCapacity(members.count)
            for m in members { out.append(JSONMember(m.key, try normalize(m.value))) }
            return Self.lastWinsSorted(out)
        }
    }

    @inline(never)
    private func normalizeNumber(_ literal: String) throws(GoDecodeError) -> JSONValue {
        guard let d = GoNumbers.parseFloat(Array(literal.utf8), bits: 64),
              let text = GoNumbers.formatFloat(d, bits: 64) else {
            throw fail(.numberRange, "json: cannot unmarshal number \(literal) into Go value of type float64")
        }
        return .number(text)
    }

    /// map[string]any from members in order: the last of duplicate keys wins;
    /// sorted by the keys' UTF-8 bytes.
    @inline(never)
    static func lastWinsSorted(_ members: [JSONMember]) -> JSONValue {
        var index: [[UInt8]: Int] = [:]
        var unique: [(key: [UInt8], member: JSONMember)] = []
        for m in members {
            let k = Array(m.key.utf8)
            if let i = index[k] {
                unique[i] = (k, m)
            } else {
                index[k] = unique.count
                unique.append((k, m))
            }
        }
        unique.sort { $0.key.lexicographicallyPrecedes($1.key) }
        return .object(unique.map(\.member))
    }

    // MARK: materialising

    func materialize(_ slot: Slot, _ type: GoType) throws(GoDecodeError) -> GoValue {
        switch slot {
        case .zero: return try zeroValue(type)
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let n): return .int(n)
        case .uint(let n): return .uint(n)
        case .float(let d): return .float(d)
        case .string(let s): return .string(s)
        case .structure(let fields):
            guard case .structure(let st) = type else { return .null }
            var out: [GoFieldValue] = []
            for (f, s) in zip(st.fields, fields) {
                if let s { out.append(GoFieldValue(f.name, try materialize(s, f.type))) }
            }
            return .structure(out)
        case .map(let entries):
            guard case .map(_, let valueType) = type else { return .null }
            var out: [(key: [UInt8], entry: GoMapEntry)] = []
            out.reserveCapacity(entries.count)
            for (k, v) in entries {
                out.append((k, GoMapEntry(String(decoding: k, as: UTF8.self), try materialize(v, valueType))))
            }
            out.sort { $0.key.lexicographicallyPrecedes($1.key) }
            return .map(out.map(\.entry))
        case .slice(let backing, let count):
            if case .bytes = type {
                return .bytes(backing[0..<count].map { s -> UInt8 in
                    if case .uint(let n) = s { return UInt8(truncatingIfNeeded: n) }
                    return 0
                })
            }
            guard case .slice(let elementType) = type else { return .null }
            var out: [GoValue] = []
            out.reserveCapacity(count)
            for s in backing[0..<count] { out.append(try materialize(s, elementType)) }
            return .slice(out)
        case .array(let elements):
            guard case .array(let elementType, _) = type else { return .null }
            var out: [GoValue] = []
            out.reserveCapacity(elements.count)
            for s in elements { out.append(try materialize(s, elementType)) }
            return .slice(out)
        case .bytes(let b): return .bytes(b)
        case .pointer(let inner):
            guard case .pointer(let pointee) = type else { return .null }
            return .pointer(try materialize(inner, pointee))
        case .any(let j): return .any(j)
        case .custom(let v): return v
        }
    }

    func zeroValue(_ type: GoType) throws(GoDecodeError) -> GoValue {
        switch type {
        case .bool: return .bool(false)
        case .int: return .int(0)
        case .uint: return .uint(0)
        case .float: return .float(0)
        case .string: return .string("")
        case .structure: return .structure([])
        case .map, .slice, .bytes, .pointer, .interface: return .null
        case .array(let e, let n):
            var out: [GoValue] = []
            for _ in 0..<n { out.append(try zeroValue(e)) }
            return .slice(out)
        case .custom(let c):
            throw fail(.custom, "the zero value of \(c.name) (a type with its own UnmarshalJSON) cannot be represented")
        }
    }
}
