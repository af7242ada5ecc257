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

    /// One gzip member: the header's `flags` and optional `fields` (FEXTRA,
    /// FNAME, FCOMMENT as written), then `data` in one stored block.
    static func member(_ data: [UInt8], flags: UInt8 = 0, fields: [UInt8] = []) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        var crc: UInt32 = 0xFFFF_FFFF
        for b in data { crc = GzipInflate.crcTable[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        let n = UInt16(data.count)
        let stored: [UInt8] = [1, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)]
        return [0x1F, 0x8B, 8, flags, 0, 0, 0, 0, 0, 3] + fields + stored + data + le32(~crc) + le32(UInt32(data.count))
    }

    static let text = "FROM busybox\nADD http://127.0.0.1/x /x\n"
    /// A zero-terminated header string of `count` bytes before its zero.
    static func name(_ count: Int) -> [UInt8] { [UInt8](repeating: UInt8(ascii: "n"), count: count) + [0] }

    /// dockerd 20.10.24 (Go 1.19 `readHeader`): reserved flag bits are
    /// ignored; FNAME and FCOMMENT are read into a 512-byte buffer, so one
    /// with no zero byte among its first 512 is "gzip: invalid header".
    static let headers: [(name: String, flags: UInt8, fields: [UInt8], goReads: Bool)] = [
        ("no flags", 0, [], true),
        ("reserved flag 0x20", 0x20, [], true),
        ("reserved flags 0xE0", 0xE0, [], true),
        ("reserved flag with FEXTRA", 0x24, [3, 0, 1, 2, 3], true),
        ("FNAME of 511 bytes and its zero", 0x08, name(511), true),
        ("FNAME of 512 bytes and its zero", 0x08, name(512), false),
        ("FCOMMENT of 600 bytes", 0x10, name(600), false),
        ("FNAME of 300 and FCOMMENT of 511", 0x18, name(300) + name(511), true),
        ("FNAME of 10 and FCOMMENT of 512", 0x18, name(10) + name(512), false),
    ]

    @Test("a gzip header is read as Go's readHeader reads it", arguments: headers.map(\.name))
    func header(_ name: String) {
        let row = Self.headers.first { $0.name == name }!
        let tar = Tar.archive(Tar.file("Dockerfile", Self.text))
        for input in [Self.member(tar, flags: row.flags, fields: row.fields),
                      Self.member(Array(tar[..<512]), flags: row.flags, fields: row.fields) + Self.member(Array(tar[512...]), flags: row.flags, fields: row.fields)] {
            let (outcome, plain) = Self.inflate(input)
            if row.goReads {
                #expect(outcome == .end && plain == tar, "\(name): \(outcome)")
            } else {
                guard case .corrupt = outcome else { Issue.record("\(name): \(outcome)"); continue }
            }
            var given = false
            let scanned = BuildContextScanner.scanGzip(dockerfile: nil, maxBytes: 1 << 20) {
                defer { given = true }
                return given ? [] : input
            }
            if row.goReads {
                #expect(scanned == .dockerfile(path: "Dockerfile", text: Array(Self.text.utf8)), "\(name): \(scanned)")
            } else {
                guard case .refused(let why) = scanned, why.contains("gzip") else { Issue.record("\(name): \(scanned)"); continue }
            }
        }
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
