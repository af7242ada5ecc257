import Glibc
import Posix
import Testing
@testable import Proxy

/// The writer is signalled only while it waits: a record offered to a
/// sleeping writer is still written at once, and a burst larger than one
/// batch (4096 records) is written whole, in order, chained.
@Suite(.serialized) struct AuditLogWakeTests {
    static func lines(_ path: String) -> Int {
        ((try? Files.read(path)) ?? []).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }

    @Test func aRecordOfferedToASleepingWriterIsWrittenWithoutWaitingForClose() throws {
        let path = AuditLogTests.tempPath("wake.jsonl")
        let log = try AuditLog(path: path)
        try log.start(first: AuditEvent("start") { _ in })
        for round in 1...3 as ClosedRange<UInt64> {
            usleep(20_000)   // the writer has gone back to sleep
            var r = AuditLogTests.record(round)
            #expect(log.admit(&r) == nil)
            var waited = 0
            while AuditLogWakeTests.lines(path) < 1 + 2 * Int(round) - 1 && waited < 2000 {
                usleep(1000)
                waited += 1
            }
            #expect(AuditLogWakeTests.lines(path) == 1 + 2 * Int(round) - 1, "round \(round): the request record was written")
            r.status = 200
            log.write(r)
        }
        #expect(log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        #expect(AuditLogWakeTests.lines(path) == 8)
    }

    /// The log is a FIFO nobody reads at first: the writer blocks once the
    /// pipe is full and the whole burst queues up behind it (more than one
    /// batch); then a reader drains it.
    @Test func aBurstLargerThanOneBatchIsWrittenWholeAndInOrder() throws {
        let path = AuditLogTests.tempPath("burst.fifo")
        #expect(mkfifo(path, 0o600) == 0)
        let log = try AuditLog(path: path, capacity: 20_000)
        try log.start(first: AuditEvent("start") { _ in })
        for n in 1...6000 as ClosedRange<UInt64> {
            var r = AuditLogTests.record(n)
            #expect(log.admit(&r) == nil)
            r.status = 200
            log.write(r)
        }
        #expect(log.backlog > 4096)
        let received = Locked<[UInt8]>([])
        let reader = open(path, O_RDONLY | O_CLOEXEC)
        #expect(reader >= 0)
        try spawnDetachedThread {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            var newlines = 0
            while newlines < 12_002 {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(reader, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                newlines += buffer[0..<n].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                received.withLock { $0 += buffer[0..<n] }
            }
            close(reader)
        }
        #expect(log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 30) == 0)
        var waited = 0
        while received.withLock({ $0.count(where: { $0 == 10 }) }) < 12_002 && waited < 5000 {
            usleep(1000)
            waited += 1
        }
        let copy = AuditLogTests.tempPath("burst.jsonl")
        try Files.writeAtomically(copy, bytes: received.withLock { $0 })
        let (broken, lines) = AuditLogTests.verify([copy])
        #expect(broken == nil)
        #expect(lines.count == 12_002)
        for (i, line) in lines.enumerated() where !line.contains("\"seq\":\(i),") {
            Issue.record("line \(i + 1) is out of order")
            break
        }
    }
}
