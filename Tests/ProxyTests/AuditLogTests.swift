import Glibc
import Posix
import Testing
@testable import Proxy

/// The writer end to end on a temporary file: order, chain, reopen, restart.
@Suite(.serialized) struct AuditLogTests {
    /// One directory for the suite's files, removed at exit.
    static let dir = makeTemporaryDirectory("sockwarden-unit")

    static func tempPath(_ name: String) -> String {
        let path = "\(dir)/\(name)"
        unlink(path)
        return path
    }

    static func record(_ n: UInt64) -> AuditRecord {
        AuditRecord(connection: 1, request: n, peer: nil, method: "GET", target: "/_ping", route: "system.ping",
                    group: "system", apiVersion: nil, decision: "allow", rule: "r", reason: nil, policy: "p.toml",
                    status: nil, startedAt: wallClock())
    }

    /// Every line of `paths`, checked in order; nil when the chain holds.
    static func verify(_ paths: [String], limit: Int = 16 << 20) -> (AuditChainVerifier.Break?, [String]) {
        var v = AuditChainVerifier()
        var all: [String] = []
        for path in paths {
            let text = String(decoding: (try? Files.read(path, limit: limit)) ?? [], as: UTF8.self)
            for (i, line) in text.split(separator: "\n").enumerated() {
                all.append(String(line))
                if let b = v.feed(Array(line.utf8)[...], file: path, number: i + 1) { return (b, all) }
            }
        }
        return (nil, all)
    }

    @Test("one job holds at most a quarter of the queue's reservations; other jobs and the main socket are served",
          arguments: [AuditLog.FailurePolicy.refuse, .continue])
    func aJobHoldsAtMostAQuarterOfTheQueue(_ failurePolicy: AuditLog.FailurePolicy) throws {
        let path = AuditLogTests.tempPath("perjob.jsonl")
        let log = try AuditLog(path: path, failurePolicy: failurePolicy, capacity: 40)
        try log.start(first: AuditEvent("start") { _ in })
        func record(_ n: UInt64, job: String?) -> AuditRecord {
            var r = AuditLogTests.record(n)
            if let job { r.job = (id: job, labels: []) }
            return r
        }
        var held: [AuditRecord] = []
        for n in 1...10 as ClosedRange<UInt64> {
            var r = record(n, job: "a")
            #expect(log.admit(&r) == nil)
            held.append(r)
        }
        var over = record(11, job: "a")
        let refusal = log.admit(&over)
        #expect(refusal?.message.contains("job a has 10 requests in flight") == true, "\(String(describing: refusal))")
        guard case .notRecorded = over.admission else { Issue.record("admitted past its share"); return }
        var other = record(12, job: "b"), runner = record(13, job: nil)
        #expect(log.admit(&other) == nil && log.admit(&runner) == nil)
        // One of the job's exchanges ends: its place is free again.
        log.write(held.removeFirst())
        var again = record(14, job: "a")
        #expect(log.admit(&again) == nil)
        for r in held + [other, runner, again] { log.write(r) }
        #expect(log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        let (broken, lines) = AuditLogTests.verify([path])
        #expect(broken == nil)
        // The job's reaching its share is recorded once, naming the job.
        let events = lines.filter { $0.contains("\"event\":\"job-share\"") }
        #expect(events.count == 1 && events.first?.contains("\"job\":\"a\"") == true, "\(events)")
    }

