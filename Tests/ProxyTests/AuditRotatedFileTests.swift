import Testing
@testable import Proxy

/// Which file an empty audit log's chain continues from when `serve`
/// starts on it (the log was rotated while no writer ran).
struct AuditRotatedFileTests {
    typealias C = AuditRotatedFile.Candidate

    struct Case: CustomTestStringConvertible, Sendable {
        let behaviour: String
        let files: [(String, Int)]
        let expected: String?
        var testDescription: String { behaviour }
    }

    static let cases: [Case] = [
        Case(behaviour: "no rotated copy: a new chain", files: [("other.jsonl", 5), ("audit.jsonl", 9)], expected: nil),
        Case(behaviour: "logrotate's numbered copy", files: [("audit.jsonl.1", 5)], expected: "audit.jsonl.1"),
        Case(behaviour: "logrotate's dateext copy", files: [("audit.jsonl-20261201", 5)], expected: "audit.jsonl-20261201"),
        Case(behaviour: "the copy written last, not the last by name",
             files: [("audit.jsonl.1", 9), ("audit.jsonl.2", 5), ("audit.jsonl-20261130", 3)], expected: "audit.jsonl.1"),
        Case(behaviour: "a newer compressed copy is the predecessor (and ends no chain it can read)",
             files: [("audit.jsonl.2", 5), ("audit.jsonl.1.gz", 9)], expected: "audit.jsonl.1.gz"),
        Case(behaviour: "a name that only begins like the log's is not its copy",
             files: [("audit.jsonlx", 9), ("audit.json.1", 9), ("audit.jsonl.", 9), ("audit.jsonl-", 9)], expected: nil),
        Case(behaviour: "the log itself is not its copy", files: [("audit.jsonl", 9)], expected: nil),
        Case(behaviour: "another log named after it is not its copy (no number or date)",
             files: [("audit.jsonl-ci", 9), ("audit.jsonl.bak", 9), ("audit.jsonl.1", 5)], expected: "audit.jsonl.1"),
        Case(behaviour: "same time: the name breaks the tie", files: [("audit.jsonl.1", 5), ("audit.jsonl.2", 5)], expected: "audit.jsonl.2"),
    ]

    @Test(arguments: cases)
    func predecessor(_ c: Case) {
        let files = c.files.map { C(name: $0.0, modified: (seconds: $0.1, nanoseconds: 0)) }
        #expect(AuditRotatedFile.newest(of: "audit.jsonl", among: files) == c.expected)
    }
}
