import GoJSON

/// Read-only navigation of decoded bodies for fact extraction. Pointers are
/// followed transparently; a missing field reads as nil.
extension GoValue {
    var deref: GoValue {
        if case .pointer(let inner) = self { return inner.deref }
        return self
    }

    /// A struct field by name. Names are compared by length first (field
    /// names are schema names and `name` a literal, both ASCII).
    func at(_ name: String) -> GoValue? {
        guard case .structure(let fields) = deref else { return nil }
        let length = name.utf8.count
        var i = 0
        while i < fields.count {
            if fields[i].name.utf8.count == length && fields[i].name == name { return fields[i].value }
            i += 1
        }
        return nil
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