    @Test func requestThenResultThenStopAllChained() throws {
        let path = AuditLogTests.tempPath("a.jsonl")
        let log = try AuditLog(path: path)
        try log.start(first: AuditEvent("start") { _ in })
        for n in 1...20 as ClosedRange<UInt64> {
            var r = AuditLogTests.record(n)
            #expect(log.admit(&r) == nil)
            r.status = 200
            log.write(r)
        }
        #expect(log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        let (broken, lines) = AuditLogTests.verify([path])
        #expect(broken == nil)
        #expect(lines.count == 42)
        #expect(lines.first?.contains("\"event\":\"start\"") == true && lines.last?.contains("\"event\":\"stop\"") == true)
        // Each request's record comes before its result.
        for n in 1...20 {
            let req = lines.firstIndex { $0.contains("\"event\":\"request\"") && $0.contains("\"req\":\(n),") }
            let res = lines.firstIndex { $0.contains("\"event\":\"result\"") && $0.contains("\"req\":\(n),") }
            #expect(req != nil && res != nil && req! < res!)
        }
        for (i, line) in lines.enumerated() { #expect(line.contains("\"seq\":\(i),")) }
    }

    /// Request records of 16 KiB (their facts: a reason is cut to 1.5 KiB)
    /// and small results: 3,200 records are ~26 MiB, so the writer starts
    /// the writeback of its file twice (every 8 MiB, checked after each
    /// batch) and, at the second, drops what the first wrote back from the
    /// page cache; the chain holds across it all.
    @Test func aLogPastEightMiBIsWrittenBackAndDroppedFromTheCache() throws {
        let path = AuditLogTests.tempPath("big.jsonl")
        defer { unlink(path) }
        let log = try AuditLog(path: path)
        try log.start(first: AuditEvent("start") { _ in })
        let facts = Array(("{\"r\":\"" + String(repeating: "r", count: 16 << 10) + "\"}").utf8)
        // Four bursts of ~7 MiB, each written before the next is queued
        // (the writer checks the threshold once per batch it writes).
        for burst in 0..<4 as Range<UInt64> {
            for n in 1...400 as ClosedRange<UInt64> {
                var r = AuditLogTests.record(burst * 400 + n)
                r.facts = facts
                #expect(log.admit(&r) == nil)
                r.status = 200
                log.write(r)
            }
            let deadline = monotonicNanoseconds() + 10_000_000_000
            while log.backlog > 0 && monotonicNanoseconds() < deadline { usleep(1000) }
        }
        #expect(log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 30) == 0)
        #expect(log.writebacksStarted >= 2, "writebacks started: \(log.writebacksStarted)")
        #expect(log.drops >= 1, "drops: \(log.drops)")
        // The file's first 8 MiB (dropped at the second writeback) are no
        // longer cached, unless the file system keeps every page (tmpfs).
        if let resident = AuditLogTests.residentFraction(path, bytes: 8 << 20) {
            #expect(resident < 0.1, "\(Int(resident * 100))% of the first 8 MiB still cached")
        }
        let (broken, lines) = AuditLogTests.verify([path], limit: 64 << 20)
        #expect(broken == nil)
        #expect(lines.count == 3202)
    }

    /// The share of the first `bytes` of `path` in the page cache
    /// (mincore); nil on tmpfs, where pages cannot be dropped.
    static func residentFraction(_ path: String, bytes: Int) -> Double? {
        // The file system the path is on: the longest mount point that is a prefix.
        let mounts = String(decoding: (try? Files.read("/proc/self/mounts")) ?? [], as: UTF8.self)
        var best = (point: "", type: "")
        for line in mounts.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count > 2 else { continue }
            let point = String(parts[1])
            if (path.hasPrefix(point == "/" ? "/" : point + "/")) && point.count >= best.point.count {
                best = (point, String(parts[2]))
            }
        }
        guard best.type != "tmpfs" && best.type != "ramfs" else { return nil }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let map = mmap(nil, bytes, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else { return nil }
        defer { munmap(map, bytes) }
        let pages = bytes / 4096
        var vector = [UInt8](repeating: 0, count: pages)
        guard mincore(map, bytes, &vector) == 0 else { return nil }
        return Double(vector.filter { $0 & 1 != 0 }.count) / Double(pages)
    }

    @Test func reopenAfterRenameChainsTheNewFileToTheOld() throws {
        let path = AuditLogTests.tempPath("b.jsonl")
        let log = try AuditLog(path: path)
        try log.start(first: AuditEvent("start") { _ in })
        log.event(AuditEvent("one") { _ in })
        while log.backlog > 0 { usleep(1000) }
        rename(path, path + ".1")
        log.reopen()
        log.event(AuditEvent("two") { _ in })
        #expect(log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        let (broken, lines) = AuditLogTests.verify([path + ".1", path])
        #expect(broken == nil)
        #expect(lines.count == 5)
        let (_, newFile) = AuditLogTests.verify([path])
        #expect(newFile.first?.contains("\"event\":\"reopen\"") == true)
        #expect(AuditLogTests.verify([path, path + ".1"]).0 != nil)
    }

    @Test func aSecondRunContinuesTheChainOfTheFile() throws {
        let path = AuditLogTests.tempPath("c.jsonl")
        for _ in 0..<2 {
            let log = try AuditLog(path: path)
            try log.start(first: AuditEvent("start") { w in w.field("chain", log.chainOrigin) })
            #expect(log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        }
        let (broken, lines) = AuditLogTests.verify([path])
        #expect(broken == nil)
        #expect(lines.count == 4)
        #expect(lines[0].contains("\"chain\":\"new\"") && lines[2].contains("\"chain\":\"continued\""))
        #expect(lines[2].contains("\"seq\":2,"))
    }

    @Test func aLastRecordOfManyMiBIsContinued() throws {
        // A client can make a record this long (a 1 MiB body of DEL bytes,
        // each escaped in the facts and the reason); 4 MiB was the limit.
        let path = AuditLogTests.tempPath("long.jsonl")
        let object = Array("{\"v\":1,\"seq\":7,\"event\":\"result\",\"reason\":\"".utf8)
            + [UInt8](repeating: UInt8(ascii: "u"), count: 9 << 20) + Array("\"}".utf8)
        let sealed = AuditChain.seal(object: object, prev: AuditChain.genesis)
        try Files.writeAtomically(path, bytes: Array("{\"older\":1}\n".utf8) + sealed.line)
        let log = try AuditLog(path: path)
        #expect(log.chainOrigin == "continued")
        try log.start(first: AuditEvent("start") { _ in })
        _ = log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5)
        let text = String(decoding: try Files.read(path, limit: 64 << 20), as: UTF8.self)
        let lines = text.split(separator: "\n")
        let next = lines.count >= 2 ? String(lines[lines.count - 2]) : ""   // the start record
        #expect(next.contains("\"seq\":8,") && next.contains("\"prev\":\"\(sealed.hash)\""))
    }

    @Test func theStopRecordCountsTheRequestsStillOpen() throws {
        let path = AuditLogTests.tempPath("open.jsonl")
        let log = try AuditLog(path: path)
        try log.start(first: AuditEvent("start") { _ in })
        var ended = AuditLogTests.record(1), open = AuditLogTests.record(2)
        #expect(log.admit(&ended) == nil && log.admit(&open) == nil)
        ended.status = 200
        log.write(ended)
        // `open`'s exchange never ends (a stream at the end of the grace period).
        let left = log.close(last: { n in AuditEvent("stop") { w in w.field("open", n) } }, timeoutSeconds: 5)
        #expect(left == 1)
        let (broken, lines) = AuditLogTests.verify([path])
        #expect(broken == nil)
        #expect(lines.last?.contains("\"event\":\"stop\",\"open\":1,") == true)
    }

    @Test func aLogRotatedWhileNoWriterRanContinuesTheChainOfItsRotatedCopy() throws {
        let path = AuditLogTests.tempPath("rot.jsonl")
        unlink(path + "-20261201")
        let first = try AuditLog(path: path)
        try first.start(first: AuditEvent("start") { w in w.field("chain", first.chainOrigin) })
        #expect(first.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        // logrotate `create`, no writer to signal: the file moves, an empty one takes its place.
        #expect(rename(path, path + "-20261201") == 0)
        close(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600))
        let second = try AuditLog(path: path)
        #expect(second.chainOrigin == "continued from rot.jsonl-20261201")
        try second.start(first: AuditEvent("start") { w in w.field("chain", second.chainOrigin) })
        #expect(second.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        let (broken, lines) = AuditLogTests.verify([path + "-20261201", path])
        #expect(broken == nil)
        #expect(lines.count == 4 && lines[2].contains("\"seq\":2,"))
    }

