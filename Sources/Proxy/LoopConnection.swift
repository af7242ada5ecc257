import Glibc
import HTTP1
import Policy
import Posix

/// One client connection served by an `EventLoop`: a state machine driven
/// by readiness events, owned by the loop thread. It reads a request head,
/// judges it (`RequestJudge`, as the threaded `Connection` does), forwards
/// it with its whole body, relays the response as the daemon frames it, and
/// starts over; pipelined requests are answered in order, one at a time.
/// What the loop does not do itself (`LoopPlan`) is handed, with the bytes
/// already read, to a threaded `Connection`, which keeps the connection.
final class LoopConnection {
    /// How long the loop waits for the daemon to accept a connection.
    static let connectTimeoutMilliseconds = 5000

    let id: UInt64
    let slot: Int
    let token: UInt64
    let client: FileDescriptor
    let peer: PeerCredentials?
    /// The loop outlives its connections (loops are never torn down).
    unowned(unsafe) let loop: EventLoop
    var context: ServerContext { loop.context }

    var upstream: FileDescriptor?
    /// The client's bytes not yet used.
    var inbuf = LoopBuffer()
    /// The daemon's bytes not yet relayed.
    var upbuf = LoopBuffer()
    var parser: RequestHeadParser
    /// A head whose body is still arriving.
    var pending: (head: RequestHead, consumed: Int, start: RequestJudge.Start, bodyBytes: Int)?
    /// Monotonic deadline of a started head (0: none).
    var headDeadline: UInt64 = 0
    /// When a request held back by its peer's rate (`PeerRates`) is taken
    /// up again (monotonic; 0: none). Its head stays in `inbuf`, parsed again then.
    var resumeAt: UInt64 = 0
    /// The peer's bucket, looked up at the first request (nil inside: no limit).
    private var rateBucket: PeerRateBucket??
    /// The buffered request has its slot reserved (it waited for it).
    private var slotHeld = false
    /// A request's slot was reserved here; every hand-off follows one, so
    /// the thread that takes the connection over does not reserve the
    /// request it is handed again.
    private var charged = false
    var clientEOF = false
    var upstreamEnded = false
    /// A write to the client would block: waiting for EPOLLOUT (and not
    /// reading the daemon meanwhile).
    var clientBlocked = false
    /// Request bytes the daemon has not taken yet.
    var upOut: [UInt8] = []
    var upOutSent = 0
    var current: LoopExchange?
    var closed = false
    /// What each descriptor is registered for in epoll (nil: not registered).
    var registeredClient: UInt32? = Epoll.readable
    var registeredUpstream: UInt32?
    private var caller: AuditCgroup.Caller?
    /// In the loop's list of sends put off to the end of the batch.
    var sendDeferred = false
    /// The outcome of the send `pendingSend` named, made by the loop with
    /// the batch's other sends: the next `send` takes it instead of sending.
    var batchedSend: NonBlockingResult?

    init(id: UInt64, slot: Int, token: UInt64, client: FileDescriptor, peer: PeerCredentials?, loop: EventLoop) {
        self.id = id
        self.slot = slot
        self.token = token
        self.client = client
        self.peer = peer
        self.loop = loop
        self.parser = RequestHeadParser(limits: loop.context.limits)
    }

    var judge: RequestJudge {
        RequestJudge(context: context, connection: id, peer: peer, caller: lookedUpCaller)
    }

    /// The caller (`AuditCgroup`), looked up at the first request.
    private var lookedUpCaller: AuditCgroup.Caller {
        if let caller { return caller }
        let found = AuditCgroup.caller(of: client, peer: peer)
        caller = found
        return found
    }

    /// Nothing received, nothing in flight.
    var isIdle: Bool { current == nil && inbuf.isEmpty && pending == nil }

    // MARK: - Events

