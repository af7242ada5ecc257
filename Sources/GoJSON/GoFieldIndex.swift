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
        var slot = Self.hash(key) & mask
        while true {
            let entry = Int(table[slot])
            if entry == 0 { return nil }
            if Self.equal(nameBytes[entry - 1], key) { return entry - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// FNV-1a.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    static func equal(_ name: [UInt8], _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count == key.count else { return false }
        return name.withUnsafeBufferPointer { n in
            var i = 0
            while i < n.count {
                if n[i] != key[i] { return false }
                i += 1
            }
            return true
        }
    }
}