    @Test func aRotatedCopyThatEndsInNoSealedRecordLeavesANewChain() throws {
        let path = AuditLogTests.tempPath("rotz.jsonl")
        let fd = open(path + ".1.gz", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = "\u{1f}\u{8b}compressed".withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let log = try AuditLog(path: path)
        #expect(log.chainOrigin == "new")
    }

    @Test func aFileEndingInAnUnsealedLineStartsANewChainOnItsOwnLine() throws {
        let path = AuditLogTests.tempPath("d.jsonl")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = "{\"old\":true".withCString { write(fd, $0, strlen($0)) }   // cut short: no newline
        close(fd)
        let log = try AuditLog(path: path)
        #expect(log.chainOrigin.hasPrefix("restarted"))
        try log.start(first: AuditEvent("start") { _ in })
        _ = log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5)
        let text = String(decoding: try Files.read(path), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3 && lines[0] == "{\"old\":true")
        #expect(lines[1].contains("\"prev\":\"\(AuditChain.genesis)\""))
    }

    @Test func aLogThatCannotBeWrittenFailsAtStart() throws {
        let log = try AuditLog(path: "/dev/full")
        #expect(throws: SystemError.self) { try log.start(first: AuditEvent("start") { _ in }) }
    }

    @Test func continueModeCountsWhatItCannotTake() throws {
        // A capacity of 4 and a writer that is never started: the backlog fills.
        let log = try AuditLog(path: AuditLogTests.tempPath("e.jsonl"), failurePolicy: .continue, capacity: 4)
        var taken = 0
        for n in 1...5 as ClosedRange<UInt64> {
            var r = AuditLogTests.record(n)
            #expect(log.admit(&r) == nil)   // continue: never refused
            if case .admitted = r.admission { taken += 1 }
        }
        #expect(taken == 2)
        let refuse = try AuditLog(path: AuditLogTests.tempPath("f.jsonl"), failurePolicy: .refuse, capacity: 4)
        var refusals = 0
        for n in 1...5 as ClosedRange<UInt64> {
            var r = AuditLogTests.record(n)
            if let refusal = refuse.admit(&r) {
                refusals += 1
                #expect(refusal.message.contains("cannot keep up"))
            }
        }
        #expect(refusals == 3)
        #expect(refuse.metrics.snapshot(live: .init()).auditRefused == 3)
        #expect(log.metrics.snapshot(live: .init()).auditDropped == 6)
    }

