import Testing
@testable import Tenancy

@Suite("Late reaps of closed jobs (--reap-after-close)")
struct LateReapsTests {
    @Test("the schedule is none or ascending whole seconds, 1 to 86400", arguments: [
        ("10,30,60,120", [10, 30, 60, 120]), ("1", [1]), ("none", []), ("1,2,86400", [1, 2, 86400]),
        ("", nil), ("0", nil), ("10,10", nil), ("30,10", nil), ("10,", nil), (",10", nil), ("+5", nil), ("-5", nil),
        ("86401", nil), ("1.5", nil), (" 5", nil), ("５", nil), ("None", nil), ("99999999999999999999", nil),
    ] as [(String, [Int]?)])
    func parse(_ c: (String, [Int]?)) {
        #expect(LateReaps.parse(c.0) == c.1, "\(c.0)")
    }

    /// (seconds after the close at which the table is asked, the ids due then)
    static let timelines: [(name: String, schedule: [Int], looks: [(Int, [String])])] = [
        ("each offset once, then forgotten", [10, 30], [(9, []), (10, ["j"]), (11, []), (30, ["j"]), (31, []), (500, [])]),
        ("offsets passed together are one reap", [1, 2, 4], [(5, ["j"]), (6, []), (100, [])]),
        ("a look between offsets waits for the next", [2, 4], [(3, ["j"]), (3, []), (4, ["j"]), (5, [])]),
        ("no schedule, no late reaps", [], [(0, []), (10, []), (1000, [])]),
    ]

    @Test("a closed job is due at each offset of the schedule", arguments: timelines.indices)
    func timeline(_ i: Int) {
        let t = Self.timelines[i]
        var table = LateReaps(schedule: t.schedule)
        table.closed("j", images: true, at: 1000)
        for (after, expected) in t.looks {
            #expect(table.due(at: 1000 + after).map(\.id) == expected, "\(t.name): +\(after)")
        }
        #expect(table.waiting.isEmpty, "\(t.name)")
    }

    @Test("a job opened again under its id is never reaped late")
    func cancelledByOpen() {
        var table = LateReaps(schedule: [1, 2])
        table.closed("j", images: true, at: 0)
        table.closed("k", images: false, at: 0)
        table.cancel("j")
        let due = table.due(at: 5)
        #expect(due.map(\.id) == ["k"] && due.first?.images == false)
        #expect(table.waiting.isEmpty)
    }

    @Test("a due job whose id is busy (being opened) stays due for the next look")
    func busyIDStaysDue() {
        var table = LateReaps(schedule: [1, 10])
        table.closed("j", images: true, at: 0)
        #expect(table.due(at: 2, available: { _ in false }).isEmpty)
        #expect(table.waiting == ["j"])
        #expect(table.due(at: 3).map(\.id) == ["j"])
        #expect(table.due(at: 4).isEmpty && table.waiting == ["j"])
    }

    @Test("a second close starts the schedule again")
    func closedAgain() {
        var table = LateReaps(schedule: [5])
        table.closed("j", images: true, at: 0)
        table.cancel("j")
        table.closed("j", images: false, at: 3)
        #expect(table.due(at: 5).isEmpty)
        #expect(table.due(at: 8).map(\.images) == [false])
    }
}
