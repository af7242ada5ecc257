import Glibc
import EngineAPI
import HTTP1
import Policy
import Posix
import Tenancy

/// The request thread: read a head, judge it, forward or answer, repeat.
extension Connection {
    func runRequests() {
        let reader = makeRequestReader()
        var parser = RequestHeadParser(limits: context.limits)
        while true {
            guard awaitRoom() else {
                push(.end())
                return
            }
            setWaitingForRequest(reader.isEmpty)
            let head: RequestHead
            switch readHead(reader, &parser) {
            case .head(let h): head = h
            case .finished:
                // The client is done sending. Pass that on, as a direct
                // client's EOF would reach the daemon: Go's server then
                // cancels in-flight handlers, so a quiet stream (events,
                // logs -f) ends instead of holding the connection forever.
                upstream?.shutdown(reading: false, writing: true)
                push(.end())
                awaitAnswersWatchingClient()
                return
            case .timedOut:
                var record = baseRecord(method: "-", target: "-")
                record.rule = "head-timeout"
                record.reason = "the request head was not complete within \(context.headTimeoutSeconds) s"
                let response = LocalResponse(status: 408, message: "sockwarden: \(record.reason!); the connection is closed", close: true)
                push(Exchange(kind: .local(response), method: "", record: record))
                return
            case .malformed(let error):
                var record = baseRecord(method: "-", target: "-")
                record.rule = "malformed-request"
                record.reason = error.message
                let response = LocalResponse(status: error.status, message: "sockwarden: malformed request: \(error.message)", close: true)
                push(Exchange(kind: .local(response), method: "", record: record))
                return
            }
            setWaitingForRequest(false)
            guard waitForPeerRate() else {
                push(.end())
                return
            }
            guard handle(head, reader) else { return }
        }
    }

    enum HeadOutcome {
        case head(RequestHead)
        case finished
        case malformed(HTTPError)
        /// A started head was not finished in time.
        case timedOut
    }

    /// Reads until a whole head is buffered. Once part of a head has arrived,
    /// the rest must come within the head timeout, counted from then (not per
    /// read: a client dribbling a byte now and then is cut off too); waiting
    /// for a new request on an idle connection has no timeout.
    private func readHead(_ reader: ByteReader, _ parser: inout RequestHeadParser) -> HeadOutcome {
        var deadline: UInt64 = 0
        defer { if deadline != 0 { client.setReceiveTimeout(milliseconds: 0) } }
        while true {
            if !reader.isEmpty {
                let result = reader.withAvailable { parser.parse($0) }
                switch result {
                case .complete(let head, let consumed):
                    reader.consume(consumed)
                    parser.reset()
                    return .head(head)
                case .failure(let error):
                    return .malformed(error)
                case .needMore:
                    break
                }
            }
            if !reader.isEmpty && deadline == 0 && context.headTimeoutSeconds > 0 {
                deadline = monotonicNanoseconds() + UInt64(context.headTimeoutSeconds) * 1_000_000_000
            }
            do {
                let more = deadline == 0
                    ? try reader.fill(limit: context.limits.maxHeadBytes + 1)
                    : try reader.fill(limit: context.limits.maxHeadBytes + 1, before: deadline)
                if !more { return .finished }
            } catch {
                return error.code == EAGAIN || error.code == EWOULDBLOCK ? .timedOut : .finished
            }
        }
    }

    /// Judges and forwards one request. False when the connection is done.
    /// Answers a request whose body was not read whole (`response`, which
    /// closes the connection), recorded under `rule`; nothing was forwarded.
    /// False: the connection is done.
    private func refuseUnread(_ start: RequestJudge.Start, _ head: RequestHead, rule: String, reason: String,
                              _ response: LocalResponse) -> Bool {
        var record = start.record
        record.request = context.nextRequestID()
        record.decision = "deny"
        record.rule = rule
        record.reason = reason
        push(Exchange(kind: .local(response), method: head.method, record: record))
        push(.end())
        return false
    }

