import Foundation  // tests only: to read the shipped policy files
import Testing
@testable import Policy

/// Deterministic xorshift generator, so failures reproduce.
struct XorShift: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

@Suite("Robustness")
struct RobustnessTests {
    @Test("mutated policy files never crash the parser: they load or fail with a position inside the file")
    func mutations() throws {
        let path = repositoryRoot() + "/policies/read-only.toml"
        let original = try #require(FileManager.default.contents(atPath: path).map { [UInt8]($0) })
        let interesting = Array("[]{}\"'\\=,.#*\n\r\t 0-_+:ea\u{e9}".utf8) + [0x00, 0x80, 0xFF]
        var rng = XorShift(state: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<1000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(interesting.randomElement(using: &rng)!, at: at)
                default: bytes[at] = interesting.randomElement(using: &rng)!
                }
            }
            do {
                _ = try Policy.parse(bytes: bytes, fileName: "fuzz.toml")
            } catch {
                let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
                #expect(error.line >= 1 && error.line <= lines && error.column >= 1, "\(error)")
            }
        }
    }
}
