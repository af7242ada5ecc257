/// JSON text as Go's encoding/json scanner accepts it, kept as written:
/// object members in order, duplicates included; numbers as their literal.
/// Not `indirect`: arrays and objects already live in array storage, so the
/// scalar cases need no box of their own (one allocation less per node).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number literal exactly as it appeared (validated against the JSON grammar).
    case number(String)
    /// The decoded string. Invalid UTF-8 and lone surrogates are already
    /// replaced with U+FFFD, as Go does.
    case string(String)
    case array([JSONValue])
    case object([JSONMember])
}

public struct JSONMember: Equatable, Sendable {
    public let key: String
    public let value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A Go value decoded from JSON against a `GoType`. Mirrors the Go value,
/// plus the one thing Go does not keep but a canonical re-encoding needs:
/// which struct fields were present in the JSON.
/// Only `.pointer` is boxed (`indirect`): the other cases hold scalars or
/// array storage, so a decoded node costs no allocation of its own.
public enum GoValue: Equatable, Sendable {
    /// nil pointer, nil map, nil slice, nil interface.
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    /// The float as Go would hold it (decoded with round-to-nearest).
    case float(Double)
    case string(String)
    /// Fields in schema order; only fields that were set by the JSON
    /// (present, non-null-on-non-pointer) appear.
    case structure([GoFieldValue])
    /// Entries sorted by key (Go maps are unordered; this is canonical).
    case map([GoMapEntry])
    /// A non-nil slice or an array.
    case slice([GoValue])
    case bytes([UInt8])
    /// A non-nil pointer to the value.
    indirect case pointer(GoValue)
    /// interface{} holding a JSON-shaped value.
    case any(JSONValue)
}

public struct GoFieldValue: Equatable, Sendable {
    public let name: String
    public let value: GoValue

    public init(_ name: String, _ value: GoValue) {
        self.name = name
        self.value = value
    }
}

public struct GoMapEntry: Equatable, Sendable {
    public let key: String
    public let value: GoValue

    public init(_ key: String, _ value: GoValue) {
        self.key = key
        self.value = value
    }
}

/// Why the daemon's decoder would refuse a body (the daemon answers 400).
public struct GoDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case syntax            // not JSON as Go's scanner accepts it
        case unexpectedEOF     // the body ended inside the value
        case empty             // no value at all (io.EOF)
        case typeMismatch      // json.UnmarshalTypeError
        case numberRange       // number does not fit the field
        case tooDeep           // nesting beyond the limit we accept
        case tooLarge          // over the inspection limit
        case custom            // a custom UnmarshalJSON refused it
    }

    public let code: Code
    public let message: String
    /// Dotted field path where it happened, e.g. "HostConfig.Binds[0]".
    public let path: String

    public init(_ code: Code, _ message: String, path: String = "") {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
