import Testing
import Tenancy
@testable import Proxy

/// The room build-context uploads may take on the spool's file system
/// (`SpoolBudget`): the file system's reserve, and a job's half of the room.
@Suite struct SpoolBudgetTests {
    static let mib: UInt64 = 1 << 20

    /// A file system of 200 MiB whose free space is what the uploads have not taken.
    final class FakeDisk: @unchecked Sendable {
        var free: UInt64 = 200 << 20
        let total: UInt64 = 200 << 20
    }

    static func budget(_ disk: FakeDisk) -> SpoolBudget {
        SpoolBudget { _ in SpoolBudget.FileSystemSpace(available: disk.free, total: disk.total) }
    }

    /// Grows an upload by `mib` MiB and, when granted, writes them (the disk's free space shrinks, the grant lands).
    static func grow(_ budget: SpoolBudget, _ disk: FakeDisk, _ mib: UInt64, job: String?) -> SpoolBudget.Refusal? {
        let refusal = budget.grow(by: mib * Self.mib, directory: "/spool", job: job)
        if refusal == nil {
            disk.free -= mib * Self.mib
            budget.landed(mib * Self.mib)
        }
        return refusal
    }

    @Test("grants not written yet count against the free space: side by side they cannot take the reserve")
    func pendingGrantsCount() {
        let disk = FakeDisk(), budget = Self.budget(disk)
        disk.free = 20 << 20  // 10 MiB above the reserve
        #expect(budget.grow(by: 6 * Self.mib, directory: "/spool", job: nil) == nil)
        // The first 6 MiB are not on the disk yet: only 4 MiB are left above the reserve.
        guard case .diskNearlyFull? = budget.grow(by: 6 * Self.mib, directory: "/spool", job: nil) else {
            Issue.record("a second grant took the reserve"); return
        }
        disk.free -= 6 * Self.mib
        budget.landed(6 * Self.mib)
        #expect(budget.grow(by: 4 * Self.mib, directory: "/spool", job: nil) == nil)
    }

    @Test("the reserve is 5% of the file system, at most 1 GiB", arguments: [
        (UInt64(200) << 20, UInt64(10) << 20), (UInt64(100) << 30, UInt64(1) << 30), (0, 0),
    ] as [(UInt64, UInt64)])
    func reserveIsAFractionCapped(_ c: (UInt64, UInt64)) {
        #expect(SpoolBudget.reserve(total: c.0) == c.1)
    }

    @Test("a job's uploads hold at most half of the room; another job and the main socket still build")
    func aJobHoldsAtMostHalf() {
        let disk = FakeDisk(), budget = Self.budget(disk)
        // Room: 200 - 10 (reserve) = 190 MiB; a job's half: 95 MiB.
        for _ in 0..<95 { #expect(Self.grow(budget, disk, 1, job: "a") == nil) }
        guard case .jobShare(let job, let held, let share)? = Self.grow(budget, disk, 1, job: "a") else {
            Issue.record("job a took more than half of the room"); return
        }
        #expect(job == "a" && held == 96 * Self.mib && share == 95 * Self.mib)
        #expect(Self.grow(budget, disk, 8, job: "b") == nil)
        #expect(Self.grow(budget, disk, 8, job: nil) == nil)
        // Job a's uploads end: its room is given back (and the disk's).
        budget.release(95 * Self.mib, job: "a")
        disk.free += 95 * Self.mib
        #expect(Self.grow(budget, disk, 50, job: "a") == nil)
    }

    @Test("no upload takes the file system's reserve, the main socket's neither")
    func theReserveIsKept() {
        let disk = FakeDisk(), budget = Self.budget(disk)
        disk.free = 12 << 20  // something else filled the disk
        #expect(Self.grow(budget, disk, 2, job: nil) == nil)
        guard case .diskNearlyFull(let available, let reserve)? = Self.grow(budget, disk, 1, job: nil) else {
            Issue.record("the reserve was taken"); return
        }
        #expect(available == 10 << 20 && reserve == 10 << 20)
        #expect(SpoolBudget.Refusal.diskNearlyFull(available: available, reserve: reserve).message.contains("--spool-dir"))
    }

    @Test("an unknown file system (statvfs failed) is not refused: the write itself tells")
    func unknownSpaceIsNotRefused() {
        let budget = SpoolBudget { _ in nil }
        #expect(budget.grow(by: 1 << 40, directory: "/nowhere", job: "a") == nil)
    }
}

/// How far a gzip build context is inflated to be judged
/// (`Connection.inflationLimit`): a few MB of compressed zeros once kept
/// both CPUs busy for two minutes.
@Suite struct InflationLimitTests {
    static let gib: UInt64 = 1 << 30
    @Test("200 times the compressed size, at least 256 MiB, at most --max-build-context", arguments: [
        (UInt64(4 << 20), 8 * gib, UInt64(800 << 20)),        // a 4 MB bomb: 800 MiB, not 8 GiB
        (UInt64(100), 8 * gib, UInt64(256 << 20)),            // a small context: the floor
        (UInt64(1) << 30, 8 * gib, 8 * gib),                   // a large one: --max-build-context
        (UInt64(4 << 20), UInt64(64 << 20), UInt64(64 << 20)), // a smaller --max-build-context wins
        (UInt64.max / 100, 8 * gib, 8 * gib),                  // no overflow
    ] as [(UInt64, UInt64, UInt64)])
    func limit(_ c: (UInt64, UInt64, UInt64)) {
        #expect(Connection.inflationLimit(compressed: c.0, maxBuildContext: c.1) == c.2)
    }
}

/// The objects a job socket looks up for one request (`JobScope.distinct`):
/// each once, and at most 256 (one create with 3000 links made 9000 daemon
/// connections).
@Suite struct JobScopeDistinctReferencesTests {
    static func ref(_ kind: ObjectKind, _ name: String) -> OwnedReference {
        OwnedReference(kind, name, field: "HostConfig.Links")
    }

    @Test func eachObjectOnceInBodyOrder() {
        let refs = [Self.ref(.container, "a"), Self.ref(.container, "b"), Self.ref(.container, "a"), Self.ref(.volume, "a")]
        #expect(JobScope.distinct(refs)?.map(\.reference) == ["a", "b", "a"])
        #expect(JobScope.distinct(refs)?.map(\.kind) == [.container, .container, .volume])
        #expect(JobScope.distinct(Array(repeating: Self.ref(.container, "c"), count: 3000))?.count == 1)
    }

    @Test func moreThan256ObjectsAreRefused() {
        #expect(JobScope.distinct((0..<256).map { Self.ref(.container, "c\($0)") })?.count == 256)
        #expect(JobScope.distinct((0..<257).map { Self.ref(.container, "c\($0)") }) == nil)
    }
}

/// One gzip context inflated at a time per job (`JobSlots`).
@Suite struct JobSlotsTests {
    @Test func oneAtATimePerJobNoneCountedOffJobs() {
        let slots = JobSlots()
        #expect(slots.begin("a"))
        #expect(!slots.begin("a"))
        #expect(slots.begin("b"))
        #expect(slots.begin(nil) && slots.begin(nil))
        slots.end("a")
        #expect(slots.begin("a"))
        #expect(SpoolBudget.Refusal.gzipBusy(job: "a").message.contains("uncompressed"))
    }
}
