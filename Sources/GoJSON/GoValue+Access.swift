/// Small accessors for policy code. All of them look through pointers
/// (`.pointer(x)` behaves as `x`), and all string comparisons are on UTF-8
/// bytes. Note that Swift's `==` on `String` (and so on `GoValue`,
/// `JSONValue`, `GoMapEntry`) treats canonically equivalent strings as equal
/// ("\u{212A}" == "K", "é" == "e\u{301}") while Go compares bytes: policy
/// code that matches strings must use `stringEquals(_:)`/`utf8` views, not `==`.
extension GoValue {
    /// The value with every pointer level removed (`.null` for a nil pointer).
    public var pointee: GoValue {
        var v = self
        while case .pointer(let inner) = v { v = inner }
        return v
    }

    /// A struct field by its exact schema name; nil when the field was not
    /// present (its Go value is then the zero value) or self is no struct.
    public subscript(field name: String) -> GoValue? {
        guard case .structure(let fields) = pointee else { return nil }
        let length = name.utf8.count
        return fields.first { $0.name.utf8.count == length && $0.name.utf8.elementsEqual(name.utf8) }?.value
    }

    /// A map entry by its exact key (bytes compared).
    public subscript(key key: String) -> GoValue? {
        guard case .map(let entries) = pointee else { return nil }
        return entries.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    public var stringValue: String? {
        if case .string(let s) = pointee { return s }
        return nil
    }

    /// Byte-wise equality with a string value (Go's notion of equal strings).
    public func stringEquals(_ other: String) -> Bool {
        guard let s = stringValue else { return false }
        return s.utf8.elementsEqual(other.utf8)
    }

    public var boolValue: Bool? {
        if case .bool(let b) = pointee { return b }
        return nil
    }

    /// Ints, and uints that fit in an Int64.
    public var int64Value: Int64? {
        switch pointee {
        case .int(let n): return n
        case .uint(let n): return n <= UInt64(Int64.max) ? Int64(n) : nil
        default: return nil
        }
    }

    /// The elements of a slice or array (nil for a nil slice or non-slice).
    public var arrayValues: [GoValue]? {
        if case .slice(let items) = pointee { return items }
        return nil
    }

    /// The entries of a map, sorted by key bytes (nil for a nil map).
    public var mapEntries: [GoMapEntry]? {
        if case .map(let entries) = pointee { return entries }
        return nil
    }

    /// True for nil pointers, maps, slices, []byte and interfaces.
    public var isNil: Bool {
        if case .null = self { return true }
        return false
    }
}
