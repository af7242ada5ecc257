@testable import EngineAPI
import Testing

/// One build context and what the scanner must make of it.
struct ContextCase: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable { case dockerfile(String, String), refused(String) }
    let name: String
    let parameter: String?
    let body: [UInt8]
    let expected: Expected
    var max = 1 << 20

    init(_ name: String, _ parameter: String? = nil, _ body: [UInt8], _ expected: Expected, max: Int = 1 << 20) {
        self.name = name
        self.parameter = parameter
        self.body = body
        self.expected = expected
        self.max = max
    }

    var testDescription: String { name }
}

private let df = "FROM swtest/busybox\n"
private func label(_ n: Int) -> String { "FROM swtest/busybox\nLABEL which=\(n)\n" }

/// Feeds `body` in pieces ending at `ends`.
func scan(_ body: [UInt8], parameter: String?, max: Int, ends: [Int]) -> (BuildContextOutcome, Bool) {
    var scanner = BuildContextScanner(dockerfile: parameter, maxDockerfileBytes: max)
    var start = 0
    body.withUnsafeBytes { raw in
        for end in ends where end > start {
            scanner.feed(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
            start = end
        }
    }
    return (scanner.outcome(), scanner.ended)
}

/// A deterministic generator for the random splits.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Build context scanner (dockerd 20.10 reading a POST /build tar)")
struct BuildContextScannerTests {
    static let reading: [ContextCase] = [
        .init("a plain Dockerfile is found", nil, Tar.archive(Tar.file("Dockerfile", df)), .dockerfile("Dockerfile", df)),
        .init("other entries are skipped", nil,
              Tar.archive(Tar.dir("src/"), Tar.file("src/main.c", String(repeating: "x", count: 1500)), Tar.file("Dockerfile", df),
                          Tar.file("README", "hi")),
              .dockerfile("Dockerfile", df)),
        .init("./Dockerfile is Dockerfile", nil, Tar.archive(Tar.dir("./"), Tar.file("./Dockerfile", df)), .dockerfile("Dockerfile", df)),
        .init("an absolute entry name is inside the context", nil, Tar.archive(Tar.file("/Dockerfile", df)), .dockerfile("Dockerfile", df)),
        .init("an unclean entry name is cleaned", nil, Tar.archive(Tar.file("a/..//./Dockerfile", df)), .dockerfile("Dockerfile", df)),
        .init("the last of duplicate entries wins", nil,
              Tar.archive(Tar.file("Dockerfile", label(1)), Tar.file("./Dockerfile", label(2)), Tar.file("x", "y")),
              .dockerfile("Dockerfile", label(2))),
        .init("lower-case dockerfile is the default's fallback", nil, Tar.archive(Tar.file("dockerfile", label(3))),
              .dockerfile("dockerfile", label(3))),
        .init("Dockerfile wins over dockerfile", nil,
              Tar.archive(Tar.file("dockerfile", label(3)), Tar.file("Dockerfile", label(1))), .dockerfile("Dockerfile", label(1))),
        .init("an explicit Dockerfile parameter is the default (fallback too)", "Dockerfile", Tar.archive(Tar.file("dockerfile", label(3))),
              .dockerfile("dockerfile", label(3))),
        .init("an empty parameter is the default", "", Tar.archive(Tar.file("dockerfile", label(3))), .dockerfile("dockerfile", label(3))),
        .init("./Dockerfile as parameter has no fallback", "./Dockerfile", Tar.archive(Tar.file("dockerfile", label(3))),
              .refused("Cannot locate specified Dockerfile: ./Dockerfile")),
        .init("a named Dockerfile in a directory", "build/app.df",
              Tar.archive(Tar.file("Dockerfile", label(1)), Tar.dir("build"), Tar.file("build/app.df", label(2))),
              .dockerfile("build/app.df", label(2))),
        .init("an absolute parameter is inside the context", "/build/app.df", Tar.archive(Tar.file("build/app.df", label(2))),
              .dockerfile("build/app.df", label(2))),
        .init("an unclean parameter is cleaned", "build/../build//app.df", Tar.archive(Tar.file("build/app.df", label(2))),
              .dockerfile("build/app.df", label(2))),
        .init("a parameter leaving the context is refused as dockerd does", "../Dockerfile", Tar.archive(Tar.file("Dockerfile", df)),
              .refused("forbidden path outside the build context: ../Dockerfile")),
        .init("a parameter naming the context itself is refused", ".", Tar.archive(Tar.file("Dockerfile", df)),
              .refused("names the build context itself")),
        .init("no Dockerfile: dockerd's words", nil, Tar.archive(Tar.file("README", "x")),
              .refused("Cannot locate specified Dockerfile: Dockerfile")),
        .init("no Dockerfile at the named path", "sub/Dockerfile", Tar.archive(Tar.file("Dockerfile", df)),
              .refused("Cannot locate specified Dockerfile: sub/Dockerfile")),
        .init("an empty body is an empty archive", nil, [], .refused("Cannot locate specified Dockerfile: Dockerfile")),
        .init("an empty Dockerfile is refused as dockerd does", nil, Tar.archive(Tar.file("Dockerfile", "")),
              .refused("the Dockerfile (Dockerfile) cannot be empty")),
        .init("a type '\\0' regular file is a file", nil, Tar.archive(Tar.file("Dockerfile", df, "\0")), .dockerfile("Dockerfile", df)),
        .init("a V7 header (no magic) is read", nil, Tar.archive(Tar.file("Dockerfile", df, magic: .v7)), .dockerfile("Dockerfile", df)),
        .init("a GNU header is read", nil, Tar.archive(Tar.file("Dockerfile", df, magic: .gnu)), .dockerfile("Dockerfile", df)),
        .init("a signed header checksum is accepted", nil,
              Tar.archive(Tar.header("Dockerfile", size: df.utf8.count, signedChecksum: true) + Tar.padded(Array(df.utf8))),
              .dockerfile("Dockerfile", df)),
        .init("a base-256 size is read", nil,
              Tar.archive(Tar.header("Dockerfile", size: df.utf8.count, base256Size: true) + Tar.padded(Array(df.utf8))),
              .dockerfile("Dockerfile", df)),
        .init("the ustar prefix field is part of the name", "deep/Dockerfile",
              Tar.archive(Tar.header("Dockerfile", size: df.utf8.count, prefix: "deep") + Tar.padded(Array(df.utf8))),
              .dockerfile("deep/Dockerfile", df)),
        .init("a GNU header whose atime does not parse takes the field as a prefix (pre-Go1.8 files)", "old/Dockerfile",
              Tar.archive(Tar.header("Dockerfile", size: df.utf8.count, magic: .gnu, gnuAtime: "old") + Tar.padded(Array(df.utf8))),
              .dockerfile("old/Dockerfile", df)),
        .init("a GNU long name names the next entry", nil,
              Tar.archive(Tar.gnuLong("Dockerfile"), Tar.file("something-else", label(4))), .dockerfile("Dockerfile", label(4))),
        .init("a long name in a long directory", "\(String(repeating: "d", count: 120))/Dockerfile",
              Tar.archive(Tar.gnuLong("\(String(repeating: "d", count: 120))/Dockerfile"), Tar.file("trunc", label(4))),
              .dockerfile("\(String(repeating: "d", count: 120))/Dockerfile", label(4))),
        .init("a PAX path names the next entry", nil,
              Tar.archive(Tar.pax([("path", "Dockerfile")]), Tar.file("not-it", label(5))), .dockerfile("Dockerfile", label(5))),
        .init("a PAX path renames away from Dockerfile", nil,
              Tar.archive(Tar.file("Dockerfile", label(1)), Tar.pax([("path", "elsewhere")]), Tar.file("Dockerfile", label(5))),
              .dockerfile("Dockerfile", label(1))),
        .init("an empty PAX path keeps the header's name", nil,
              Tar.archive(Tar.pax([("path", "")]), Tar.file("Dockerfile", label(5))), .dockerfile("Dockerfile", label(5))),
        .init("a GNU long name beats a PAX path", nil,
              Tar.archive(Tar.pax([("path", "Dockerfile")]), Tar.gnuLong("other"), Tar.file("x", label(6))),
              .refused("Cannot locate specified Dockerfile: Dockerfile")),
        .init("only the last of two PAX headers applies", nil,
              Tar.archive(Tar.pax([("path", "Dockerfile")]), Tar.pax([("mtime", "1")]), Tar.file("x", label(6)), Tar.file("Dockerfile", df)),
              .dockerfile("Dockerfile", df)),
        .init("a PAX header applies to one entry only", nil,
              Tar.archive(Tar.pax([("path", "x")]), Tar.file("Dockerfile", label(1)), Tar.file("Dockerfile", label(2))),
              .dockerfile("Dockerfile", label(2))),
        .init("a PAX size overrides the header's", nil,
              Tar.archive(Tar.pax([("size", "\(df.utf8.count)")]), Tar.header("Dockerfile", size: 0) + Tar.padded(Array(df.utf8))),
              .dockerfile("Dockerfile", df)),
        .init("a global PAX header is ignored, and drops pending PAX records", nil,
              Tar.archive(Tar.pax([("path", "Dockerfile")]), Tar.pax([("path", "x")], "g", name: "global"), Tar.file("y", label(1)),
                          Tar.file("Dockerfile", label(2))),
              .dockerfile("Dockerfile", label(2))),
        .init("a directory entry's size is ignored (no data follows)", nil,
              Tar.archive(Tar.header("d", "5", size: 512), Tar.file("Dockerfile", df)), .dockerfile("Dockerfile", df)),
        .init("a hard link to a regular file, or to a name once a symlink and now a file, is an ordinary entry", nil,
              Tar.archive(Tar.file("a", "x"), Tar.hardlink("b", to: "a"), Tar.symlink("s", to: "."), Tar.file("s", "y"),
                          Tar.hardlink("h", to: "s"), Tar.file("h2/x", "z"), Tar.file("Dockerfile", df)),
              .dockerfile("Dockerfile", df)),
        .init("the root directory entry is fine", nil, Tar.archive(Tar.dir("."), Tar.dir("/"), Tar.file("Dockerfile", df)),
              .dockerfile("Dockerfile", df)),
        .init("a Dockerfile of exactly the limit is read", nil, Tar.archive(Tar.file("Dockerfile", df)),
              .dockerfile("Dockerfile", df), max: df.utf8.count),
        .init("a too large Dockerfile is refused", nil, Tar.archive(Tar.file("Dockerfile", df)),
              .refused("larger than \(df.utf8.count - 1) bytes"), max: df.utf8.count - 1),
        .init("a too large Dockerfile replaced by a small one is read", nil,
              Tar.archive(Tar.file("Dockerfile", df + "# padding\n"), Tar.file("Dockerfile", df)),
              .dockerfile("Dockerfile", df), max: df.utf8.count),
        .init("a too large dockerfile is irrelevant when Dockerfile exists", nil,
              Tar.archive(Tar.file("dockerfile", df + "# padding\n"), Tar.file("Dockerfile", df)),
              .dockerfile("Dockerfile", df), max: df.utf8.count),
    ]

    static let refusing: [ContextCase] = [
        .init("a gzip context is refused", nil, [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 3] + Tar.archive(Tar.file("Dockerfile", df)),
              .refused("compressed (gzip); send it uncompressed (drop --compress)")),
        .init("a bzip2 context is refused", nil, Array("BZh91AY&SY".utf8) + [UInt8](repeating: 1, count: 600), .refused("compressed (bzip2)")),
        .init("an xz context is refused", nil, [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0, 4], .refused("compressed (xz)")),
        .init("garbage is not a tar archive", nil, [UInt8](repeating: 0x41, count: 1024), .refused("not a tar archive")),
        .init("a short body is not a tar archive", nil, Array("hello".utf8), .refused("not a tar archive")),
        .init("a bad checksum is refused", nil,
              Tar.archive(Tar.file("a", "b"), Tar.header("Dockerfile", size: 0, breakChecksum: true)), .refused("invalid tar header")),
        .init("a numeric field that does not parse is refused (Go: ErrHeader)", nil,
              Tar.archive(Tar.file("a", "b"), Tar.header("Dockerfile", mode: "0009644")), .refused("invalid tar header")),
        .init("a Dockerfile directory is refused", nil, Tar.archive(Tar.dir("Dockerfile/")), .refused("is a directory")),
        .init("a type '\\0' entry with a trailing slash is a directory", nil, Tar.archive(Tar.header("Dockerfile/", "\0", size: 0)),
              .refused("is a directory")),
        .init("a directory Dockerfile does not fall back to dockerfile", nil,
              Tar.archive(Tar.dir("Dockerfile"), Tar.file("dockerfile", df)), .refused("is a directory")),
        .init("entries below the Dockerfile make it a directory", nil,
              Tar.archive(Tar.file("Dockerfile", df), Tar.file("Dockerfile/x", "y")), .refused("is a directory")),
        .init("a symlinked Dockerfile is refused", nil, Tar.archive(Tar.file("real", df), Tar.symlink("Dockerfile", to: "real")),
              .refused("is a link")),
        .init("a symlinked Dockerfile is refused even when replaced later", nil,
              Tar.archive(Tar.symlink("Dockerfile", to: "real"), Tar.file("Dockerfile", df)), .refused("is a link")),
        .init("a hard-linked Dockerfile is refused", nil, Tar.archive(Tar.file("real", df), Tar.hardlink("Dockerfile", to: "real")),
              .refused("is a link")),
        .init("a symlinked lower-case fallback is refused", nil, Tar.archive(Tar.file("real", df), Tar.symlink("dockerfile", to: "real")),
              .refused("is a link")),
        .init("a symlinked parent directory is refused", "sub/Dockerfile",
              Tar.archive(Tar.dir("real"), Tar.file("real/Dockerfile", df), Tar.symlink("sub", to: "real"), Tar.file("sub2", "x")),
              .refused("reached through a link")),
        .init("an entry written through a symlink is refused", nil,
              Tar.archive(Tar.symlink("ln", to: "."), Tar.file("ln/Dockerfile", label(7)), Tar.file("Dockerfile", df)),
              .refused("inside a symbolic link")),
        .init("a hard link to a symlink is a second symlink: what is written through it is refused", nil,
              Tar.archive(Tar.symlink("s", to: "."), Tar.hardlink("h", to: "s"), Tar.file("Dockerfile", df), Tar.file("h/Dockerfile", label(7))),
              .refused("hard link (h) to s, which is or goes through a symbolic link (s)")),
        .init("a hard link to a symlink is refused even when the Dockerfile comes first", nil,
              Tar.archive(Tar.file("Dockerfile", df), Tar.symlink("s", to: "."), Tar.hardlink("h", to: "./s/")),
              .refused("hard link (h) to s")),
        .init("a hard link through a symlinked directory is refused", nil,
              Tar.archive(Tar.dir("d"), Tar.symlink("d/up", to: ".."), Tar.file("Dockerfile", df), Tar.hardlink("h", to: "d/up/Dockerfile")),
              .refused("goes through a symbolic link (d/up)")),
        .init("a hard link whose target leaves the context is joined to its root, as in Untar's chroot", nil,
              Tar.archive(Tar.symlink("s", to: "."), Tar.hardlink("h", to: "../s"), Tar.file("Dockerfile", df)),
              .refused("hard link (h) to s")),
        .init("a file at a parent directory is refused", "sub/Dockerfile",
              Tar.archive(Tar.file("sub/Dockerfile", df), Tar.file("sub", "x")), .refused("goes through sub")),
        .init("a FIFO Dockerfile is refused", nil, Tar.archive(Tar.header("Dockerfile", "6")), .refused("is a FIFO")),
        .init("a device Dockerfile is refused", nil, Tar.archive(Tar.header("Dockerfile", "3")), .refused("is a character device")),
        .init("a contiguous file (type 7) is refused: Untar cannot extract it", nil,
              Tar.archive(Tar.file("Dockerfile", df, "7")), .refused("tar type '7'")),
        .init("an unknown entry type anywhere is refused: Untar fails", nil,
              Tar.archive(Tar.file("Dockerfile", df), Tar.file("v", "x", "V")), .refused("tar type 'V'")),
        .init("an old GNU sparse file is refused", nil, Tar.archive(Tar.file("Dockerfile", df, "S")), .refused("sparse")),
        .init("a PAX sparse file is refused", nil,
              Tar.archive(Tar.pax([("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"), ("GNU.sparse.name", "Dockerfile")]),
                          Tar.file("x", df)),
              .refused("sparse")),
        .init("an entry leaving the context is refused", nil, Tar.archive(Tar.file("../Dockerfile", df)), .refused("leaves the context")),
        .init("an entry named .. is refused", nil, Tar.archive(Tar.file("Dockerfile", df), Tar.dir("..")), .refused("leaves the context")),
        .init("a PAX path leaving the context is refused", nil,
              Tar.archive(Tar.file("Dockerfile", df), Tar.pax([("path", "a/../../x")]), Tar.file("x", "y")), .refused("leaves the context")),
        .init("a file at the context's root is refused", nil, Tar.archive(Tar.file("Dockerfile", df), Tar.file(".", "x")),
              .refused("names the context's root")),
        .init("a malformed PAX record is refused", nil,
              Tar.archive(Tar.header("p", "x", size: 12) + Tar.padded(Array("11 path=ab\n\n".utf8)), Tar.file("Dockerfile", df)),
              .refused("malformed PAX")),
        .init("a PAX record length before its space is refused (golang/go#40196)", nil,
              Tar.archive(Tar.header("p", "x", size: 10) + Tar.padded(Array("0000000006".utf8)), Tar.file("Dockerfile", df)),
              .refused("malformed PAX")),
        .init("an invalid PAX mtime is refused", nil,
              Tar.archive(Tar.pax([("mtime", "1.5x")]), Tar.file("Dockerfile", df)), .refused("invalid value")),
        .init("an invalid PAX size is refused", nil,
              Tar.archive(Tar.pax([("size", "12a")]), Tar.file("Dockerfile", df)), .refused("invalid value")),
        .init("a negative PAX size is refused", nil,
              Tar.archive(Tar.pax([("size", "-1")]), Tar.file("Dockerfile", df)), .refused("negative size")),
        .init("an oversized extended header is refused", nil,
              Tar.archive(Tar.pax([("comment", String(repeating: "c", count: 70_000))]), Tar.file("Dockerfile", df)),
              .refused("extended tar header")),
        .init("a first entry name containing BZh is refused (dockerd's second DecompressStream)", nil,
              Tar.archive(Tar.file("docs/BZh91AY&SY", "x"), Tar.file("Dockerfile", df)), .refused("first entry")),
        .init("a first entry name from PAX that is not ASCII is refused", nil,
              Tar.archive(Tar.pax([("path", "\u{8B}x")]), Tar.file("a", "x"), Tar.file("Dockerfile", df)), .refused("first entry")),
        .init("a non-ASCII name later on is fine", nil,
              Tar.archive(Tar.file("a", "x"), Tar.pax([("path", "é")]), Tar.file("b", "x"), Tar.file("Dockerfile", df)),
              .dockerfile("Dockerfile", df)),
        .init("truncated inside the Dockerfile's data is refused", nil,
              Array(Tar.header("Dockerfile", size: df.utf8.count) + Array(df.utf8).dropLast()), .refused("truncated")),
        .init("truncated inside a header is refused", nil,
              Array((Tar.file("Dockerfile", df) + Tar.header("x")).dropLast(10)), .refused("truncated")),
        .init("ending at a header boundary without the end marker ends the archive (as Go)", nil,
              Tar.file("Dockerfile", df), .dockerfile("Dockerfile", df)),
        .init("ending inside the padding ends the archive (as Go: tryReadFull)", nil,
              Tar.header("Dockerfile", size: df.utf8.count) + Array(df.utf8) + [0, 0], .dockerfile("Dockerfile", df)),
        .init("ending after one zero block ends the archive (as Go)", nil,
              Tar.file("Dockerfile", df) + [UInt8](repeating: 0, count: 512), .dockerfile("Dockerfile", df)),
        .init("ending inside the second zero block is refused", nil,
              Tar.file("Dockerfile", df) + [UInt8](repeating: 0, count: 700), .refused("truncated")),
        .init("a zero block followed by a header is refused (Go: ErrHeader)", nil,
              Tar.file("a", "b") + [UInt8](repeating: 0, count: 512) + Tar.file("Dockerfile", df), .refused("zero block")),
        .init("bytes after the end marker are never read", nil,
              Tar.archive(Tar.file("Dockerfile", df)) + Tar.file("Dockerfile", label(9)) + Array("garbage".utf8),
              .dockerfile("Dockerfile", df)),
    ]

    static func check(_ row: ContextCase) {
        let whole = scan(row.body, parameter: row.parameter, max: row.max, ends: [row.body.count])
        switch (row.expected, whole.0) {
        case let (.dockerfile(path, text), .dockerfile(gotPath, gotText)):
            #expect(gotPath == path)
            #expect(String(decoding: gotText, as: UTF8.self) == text)
        case let (.refused(part), .refused(reason)):
            #expect(reason.contains(part), "\(reason)")
        default:
            Issue.record("expected \(row.expected), got \(whole.0)")
        }
        // The same whatever the pieces: byte by byte, and random splits.
        if !row.body.isEmpty {
            let dribbled = scan(row.body, parameter: row.parameter, max: row.max, ends: Array(1...row.body.count))
            #expect(dribbled.0 == whole.0 && dribbled.1 == whole.1, "byte by byte")
        }
        var random = SplitMix(state: UInt64(row.body.count))
        for _ in 0..<8 where row.body.count > 1 {
            let cuts = Set((0..<Int.random(in: 1...12, using: &random)).map { _ in Int.random(in: 1..<row.body.count, using: &random) })
            let split = scan(row.body, parameter: row.parameter, max: row.max, ends: cuts.sorted() + [row.body.count])
            #expect(split.0 == whole.0 && split.1 == whole.1, "split at \(cuts.sorted())")
        }
    }

    @Test("contexts dockerd reads: the scanner finds the same Dockerfile", arguments: reading)
    func reads(_ row: ContextCase) { Self.check(row) }

    @Test("contexts the scanner refuses", arguments: refusing)
    func refuses(_ row: ContextCase) { Self.check(row) }

    @Test("ended: true once two zero blocks are read, not before")
    func endedFlag() {
        let body = Tar.archive(Tar.file("Dockerfile", df))
        var scanner = BuildContextScanner(dockerfile: nil)
        body.dropLast(1).withUnsafeBytes { scanner.feed($0) }
        #expect(!scanner.ended)
        [UInt8(0)].withUnsafeBytes { scanner.feed($0) }
        #expect(scanner.ended)
        Array("more".utf8).withUnsafeBytes { scanner.feed($0) }
        #expect(scanner.outcome() == .dockerfile(path: "Dockerfile", text: Array(df.utf8)))
    }

    @Test("Go's parsers", arguments: [
        ("12", Int64(12)), ("+7", 7), ("-3", -3), ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
    ])
    func goParseInt(_ s: String, _ v: Int64) { #expect(GoTar.parseInt(Array(s.utf8)[...]) == v) }

    @Test("Go's ParseInt refusals", arguments: ["", "+", "1_0", "9223372036854775808", " 1", "0x10"])
    func goParseIntRefusals(_ s: String) { #expect(GoTar.parseInt(Array(s.utf8)[...]) == nil) }
}
