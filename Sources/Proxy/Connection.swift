import Glibc
import EngineAPI
import HTTP1
import Policy
import Posix

/// One client connection, served by two threads.
///
/// Concurrency model: the *request thread* reads and judges requests in
/// order and forwards allowed ones (head, then body) to one daemon
/// connection; the *response thread* writes answers back in the same order,
/// relaying the daemon's responses and the proxy's own. They share only the
/// `exchanges` queue, the hijack verdicts and the fds. Whichever thread
/// ends a connection shuts the sockets down, which wakes the other; the last
/// thread out closes the fds.
final class Connection: @unchecked Sendable {
    let id: UInt64
    let client: FileDescriptor
    let peer: PeerCredentials?
    let context: ServerContext
    let exchanges = BlockingQueue<Exchange>()
    let hijackVerdicts = BlockingQueue<Bool>()
    private let shared = Locked(Shared())
    private let onClose: @Sendable (Connection) -> Void
    /// The caller (`AuditCgroup`), looked up once by the request thread.
    private(set) lazy var caller: AuditCgroup.Caller = AuditCgroup.caller(of: client, peer: peer)

    struct Shared {
        var upstream: FileDescriptor?
        /// Counts the daemon connections this connection has had (a hijack
        /// candidate gets one of its own): the response thread reads from
        /// the one of the current generation.
        var upstreamGeneration = 0
        /// A request has been forwarded on `upstream` (or the event loop
        /// handed it over, having used it).
        var upstreamCarried = false
        var threadsRunning = 2
        /// The request thread waits for a new request with nothing buffered.
        var waitingForRequest = true
        /// Exchanges pushed but not yet fully answered.
        var outstanding = 0
        /// Forwarded exchanges the response thread has not finished, oldest first.
        var forwarded: [Exchange] = []
        var terminated = false
        /// A job's build stream is relayed (`relayTaggingBuild`): ending
        /// the connection shuts only the daemon connection's write side
        /// (which cancels the build, as a client's hang-up does) and leaves
        /// the rest of its answer to be read for the image it still made.
        var drainsBuild = false
        /// The request thread waits until fewer exchanges than this are
        /// unanswered (`awaitOutstanding`); 0: it does not wait.
        var waitingBelow = 0
        /// Bytes of interim exchanges queued and not yet written (a build's
        /// pull progress, `BuildProgressStream`).
        var interimBacklog = 0
    }

    /// Exchanges queued for the response thread and not yet answered, at
    /// most. With this many, the request thread reads no further request
    /// until an answer is written, so a client that pipelines requests and
    /// never reads its answers meets backpressure instead of making the
    /// proxy queue answer after answer, each holding a reservation in the
    /// audit queue all clients share (16384 by default: a peer's 1024
    /// connections hold at most 4096). An event loop serves one request at
    /// a time; Docker clients do not pipeline at all.
    static let maxOutstanding = 4
    private let roomSignal = BlockingQueue<Bool>()

    /// Bytes the client sent before this connection took over (a hand-off
    /// from the event loop); the request thread reads them first.
    /// Dropped once the request thread's reader has them.
    private var prebuffered: [UInt8]
    /// The event loop took the peer's token (`PeerRates`) for the request it handed over.
    private var chargedByLoop: Bool
    /// Used by the request thread only.
    private var rateBucket: PeerRateBucket??

    /// `id`, `upstream`, `prebuffered`, `caller`: a connection the event
    /// loop hands over keeps its id, its daemon connection, what the client
    /// already sent and the calling container it looked up.
    init(client: FileDescriptor, peer: PeerCredentials?, context: ServerContext, id: UInt64? = nil,
         upstream: FileDescriptor? = nil, prebuffered: [UInt8] = [], caller: AuditCgroup.Caller? = nil, charged: Bool = false,
         onClose: @escaping @Sendable (Connection) -> Void) {
        self.id = id ?? context.nextConnectionID()
        self.client = client
        self.peer = peer
        self.context = context
        self.onClose = onClose
        self.prebuffered = prebuffered
        self.chargedByLoop = charged
        self.shared.withLock { $0.upstream = upstream; $0.upstreamCarried = upstream != nil }
        upstream?.setSendTimeout(milliseconds: Connection.upstreamWritePollMilliseconds)
        if let caller { self.caller = caller }
    }

    /// The request thread's reader, holding the hand-off's bytes first.
    /// The event loop gave back their `--max-request-memory` when it handed
    /// the connection over; they count here again (beyond the 64 KiB a
    /// reader holds anyway) until the reader has used them and shrunk. Before
    /// 2026-12-01 a handed-off connection kept them uncounted, twice (this
    /// array and the reader's grown buffer), for as long as it stayed open,
    /// idle included: up to head + 1 MiB per connection past the cap.
    func makeRequestReader() -> ByteReader {
        let reader = ByteReader(fd: client, initial: prebuffered, shrinksWhenEmpty: true)
        let excess = prebuffered.count - LoopBuffer.uncountedBytes
        if excess > 0 {
            let hold = RequestMemory.Hold(context.requestMemory)
            hold.charge(excess)
            reader.keep(hold)
        }
        prebuffered = []
        return reader
    }