    func clientEvent(_ events: UInt32) {
        // The event's bits first: the class's properties cost an exclusivity check each.
        if events & (Epoll.hangup | Epoll.error) != 0, slotHeld, current == nil {
            // Gone for good while its request waited for its peer's slot: nothing
            // was judged or forwarded, and the slot is given back (`close`).
            close(because: "client went away")
            return
        }
        if current != nil, events & (Epoll.hangup | Epoll.error) != 0, !readingClient || clientEOF {
            // The client is gone for good while an answer is pending (a
            // quiet stream, with requests pipelined behind it, which keep
            // the EOF from being passed on, or fill the read-ahead so that
            // the EOF is never read): no one can read it. Its record says
            // so (the answer's head may well have been written).
            close(because: "client went away")
            return
        }
        if events & Epoll.writable != 0 || (clientBlocked && events & (Epoll.error | Epoll.hangup) != 0) {
            clientBlocked = false
        }
        if events & (Epoll.readable | Epoll.error | Epoll.hangup) != 0, let mask = registeredClient, mask & Epoll.readable != 0 {
            readClient()
        }
        advance()
    }

    /// Registered for the client's bytes (not: its EOF was read, or the
    /// read-ahead is full).
    private var readingClient: Bool { registeredClient.map { $0 & Epoll.readable != 0 } ?? false }

    func upstreamEvent(_ events: UInt32) {
        if events & (Epoll.writable | Epoll.error | Epoll.hangup) != 0, !upOut.isEmpty { flushUpstream() }
        if events & (Epoll.readable | Epoll.error | Epoll.hangup) != 0, let mask = registeredUpstream, mask & Epoll.readable != 0 {
            readUpstream()
        }
        advance()
    }

    /// How much of the client's input is buffered at most: a head and a
    /// judged body between exchanges, a little read-ahead during one.
    private var clientReadLimit: Int {
        current == nil ? context.limits.maxHeadBytes + 1 + context.inspectionLimit : loop.pool.size
    }

    private func readClient() {
        guard !clientEOF, !inbuf.overBudget else { return }
        guard let space = inbuf.space(loop.pool, limit: clientReadLimit, memory: context.requestMemory) else {
            if inbuf.overBudget { refuseForMemory() }
            return
        }
        switch client.readNonBlocking(into: space) {
        case .done(let n):
            inbuf.commit(n)
        case .wouldBlock:
            inbuf.releaseIfEmpty(loop.pool)
        case .end, .failed:
            inbuf.releaseIfEmpty(loop.pool)
            clientEOF = true
            passOnClientEOF()
        }
    }

    /// The client is done sending: pass that on while a response streams,
    /// as a direct client's EOF would reach the daemon (Go's server then
    /// cancels the handler, so a quiet `logs -f` or `events` ends).
    private func passOnClientEOF() {
        guard clientEOF, let upstream, current != nil, current?.local == nil, inbuf.isEmpty, pending == nil, upOut.isEmpty else { return }
        upstream.shutdown(reading: false, writing: true)
    }

    private func readUpstream() {
        guard let upstream, !upstreamEnded else { return }
        guard let exchange = current, exchange.local == nil else {
            // Between exchanges the daemon has nothing to say: it closed.
            var scratch: UInt8 = 0
            let result = withUnsafeMutableBytes(of: &scratch) { upstream.readNonBlocking(into: $0) }
            if result != .wouldBlock { dropUpstream() }
            return
        }
        let limit = exchange.headRelayed ? loop.pool.size : context.limits.maxHeadBytes + 1
        guard !clientBlocked, let space = upbuf.space(loop.pool, limit: max(limit, upbuf.count + 1)) else { return }
        switch upstream.readNonBlocking(into: space) {
        case .done(let n): upbuf.commit(n)
        case .wouldBlock: upbuf.releaseIfEmpty(loop.pool)
        case .end, .failed:
            upbuf.releaseIfEmpty(loop.pool)
            upstreamEnded = true
        }
    }

    private func flushUpstream() {
        guard let upstream, !upOut.isEmpty else { return }
        let result = upOut.withUnsafeBytes { send(upstream, UnsafeRawBufferPointer(rebasing: $0[upOutSent...])) }
        switch result {
        case .done(let n):
            upOutSent += n
            if upOutSent == upOut.count {
                current?.record.bytesIn += UInt64(upOut.count)
                upOut = []
                upOutSent = 0
                passOnClientEOF()
            }
        case .wouldBlock:
            break
        case .end, .failed:
            // The daemon is gone; reading its side reports it.
            upOut = []
            upOutSent = 0
            upstreamEnded = true
        }
    }

