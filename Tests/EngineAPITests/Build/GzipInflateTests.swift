import Foundation  // tests only: base64 for the vectors
import Testing
@testable import EngineAPI

@Suite("gzip build contexts, inflated as Go's compress/gzip does")
struct GzipInflateTests {
    static func bytes(_ base64: String) -> [UInt8] { Array(Data(base64Encoded: base64)!) }

    /// Feeds `input` in pieces of `piece` bytes (0: whole).
    static func inflate(_ input: [UInt8], piece: Int = 0) -> (GzipInflate.Outcome, [UInt8]) {
        var out: [UInt8] = []
        var at = 0
        let outcome = GzipInflate.decompress(refill: {
            guard at < input.count else { return [] }
            let end = piece == 0 ? input.count : min(input.count, at + piece)
            defer { at = end }
            return Array(input[at..<end])
        }, emit: { out += $0; return true })
        return (outcome, out)
    }

    @Test("every way zlib compresses decodes, checked by each member's CRC-32 and length, however the input is cut",
          arguments: GzipVectors.good.map(\.name))
    func good(_ name: String) {
        let input = Self.bytes(GzipVectors.good.first { $0.name == name }!.gzip)
        let (whole, plain) = Self.inflate(input)
        #expect(whole == .end, "\(name): \(whole)")
        #expect(plain.count % 512 == 0 && plain.count >= 2048, "\(name): \(plain.count) bytes")
        for piece in [1, 7, 4096] {
            let (outcome, again) = Self.inflate(input, piece: piece)
            #expect(outcome == .end && again == plain, "\(name), pieces of \(piece)")
        }
        var given = false
        let outcome = BuildContextScanner.scanGzip(dockerfile: nil, maxBytes: 1 << 20) {
            defer { given = true }
            return given ? [] : input
        }
        #expect(outcome == .dockerfile(path: "Dockerfile", text: Array("FROM busybox\nADD http://127.0.0.1/x /x\n".utf8)), "\(name): \(outcome)")
    }

    @Test("what Go's reader refuses is refused", arguments: GzipVectors.bad.map(\.name))
    func bad(_ name: String) {
        let input = Self.bytes(GzipVectors.bad.first { $0.name == name }!.gzip)
        let (outcome, _) = Self.inflate(input)
        guard case .corrupt = outcome else { Issue.record("\(name): \(outcome)"); return }
    }

    @Test("a context inflating past the limit is refused; one that is not gzip is not taken for it")
    func limits() {
        let input = Self.bytes(GzipVectors.good[0].gzip)
        var given = false
        let outcome = BuildContextScanner.scanGzip(dockerfile: nil, maxBytes: 4096) {
            defer { given = true }
            return given ? [] : input
        }
        guard case .refused(let why) = outcome else { Issue.record("\(outcome)"); return }
        #expect(why.contains("inflates to more than 4096 bytes"), "\(why)")
        #expect(!BuildContextScanner.isGzip([0x1F, 0x8B, 0x07]) && BuildContextScanner.isGzip([0x1F, 0x8B, 0x08, 0]))
    }
}