    private func handle(_ head: RequestHead, _ reader: ByteReader) -> Bool {
        let judge = self.judge
        let start = judge.start(head)
        var body: RequestBody?
        var hold: RequestMemory.Hold?
        defer { withExtendedLifetime(hold) {} }
        if start.readsBody {
            switch readBodyForInspection(head, reader) {
            case .body(let read, let held):
                body = read
                hold = held
            case .overMemory(let why):
                let memory = context.requestMemory, job = context.job?.owner.id
                return refuseUnread(start, head, rule: "request-memory", reason: memory.recordReason(why, job: job),
                                    LocalResponse(status: 503, message: memory.refusal(why, job: job), close: true))
            case .clientGone:
                // The head arrived, the body did not: nothing was forwarded.
                var record = start.record
                record.request = context.nextRequestID()
                record.rule = "incomplete-request"
                record.reason = "the client closed the connection before the request body was complete; nothing was forwarded"
                record.error = "client went away"
                context.audit.write(record)
                push(.end())
                return false
            case .timedOut:
                let reason = "the request body was not complete within \(context.headTimeoutSeconds) s; nothing was forwarded"
                return refuseUnread(start, head, rule: "head-timeout", reason: reason,
                                    LocalResponse(status: 408, message: "sockwarden: \(reason); the connection is closed", close: true))
            case .malformed(let error):
                return refuseUnread(start, head, rule: "malformed-request", reason: error.message,
                                    LocalResponse(status: error.status, message: "sockwarden: malformed request body: \(error.message)", close: true))
            }
        }
        var judged = judge.judge(head, start, body: body, environment: context.policyEnvironment)
        let build = judgeBuildContext(head, reader, start, &judged)
        judge.admit(&judged)
        var streamed = false
        if let again = build?.again, !judged.prePulls.isEmpty, case .forward = judged.action {
            switch prePull(head, &judged, again: again) {
            case .judged(let s):
                streamed = s
            case .clientGone:
                // The client hung up while the job socket pulled for its build: nothing is forwarded.
                build?.spool?.close()
                var gone = judged.record
                gone.error = "the client closed the connection while sockwarden pulled the build's images; the build was not forwarded"
                context.audit.write(gone)
                terminate()
                push(.end())
                return false
            }
        }
        var record = judged.record
        if case .forward(let target?, _, _, _, _) = judged.action {
            // Pulls made for a build can change its target after its request record (pull=0): the result says so.
            if target != record.target, record.forwardedTarget != target { record.forwardedTarget = target }
        } else if record.forwardedTarget != nil {
            // Refused after its request record (by the pulls made for it): nothing was forwarded.
            record.forwardedTarget = nil
        }

        switch judged.action {
        case .answer(let status, let message, let raw):
            build?.spool?.close()
            let drained = build.map(\.bodyRead)
                ?? judged.inspected.map { if case .complete = $0 { return true } else { return false } }
                ?? drainBody(head, reader)
            let close = !drained || !head.keepAlive || context.jobClosed
            // After the pulls' progress (a 200 stream): the answer ends that stream.
            var response = streamed ? LocalResponse(status: 200, message: message, close: close, continuesStream: true)
                : LocalResponse(status: status, message: message, close: close, raw: raw)
            response.lingers = !drained && !streamed && build == nil && head.hasBody && !head.expectsContinue
            push(Exchange(kind: .local(response), method: head.method, record: record))
            if response.lingers { discardWhileTheClientSends(reader) }
            if close { push(.end()) }
            return !close
        case .forward(let target, let forwardBody, let warning, let rewrite, let hold):
            if let inspected = judged.inspected {
                // The body was read to judge it: forward what was judged, with a
                // plain length (and without Expect: the proxy already said 100).
                guard case .complete(let received, _) = inspected else { return false }
                return forward(retargeted(head, target), reader, record: record, routeHijacks: start.routeHijacks,
                               judgedBody: forwardBody ?? received, warning: warning, rewrite: rewrite, hold: hold,
                               jobEvents: judged.jobEvents)
            }
            return forward(retargeted(head, target), reader, record: record, routeHijacks: start.routeHijacks, judgedBody: nil,
                           warning: warning, rewrite: rewrite, hold: hold, spool: build?.spool, continuesStream: streamed,
                           buildTags: judged.buildTags, jobEvents: judged.jobEvents,
                           announcesClassicBuilder: judged.announcesClassicBuilder)
        }
    }

    private func retargeted(_ head: RequestHead, _ target: String?) -> RequestHead {
        guard let target else { return head }
        return RequestHead(method: head.method, target: target, version: head.version, headers: head.headers,
                           framing: head.framing, keepAlive: head.keepAlive, expectsContinue: head.expectsContinue,
                           upgrade: head.upgrade)
    }

