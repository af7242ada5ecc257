/// A description of a Go type as `encoding/json` sees it: enough to decode a
/// request body exactly as dockerd's `json.Decoder.Decode(&v)` would, and to
/// re-encode the decoded value canonically. Schemas of Docker's request types
/// are written with these (see EngineAPI's body schemas).
public indirect enum GoType: Sendable {
    case bool
    /// int, int8 … int64 (bits: 0 means Go's `int`, 64-bit here).
    case int(bits: Int)
    /// uint, uint8 … uint64, uintptr.
    case uint(bits: Int)
    /// float32 / float64.
    case float(bits: Int)
    case string
    /// A struct with its fields already flattened the way encoding/json
    /// resolves embedded structs (see `GoStruct`).
    case structure(GoStruct)
    /// map[K]V. Keys are JSON object keys matched exactly (no case folding).
    case map(key: GoMapKey, value: GoType)
    /// []T. `[]byte` is `.bytes` (base64 in JSON).
    case slice(GoType)
    /// [N]T.
    case array(GoType, count: Int)
    case bytes
    /// *T: null sets nil; otherwise decodes into the existing pointee, or a new zero one.
    case pointer(GoType)
    /// interface{} (any): decodes to bool, float64, string, []any, map[string]any, nil.
    case interface
    /// A type with its own UnmarshalJSON (e.g. strslice.StrSlice accepting a
    /// string or an array). The decoder gives the raw JSON to the behaviour.
    case custom(GoCustomType)
}

/// Key types a map may have in Docker's request types: string kinds
/// (including named string types such as nat.Port) and integer kinds.
public enum GoMapKey: Sendable {
    case string
    case int(bits: Int)
    case uint(bits: Int)
}

/// A struct after embedding is resolved: the list of JSON-visible fields.
///
/// Authors of schemas flatten embedded structs themselves, following
/// encoding/json's rules (a field at a shallower depth wins; a tagged field
/// wins over an untagged one at the same depth; otherwise fields with the same
/// name at the same depth cancel each other and NONE is decoded). `path`
/// records where in the Go value a flattened field lives, for diagnostics.
public struct GoStruct: Sendable {
    public let name: String
    public let fields: [GoField]
    /// What the decoder and encoder look fields up with, built once per
    /// schema (one reference, so copying a GoStruct stays cheap).
    let index: GoFieldIndex

    /// Field names as UTF-8 bytes, in field order.
    var nameBytes: [[UInt8]] { index.nameBytes }
    /// Go's `nameIndex`: the first field of each exact name.
    var exactIndex: [[UInt8]: Int] { index.exactIndex }
    var hasNonASCIIName: Bool { index.hasNonASCIIName }

    public init(_ name: String, _ fields: [GoField]) {
        self.name = name
        self.fields = fields
        index = GoFieldIndex(fields)
    }
}

public struct GoField: Sendable {
    /// The JSON key: the tag name, or the Go field name when untagged.
    public let name: String
    public let type: GoType
    /// `,omitempty` in the tag (affects encoding only).
    public let omitEmpty: Bool
    /// `,string` in the tag: the value is a JSON string holding the literal.
    public let quoted: Bool
    /// Go path of the field when it comes from an embedded struct, e.g.
    /// "HostConfig.Binds" for ContainerConfigWrapper's embedded *HostConfig.
    public let goPath: String?

    public init(_ name: String, _ type: GoType, omitEmpty: Bool = false, quoted: Bool = false, goPath: String? = nil) {
        self.name = name
        self.type = type
        self.omitEmpty = omitEmpty
        self.quoted = quoted
        self.goPath = goPath
    }
}

/// A type with its own `UnmarshalJSON`. `decode` receives the JSON value the
/// standard decoder would hand to UnmarshalJSON (after a null check where Go
/// makes one) and returns the decoded Go value, or an error the daemon would
/// report. `encode` renders a value so that `decode` gives it back.
public struct GoCustomType: Sendable {
    public let name: String
    public let decode: @Sendable (JSONValue) -> Result<GoValue, GoDecodeError>
    public let encode: @Sendable (GoValue) -> JSONValue

    public init(name: String,
                decode: @escaping @Sendable (JSONValue) -> Result<GoValue, GoDecodeError>,
                encode: @escaping @Sendable (GoValue) -> JSONValue) {
        self.name = name
        self.decode = decode
        self.encode = encode
    }
}
