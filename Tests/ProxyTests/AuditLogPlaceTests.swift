import Glibc
import Posix
import Testing
@testable import Proxy

/// Where the log is written: one writer per file, and nothing written into
/// a file that was removed (found 2026-12-02, session 21, by a red-team
/// helper: with the log's directory removed, requests went on being served
/// under `--audit-failure refuse`, their records into the removed file).
@Suite(.serialized) struct AuditLogPlaceTests {
    static let dir = makeTemporaryDirectory("sockwarden-place")

    static func lines(_ path: String) -> [String] {
        String(decoding: (try? Files.read(path, limit: 1 << 20)) ?? [], as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func wait(_ what: String, _ done: () -> Bool) {
        for _ in 0..<500 where !done() { usleep(10_000) }
        #expect(done(), "\(what) within 5 s")
    }

    @Test func aSecondWriterOfOneFileIsRefusedUntilTheFirstHasClosed() throws {
        let path = Self.dir + "/lock.jsonl"
        let first = try AuditLog(path: path)
        try first.start(first: AuditEvent("start") { _ in })
        do {
            _ = try AuditLog(path: path)
            Issue.record("a second writer of \(path) was let in")
        } catch {
            #expect(error.description.contains("another process holds the lock of the audit log \(path)"))
        }
        #expect(first.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        let second = try AuditLog(path: path)
        try second.start(first: AuditEvent("start") { _ in })
        #expect(second.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        #expect(AuditLogTests.verify([path]).0 == nil)
    }

    @Test func aRemovedLogThatCannotBeMadeAgainRefusesRequestsAndSaysWhatWasLost() throws {
        let sub = Self.dir + "/gone"
        mkdir(sub, 0o700)
        let path = sub + "/a.jsonl"
        // An earlier run's records are in the file too: they go with it.
        let earlier = try AuditLog(path: path)
        try earlier.start(first: AuditEvent("start") { _ in })
        #expect(earlier.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        let log = try AuditLog(path: path, failurePolicy: .refuse, retryMilliseconds: 20)
        try log.start(first: AuditEvent("start") { _ in })
        for n in 1...2 as ClosedRange<UInt64> {
            var r = AuditLogTests.record(n)
            #expect(log.admit(&r) == nil)
            r.status = 200
            log.write(r)
        }
        Self.wait("the first seven records") { Self.lines(path).count == 7 }
        // The file and its directory go: the path cannot be opened again.
        #expect(unlink(path) == 0 && rmdir(sub) == 0)
        usleep(150_000)
        var held = AuditLogTests.record(3)
        #expect(log.admit(&held) == nil)
        held.status = 200
        log.write(held)
        var refused = 0
        Self.wait("a request refused") {
            var r = AuditLogTests.record(4)
            if let refusal = log.admit(&r) {
                #expect(refusal.message.contains("the audit log cannot be written (\(path) was removed and cannot be made again"))
                refused += 1
                return true
            }
            r.status = 200
            log.write(r)
            return false
        }
        // Its directory back: the held records are written to the new file, which says what the old one took.
        #expect(mkdir(sub, 0o700) == 0)
        Self.wait("the reopened file") { Self.lines(path).contains { $0.contains("\"event\":\"gap\"") } }
        #expect(log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5) == 0)
        let lines = Self.lines(path)
        let reopen = lines.first { $0.contains("\"event\":\"reopen\"") }
        #expect(reopen?.contains("\"cause\":\"removed\"") == true && reopen?.contains("\"outcome\":\"ok\"") == true)
        #expect(reopen?.contains("\"lost_from_seq\":0,\"lost_to_seq\":6") == true, "\(reopen ?? "no reopen record")")
        #expect(lines.contains { $0.contains("\"event\":\"request\"") && $0.contains("\"req\":3,") })
        #expect(lines.contains { $0.contains("\"event\":\"gap\"") && $0.contains("\"refused_requests\":") })
        #expect(refused > 0)
        #expect(AuditLogTests.verify([path]).0 == nil)
    }
}