    var upstream: FileDescriptor? { shared.withLock { $0.upstream } }

    /// The longest sleep between looks at the peer's bucket and at the client.
    static let rateSleepMicroseconds: UInt64 = 100_000

    /// Reserves the peer's slot (`PeerRates`) for the request whose head
    /// was read and sleeps until it comes. False: the connection ended meanwhile.
    func waitForPeerRate() -> Bool {
        if chargedByLoop {
            chargedByLoop = false
            return true
        }
        if rateBucket == nil {
            rateBucket = .some(context.peerRates.bucket(for: PeerRates.key(peer: peer, caller: caller, job: context.job?.owner.id)))
        }
        guard let bucket = rateBucket! else { return true }
        let now = monotonicNanoseconds()
        let wait = bucket.reserve(now: now)
        let due = now + wait
        while true {
            let left = Int64(bitPattern: due &- monotonicNanoseconds())
            if left <= 0 { return true }
            usleep(UInt32(min(UInt64(left) / 1000 + 1, Self.rateSleepMicroseconds)))
            if shared.withLock({ $0.terminated }) || endIfClientLeft() {
                bucket.giveBack()
                return false
            }
        }
    }

    /// Nothing in flight in either direction: safe to close on shutdown.
    var isIdle: Bool { shared.withLock { $0.waitingForRequest && $0.outstanding == 0 } }

    /// A forwarded request has reached (or is reaching) the daemon and its
    /// answer has not begun: what it does there is not done yet.
    var awaitingDaemon: Bool { shared.withLock { $0.forwarded.contains { !$0.answered } } }

    func setWaitingForRequest(_ waiting: Bool) { shared.withLock { $0.waitingForRequest = waiting } }

    /// Queues an exchange for the response thread.
    func push(_ exchange: Exchange) {
        switch exchange.kind {
        case .end: break
        case .interim(let bytes): shared.withLock { $0.interimBacklog += bytes.count }
        case .forwarded: shared.withLock { $0.outstanding += 1; $0.forwarded.append(exchange); $0.upstreamCarried = true }
        case .local: shared.withLock { $0.outstanding += 1 }
        }
        exchanges.push(exchange)
    }

    /// The daemon connection the response thread reads, and its generation.
    var currentUpstream: (fd: FileDescriptor?, generation: Int) {
        shared.withLock { ($0.upstream, $0.upstreamGeneration) }
    }

    /// Request thread, before forwarding a request that may take the
    /// connection over (attach, exec start, any `Upgrade`): waits until every
    /// earlier answer is written, then drops a daemon connection earlier
    /// exchanges went over, so the request goes on a new one and its answer
    /// is the first thing that connection says. On a used connection, an
    /// answer the proxy framed differently from the daemon (none is known:
    /// this is defence in depth) would leave daemon bytes waiting, which
    /// the response thread would read as this request's `101`, then relay
    /// the client's next bytes raw: requests the daemon would read and the
    /// policy never judged. False when the connection ended meanwhile.
    func freshUpstreamForTakeOver() -> Bool {
        guard awaitOutstanding(below: 1) else { return false }
        let old = shared.withLock { s -> FileDescriptor? in
            guard s.upstreamCarried, let old = s.upstream else { return nil }
            s.upstream = nil
            s.upstreamCarried = false
            s.upstreamGeneration += 1
            return old
        }
        old?.close()
        return true
    }

    /// Response thread: an interim exchange's bytes are written (or dropped).
    func interimWritten(_ count: Int) { shared.withLock { $0.interimBacklog -= count } }

    /// Interim bytes queued for a client that has not read them yet: a
    /// build's pull progress is not queued past `maxInterimBacklog` (the
    /// client sees fewer updates, memory stays bounded).
    var interimBacklog: Int { shared.withLock { $0.interimBacklog } }
    static let maxInterimBacklog = 256 << 10

    func exchangeAnswered() {
        let wake = shared.withLock { s -> Bool in
            s.outstanding -= 1
            guard s.waitingBelow > 0, s.outstanding < s.waitingBelow else { return false }
            s.waitingBelow = 0
            return true
        }
        if wake { roomSignal.push(true) }
    }

    /// Request thread: waits until fewer than `maxOutstanding` exchanges are
    /// unanswered. False when the connection ended meanwhile, or the client
    /// hung up for good (then it is ended).
    func awaitRoom() -> Bool { awaitOutstanding(below: Connection.maxOutstanding) }