    private func dropUpstream() {
        if let upstream {
            if registeredUpstream != nil { loop.epoll.remove(upstream) }
            upstream.close()
        }
        upstream = nil
        registeredUpstream = nil
        upstreamEnded = false
        upbuf.release(loop.pool)
    }

    // MARK: - Sends at the end of a batch

    /// True when a send must wait for the end of the loop's batch of events
    /// (the loop is told, once); false when it may go now.
    private func deferringSend() -> Bool {
        guard loop.defersSends else { return false }
        loop.deferSend(self)
        return true
    }

    /// The send `sendDeferredBytes` makes first, if any: the loop may make it
    /// with the batch's other sends. Mirrors the order below: the request
    /// to the daemon, else the proxy's own answer, else the daemon's bytes
    /// cleared for the client. The bytes stay where they are (and are not
    /// changed) until the connection has taken the outcome.
    func pendingSend() -> SendRing.Send? {
        guard sendDeferred, !closed else { return nil }
        if !upOut.isEmpty {
            guard let upstream else { return nil }
            return upOut.withUnsafeBytes { SendRing.Send(fd: upstream, bytes: UnsafeRawBufferPointer(rebasing: $0[upOutSent...])) }
        }
        guard let exchange = current, !clientBlocked else { return nil }
        if let local = exchange.local {
            return local.withUnsafeBytes { SendRing.Send(fd: client, bytes: UnsafeRawBufferPointer(rebasing: $0[exchange.localSent...])) }
        }
        guard exchange.relayable > 0 else { return nil }
        return upbuf.withAvailable { SendRing.Send(fd: client, bytes: UnsafeRawBufferPointer(rebasing: $0[0..<exchange.relayable])) }
    }

    /// Called by the loop at the end of a batch: the put-off send, then on.
    func sendDeferredBytes() {
        sendDeferred = false
        if !closed {
            if !upOut.isEmpty { flushUpstream() }
            advance()
        }
        if batchedSend != nil {
            // Bytes went out that the state machine did not account for
            // (never expected): the stream can no longer be trusted.
            batchedSend = nil
            close()
        }
    }

    /// One send: the outcome the loop's batch had for it, or one now.
    private func send(_ fd: FileDescriptor, _ bytes: UnsafeRawBufferPointer) -> NonBlockingResult {
        if let result = batchedSend {
            batchedSend = nil
            return result
        }
        return fd.sendNonBlocking(bytes)
    }

    // MARK: - The state machine

    /// Runs until it has to wait, then registers for what it waits for.
    func advance() {
        while !closed {
            if let exchange = current {
                if exchange.local != nil {
                    guard writeLocal(exchange) else { break }
                } else {
                    guard relay(exchange) else { break }
                }
            } else {
                guard nextRequest() else { break }
            }
        }
        if !closed { updateInterest() }
    }

    /// Starts the next request if one is buffered. False: wait for bytes.
    private func nextRequest() -> Bool {
        if loop.draining && isIdle {
            close()
            return true
        }
        if let pending {
            guard inbuf.count >= pending.consumed + pending.bodyBytes else { return waitForClient() }
            self.pending = nil
            clearDeadline()
            return serve(pending.head, consumed: pending.consumed, start: pending.start, bodyBytes: pending.bodyBytes)
        }
        if resumeAt != 0 { return false }
        if !inbuf.isEmpty {
            switch inbuf.withAvailable({ parser.parse($0) }) {
            case .complete(let head, let consumed):
                parser.reset()
                clearDeadline()
                if holdForRate() { return false }
                return begin(head, consumed: consumed)
            case .failure(let error):
                clearDeadline()
                var record = judge.baseRecord(method: "-", target: "-")
                record.rule = "malformed-request"
                record.reason = error.message
                answer(LocalResponse(status: error.status, message: "sockwarden: malformed request: \(error.message)", close: true),
                       record: record, method: "")
                return true
            case .needMore:
                if headDeadline == 0 && context.headTimeoutSeconds > 0 {
                    headDeadline = monotonicNanoseconds() + UInt64(context.headTimeoutSeconds) * 1_000_000_000
                    loop.timed.insert(slot)
                }
            }
        }
        return waitForClient()
    }

