import HTTP1
import Testing
@testable import Proxy

/// The pure parts of the event loop: which requests it serves itself, its
/// read buffers, and how it clears a daemon response for relaying.
@Suite struct LoopPlanTests {
    static func head(_ text: String) -> RequestHead {
        var parser = RequestHeadParser()
        guard case .complete(let head, _) = parser.parse(Array(text.utf8)) else {
            fatalError("not a head: \(text)")
        }
        return head
    }

    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let head: String
        let readsBody: Bool
        let routeHijacks: Bool
        let plan: LoopPlan
        var description: String { name }
    }

    static let inspection = 1 << 20

    static let cases: [Case] = [
        Case(name: "a bodiless GET is served", head: "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n",
             readsBody: false, routeHijacks: false, plan: .serve(bodyBytes: 0)),
        Case(name: "a judged body with a length is served", head: "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 1468\r\n\r\n",
             readsBody: true, routeHijacks: false, plan: .serve(bodyBytes: 1468)),
        Case(name: "a judged body up to 32 KiB is served", head: "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 32768\r\n\r\n",
             readsBody: true, routeHijacks: false, plan: .serve(bodyBytes: 32 << 10)),
        Case(name: "a judged body past 32 KiB is judged by a thread", head: "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 32769\r\n\r\n",
             readsBody: true, routeHijacks: false, plan: .handOff(.largeBody)),
        Case(name: "a judged body up to the inspection limit is judged by a thread", head: "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n",
             readsBody: true, routeHijacks: false, plan: .handOff(.largeBody)),
        Case(name: "a judged body past the inspection limit goes to a thread", head: "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n",
             readsBody: true, routeHijacks: false, plan: .handOff(.largeBody)),
        Case(name: "a small unjudged body is served", head: "POST /containers/x/start HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n",
             readsBody: false, routeHijacks: false, plan: .serve(bodyBytes: 2)),
        Case(name: "an upload past the small-body limit is streamed by a thread", head: "PUT /containers/x/archive?path=/ HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n",
             readsBody: false, routeHijacks: false, plan: .handOff(.largeBody)),
        Case(name: "a chunked body goes to a thread", head: "POST /build HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
             readsBody: false, routeHijacks: false, plan: .handOff(.chunkedBody)),
        Case(name: "a chunked judged body goes to a thread", head: "POST /containers/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
             readsBody: true, routeHijacks: false, plan: .handOff(.chunkedBody)),
        Case(name: "a client waiting for 100 Continue goes to a thread", head: "POST /containers/create HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n",
             readsBody: true, routeHijacks: false, plan: .handOff(.expectContinue)),
        Case(name: "a hijacking route goes to a thread", head: "POST /containers/x/attach?stream=1 HTTP/1.1\r\nHost: x\r\n\r\n",
             readsBody: false, routeHijacks: true, plan: .handOff(.hijack)),
        Case(name: "an upgrade goes to a thread", head: "POST /exec/x/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n",
             readsBody: false, routeHijacks: false, plan: .handOff(.upgrade)),
    ]

    @Test(arguments: cases) func plan(_ c: Case) {
        #expect(LoopPlan.plan(LoopPlanTests.head(c.head), readsBody: c.readsBody, routeHijacks: c.routeHijacks,
                              inspectionLimit: LoopPlanTests.inspection) == c.plan)
    }

    @Test func judgingThatNeedsTheDaemonOrRewritesGoesToAThread() {
        #expect(LoopPlan.judged(neededLookup: false, warns: false, rewrites: false) == nil)
        #expect(LoopPlan.judged(neededLookup: true, warns: false, rewrites: false) == .daemonLookup)
        #expect(LoopPlan.judged(neededLookup: false, warns: true, rewrites: false) == .warning)
        #expect(LoopPlan.judged(neededLookup: false, warns: false, rewrites: true) == .rewrite)
    }
}

@Suite struct LoopBufferTests {
    static func fill(_ buffer: inout LoopBuffer, _ bytes: [UInt8], pool: BufferPool, limit: Int) -> Int {
        guard let space = buffer.space(pool, limit: limit) else { return 0 }
        let n = min(space.count, bytes.count)
        space.copyBytes(from: bytes[0..<n])
        buffer.commit(n)
        return n
    }

