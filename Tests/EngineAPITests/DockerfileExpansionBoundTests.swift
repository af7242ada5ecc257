import EngineAPI
import Testing

/// Meta ARG and FROM words expand to at most 1 MiB of variable values each
/// and 16 MiB for the whole Dockerfile: past that the Dockerfile is refused
/// (undecidable, at the line) instead of expanded, so a few hundred bytes of
/// `ARG A=$A$A` lines cannot take a judging thread exponential time and memory.
@Suite("Dockerfile variable expansion is bounded")
struct DockerfileExpansionBoundTests {
    static func doubling(_ lines: Int, from seed: String = "x") -> String {
        "ARG A=\(seed)\n" + String(repeating: "ARG A=$A$A\n", count: lines) + "FROM busybox:$A\n"
    }

    struct Row: CustomStringConvertible, Sendable {
        let name: String
        let text: String
        let buildArgs: [String: String?]
        /// nil: parsed; else the line refused.
        let refusedAt: Int?
        var description: String { name }
    }

    static let rows: [Row] = [
        Row(name: "a value doubled to 512 KiB is expanded", text: doubling(19), buildArgs: [:], refusedAt: nil),
        Row(name: "a value doubled past 1 MiB is refused at the ARG that passes it", text: doubling(21), buildArgs: [:], refusedAt: 22),
        Row(name: "forty doublings are refused, not built", text: doubling(40), buildArgs: [:], refusedAt: 22),
        Row(name: "a 200 KiB build arg used twice in a FROM is expanded",
            text: "ARG BIG\nFROM busybox:${BIG}${BIG}\n", buildArgs: ["BIG": String(repeating: "a", count: 200 << 10)], refusedAt: nil),
        Row(name: "many words of 1 MiB each are refused past 16 MiB in all",
            text: "ARG A=\(String(repeating: "a", count: 60_000))\n" + String(repeating: "ARG B=$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A\n", count: 20) + "FROM busybox\n",
            buildArgs: [:], refusedAt: 19),
    ]

    @Test(arguments: rows) func bound(_ row: Row) {
        let result = Dockerfile.references(Array(row.text.utf8), buildArgs: BuildArgs(row.buildArgs))
        switch (result, row.refusedAt) {
        case (.parsed, nil):
            break
        case (.undecidable(let reason, let line), let expected?):
            #expect(line == expected, "\(reason)")
            #expect(reason.contains("more than sockwarden expands"), "\(reason)")
            #expect(!reason.contains("the daemon refuses it too"))
        default:
            Issue.record("\(String(describing: result).prefix(300))")
        }
    }
}