    private func waitForClient() -> Bool {
        if clientEOF {
            if let pending {
                // The head arrived, the body did not: nothing was forwarded.
                var record = pending.start.record
                record.request = context.nextRequestID()
                record.rule = "incomplete-request"
                record.reason = "the client closed the connection before the request body was complete; nothing was forwarded"
                record.error = "client went away"
                context.audit.write(record)
                self.pending = nil
            }
            close()
            return true
        }
        inbuf.releaseIfEmpty(loop.pool)
        upbuf.releaseIfEmpty(loop.pool)
        return false
    }

    private func clearDeadline() {
        if headDeadline != 0 {
            headDeadline = 0
            if resumeAt == 0 { loop.timed.remove(slot) }
        }
    }

    /// Reserves the peer's next slot (`PeerRates`) for the request whose
    /// head is buffered. True: the slot is ahead, the request waits
    /// (`resumeAt`); when the loop calls `resume` its head is parsed again
    /// and it goes on the slot it holds (`slotHeld`), without reserving again.
    private func holdForRate() -> Bool {
        if slotHeld {
            slotHeld = false
            return false
        }
        if rateBucket == nil {
            rateBucket = .some(context.peerRates.bucket(for: PeerRates.key(peer: peer, caller: lookedUpCaller, job: context.job?.owner.id)))
        }
        guard let bucket = rateBucket! else { return false }
        charged = true
        let now = monotonicNanoseconds()
        let wait = bucket.reserve(now: now)
        guard wait > 0 else { return false }
        slotHeld = true
        resumeAt = now + wait
        loop.timed.insert(slot)
        return true
    }

    /// The wait of a request held back by its peer's rate is over (called by the loop).
    func resume() {
        guard resumeAt != 0 else { return }
        resumeAt = 0
        if headDeadline == 0 { loop.timed.remove(slot) }
        advance()
    }

    /// A started head was not finished in time (called by the loop).
    func headTimedOut() {
        guard headDeadline != 0, current == nil else { return }
        clearDeadline()
        // One request number per record (a number taken and not written
        // reads as a record missing from the log).
        var record = judge.baseRecord(method: "-", target: "-", numbered: pending == nil)
        record.rule = "head-timeout"
        record.reason = "the request head was not complete within \(context.headTimeoutSeconds) s"
        if let pending {
            record = pending.start.record
            record.request = context.nextRequestID()
            record.rule = "head-timeout"
            record.reason = "the request body was not complete within \(context.headTimeoutSeconds) s; nothing was forwarded"
            self.pending = nil
        }
        answer(LocalResponse(status: 408, message: "sockwarden: \(record.reason!); the connection is closed", close: true),
               record: record, method: "")
        advance()
    }

    /// Reading on would hold more memory than `--max-request-memory` has
    /// left (a long head, or a body to judge, arriving): 503, and the
    /// connection is closed, as when its head times out.
    private func refuseForMemory() {
        guard current == nil else { return }
        clearDeadline()
        var record = judge.baseRecord(method: "-", target: "-", numbered: pending == nil)
        if let pending {
            record = pending.start.record
            record.request = context.nextRequestID()
            self.pending = nil
        }
        record.decision = "deny"
        record.rule = "request-memory"
        // The loop serves no job socket: the limit for all requests together.
        record.reason = context.requestMemory.recordReason(.overLimit, job: nil)
        answer(LocalResponse(status: 503, message: context.requestMemory.refusal(.overLimit, job: nil), close: true), record: record, method: "")
    }

