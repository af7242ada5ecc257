@testable import EngineAPI
import Testing

/// Which `FROM`s take a stage already built as their base: its image is its
/// last step's, which the build cache can give from any image on the
/// daemon, with `ONBUILD` triggers nobody read (the proxy then forwards the
/// build with `nocache=1`).
@Suite("FROMs of a stage built before")
struct StageBaseTests {
    static let cases: [(name: String, dockerfile: String, args: [String: String?], lines: [Int])] = [
        ("FROM a stage", "FROM a AS s\nRUN x\nFROM s\n", [:], [3]),
        ("COPY --from a stage only", "FROM a AS s\nFROM b\nCOPY --from=s /x /x\n", [:], []),
        ("stage name in another case", "FROM a AS Build\nFROM BUILD\n", [:], [2]),
        ("stage named by a meta ARG", "ARG S=s\nFROM a AS s\nFROM ${S}\n", [:], [3]),
        ("stage named by a build arg", "ARG S\nFROM a AS s\nFROM $S\n", ["S": "s"], [3]),
        ("a stage defined later is an image", "FROM s\nFROM a AS s\n", [:], []),
        ("a stage named scratch", "FROM a AS scratch\nFROM scratch\n", [:], [2]),
        ("scratch itself", "FROM scratch AS s\nFROM scratch\n", [:], []),
        ("an index is an image name", "FROM a\nFROM 0\n", [:], []),
        ("two stage bases", "FROM a AS s\nFROM s AS t\nFROM t\n", [:], [2, 3]),
        ("images only", "FROM a\nFROM b\n", [:], []),
    ]

    @Test("stage bases, by line", arguments: cases.map(\.name))
    func stageBases(_ name: String) {
        let c = Self.cases.first { $0.name == name }!
        var lines: [Int] = []
        let parse = Dockerfile.references(Array(c.dockerfile.utf8), buildArgs: BuildArgs(c.args), baseImage: { _ in .absent }, stageBases: &lines)
        guard case .parsed = parse else { Issue.record("\(name): \(parse)"); return }
        #expect(lines == c.lines, "\(name)")
    }
}