    @Test func nothingIsAdmittedOnceTheLogIsClosed() throws {
        // After `close` (shutdown: the stop record is written, the writer has
        // exited) a request still being judged on a lingering connection must
        // not be admitted: its record would never be written, yet it would
        // be forwarded.
        let path = AuditLogTests.tempPath("closed.jsonl")
        let log = try AuditLog(path: path)
        try log.start(first: AuditEvent("start") { _ in })
        #expect(log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        var late = AuditLogTests.record(1)
        let refusal = log.admit(&late)
        #expect(refusal?.message.contains("shutting down") == true)
        if case .notRecorded = late.admission {} else { Issue.record("a request after close was admitted: \(late.admission)") }
        let dropping = try AuditLog(path: AuditLogTests.tempPath("closed-continue.jsonl"), failurePolicy: .continue)
        try dropping.start(first: AuditEvent("start") { _ in })
        _ = dropping.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5)
        var served = AuditLogTests.record(2)
        #expect(dropping.admit(&served) == nil)   // continue: served, and counted as dropped
        #expect(dropping.metrics.snapshot(live: .init()).auditDropped == 2)
        let (broken, lines) = AuditLogTests.verify([path])
        #expect(broken == nil && lines.count == 2)
    }

    @Test(arguments: ["18446744073709551615", "99999999999999999999999"])
    func aDoctoredHugeSeqDoesNotCrashTheStart(_ seq: String) throws {
        // The last record's seq + 1 trapped on UInt64.max: a log anyone
        // could write made serve crash at every start.
        let path = AuditLogTests.tempPath("seq.jsonl")
        let sealed = AuditChain.seal(object: Array("{\"v\":1,\"seq\":\(seq),\"event\":\"stop\"}".utf8), prev: AuditChain.genesis)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = sealed.line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        Glibc.close(fd)
        let log = try AuditLog(path: path)
        #expect(log.chainOrigin == "continued")
        try log.start(first: AuditEvent("start") { _ in })
        _ = log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5)
        let (broken, lines) = AuditLogTests.verify([path])
        #expect(broken == nil && lines.count == 3)
    }
}
