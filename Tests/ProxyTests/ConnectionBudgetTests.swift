import Glibc
import Policy
import Posix
import Testing
@testable import Proxy

/// `--max-connections-total` is shared by the main socket and every job
/// socket, and outlives each job's server: a connection still open when its
/// job's server goes (`job close` waits only so long, and a thread in a
/// daemon look-up does not notice the shutdown) must not keep its slot.
@Suite struct ConnectionBudgetTests {
    static func waitUntil(_ condition: () -> Bool) -> Bool {
        for _ in 0..<300 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test("a server that goes gives back the slots of the connections it still had")
    func serverGone() throws {
        let dir = "/tmp/sw-budget-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        #expect(mkdir(dir, 0o700) == 0)
        defer {
            unlink(dir + "/s.sock")
            unlink(dir + "/audit.jsonl")
            rmdir(dir)
        }
        let budget = ConnectionBudget(limit: 10)
        var configuration = ServerConfiguration(listenPath: dir + "/s.sock", upstreamPath: dir + "/no-daemon.sock")
        configuration.eventLoops = 0
        configuration.budget = budget
        let policy = try Policy.parse(source: "[[rules]]\nid = \"none\"\naction = \"deny\"\ngroups = [\"*\"]\n", fileName: "t.toml")
        let audit = try AuditLog(path: dir + "/audit.jsonl")
        try audit.start(first: AuditEvent("start") { _ in })
        let served = BlockingQueue<Bool>()
        var server: Server? = Server(configuration: configuration, policy: policy, audit: audit)
        try server!.bind()
        try spawnDetachedThread { [server] in
            server!.serve()
            served.push(true)
        }
        // Closed once, below (a second close could close another test's descriptor).
        let client = try UnixSocket.connect(path: dir + "/s.sock")
        // Half a request head: the connection is busy, so `stop` leaves it open.
        try client.writeAll(Array("GET /_ping HTTP/1.1\r\n".utf8))
        #expect(Self.waitUntil { budget.inUse == 1 })
        server!.stop()
        #expect(served.pop(timeoutMilliseconds: 3000) == true)
        server = nil
        #expect(Self.waitUntil { budget.inUse == 0 }, "the slot of a connection its server no longer counts")
        client.close()
        usleep(200_000)
        #expect(budget.inUse == 0, "given back once, not again when the connection ends")
        _ = audit.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 5)
    }
}