    @Test func anIdleBufferHoldsNoMemoryAndGivesItBack() {
        let pool = BufferPool(size: 16, keep: 4)
        var buffer = LoopBuffer()
        #expect(!buffer.hasStorage)
        #expect(LoopBufferTests.fill(&buffer, [1, 2, 3], pool: pool, limit: 100) == 3)
        #expect(buffer.hasStorage)
        buffer.releaseIfEmpty(pool)
        #expect(buffer.hasStorage, "bytes still held")
        buffer.consume(3)
        buffer.releaseIfEmpty(pool)
        #expect(!buffer.hasStorage)
        #expect(pool.freeCount == 1)
    }

    @Test func fullBufferMovesItsBytesToTheFrontThenGrowsUpToTheLimit() {
        let pool = BufferPool(size: 8, keep: 4)
        var buffer = LoopBuffer()
        #expect(LoopBufferTests.fill(&buffer, Array(0..<8), pool: pool, limit: 20) == 8)
        buffer.consume(5)
        #expect(LoopBufferTests.fill(&buffer, Array(8..<13), pool: pool, limit: 20) == 5)
        #expect(buffer.bytes() == Array(5..<13))
        #expect(LoopBufferTests.fill(&buffer, Array(13..<40), pool: pool, limit: 20) == 8)
        #expect(buffer.bytes() == Array(5..<21))
        #expect(LoopBufferTests.fill(&buffer, [99, 99, 99, 99, 99], pool: pool, limit: 20) == 4)
        #expect(buffer.count == 20)
        #expect(buffer.space(pool, limit: 20) == nil, "full at the limit")
        buffer.release(pool)
        #expect(!buffer.hasStorage && buffer.isEmpty)
    }

    static func fill(_ buffer: inout LoopBuffer, _ count: Int, pool: BufferPool, limit: Int, memory: RequestMemory) -> Int {
        var filled = 0
        while filled < count, let space = buffer.space(pool, limit: limit, memory: memory) {
            let n = min(space.count, count - filled)
            buffer.commit(n)
            filled += n
        }
        return filled
    }

    @Test func growingPastThePoolSizeTakesRequestMemoryAndGivesItBackWhenEmpty() {
        let pool = BufferPool(size: 8, keep: 4)
        let memory = RequestMemory(limit: 100)
        var buffer = LoopBuffer()
        #expect(LoopBufferTests.fill(&buffer, 8, pool: pool, limit: 64, memory: memory) == 8)
        #expect(memory.held == 0, "the pool's own buffer is not counted")
        #expect(LoopBufferTests.fill(&buffer, 20, pool: pool, limit: 64, memory: memory) == 20)
        #expect(memory.held == 32 - 8, "grown to 16, then 32: what is past the pool's 8 bytes")
        buffer.consume(28)
        buffer.releaseIfEmpty(pool)
        #expect(memory.held == 0 && !buffer.hasStorage)
        #expect(!buffer.overBudget)
    }

    @Test func growingPastWhatIsLeftIsRefusedAndStaysRefused() {
        let pool = BufferPool(size: 8, keep: 4)
        let memory = RequestMemory(limit: 30)
        var other = LoopBuffer()
        #expect(LoopBufferTests.fill(&other, 16, pool: pool, limit: 64, memory: memory) == 16)
        #expect(memory.held == 8)
        var buffer = LoopBuffer()
        // 16 (8 counted) fits beside the other's 8; 32 would hold 8 + 24 > 30.
        #expect(LoopBufferTests.fill(&buffer, 40, pool: pool, limit: 64, memory: memory) == 16)
        #expect(buffer.overBudget)
        #expect(memory.held == 16 && memory.refusals == 1)
        other.release(pool)
        #expect(buffer.space(pool, limit: 64, memory: memory) == nil, "a refused buffer does not grow again")
        buffer.release(pool)
        #expect(memory.held == 0)
    }

    @Test func aBufferWithoutRequestMemoryGrowsUncounted() {
        let pool = BufferPool(size: 8, keep: 4)
        var buffer = LoopBuffer()
        #expect(LoopBufferTests.fill(&buffer, Array(0..<40), pool: pool, limit: 64) == 8)
        #expect(LoopBufferTests.fill(&buffer, Array(0..<40), pool: pool, limit: 64) == 8)
        #expect(buffer.count == 16 && !buffer.overBudget)
        buffer.release(pool)
    }

    @Test func poolKeepsOnlyBuffersOfItsSizeUpToItsCount() {
        let pool = BufferPool(size: 8, keep: 1)
        let a = pool.take(), b = pool.take()
        pool.give(a)
        pool.give(b)
        #expect(pool.freeCount == 1)
        pool.give(.allocate(byteCount: 16, alignment: 16))
        #expect(pool.freeCount == 1)
    }
}

