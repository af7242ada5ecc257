import GoJSON

/// The schemas of the golden cases. They mirror, field for field and in the
/// same order, the Go types of scripts/go-oracle/main.go.
enum Schemas {
    /// Like Docker's strslice.StrSlice: a string or an array of strings;
    /// null gives nil (UnmarshalJSON("null") sets it to nil).
    static let strSlice = GoCustomType(
        name: "StrSlice",
        decode: { json in
            if case .success(let v) = GoDecoder.decode(json, as: .slice(.string)) { return .success(v) }
            switch GoDecoder.decode(json, as: .string) {
            case .success(let s): return .success(.slice([s]))
            case .failure(let e): return .failure(e)
            }
        },
        encode: { value in
            guard case .slice(let items) = value else { return .null }
            return .array(items.map { item in
                if case .string(let s) = item { return .string(s) }
                return .null
            })
        })

    static let leaf = GoType.structure(GoStruct("Leaf", [
        GoField("a", .int(bits: 0)),
        GoField("b", .string),
    ]))

    static let inner = GoType.structure(GoStruct("Inner", [
        GoField("a", .int(bits: 0)),
        GoField("b", .string),
        GoField("c", .slice(.int(bits: 0))),
        GoField("p", .pointer(leaf)),
    ]))

    static let kitchen = GoType.structure(GoStruct("Kitchen", [
        GoField("Name", .string),
        GoField("kind", .string),
        GoField("size", .int(bits: 64)),
        GoField("Flag", .bool),
        GoField("I8", .int(bits: 8)),
        GoField("U8", .uint(bits: 8)),
        GoField("U16", .uint(bits: 16)),
        GoField("I32", .int(bits: 32)),
        GoField("U64", .uint(bits: 64)),
        GoField("I", .int(bits: 0)),
        GoField("F32", .float(bits: 32)),
        GoField("F64", .float(bits: 64)),
        GoField("Str", .pointer(.string)),
        GoField("Ptr", .pointer(inner)),
        GoField("PP", .pointer(.pointer(.int(bits: 0)))),
        GoField("In", inner),
        GoField("List", .slice(inner)),
        GoField("Ints", .slice(.int(bits: 0))),
        GoField("Arr", .array(.int(bits: 0), count: 3)),
        GoField("ArrS", .array(inner, count: 2)),
        GoField("Map", .map(key: .string, value: inner)),
        GoField("MapI", .map(key: .int(bits: 0), value: .string)),
        GoField("MapI8", .map(key: .int(bits: 8), value: .string)),
        GoField("MapU", .map(key: .uint(bits: 8), value: .int(bits: 0))),
        GoField("MapP", .map(key: .string, value: .pointer(inner))),
        GoField("Any", .interface),
        GoField("Anys", .slice(.interface)),
        GoField("MapAny", .map(key: .string, value: .interface)),
        GoField("Bytes", .bytes),
        GoField("BytesL", .slice(.bytes)),
        GoField("q", .int(bits: 0), quoted: true),
        GoField("qp", .pointer(.int(bits: 0)), quoted: true),
        GoField("qb", .bool, quoted: true),
        GoField("qs", .string, quoted: true),
        GoField("qf", .float(bits: 64), quoted: true),
        GoField("qf32", .float(bits: 32), quoted: true),
        GoField("qu", .uint(bits: 16), quoted: true),
        GoField("qsp", .pointer(.string), quoted: true),
        GoField("qi", .slice(.int(bits: 0)), quoted: true),
        GoField("Cmd", .custom(strSlice)),
        GoField("CmdP", .pointer(.custom(strSlice))),
        GoField("CmdL", .slice(.custom(strSlice))),
        GoField("CmdM", .map(key: .string, value: .custom(strSlice))),
        GoField("Labels", .map(key: .string, value: .string)),
        GoField("ab", .string),
        GoField("AB", .string),
        GoField("xk", .string),
        GoField("xs", .string),
        GoField("a_b", .string),
        GoField("n1", .string),
    ]))

    static let allNames = ["kitchen", "kitchenPtr", "inner", "innerList", "mapInner", "ints", "arr3", "int", "int8", "uint8",
                           "uint64", "float64", "float32", "string", "bool", "bytes", "any", "strslice"]