    /// A whole head is buffered: serve it here, or hand the connection off.
    private func begin(_ head: RequestHead, consumed: Int) -> Bool {
        let judge = self.judge
        let start = judge.start(head)
        if start.buildContext != nil {
            // The context is spooled and its Dockerfile judged by a thread.
            handOff(.buildContext)
            return true
        }
        switch LoopPlan.plan(head, readsBody: start.readsBody, routeHijacks: start.routeHijacks,
                             inspectionLimit: context.inspectionLimit) {
        case .handOff(let reason):
            handOff(reason)
            return true
        case .serve(let bodyBytes):
            if inbuf.count < consumed + bodyBytes {
                pending = (head, consumed, start, bodyBytes)
                // The body must follow within the head timeout too: a
                // buffered body waiting for its rest holds memory.
                if context.headTimeoutSeconds > 0 {
                    headDeadline = monotonicNanoseconds() + UInt64(context.headTimeoutSeconds) * 1_000_000_000
                    loop.timed.insert(slot)
                }
                return waitForClient()
            }
            return serve(head, consumed: consumed, start: start, bodyBytes: bodyBytes)
        }
    }

    /// Head and body are buffered: judge, then answer or forward.
    private func serve(_ head: RequestHead, consumed: Int, start: consuming RequestJudge.Start, bodyBytes: Int) -> Bool {
        let judge = self.judge
        var body: RequestBody?
        let readsBody = start.readsBody
        if readsBody {
            let bytes = inbuf.withAvailable { Array($0[consumed..<(consumed + bodyBytes)]) }
            body = .complete(bytes, contentType: head.headers.first("content-type"))
        }
        let environment = loop.environment
        environment.startJudging()
        var judged = judge.judge(head, start, body: body, environment: environment)
        var warns = false
        var rewrites = false
        if case .forward(_, _, let warning, let rewrite, _) = judged.action {
            warns = warning != nil
            rewrites = rewrite != nil
        }
        if let reason = LoopPlan.judged(neededLookup: environment.neededLookup, warns: warns, rewrites: rewrites) {
            handOff(reason)
            return true
        }
        if case .forward = judged.action, upstream == nil, !connectWithoutWaiting() {
            handOff(.daemonBusy)
            return true
        }
        judge.admit(&judged)
        switch judged.action {
        case .answer(let status, let message, let raw):
            inbuf.consume(consumed + bodyBytes)
            answer(LocalResponse(status: status, message: message, close: !head.keepAlive, raw: raw), record: judged.record, method: head.method)
        case .forward(let target, let forwardBody, _, _, _):
            // `hold` (a job's quota reservation) is nil here: job sockets are never served by the loop.
            let forwarded = target.map {
                RequestHead(method: head.method, target: $0, version: head.version, headers: head.headers,
                            framing: head.framing, keepAlive: head.keepAlive, expectsContinue: head.expectsContinue,
                            upgrade: head.upgrade)
            } ?? head
            var bytes: [UInt8]
            if readsBody, case .complete(let received, _)? = judged.inspected {
                // Forward exactly what was judged, with a plain length.
                let judgedBody = forwardBody ?? received
                bytes = forwarded.serialized(framing: .length(UInt64(judgedBody.count)), dropping: ["expect"])
                bytes += judgedBody
            } else {
                bytes = forwarded.serialized()
                if bodyBytes > 0 { inbuf.withAvailable { bytes += $0[consumed..<(consumed + bodyBytes)] } }
            }
            inbuf.consume(consumed + bodyBytes)
            // Waiting for the daemon holds no client buffer (1000 clients
            // pinging at once would otherwise hold 1000 of them).
            inbuf.releaseIfEmpty(loop.pool)
            forward(bytes, record: judged.record, method: head.method, closeAfter: !head.keepAlive,
                    announcesClassicBuilder: judged.announcesClassicBuilder)
        }
        return true
    }

    private func answer(_ response: LocalResponse, record: AuditRecord, method: String) {
        current = LoopExchange.local(response, record: record, method: method, limits: context.limits)
    }

    /// Opens the daemon connection if the daemon accepts at once. False when
    /// its accept queue is full (the caller hands the request to a thread,
    /// which waits); other failures are left to `forward`, which reports them.
    private func connectWithoutWaiting() -> Bool {
        do {
            upstream = try UnixSocket.connect(path: context.upstreamPath, nonBlocking: true)
            upstreamEnded = false
            return true
        } catch {
            return error.code != EAGAIN
        }
    }

