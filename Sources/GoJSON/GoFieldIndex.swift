/// A struct's fields as the decoder and encoder look them up: names as
/// bytes, the exact-name index (Go's `nameIndex`) as a dictionary and as an
/// open-addressing hash table that is probed with the key's bytes in place
/// (no array built per key), the `"name":` text the encoder writes, and
/// which fields are promoted through an embedded struct.
final class GoFieldIndex: Sendable {
    let nameBytes: [[UInt8]]
    let exactIndex: [[UInt8]: Int]
    let hasNonASCIIName: Bool
    /// `GoFieldMatch.folded(name)` → the first field (in field order) with
    /// that folded name; only for structs whose names are all ASCII (nil
    /// otherwise: those keep the linear search, which refuses to guess).
    let foldIndex: [[UInt8]: Int]?
    /// `"name":` as GoEncoder writes each field's key.
    let memberPrefixes: [[UInt8]]
    /// The names, and the `"name":` texts, end to end in one buffer each:
    /// field i is `[offsets[i], offsets[i + 1])` (no array per field to
    /// retain in the encoder's loop).
    let flatNames: [UInt8]
    let flatNameOffsets: [Int]
    let flatPrefixes: [UInt8]
    let flatPrefixOffsets: [Int]
    /// `,string` applies to the field (`quoted` on a quotable type).
    let quotes: [Bool]
    /// `,string` on a quotable or custom type: left by DirectDecoder to the reference path.
    let quotedForDecoder: [Bool]
    /// The field names (the schema's own strings).
    let fieldNames: [String]
    /// Fields of a scalar type, which the decoder and encoder handle without
    /// looking at (and retaining) the field's `GoType`.
    let scalars: [GoScalarKind]
    /// Fields promoted through an embedded struct (`goPath` has a dot).
    let embedded: [Bool]
    /// Slots of field index + 1 (0: empty), `mask + 1` of them.
    private let table: [Int32]
    private let mask: Int

    init(_ fields: [GoField]) {
        let names = fields.map { Array($0.name.utf8) }
        nameBytes = names
        var index: [[UInt8]: Int] = [:]
        for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
        exactIndex = index
        hasNonASCIIName = names.contains { $0.contains { $0 >= 0x80 } }
        if hasNonASCIIName {
            foldIndex = nil
        } else {
            var folds: [[UInt8]: Int] = [:]
            for (i, n) in names.enumerated() {
                let f = GoFieldMatch.folded(n)
                if folds[f] == nil { folds[f] = i }
            }
            foldIndex = folds
        }
        memberPrefixes = fields.map { field in
            var out: [UInt8] = []
            GoEncoder.appendQuoted(field.name, to: &out)
            out.append(UInt8(ascii: ":"))
            return out
        }
        (flatNames, flatNameOffsets) = Self.flatten(names)
        (flatPrefixes, flatPrefixOffsets) = Self.flatten(memberPrefixes)
        quotes = fields.map { $0.quoted && DecodeState.isQuotable($0.type) }
        quotedForDecoder = fields.map { field in
            if case .custom = field.type { return field.quoted }
            return field.quoted && DecodeState.isQuotable(field.type)
        }
        self.fieldNames = fields.map(\.name)
        scalars = fields.map { GoScalarKind($0.type) }
        embedded = fields.map { $0.goPath?.utf8.contains(UInt8(ascii: ".")) ?? false }
        var size = 8
        while size < names.count * 4 { size *= 2 }
        var table = [Int32](repeating: 0, count: size)
        for (i, n) in names.enumerated() where index[n] == i {
            var slot = n.withUnsafeBufferPointer { Self.hash($0) } & (size - 1)
            while table[slot] != 0 { slot = (slot + 1) & (size - 1) }
            table[slot] = Int32(i + 1)
        }
        self.table = table
        mask = size - 1
    }

    /// `exactIndex[key]` for the key's bytes in place.
    func exactField(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        flatNames.withUnsafeBufferPointer { exactField(key, names: $0) }
    }

    private func exactField(_ key: UnsafeBufferPointer<UInt8>, names: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Self.hash(key) & mask
        while true {
            let entry = Int(table[slot])
            if entry == 0 { return nil }
            let name = UnsafeBufferPointer(rebasing: names[flatNameOffsets[entry - 1]..<flatNameOffsets[entry]])
            if Self.equal(name, key) { return entry - 1 }
            slot = (slot + 1) & mask
        }
    }

    private static func flatten(_ parts: [[UInt8]]) -> ([UInt8], [Int]) {
        var flat: [UInt8] = []
        var offsets = [0]
        for p in parts {
            flat += p
            offsets.append(flat.count)
        }
        return (flat, offsets)
    }

    /// FNV-1a.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var i = 0
        while i < a.count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }
}

/// A field type that is a plain scalar.
enum GoScalarKind: Equatable, Sendable {
    case notScalar
    case bool
    case string
    case int(bits: Int)
    case uint(bits: Int)

    init(_ type: GoType) {
        switch type {
        case .bool: self = .bool
        case .string: self = .string
        case .int(let bits): self = .int(bits: bits)
        case .uint(let bits): self = .uint(bits: bits)
        default: self = .notScalar
        }
    }
}

enum UTF8Order {
    /// `a.utf8.lexicographicallyPrecedes(b.utf8)`, by comparing contiguous
    /// bytes (the generic collection algorithm costs ~40 ns a comparison,
    /// which sorting a 50 000-key label map on the event loop paid a million
    /// times). Byte order, never Swift's `<` on String (Unicode order).
    @inline(__always)
    static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { pa in
            b.withUTF8 { pb in
                let n = min(pa.count, pb.count)
                var i = 0
                while i < n {
                    let x = pa[i], y = pb[i]
                    if x != y { return x < y }
                    i += 1
                }
                return pa.count < pb.count
            }
        }
    }
}

extension UTF8Order {
    /// The entries sorted by their keys' UTF-8 bytes (ties keep their
    /// order). The keys are copied once into one buffer and an index array
    /// is sorted over it: sorting the entries themselves retained and
    /// released every key's storage at each comparison (81 ms of the event
    /// loop for a body with 50 000 labels; now ~10 ms).
    static func sortedByKey(_ entries: [GoMapEntry]) -> [GoMapEntry] {
        var flat: [UInt8] = []
        var offsets: [Int] = [0]
        offsets.reserveCapacity(entries.count + 1)
        for e in entries {
            flat.append(contentsOf: e.key.utf8)
            offsets.append(flat.count)
        }
        var order = Array(0..<entries.count)
        flat.withUnsafeBufferPointer { f in
            offsets.withUnsafeBufferPointer { o in
                order.sort { i, j in
                    let a = o[i], aEnd = o[i + 1], b = o[j], bEnd = o[j + 1]
                    let n = min(aEnd - a, bEnd - b)
                    var k = 0
                    while k < n {
                        let x = f[a + k], y = f[b + k]
                        if x != y { return x < y }
                        k += 1
                    }
                    if aEnd - a != bEnd - b { return aEnd - a < bEnd - b }
                    return i < j
                }
            }
        }
        return order.map { entries[$0] }
    }
}
