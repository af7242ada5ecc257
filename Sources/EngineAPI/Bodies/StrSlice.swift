import GoJSON

/// `strslice.StrSlice` (api/types/strslice), identical in 20.10.24 and 28.x:
///
/// ```go
/// func (e *StrSlice) UnmarshalJSON(b []byte) error {
///     if len(b) == 0 { return nil }
///     p := make([]string, 0, 1)
///     if err := json.Unmarshal(b, &p); err != nil {
///         var s string
///         if err := json.Unmarshal(b, &s); err != nil { return err }
///         p = append(p, s)
///     }
///     *e = p
///     return nil
/// }
/// ```
///
/// Used by Config.Cmd, Config.Entrypoint, Config.Shell, HostConfig.CapAdd and
/// HostConfig.CapDrop (not by ExecConfig.Cmd or swarm ContainerSpec, which are
/// plain []string). Go calls UnmarshalJSON for a literal `null` too (StrSlice is
/// not a pointer), so:
/// - `null`            → nil slice (`json.Unmarshal("null", &p)` sets p = nil)
/// - `"a b"`           → ["a b"]  (one element, never split)
/// - `""`              → [""]
/// - `[]`              → empty, non-nil slice
/// - `["a", null]`     → ["a", ""] (null into string leaves "")
/// - anything else (number, bool, object, array with a non-string, non-null
///   element) → error; the message is the one of the second attempt
///   (`json: cannot unmarshal <kind> into Go value of type string`), and the
///   error aborts the whole body decode (400 from the daemon).
///
/// Encoding (no MarshalJSON): nil → `null`, otherwise an array of strings.
public enum StrSlice {
    public static let type: GoType = .custom(customType)

    public static let customType = GoCustomType(
        name: "strslice.StrSlice",
        decode: { decode($0) },
        encode: { encode($0) })

    static func decode(_ json: JSONValue) -> Result<GoValue, GoDecodeError> {
        switch json {
        case .null:
            return .success(.null)
        case .string(let s):
            return .success(.slice([.string(s)]))
        case .array(let items):
            var out: [GoValue] = []
            out.reserveCapacity(items.count)
            for item in items {
                switch item {
                case .string(let s): out.append(.string(s))
                case .null: out.append(.string(""))
                default:
                    // []string failed; the fallback `string` attempt fails on the array.
                    return .failure(mismatch("array"))
                }
            }
            return .success(.slice(out))
        case .bool: return .failure(mismatch("bool"))
        case .number: return .failure(mismatch("number"))
        case .object: return .failure(mismatch("object"))
        }
    }

    static func encode(_ value: GoValue) -> JSONValue {
        switch value {
        case .slice(let items):
            return .array(items.map { item in
                if case .string(let s) = item { return .string(s) }
                return .string("")
            })
        default:
            return .null
        }
    }

    private static func mismatch(_ kind: String) -> GoDecodeError {
        GoDecodeError(.custom, "json: cannot unmarshal \(kind) into Go value of type string")
    }
}