    private func forward(_ head: RequestHead, _ reader: ByteReader, record: AuditRecord, routeHijacks: Bool, judgedBody: [UInt8]?,
                         warning: ModeWarning? = nil, rewrite: (@Sendable ([UInt8]) -> [UInt8]?)? = nil,
                         hold: AnyObject? = nil, spool: SpoolFile? = nil, continuesStream: Bool = false,
                         buildTags: [String]? = nil, jobEvents: Bool = false, announcesClassicBuilder: Bool = false) -> Bool {
        defer { spool?.close() }
        let hijackCandidate = routeHijacks || head.upgrade != nil
        if hijackCandidate && !freshUpstreamForTakeOver() {
            var gone = record
            gone.error = "the connection ended before the request was forwarded"
            push(Exchange(kind: .local(LocalResponse(status: 503, message: "sockwarden: the connection ended", close: true)),
                          method: head.method, record: gone))
            push(.end())
            return false
        }
        let upstream: FileDescriptor
        switch connectUpstream() {
        case .success(let fd): upstream = fd
        case .failure(let error):
            var failed = record
            failed.error = "daemon unreachable: \(error)"
            let outOfDescriptors = error.code == EMFILE || error.code == ENFILE
            var response = outOfDescriptors
                ? LocalResponse(status: 503, message: "sockwarden: out of file descriptors, cannot open a connection to the daemon (\(error)); try again, or raise sockwarden's limit (LimitNOFILE)", close: true)
                : LocalResponse(
                    status: 502,
                    message: "sockwarden: cannot reach the Docker daemon at \(context.upstreamPath): \(error). Is dockerd running?",
                    close: true)
            // After a build's pull progress: the message ends that stream.
            response.continuesStream = continuesStream
            push(Exchange(kind: .local(response), method: head.method, record: failed))
            return false
        }
        let exchange = Exchange(kind: .forwarded(hijackCandidate: hijackCandidate, routeHijacks: routeHijacks),
                                method: head.method, record: record, warning: warning, rewrite: rewrite, hold: hold,
                                continuesStream: continuesStream, buildTags: buildTags, jobEvents: jobEvents,
                                announcesClassicBuilder: announcesClassicBuilder)
        let bytes: [UInt8]
        if let judgedBody {
            // The body was read to be judged: forward exactly what was judged,
            // with a plain length, and without Expect (the proxy said 100).
            bytes = head.serialized(framing: .length(UInt64(judgedBody.count)), dropping: ["expect"]) + judgedBody
        } else if let spool {
            // A build context read and judged: the spooled bytes, with a plain length.
            bytes = head.serialized(framing: .length(spool.size), dropping: ["expect"])
        } else {
            bytes = head.serialized()
        }
        push(exchange)
        do {
            try writeUpstream(upstream, bytes)
        } catch {
            // The response thread reports the dead daemon (or the client
            // hung up while the daemon did not read, and the connection ended).
            return false
        }
        exchange.update { $0.bytesIn += UInt64(bytes.count) }

        var outcome: BodyOutcome = .complete
        if let spool {
            do {
                try spool.send(to: upstream, stoppingWhen: endIfClientLeft)
                exchange.update { $0.bytesIn += spool.size }
            } catch {
                outcome = .stopped
            }
        } else if judgedBody == nil {
            outcome = forwardBody(head, reader, to: upstream, exchange)
        }
        switch outcome {
        case .complete:
            break
        case .clientGone, .timedOut:
            // The daemon would wait for the rest of the body: end it.
            upstream.shutdown(reading: true, writing: true)
            push(.end())
            return false
        case .stopped:
            // The daemon went away mid-body; the response thread reports it.
            push(.end())
            return false
        case .malformed(let error):
            exchange.abort = error
            upstream.shutdown(reading: true, writing: true)
            return false
        }

        if hijackCandidate {
            guard let hijacked = awaitHijackVerdict() else {
                // The client hung up while the daemon had not answered: no one
                // can read the answer, and nothing else would end a quiet
                // stream before it (a pipelined `events` then `attach`).
                terminate()
                return false
            }
            if hijacked {
                relayRaw(reader, to: upstream, exchange)
                watchClientUntilTheStreamEnds()
                return false
            }
        }
        if !head.keepAlive {
            push(.end())
            return false
        }
        return true
    }

    /// The response thread's verdict on a hijack candidate; nil when the
    /// client hung up for good first. While waiting, this thread reads no
    /// client bytes (they may be a raw stream), so it looks for the hang-up.
    private func awaitHijackVerdict() -> Bool? {
        while true {
            if let verdict = hijackVerdicts.pop(timeoutMilliseconds: Connection.verdictPollMilliseconds) { return verdict }
            if client.peerHungUp { return hijackVerdicts.pop(timeoutMilliseconds: 0) }
        }
    }

    /// How often a request thread waiting for a hijack verdict looks whether its client hung up.
    static let verdictPollMilliseconds = 500

    /// After a taken-over stream's client side has ended (its stdin is
    /// passed on as EOF): a half-closed client still reads what the daemon
    /// sends, but one gone for good never will, and nothing else would
    /// notice. Before 2026-12-01 the response thread then waited on the
    /// daemon until it spoke or closed: an attach without stdin (which
    /// dockerd never reads: a killed `docker run` without -i) or an exec
    /// whose process ignores its stdin's end (a killed `docker exec -i c
    /// sleep 1000`) held the connection, its two descriptors, its result
    /// record and its slot against `--max-connections-per-uid` for as long
    /// as the container or process ran quietly. Blocks until the client hangs up for
    /// good, or the response thread, done with the stream, shuts the
    /// client down (`letGoOfTheClientOnceTheDaemonHasClosed`); then ends
    /// the connection, which also ends a daemon side still open. The
    /// daemon then sees what a client that hung up on it directly shows
    /// it: the connection closed.
    private func watchClientUntilTheStreamEnds() {
        client.waitForHangUp()
        terminate()
    }

    /// Client → daemon after the daemon took the connection over. Ends by
    /// passing the client's half-close on.
    private func relayRaw(_ reader: ByteReader, to upstream: FileDescriptor, _ exchange: Exchange) {
        defer { upstream.shutdown(reading: false, writing: true) }
        while true {
            if !reader.isEmpty {
                let count = reader.count
                let ok = reader.withAvailable { raw -> Bool in
                    do { try writeUpstream(upstream, raw); return true } catch { return false }
                }
                reader.consume(count)
                exchange.update { $0.bytesIn += UInt64(count) }
                guard ok else { return }
            }
            do {
                if try !reader.fill() { return }
            } catch {
                return
            }
        }
    }
}
