import Testing
@testable import Tenancy
import EngineAPI

@Suite("container prune on a job socket")
struct ContainerPruneTests {
    static let now = ContainerPrune.Instant(1_796_000_000, 500_000_000)

    @Test("until is read as dockerd 20.10 reads it", arguments: [
        ("a duration counts back from now, in whole seconds", "24h", ContainerPrune.Instant(1_796_000_000 - 86_400, 0)),
        ("a fractional duration", "1.5h", ContainerPrune.Instant(1_796_000_000 - 5_400, 0)),
        ("a compound duration", "1h30m10s", ContainerPrune.Instant(1_796_000_000 - 5_410, 0)),
        ("a Unix timestamp", "1700000000", ContainerPrune.Instant(1_700_000_000, 0)),
        ("a Unix timestamp with a fraction", "1700000000.25", ContainerPrune.Instant(1_700_000_000, 250_000_000)),
        ("RFC 3339 in UTC", "2023-11-14T22:13:20Z", ContainerPrune.Instant(1_700_000_000, 0)),
        ("RFC 3339 with an offset", "2023-11-15T00:13:20+02:00", ContainerPrune.Instant(1_700_000_000, 0)),
        ("RFC 3339 with nanoseconds", "2023-11-14T22:13:20.000000001Z", ContainerPrune.Instant(1_700_000_000, 1)),
        ("a date without a zone is in the local zone", "2023-11-15", ContainerPrune.Instant(1_700_006_400 - 3_600, 0)),
        ("an hour without a zone", "2023-11-14T23", ContainerPrune.Instant(1_700_002_800 - 3_600, 0)),
        ("minutes without a zone", "2023-11-14T23:13", ContainerPrune.Instant(1_700_003_580 - 3_600, 0)),
        ("a date with a zone", "2023-11-15Z", ContainerPrune.Instant(1_700_006_400, 0)),
    ] as [(String, String, ContainerPrune.Instant)])
    func until(_ c: (String, String, ContainerPrune.Instant)) {
        #expect(ContainerPrune.until(c.1, now: Self.now, zoneOffset: 3_600) == c.2, "\(c.0)")
    }

    @Test("an until the daemon refuses is not read", arguments: ["x", "2026-13-01", "2026-02-30", "1h-", "2023-11-14T22:13:20Zjunk", ""])
    func unreadable(_ value: String) {
        #expect(ContainerPrune.until(value, now: Self.now, zoneOffset: 0) == nil)
    }

    @Test("a container created after until is spared, one created at until is pruned")
    func spared() {
        let until = ContainerPrune.Instant(100, 0)
        #expect(ContainerPrune.spared(created: .init(100, 1), until: until))
        #expect(!ContainerPrune.spared(created: .init(100, 0), until: until))
        #expect(!ContainerPrune.spared(created: .init(99, 999_999_999), until: until))
        #expect(!ContainerPrune.spared(created: .init(200, 0), until: nil))
    }

    @Test("label and label! choose as the daemon's matchLabels", arguments: [
        ("no filters prune every container", ContainerPrune.Filters(), true),
        ("a label key present", ContainerPrune.Filters(labels: ["tier"]), true),
        ("a label key=value present", ContainerPrune.Filters(labels: ["tier=a"]), true),
        ("a label value differs", ContainerPrune.Filters(labels: ["tier=b"]), false),
        ("every label must match", ContainerPrune.Filters(labels: ["tier=a", "gone"]), false),
        ("label! of a key present spares", ContainerPrune.Filters(notLabels: ["keep"]), false),
        ("label! of a key absent prunes", ContainerPrune.Filters(notLabels: ["gone"]), true),
        ("label! spares only when every value matches", ContainerPrune.Filters(notLabels: ["keep", "gone"]), true),
        ("label! key=value that differs prunes", ContainerPrune.Filters(notLabels: ["keep=no"]), true),
    ] as [(String, ContainerPrune.Filters, Bool)])
    func labels(_ c: (String, ContainerPrune.Filters, Bool)) {
        let labels = ["io.sockwarden.job": "j1", "tier": "a", "keep": "yes"]
        #expect(ContainerPrune.matchesLabels(c.1, labels) == c.2, "\(c.0)")
    }

    @Test("running, paused and restarting containers are not pruned", arguments: [
        ("created", true), ("exited", true), ("dead", true), ("running", false), ("paused", false), ("restarting", false),
    ])
    func prunable(_ c: (String, Bool)) {
        #expect(ContainerPrune.isPrunable(state: c.0) == c.1)
    }

    @Test("the filters are read from the first filters parameter, list or map form")
    func filters() throws {
        let map = "filters=" + QueryRewrite.escape(#"{"label":{"a=1":true},"label!":{"b":false},"until":{"1h":true}}"#) + "&filters=x"
        #expect(try ContainerPrune.filters(map).get() == ContainerPrune.Filters(labels: ["a=1"], notLabels: ["b"], until: ["1h"]))
        let list = "filters=" + QueryRewrite.escape(#"{"label":["a=1","c"],"until":["1h"]}"#)
        #expect(try ContainerPrune.filters(list).get() == ContainerPrune.Filters(labels: ["a=1", "c"], until: ["1h"]))
        #expect(try ContainerPrune.filters(nil).get() == ContainerPrune.Filters())
    }

    @Test("the daemon's check matches no container: the owner's label with two values")
    func checkQuery() throws {
        let owner = try #require(JobOwner(id: "j1"))
        let query = try ContainerPrune.checkQuery("filters=" + QueryRewrite.escape(#"{"until":["1h"]}"#), owner: owner).get()
        let filters = try QueryRewrite.decodeFilters(Array((GoQuery.parse(query)?.first("filters") ?? "").utf8)).get()
        #expect(filters["label"] == ["io.sockwarden.job=j1": true, "io.sockwarden.job=j1/": true])
        #expect(filters["until"] == ["1h": true])
    }

    @Test("the report is the daemon's JSON, null when nothing was deleted")
    func report() {
        #expect(ContainerPrune.report(deleted: [], spaceReclaimed: 0) == Array("{\"ContainersDeleted\":null,\"SpaceReclaimed\":0}\n".utf8))
        #expect(ContainerPrune.report(deleted: ["ab", "cd"], spaceReclaimed: 42) == Array("{\"ContainersDeleted\":[\"ab\",\"cd\"],\"SpaceReclaimed\":42}\n".utf8))
    }
}
