import Foundation
import Testing
@testable import Proxy
import Tenancy

@Suite("Image seals of job sockets")
struct ImageSealTests {
    @Test("HMAC-SHA256 matches RFC 4231", arguments: [
        // Test case 2: a short key.
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        // Test case 6: a key longer than a block is hashed first.
        ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ])
    func hmac(_ c: ([UInt8], [UInt8], String)) {
        #expect(SHA256.hexString(ImageSealKey.hmac(key: c.0, message: c.1)) == c.2)
    }

    @Test("the key is created once and kept: a job's seal is the same after a restart, and differs between jobs")
    func keyKept() throws {
        let dir = NSTemporaryDirectory() + "sealtest-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try ImageSealKey.load(directory: dir)
        let again = try ImageSealKey.load(directory: dir)
        let a = try #require(first.owner("job-a")), b = try #require(first.owner("job-b"))
        #expect(a.seal.utf8.count == 32)
        #expect(a.seal == again.owner("job-a")?.seal)
        #expect(a.seal != b.seal)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/" + ImageSealKey.fileName)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Another installation (another key) seals the same id differently.
        let elsewhere = dir + "/other"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        #expect(try ImageSealKey.load(directory: elsewhere).owner("job-a")?.seal != a.seal)
    }
}