    /// Request thread, after the client's EOF: waits until every answer is
    /// written, looking meanwhile whether the client hung up for good (a
    /// half-closed client still reads them). The response thread may be
    /// waiting on a quiet stream with requests pipelined behind it, so the
    /// EOF passed on to the daemon does not end it, and no one else watches
    /// the client.
    func awaitAnswersWatchingClient() { _ = awaitOutstanding(below: 1) }

    private func awaitOutstanding(below limit: Int) -> Bool {
        while true {
            let waiting = shared.withLock { s -> Bool in
                guard s.outstanding >= limit, !s.terminated else { return false }
                s.waitingBelow = limit
                return true
            }
            guard waiting else { return !shared.withLock { $0.terminated } }
            _ = roomSignal.pop(timeoutMilliseconds: Connection.verdictPollMilliseconds)
            if shared.withLock({ $0.terminated }) || endIfClientLeft() { return false }
        }
    }

    /// The response thread is done with the oldest forwarded exchange.
    func forwardedFinished() { shared.withLock { if !$0.forwarded.isEmpty { $0.forwarded.removeFirst() } } }

    /// Ends the connection from either thread: wakes the other one.
    func terminate() {
        let (upstream, drains) = shared.withLock { s -> (FileDescriptor?, Bool) in
            s.terminated = true
            return (s.upstream, s.drainsBuild)
        }
        client.shutdown(reading: true, writing: true)
        upstream?.shutdown(reading: !drains, writing: true)
    }

    /// See `Shared.drainsBuild`.
    func setDrainsBuild(_ drains: Bool) { shared.withLock { $0.drainsBuild = drains } }

    /// `terminate()` has run (a cut: the client gone, `job close`, shutdown).
    var isTerminated: Bool { shared.withLock { $0.terminated } }

    /// Called once by each thread when it returns.
    func threadFinished() {
        let last = shared.withLock { s -> Bool in
            s.threadsRunning -= 1
            return s.threadsRunning == 0
        }
        guard last else { return }
        upstream?.close()
        client.close()
        // Exchanges the response thread never reached still get their result record.
        for exchange in exchanges.drain() {
            if var record = exchange.finishedRecord() {
                if record.error == nil { record.error = "the connection ended before the answer was written" }
                context.audit.write(record)
            }
        }
        onClose(self)
    }

    /// Dials the daemon once per client connection.
    func connectUpstream() -> Result<FileDescriptor, SystemError> {
        if let existing = upstream { return .success(existing) }
        do {
            let fd = try UnixSocket.connect(path: context.upstreamPath)
            fd.setSendTimeout(milliseconds: Connection.upstreamWritePollMilliseconds)
            let keep = shared.withLock { s -> Bool in
                if s.terminated { return false }
                s.upstream = fd
                return true
            }
            if !keep {
                fd.close()
                return .failure(SystemError("connect", code: 104))
            }
            return .success(fd)
        } catch {
            return .failure(error)
        }
    }

    /// How long a write to the daemon waits before the request thread looks
    /// whether its client hung up for good. The daemon may not read for a
    /// long time: a body pipelined behind a quiet stream (`events`, `logs
    /// -f`) waits until the stream ends, and a hijacked stream's stdin until
    /// the process reads it.
    static let upstreamWritePollMilliseconds = 500

    /// Writes to the daemon (request thread). A write the daemon does not
    /// take must not outlive the client: when the client hung up for good
    /// meanwhile, the connection is ended (which wakes the response thread,
    /// waiting on the daemon too) and this throws ECONNABORTED.
    func writeUpstream(_ upstream: FileDescriptor, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        try upstream.writeAll(bytes, stoppingWhen: endIfClientLeft)
    }

    func writeUpstream(_ upstream: FileDescriptor, _ bytes: [UInt8]) throws(SystemError) {
        try upstream.writeAll(bytes, stoppingWhen: endIfClientLeft)
    }

    /// The client closed its end for good (not a half-close: that client
    /// still reads its answers): ends the connection. True if it did.
    func endIfClientLeft() -> Bool {
        guard client.peerHungUp else { return false }
        terminate()
        return true
    }

    func start() throws(SystemError) {
        do {
            try spawnDetachedThread(name: "sw-request") { [self] in
                runRequests()
                threadFinished()
            }
        } catch {
            // Neither thread runs: close the client and leave the table.
            threadFinished()
            threadFinished()
            throw error
        }
        do {
            try spawnDetachedThread(name: "sw-response") { [self] in
                runResponses()
                threadFinished()
            }
        } catch {
            // The request thread runs alone: make it stop and let it close.
            exchanges.push(.end())
            terminate()
            threadFinished()
            throw error
        }
    }

    var judge: RequestJudge { RequestJudge(context: context, connection: id, peer: peer, caller: caller) }

    func baseRecord(method: String, target: String) -> AuditRecord {
        judge.baseRecord(method: method, target: target)
    }
}
