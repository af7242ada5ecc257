/// Deterministic pseudo-random choices derived from the input itself, so a
/// saved crash file replays exactly (no global RNG state between runs).
public struct InputRandom {
    private var state: UInt64

    /// Seeded with FNV-1a over the input.
    public init(_ bytes: [UInt8], salt: UInt64 = 0) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ salt
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        state = h
    }

    /// SplitMix64.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    /// Up to `count` distinct cut points strictly inside 0..<length, sorted,
    /// followed by `length`: the ends of the pieces to feed one after another.
    public mutating func pieceEnds(length: Int, count: Int) -> [Int] {
        guard length > 1 else { return [length] }
        var cuts = Set<Int>()
        for _ in 0..<count { cuts.insert(1 + below(length - 1)) }
        return cuts.sorted() + [length]
    }
}

extension Array where Element == UInt8 {
    /// Splits at the first LF: the line before it and everything after it.
    /// No LF: the whole input is the line and the rest is empty.
    public func splitLine() -> (line: [UInt8], rest: [UInt8]) {
        guard let lf = firstIndex(of: 0x0A) else { return (self, []) }
        return (Array(self[..<lf]), Array(self[(lf + 1)...]))
    }
}
