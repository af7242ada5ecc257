import GoJSON

/// Read-only navigation of decoded bodies for fact extraction. Pointers are
/// followed transparently; a missing field reads as nil.
extension GoValue {
    var deref: GoValue {
        if case .pointer(let inner) = self { return inner.deref }
        return self
    }

    /// A struct field by name. Names are compared by length first (field
    /// names are schema names and `name` a literal, both ASCII), over the
    /// fields in place: the facts look up some forty fields of a
    /// HostConfig, and a copy of each field visited (its name and value
    /// retained and released) cost more than the comparisons.
    func at(_ name: String) -> GoValue? {
        switch self {
        case .pointer(let inner): return inner.at(name)
        case .structure(let fields):
            let length = name.utf8.count
            return fields.withUnsafeBufferPointer { fields -> GoValue? in
                for i in fields.indices where fields[i].name.utf8.count == length {
                    if fields[i].name == name { return fields[i].value }
                }
                return nil
            }
        default: return nil
        }
    }

    var text: String? {
        if case .string(let s) = deref { return s }
        return nil
    }

    var flag: Bool? {
        if case .bool(let b) = deref { return b }
        return nil
    }

    var integer: Int64? {
        switch deref {
        case .int(let i): return i
        case .uint(let u): return u <= UInt64(Int64.max) ? Int64(u) : nil
        default: return nil
        }
    }

    var elements: [GoValue] {
        if case .slice(let items) = deref { return items }
        return []
    }

    /// A non-nil slice (even empty): distinguishes `[]` from absent/null.
    var isNonNilSlice: Bool {
        if case .slice = deref { return true }
        return false
    }

    var entries: [GoMapEntry] {
        if case .map(let items) = deref { return items }
        return []
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