    private func forward(_ bytes: [UInt8], record: AuditRecord, method: String, closeAfter: Bool, announcesClassicBuilder: Bool) {
        if upstream == nil {
            do {
                // Bounded: the loop serves every connection, and a daemon
                // whose accept queue is full would otherwise stall them all.
                let fd = try UnixSocket.connect(path: context.upstreamPath, timeoutMilliseconds: LoopConnection.connectTimeoutMilliseconds)
                fd.setNonBlocking(true)
                upstream = fd
                upstreamEnded = false
            } catch {
                var failed = record
                failed.error = "daemon unreachable: \(error)"
                let outOfDescriptors = error.code == EMFILE || error.code == ENFILE
                let response = outOfDescriptors
                    ? LocalResponse(status: 503, message: "sockwarden: out of file descriptors, cannot open a connection to the daemon (\(error)); try again, or raise sockwarden's limit (LimitNOFILE)", close: true)
                    : error.code == EAGAIN
                    ? LocalResponse(status: 503, message: "sockwarden: the Docker daemon at \(context.upstreamPath) is not accepting connections (its queue was still full after \(LoopConnection.connectTimeoutMilliseconds / 1000) s); try again, and check that dockerd is not hung", close: true)
                    : LocalResponse(status: 502, message: "sockwarden: cannot reach the Docker daemon at \(context.upstreamPath): \(error). Is dockerd running?", close: true)
                answer(response, record: failed, method: method)
                return
            }
        }
        current = LoopExchange(record: record, method: method, closeAfter: closeAfter, limits: context.limits,
                               announcesClassicBuilder: announcesClassicBuilder)
        upOut = bytes
        upOutSent = 0
        if !deferringSend() { flushUpstream() }
    }

    /// Writes the proxy's own answer. False: the client is slow, wait.
    private func writeLocal(_ exchange: LoopExchange) -> Bool {
        guard !clientBlocked, !deferringSend() else { return false }
        let bytes = exchange.local!
        let result = bytes.withUnsafeBytes { send(client, UnsafeRawBufferPointer(rebasing: $0[exchange.localSent...])) }
        switch result {
        case .done(let n):
            exchange.localSent += n
            guard exchange.localSent == bytes.count else { return true }
            exchange.record.status = exchange.localStatus
            exchange.record.bytesOut = UInt64(bytes.count)
        case .wouldBlock:
            clientBlocked = true
            return false
        case .end, .failed:
            // `status` is what the client was sent (a part of the answer at most: none).
            exchange.record.status = nil
            exchange.record.bytesOut = 0
            exchange.record.error = "client went away before the answer (\(exchange.localStatus)) was written"
            exchange.closeAfter = true
        }
        finish(exchange)
        return true
    }

    /// Relays what the daemon sent. False: waiting for one side.
    private func relay(_ exchange: LoopExchange) -> Bool {
        while true {
            if exchange.relayable > 0 {
                guard !clientBlocked, !deferringSend() else { return false }
                let result = upbuf.withAvailable { send(client, UnsafeRawBufferPointer(rebasing: $0[0..<exchange.relayable])) }
                switch result {
                case .done(let n):
                    upbuf.consume(n)
                    exchange.relayable -= n
                    exchange.record.bytesOut += UInt64(n)
                    continue
                case .wouldBlock:
                    clientBlocked = true
                    return false
                case .end, .failed:
                    exchange.record.error = "client went away"
                    exchange.closeAfter = true
                    finish(exchange)
                    return true
                }
            }
            if case .done = exchange.stage {
                finish(exchange)
                return true
            }
            var failure: String?
            let cleared = upbuf.withAvailableMutable { exchange.clear($0, failure: &failure) }
            if let failure {
                exchange.record.error = failure
                if !exchange.headRelayed || exchange.relayable == 0 {
                    return endWithoutResponse(exchange)
                }
                continue
            }
            if cleared { continue }
            if upstreamEnded {
                if case .untilClose = exchange.stage {
                    exchange.closeAfter = true
                    finish(exchange)
                    return true
                }
                if exchange.record.error == nil && exchange.headRelayed {
                    exchange.record.error = "daemon closed the connection mid-body"
                }
                return endWithoutResponse(exchange)
            }
            upbuf.releaseIfEmpty(loop.pool)
            return false
        }
    }

