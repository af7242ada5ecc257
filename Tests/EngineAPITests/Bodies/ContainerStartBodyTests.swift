@testable import EngineAPI
import Testing

@Suite("moby versions.compare")
struct APIVersionCompareTests {
    @Test("comparisons as moby's versions package makes them",
          arguments: [
            ("1.41", "1.24", 1), ("1.23", "1.24", -1), ("1.24", "1.24", 0), ("1.9", "1.24", -1),
            ("1.24.0", "1.24", 0), ("1.24.1", "1.24", 1), ("2", "1.99", 1), ("1", "1.0", 0),
            ("1.023", "1.23", 0), ("1.x", "1.0", 0), ("1.", "1.0", 0), ("1.-5", "1.0", -1),
            ("1.+30", "1.24", 1), ("1.99999999999999999999", "1.24", 1), ("", "0", 0),
          ])
    func compare(_ a: String, _ b: String, _ expected: Int) {
        #expect(APIVersionCompare.compare(a, b) == expected, "\(a) vs \(b)")
        #expect(APIVersionCompare.compare(b, a) == -expected, "\(b) vs \(a)")
    }

    // Go 1.19 (dockerd 20.10.24), `strconv.Atoi(s)` with its error ignored.
    @Test("a part is what strconv.Atoi returns, error ignored", arguments: [
        ("41", 41), ("", 0), ("+", 0), ("-", 0), ("x", 0), ("4x", 0), ("+41", 41), ("-41", -41),
        ("9223372036854775807", Int64.max), ("9223372036854775808", Int64.max), ("18446744073709551616", Int64.max),
        ("-9223372036854775808", Int64.min), ("-9223372036854775809", Int64.min),
        ("99999999999999999999x", Int64.max), ("-99999999999999999999x", Int64.min), ("9999999999999999999x", 0),
        ("1x99999999999999999999", 0), ("0099999999999999999999", Int64.max), ("00000000000000000000000012", 12),
        ("+99999999999999999999", Int64.max), ("٤", 0),
    ] as [(String, Int64)])
    func atoi(_ text: String, _ expected: Int64) {
        #expect(APIVersionCompare.atoi(text.utf8) == expected, "\(text)")
    }
}

@Suite("POST /containers/{id}/start with a body")
struct ContainerStartBodyTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let daemon: DaemonLine
        let version: String?
        let length: Int?
        let expected: ContainerStartBody.Disposition
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "20.10, v1.23, HostConfig body → applied to the container", daemon: .docker20_10,
            version: "1.23", length: 40, expected: .appliedAsHostConfig),
        Row(name: "20.10, v1.12 (oldest accepted) → applied", daemon: .docker20_10,
            version: "1.12", length: 40, expected: .appliedAsHostConfig),
        Row(name: "20.10, v1.23, chunked (length unknown) → applied", daemon: .docker20_10,
            version: "1.23", length: nil, expected: .appliedAsHostConfig),
        Row(name: "20.10, v1.24 → 400", daemon: .docker20_10, version: "1.24", length: 40, expected: .rejected),
        Row(name: "20.10, unversioned = 1.41 → 400", daemon: .docker20_10, version: nil, length: 40, expected: .rejected),
        Row(name: "20.10, v1.23, {} (2 bytes) → not read", daemon: .docker20_10,
            version: "1.23", length: 2, expected: .ignored),
        Row(name: "20.10, v1.23, 7 bytes → not read", daemon: .docker20_10,
            version: "1.23", length: 7, expected: .ignored),
        Row(name: "20.10, v1.23, 8 bytes → read", daemon: .docker20_10,
            version: "1.23", length: 8, expected: .appliedAsHostConfig),
        Row(name: "28.x, any version, 8 bytes → 400", daemon: .docker28, version: "1.24", length: 8, expected: .rejected),
        Row(name: "28.x, chunked → 400", daemon: .docker28, version: nil, length: nil, expected: .rejected),
        Row(name: "28.x, empty → start normally", daemon: .docker28, version: "1.51", length: 0, expected: .ignored),
        Row(name: "the docker CLI's empty start → start normally", daemon: .docker20_10,
            version: "1.41", length: 0, expected: .ignored),
    ]

    @Test("disposition", arguments: rows)
    func disposition(_ row: Row) {
        #expect(ContainerStartBody.disposition(daemon: row.daemon, apiVersion: row.version,
                                               contentLength: row.length) == row.expected)
    }
}
