/// A struct's fields as the decoder and encoder look them up: names as
/// bytes, the exact-name index (Go's `nameIndex`) as a dictionary and as an
/// open-addressing hash table that is probed with the key's bytes in place
/// (no array built per key), the `"name":` text the encoder writes, and
/// which fields are promoted through an embedded struct.
final class GoFieldIndex: Sendable {
    let nameBytes: [[UInt8]]
    let exactIndex: [[UInt8]: Int]
    let hasNonASCIIName: Bool
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