    static func named(_ name: String) -> GoType {
        switch name {
        case "kitchen": return kitchen
        case "kitchenPtr": return .pointer(kitchen)
        case "inner": return inner
        case "innerList": return .slice(inner)
        case "mapInner": return .map(key: .string, value: inner)
        case "ints": return .slice(.int(bits: 0))
        case "arr3": return .array(.int(bits: 0), count: 3)
        case "int": return .int(bits: 0)
        case "int8": return .int(bits: 8)
        case "uint8": return .uint(bits: 8)
        case "uint64": return .uint(bits: 64)
        case "float64": return .float(bits: 64)
        case "float32": return .float(bits: 32)
        case "string": return .string
        case "bool": return .bool
        case "bytes": return .bytes
        case "any": return .interface
        case "strslice": return .custom(strSlice)
        default: fatalError("unknown schema \(name)")
        }
    }
}

/// What Go's json.Marshal prints for the Go value a GoValue stands for: every
/// struct field, absent ones as their zero value. (GoEncoder prints only the
/// present fields; with all of them made present it prints what Marshal does.)
func goMarshal(_ value: GoValue, _ type: GoType) -> String {
    String(decoding: GoEncoder.encode(filledWithZeros(value, type), as: type), as: UTF8.self)
}

func zeroValue(_ type: GoType) -> GoValue {
    switch type {
    case .bool: return .bool(false)
    case .int: return .int(0)
    case .uint: return .uint(0)
    case .float: return .float(0)
    case .string: return .string("")
    case .structure: return .structure([])
    case .array(let e, let n): return .slice(Array(repeating: zeroValue(e), count: n))
    case .map, .slice, .bytes, .pointer, .interface, .custom: return .null
    }
}

func filledWithZeros(_ value: GoValue, _ type: GoType) -> GoValue {
    switch (type, value) {
    case (.structure(let st), .structure(let fields)):
        return .structure(st.fields.map { f in
            let v = fields.first { $0.name.utf8.elementsEqual(f.name.utf8) }?.value ?? zeroValue(f.type)
            return GoFieldValue(f.name, filledWithZeros(v, f.type))
        })
    case (.slice(let e), .slice(let items)), (.array(let e, _), .slice(let items)):
        return .slice(items.map { filledWithZeros($0, e) })
    case (.map(_, let e), .map(let entries)):
        return .map(entries.map { GoMapEntry($0.key, filledWithZeros($0.value, e)) })
    case (.pointer(let e), .pointer(let inner)):
        return .pointer(filledWithZeros(inner, e))
    default:
        return value
    }
}

/// Byte-exact equality of JSON values (Swift's String == is canonical
/// equivalence, which would hide a difference Go sees).
func exactlyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x.utf8.elementsEqual(y.utf8)
    case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { exactlyEqual($0, $1) }
    case (.object(let x), .object(let y)):
        return x.count == y.count && zip(x, y).allSatisfy {
            $0.key.utf8.elementsEqual($1.key.utf8) && exactlyEqual($0.value, $1.value)
        }
    default: return false
    }
}

/// Byte-exact equality of Go values (see `exactlyEqual` for JSON values).
func exactlyEqual(_ a: GoValue, _ b: GoValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.int(let x), .int(let y)): return x == y
    case (.uint(let x), .uint(let y)): return x == y
    case (.float(let x), .float(let y)): return x.bitPattern == y.bitPattern
    case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
    case (.bytes(let x), .bytes(let y)): return x == y
    case (.pointer(let x), .pointer(let y)): return exactlyEqual(x, y)
    case (.any(let x), .any(let y)): return exactlyEqual(x, y)
    case (.slice(let x), .slice(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { exactlyEqual($0, $1) }
    case (.structure(let x), .structure(let y)):
        return x.count == y.count && zip(x, y).allSatisfy {
            $0.name.utf8.elementsEqual($1.name.utf8) && exactlyEqual($0.value, $1.value)
        }
    case (.map(let x), .map(let y)):
        return x.count == y.count && zip(x, y).allSatisfy {
            $0.key.utf8.elementsEqual($1.key.utf8) && exactlyEqual($0.value, $1.value)
        }
    default: return false
    }
}

/// Parse, decode, encode, parse, decode: the second decode must give the
/// first value back, byte for byte.
func roundTrips(_ value: GoValue, _ type: GoType) -> Bool {
    let encoded = GoEncoder.encode(value, as: type)
    guard case .success(let json) = JSONParser.parse(encoded),
          case .success(let again) = GoDecoder.decode(json, as: type) else { return false }
    return exactlyEqual(value, again)
}
