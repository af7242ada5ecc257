import CShims

/// SHA-256 (FIPS 180-4 §6.2), for the policy digest and the audit log's hash
/// chain. Streaming (`update` any number of times, then
/// `finalize`) or one-shot over contiguous bytes (`digest`, the audit
/// writer's path: no allocation). Blocks are compressed with the x86 SHA
/// extensions where the CPU has them (CShims/sha256_x86.c), else by the
/// Swift rounds below, unrolled eight at a time. Checked
/// against the FIPS 180-4 example vectors and boundary lengths in
/// Tests/ProxyTests/SHA256Tests.swift.
public struct SHA256: Sendable {
    typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    static let initial: State = (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)

    private var state = SHA256.initial
    /// Bytes not yet hashed (fewer than 64).
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    public init() {
        pending.reserveCapacity(64)
    }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        update(Array(bytes))
    }

    /// Faster path for contiguous bytes.
    public mutating func update(_ bytes: [UInt8]) {
        length &+= UInt64(bytes.count)
        bytes.withUnsafeBytes { raw in
            var index = 0
            let count = raw.count
            if !pending.isEmpty {
                let take = min(64 - pending.count, count)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<take]))
                index = take
                if pending.count == 64 {
                    pending.withUnsafeBytes { SHA256.compress(&state, $0.baseAddress!, blocks: 1) }
                    pending.removeAll(keepingCapacity: true)
                }
            }
            let blocks = (count - index) / 64
            if blocks > 0 {
                SHA256.compress(&state, raw.baseAddress! + index, blocks: blocks)
                index += blocks * 64
            }
            if index < count { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[index...])) }
        }
    }

    public mutating func update(_ text: String) {
        update(Array(text.utf8))
    }

    /// The 32-byte digest. The value should not be updated afterwards.
    public mutating func finalize() -> [UInt8] {
        let total = length
        let tail = pending
        pending.removeAll()
        var out = [UInt8](repeating: 0, count: 32)
        tail.withUnsafeBytes { raw in
            out.withUnsafeMutableBytes { SHA256.finish(&state, tail: raw, totalLength: total, into: $0.baseAddress!) }
        }
        return out
    }

    /// One-shot digest.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBytes { raw in out.withUnsafeMutableBytes { digest(raw, into: $0.baseAddress!) } }
        return out
    }

    /// One-shot digest as 64 lowercase hex digits.
    public static func hex(_ bytes: [UInt8]) -> String {
        hexString(hash(bytes))
    }

    public static func hexString(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            bytes.withUnsafeBytes { writeHex($0, into: UnsafeMutableRawPointer(out.baseAddress!)) }
            return bytes.count * 2
        }
    }

    /// The digest of `bytes`, 32 bytes written at `out`. No allocation.
    static func digest(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) {
        var state = SHA256.initial
        let blocks = bytes.count / 64
        if blocks > 0 { compress(&state, bytes.baseAddress!, blocks: blocks) }
        finish(&state, tail: UnsafeRawBufferPointer(rebasing: bytes[(blocks * 64)...]), totalLength: UInt64(bytes.count), into: out)
    }

    /// Two lowercase hex digits per byte of `bytes`, written at `out`.
    static func writeHex(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) {
        let digits: StaticString = "0123456789abcdef"
        let d = digits.utf8Start
        var o = out.assumingMemoryBound(to: UInt8.self)
        for b in bytes {
            o[0] = d[Int(b >> 4)]
            o[1] = d[Int(b & 15)]
            o += 2
        }
    }

    /// Pads and hashes the last (fewer than 64) bytes; writes the digest.
    private static func finish(_ state: inout State, tail: UnsafeRawBufferPointer, totalLength: UInt64, into out: UnsafeMutableRawPointer) {
        withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { block in
            let p = block.baseAddress!
            p.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
            if tail.count > 0 { p.copyMemory(from: tail.baseAddress!, byteCount: tail.count) }
            p.storeBytes(of: 0x80, toByteOffset: tail.count, as: UInt8.self)
            let blocks = tail.count < 56 ? 1 : 2
            p.storeBytes(of: (totalLength &* 8).bigEndian, toByteOffset: blocks * 64 - 8, as: UInt64.self)
            compress(&state, UnsafeRawPointer(p), blocks: blocks)
        }
        out.storeBytes(of: state.0.bigEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: state.1.bigEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: state.2.bigEndian, toByteOffset: 8, as: UInt32.self)
        out.storeBytes(of: state.3.bigEndian, toByteOffset: 12, as: UInt32.self)
        out.storeBytes(of: state.4.bigEndian, toByteOffset: 16, as: UInt32.self)
        out.storeBytes(of: state.5.bigEndian, toByteOffset: 20, as: UInt32.self)
        out.storeBytes(of: state.6.bigEndian, toByteOffset: 24, as: UInt32.self)
        out.storeBytes(of: state.7.bigEndian, toByteOffset: 28, as: UInt32.self)
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
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }

    /// One round (§6.2.2 step 3) with the working variables renamed instead
    /// of shifted: `d` and `h` are the two that change.
    @inline(__always)
    private static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                              _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
        let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) | (c & (a | b)))
        d &+= t1
        h = t1 &+ t2
    }

    /// Whether this CPU compresses with the SHA extensions.
    static let hardware = sw_sha256_hardware() != 0

    /// `blocks` consecutive 64-byte blocks (§6.2.2).
    @inline(__always)
    static func compress(_ state: inout State, _ data: UnsafeRawPointer, blocks: Int) {
        if hardware {
            withUnsafeMutablePointer(to: &state) { raw in
                raw.withMemoryRebound(to: UInt32.self, capacity: 8) { h in
                    sw_sha256_blocks(h, data.assumingMemoryBound(to: UInt8.self), blocks)
                }
            }
        } else {
            compressPortable(&state, data, blocks: blocks)
        }
    }

    /// The same in Swift. The message schedule lives on the stack.
    static func compressPortable(_ state: inout State, _ data: UnsafeRawPointer, blocks: Int) {
        let k = SHA256.k
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            let w = schedule.baseAddress!
            var block = data
            for _ in 0..<blocks {
                for t in 0..<16 {
                    w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t &* 4, as: UInt32.self))
                }
                for t in 16..<64 {
                    let x = w[t &- 15], y = w[t &- 2]
                    let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
                    let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
                    w[t] = w[t &- 16] &+ s0 &+ w[t &- 7] &+ s1
                }
                var (a, b, c, d, e, f, g, h) = state
                var t = 0
                while t < 64 {
                    round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
                    round(h, a, b, &c, d, e, f, &g, k[t &+ 1] &+ w[t &+ 1])
                    round(g, h, a, &b, c, d, e, &f, k[t &+ 2] &+ w[t &+ 2])
                    round(f, g, h, &a, b, c, d, &e, k[t &+ 3] &+ w[t &+ 3])
                    round(e, f, g, &h, a, b, c, &d, k[t &+ 4] &+ w[t &+ 4])
                    round(d, e, f, &g, h, a, b, &c, k[t &+ 5] &+ w[t &+ 5])
                    round(c, d, e, &f, g, h, a, &b, k[t &+ 6] &+ w[t &+ 6])
                    round(b, c, d, &e, f, g, h, &a, k[t &+ 7] &+ w[t &+ 7])
                    t &+= 8
                }
                state.0 &+= a; state.1 &+= b; state.2 &+= c; state.3 &+= d
                state.4 &+= e; state.5 &+= f; state.6 &+= g; state.7 &+= h
                block += 64
            }
        }
    }
}
