import Testing
@testable import Proxy

/// SHA-256 against the FIPS 180-4 example vectors (and NIST's one-million-'a'
/// vector), then padding boundaries and streaming.
@Suite struct SHA256Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let id: String
        let message: [UInt8]
        let digest: String
        var testDescription: String { id }
    }

    static let fips: [Vector] = [
        Vector(id: "empty", message: [], digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        Vector(id: "abc (one block)", message: Array("abc".utf8),
               digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        Vector(id: "448 bits (two blocks)", message: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
               digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        Vector(id: "896 bits", message: Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8),
               digest: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        Vector(id: "one million a", message: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
               digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    @Test(arguments: fips)
    func fipsVectors(_ v: Vector) {
        #expect(SHA256.hex(v.message) == v.digest)
    }

    /// Lengths around the 55/56/64-byte padding edges; digests from Python's hashlib.
    static let boundaries = """
    1 084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5
    55 e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b
    56 4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27
    57 35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73
    63 81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055
    64 39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241
    65 aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e
    119 9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e
    120 7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5
    127 a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07
    128 d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6
    1000 1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371
    """.split(separator: "\n").map { line -> (Int, String) in
        let parts = line.split(separator: " ")
        return (Int(parts[0])!, String(parts[1]))
    }

    static func message(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(($0 * 7 + 3) % 256) } }

    @Test func paddingBoundaries() {
        for (n, digest) in SHA256Tests.boundaries {
            #expect(SHA256.hex(SHA256Tests.message(n)) == digest, "length \(n)")
        }
    }

    @Test func streamingInAnySplitsEqualsOneShot() {
        for (n, digest) in SHA256Tests.boundaries {
            let m = SHA256Tests.message(n)
            for step in [1, 3, 63, 64, 65] {
                var h = SHA256()
                var i = 0
                while i < m.count {
                    h.update(Array(m[i..<min(m.count, i + step)]))
                    i += step
                }
                #expect(SHA256.hexString(h.finalize()) == digest, "length \(n) in pieces of \(step)")
            }
            var bytewise = SHA256()
            bytewise.update(m.lazy.map { $0 })   // the generic Sequence path
            #expect(SHA256.hexString(bytewise.finalize()) == digest, "length \(n) as a sequence")
        }
    }
}