    /// The daemon ended or garbled its answer: a 502 when nothing was
    /// relayed yet, else the connection is cut.
    private func endWithoutResponse(_ exchange: LoopExchange) -> Bool {
        exchange.closeAfter = true
        guard !exchange.headRelayed else {
            finish(exchange)
            return true
        }
        let response = LocalResponse(status: 502,
                                     message: "sockwarden: the Docker daemon at \(context.upstreamPath) closed the connection without answering",
                                     close: true)
        var record = exchange.record
        if record.error == nil { record.error = response.message }
        dropUpstream()
        answer(response, record: record, method: exchange.method)
        return true
    }

    /// The exchange is over: its result record, then the next request or the end.
    private func finish(_ exchange: LoopExchange) {
        context.audit.write(exchange.record)
        current = nil
        if exchange.closeAfter || !upOut.isEmpty {
            close()
            return
        }
        if upstreamEnded { dropUpstream() }
        inbuf.releaseIfEmpty(loop.pool)
        upbuf.releaseIfEmpty(loop.pool)
    }

    // MARK: - Registration, hand-off, end

    private func updateInterest() {
        var clientMask: UInt32 = 0
        if !clientEOF && !inbuf.overBudget && inbuf.count < clientReadLimit { clientMask |= Epoll.readable }
        if clientBlocked { clientMask |= Epoll.writable }
        // Not reading the client (after its EOF, or with the read-ahead
        // full), stay registered (for the hang-up epoll always reports)
        // while an answer is pending.
        if clientMask == 0 && current != nil { clientMask = Epoll.hangup }
        registeredClient = loop.register(client, mask: clientMask, was: registeredClient, token: token)
        if let upstream {
            var upstreamMask: UInt32 = 0
            if !clientBlocked && !upstreamEnded { upstreamMask |= Epoll.readable }
            // (A send put off to the end of the batch is not a blocked one.)
            if !upOut.isEmpty && !sendDeferred { upstreamMask |= Epoll.writable }
            registeredUpstream = loop.register(upstream, mask: upstreamMask, was: registeredUpstream, token: token | 1)
        }
    }

    /// Gives the connection to a threaded `Connection`, with the bytes the
    /// client sent from the start of the current request on.
    private func handOff(_ reason: HandOffReason) {
        clearDeadline()
        if registeredClient != nil { loop.epoll.remove(client) }
        if let upstream, registeredUpstream != nil { loop.epoll.remove(upstream) }
        registeredClient = nil
        registeredUpstream = nil
        if !upbuf.isEmpty || upstreamEnded { dropUpstream() }
        client.setNonBlocking(false)
        upstream?.setNonBlocking(false)
        let handed = LoopHandOff(id: id, client: client, peer: peer, upstream: upstream, prebuffered: inbuf.bytes(),
                                 caller: caller, reason: reason, charged: charged)
        upstream = nil
        inbuf.release(loop.pool)
        upbuf.release(loop.pool)
        closed = true
        loop.forget(self)
        loop.handOff(handed)
    }

    /// Ends the connection; an exchange in flight still gets its record,
    /// with `reason` as its error when it has none yet.
    func close(because reason: String = "the connection ended before the answer was written") {
        guard !closed else { return }
        closed = true
        clearDeadline()
        // Gone while it waited for its slot (`holdForRate`): given back, no debt left behind.
        if slotHeld, let bucket = rateBucket ?? nil { bucket.giveBack() }
        if let exchange = current {
            if exchange.record.error == nil { exchange.record.error = reason }
            context.audit.write(exchange.record)
            current = nil
        }
        if let upstream { upstream.close() }
        client.close()
        upstream = nil
        inbuf.release(loop.pool)
        upbuf.release(loop.pool)
        loop.forget(self)
        loop.onClose(id, peer)
    }
}

/// A connection the loop gives to a thread.
struct LoopHandOff: @unchecked Sendable {
    let id: UInt64
    let client: FileDescriptor
    let peer: PeerCredentials?
    let upstream: FileDescriptor?
    let prebuffered: [UInt8]
    let caller: AuditCgroup.Caller?
    let reason: HandOffReason
    /// The current request's token (`PeerRates`) was taken by the loop.
    let charged: Bool
}