@Suite struct LoopExchangeTests {
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let method: String
        /// The daemon's bytes; `next` follows the response on the wire.
        let response: String
        let next: String
        let status: Int
        let closeAfter: Bool
        var failure = false
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "length-framed body ends at its length", method: "GET",
             response: "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nOK\r\n", next: "HTTP/1.1 200 OK\r\n", status: 200, closeAfter: false),
        Case(name: "chunked body ends at the last chunk and trailers", method: "GET",
             response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: y\r\n\r\n", next: "HTTP/1.1 2", status: 200, closeAfter: false),
        Case(name: "a HEAD answer has no body whatever its length says", method: "HEAD",
             response: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", next: "HTTP/1.1 204 ", status: 200, closeAfter: false),
        Case(name: "204 has no body", method: "DELETE",
             response: "HTTP/1.1 204 No Content\r\n\r\n", next: "", status: 204, closeAfter: false),
        Case(name: "an interim head is relayed before the final one", method: "POST",
             response: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", next: "", status: 201, closeAfter: false),
        Case(name: "Connection: close ends the connection after the answer", method: "GET",
             response: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", next: "", status: 200, closeAfter: true),
        Case(name: "a malformed chunk ends the connection", method: "GET",
             response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", next: "", status: 200, closeAfter: true, failure: true),
    ]

    /// Clears the response fed in pieces of `piece` bytes; returns what
    /// was cleared, whether it got to the end, and any failure.
    static func relay(_ c: Case, piece: Int) -> (relayed: [UInt8], exchange: LoopExchange, failure: String?) {
        let record = AuditRecord(connection: 1, request: 1, peer: nil, method: c.method, target: "/", route: nil, group: nil,
                                 apiVersion: nil, decision: "allow", rule: "", reason: nil, policy: "p", status: nil,
                                 startedAt: (0, 0))
        let exchange = LoopExchange(record: record, method: c.method, closeAfter: false, limits: .default)
        let wire = Array((c.response + c.next).utf8)
        var buffered: [UInt8] = []
        var relayed: [UInt8] = []
        var offset = 0
        var failure: String?
        while true {
            var cleared = true
            while cleared {
                cleared = buffered.withUnsafeMutableBytes { exchange.clear($0, failure: &failure) }
                relayed += buffered.prefix(exchange.relayable)
                buffered.removeFirst(exchange.relayable)
                exchange.relayable = 0
                if failure != nil { return (relayed, exchange, failure) }
                if case .done = exchange.stage { return (relayed, exchange, failure) }
            }
            if offset == wire.count { return (relayed, exchange, failure) }
            let end = min(wire.count, offset + piece)
            buffered += wire[offset..<end]
            offset = end
        }
    }

    @Test("the body that came with the head is cleared with it, to go out in one write", arguments: [
        ("GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", true),
        ("GET", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nOK", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nOK", false),
        ("GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOKHTTP/1.1", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", true),
        ("GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\n\r\nHTTP", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\n\r\n", true),
        ("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nHTTP", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", true),
        ("POST", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n\r\n", "HTTP/1.1 100 Continue\r\n\r\n", false),
    ])
    func headAndBodyTogether(_ method: String, _ buffered: String, _ cleared: String, _ done: Bool) {
        let record = AuditRecord(connection: 1, request: 1, peer: nil, method: method, target: "/", route: nil, group: nil,
                                 apiVersion: nil, decision: "allow", rule: "", reason: nil, policy: "p", status: nil,
                                 startedAt: (0, 0))
        let exchange = LoopExchange(record: record, method: method, closeAfter: false, limits: .default)
        var failure: String?
        var bytes = Array(buffered.utf8)
        let progressed = bytes.withUnsafeMutableBytes { exchange.clear($0, failure: &failure) }
        #expect(progressed)
        #expect(failure == nil)
        #expect(exchange.relayable == cleared.utf8.count)
        if case .done = exchange.stage { #expect(done) } else { #expect(!done) }
    }

    @Test(arguments: cases, [1, 7, 4096]) func clearsExactlyOneResponse(_ c: Case, piece: Int) {
        let (relayed, exchange, failure) = LoopExchangeTests.relay(c, piece: piece)
        #expect((failure != nil) == c.failure)
        #expect(exchange.record.status == c.status)
        #expect(exchange.closeAfter == c.closeAfter)
        if !c.failure {
            #expect(relayed == Array(c.response.utf8), "relayed exactly the response, nothing of the next")
            if case .done = exchange.stage {} else { Issue.record("not done") }
        }
    }
}
