import GoJSON

/// A decoded struct's fields, found by name among those of the same name
/// length instead of by a scan of every field: `hostConfigFacts` reads some
/// fifty fields of a HostConfig that the docker CLI sends with about sixty
/// present, and `GoValue.at`'s scan made those look-ups a third of the
/// facts' CPU (bench/micro, 2026-12-01). Built once per struct read (one
/// allocation); `at` answers exactly as `GoValue.at` does on the same value:
/// the first field, in field order, whose name has the same length and is
/// `==` to `name`; nil for a field not present or a value that is no struct.
struct FieldTable {
    /// The struct with every pointer level removed (`.null` for a nil pointer).
    let value: GoValue
    private let fields: [GoFieldValue]
    /// `buckets` chain heads (1 + the first field whose name length falls
    /// in the bucket; 0: none), then one link per field (1 + the next field
    /// of its bucket, in field order; 0: the last).
    private let links: [Int32]
    private static let buckets = 32

    init(_ value: GoValue) {
        let value = value.deref
        self.value = value
        guard case .structure(let fields) = value, !fields.isEmpty else {
            self.fields = []
            links = []
            return
        }
        self.fields = fields
        var links = [Int32](repeating: 0, count: Self.buckets + fields.count)
        fields.withUnsafeBufferPointer { fields in
            // Backwards, so that each chain lists its fields in field order.
            for i in fields.indices.reversed() {
                let bucket = fields[i].name.utf8.count & (Self.buckets - 1)
                links[Self.buckets + i] = links[bucket]
                links[bucket] = Int32(i + 1)
            }
        }
        self.links = links
    }

    func at(_ name: String) -> GoValue? {
        guard !fields.isEmpty else { return nil }
        let length = name.utf8.count
        return fields.withUnsafeBufferPointer { fields -> GoValue? in
            links.withUnsafeBufferPointer { links -> GoValue? in
                var next = Int(links[length & (Self.buckets - 1)])
                while next != 0 {
                    let i = next - 1
                    if fields[i].name.utf8.count == length && fields[i].name == name { return fields[i].value }
                    next = Int(links[Self.buckets + i])
                }
                return nil
            }
        }
    }
}
