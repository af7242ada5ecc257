import GoJSON

// Small vocabulary for writing Docker's Go types as `GoType`s.
//
// Conventions used by every schema in this folder:
// - Field order is the Go declaration order (28.x order where the versions
//   differ), which is the order Go's encoder writes; fields only one daemon
//   line has are kept (union) and marked "20.10 only" / "28.x only" / "API x.y+".
// - `omitEmpty` mirrors the `json:",omitempty"` tag. Where the two lines
//   disagree it is set only if BOTH have it, so a re-encoding never drops a
//   present-but-empty value one of the daemons would see. (Go ignores
//   omitempty on struct-typed fields; the tag is still recorded as written.)
// - `goPath` is set on fields promoted from embedded structs: Go field names
//   joined by dots, e.g. "HostConfig.Resources.CPUShares".

enum GT {
    static let bool: GoType = .bool
    static let string: GoType = .string
    static let int: GoType = .int(bits: 0)
    static let int64: GoType = .int(bits: 64)
    static let uint: GoType = .uint(bits: 0)
    static let uint16: GoType = .uint(bits: 16)
    static let uint32: GoType = .uint(bits: 32)
    static let uint64: GoType = .uint(bits: 64)
    static let float32: GoType = .float(bits: 32)
    /// time.Duration: a plain int64 of nanoseconds in JSON (no custom
    /// (Un)MarshalJSON on time.Duration), e.g. 5000000000 for 5s.
    static let duration: GoType = .int(bits: 64)
    /// os.FileMode: uint32 (no custom JSON methods).
    static let fileMode: GoType = .uint(bits: 32)
    static let strings: GoType = .slice(.string)
    static let stringMap: GoType = .map(key: .string, value: .string)
    /// struct{} (values of map[string]struct{}, GlobalService, TypeBlock ...).
    static let emptyStruct: GoType = .structure(GoStruct("struct{}", []))

    static func ptr(_ t: GoType) -> GoType { .pointer(t) }
    static func slice(_ t: GoType) -> GoType { .slice(t) }
    static func stringKeyMap(_ v: GoType) -> GoType { .map(key: .string, value: v) }
    static func structure(_ s: GoStruct) -> GoType { .structure(s) }
}

/// The fields of `s` as promoted into an enclosing struct through an embedded
/// field named `embeddedName` (Go's anonymous field, e.g. `Resources`).
/// `goNames` maps JSON keys to Go field names where they differ (for goPath).
func promoted(_ s: GoStruct, through embeddedName: String, goNames: [String: String] = [:]) -> [GoField] {
    s.fields.map { f in
        let inner = f.goPath ?? goNames[f.name] ?? f.name
        return GoField(f.name, f.type, omitEmpty: f.omitEmpty, quoted: f.quoted,
                       goPath: embeddedName + "." + inner)
    }
}
