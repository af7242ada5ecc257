/// SHA-256 (FIPS 180-4 §6.2), for the policy digest and the audit log's hash
/// chain. Pure Swift; streaming (`update` any number of times, then
/// `finalize`). Checked against the FIPS 180-4 example vectors in
/// Tests/ProxyTests/SHA256Tests.swift.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    /// Bytes not yet hashed (fewer than 64).
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    public init() {
        pending.reserveCapacity(64)
    }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for b in bytes {
            length &+= 1
            pending.append(b)
            if pending.count == 64 {
                pending.withUnsafeBufferPointer { compress($0.baseAddress!) }
                pending.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Faster path for contiguous bytes.
    public mutating func update(_ bytes: [UInt8]) {
        length &+= UInt64(bytes.count)
        bytes.withUnsafeBufferPointer { raw in
            var index = 0
            let count = raw.count
            if !pending.isEmpty {
                while index < count && pending.count < 64 {
                    pending.append(raw[index])
                    index += 1
                }
                if pending.count == 64 {
                    pending.withUnsafeBufferPointer { compress($0.baseAddress!) }
                    pending.removeAll(keepingCapacity: true)
                }
            }
            while count - index >= 64 {
                compress(raw.baseAddress! + index)
                index += 64
            }
            while index < count {
                pending.append(raw[index])
                index += 1
            }
        }
    }

    public mutating func update(_ text: String) {
        update(Array(text.utf8))
    }

    /// The 32-byte digest. The value should not be updated afterwards.
    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        tail.withUnsafeBufferPointer { raw in
            var offset = 0
            while offset < raw.count {
                compress(raw.baseAddress! + offset)
                offset += 64
            }
        }
        pending.removeAll()
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            out += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
        }
        return out
    }

    /// One-shot digest.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(bytes)
        return h.finalize()
    }

    /// One-shot digest as 64 lowercase hex digits.
    public static func hex(_ bytes: [UInt8]) -> String {
        hexString(hash(bytes))
    }

    public static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The round constants, allocated once (read-only after).
    nonisolated(unsafe) private static let k: UnsafeMutablePointer<UInt32> = {
        let values: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
        ]
        let p = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
        p.initialize(from: values, count: 64)
        return p
    }()

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// One 64-byte block (§6.2.2).
    private mutating func compress(_ block: UnsafePointer<UInt8>) {
        withUnsafeMutablePointer(to: &state) { raw in
            raw.withMemoryRebound(to: UInt32.self, capacity: 8) { h in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                    SHA256.compress(h, block, w.baseAddress!)
                }
            }
        }
    }

    @inline(__always)
    private static func compress(_ hv: UnsafeMutablePointer<UInt32>, _ block: UnsafePointer<UInt8>, _ w: UnsafeMutablePointer<UInt32>) {
        let k = SHA256.k
        for t in 0..<16 {
            let b = block + 4 &* t
            w[t] = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
        }
        for t in 16..<64 {
            let x = w[t &- 15], y = w[t &- 2]
            let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
            let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
            w[t] = w[t &- 16] &+ s0 &+ w[t &- 7] &+ s1
        }
        var a = hv[0], b = hv[1], c = hv[2], d = hv[3], e = hv[4], f = hv[5], g = hv[6], h = hv[7]
        for t in 0..<64 {
            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ k[t] &+ w[t]
            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        hv[0] &+= a; hv[1] &+= b; hv[2] &+= c; hv[3] &+= d
        hv[4] &+= e; hv[5] &+= f; hv[6] &+= g; hv[7] &+= h
    }
}
