import HTTP1
import Posix

/// The response thread: answers go back in request order. The daemon's
/// responses are relayed byte for byte as they arrive (no buffering of
/// streams, no idle timeout: a quiet `logs -f` is never cut).
extension Connection {
    enum ResponseOutcome {
        case keepAlive
        case close
        /// The connection was taken over and the daemon side has ended.
        case hijackEnded
    }

    func runResponses() {
        var upstreamReader: ByteReader?
        var readerGeneration = -1
        var outcome = ResponseOutcome.close
        defer {
            // Never leave the request thread waiting for a verdict.
            hijackVerdicts.push(false)
            if outcome != .hijackEnded { terminate() }
        }
        while true {
            let exchange = exchanges.pop()
            switch exchange.kind {
            case .end:
                return
            case .interim(let bytes):
                let written = (try? client.writeAll(bytes)) != nil
                interimWritten(bytes.count)
                guard written else { return }
            case .local(let response):
                let bytes = response.serialized(headRequest: exchange.method == "HEAD")
                let written = (try? client.writeAll(bytes)) != nil
                exchange.update {
                    // `status` is what the client was sent; the decision is in `decision` and `rule`.
                    $0.status = written ? response.status : nil
                    $0.bytesOut = written ? UInt64(bytes.count) : 0
                    if !written { $0.error = "client went away before the answer (\(response.status)) was written" }
                }
                writeAudit(exchange)
                exchangeAnswered()
                if !written || (response.close && !response.lingers) { return }
                // The request thread discards the rest of the body, then ends the connection.
                if response.lingers { client.shutdown(reading: false, writing: true) }
            case .forwarded(let hijackCandidate, let routeHijacks):
                // A new generation: the request thread gave a take-over request a
                // daemon connection of its own (`freshUpstreamForTakeOver`).
                let current = currentUpstream
                if upstreamReader == nil || readerGeneration != current.generation, let fd = current.fd {
                    upstreamReader = ByteReader(fd: fd)
                    readerGeneration = current.generation
                }
                guard let reader = upstreamReader else { return }
                outcome = relayResponse(exchange, reader, hijackCandidate: hijackCandidate, routeHijacks: routeHijacks)
                writeAudit(exchange)
                exchangeAnswered()
                forwardedFinished()
                if outcome == .hijackEnded { letGoOfTheClientOnceTheDaemonHasClosed(reader.fd) }
                if outcome != .keepAlive { return }
            }
        }
    }

    /// After a taken-over stream's daemon output has ended. dockerd
    /// half-closes an attach whose container ended and reads the client's
    /// stdin until it ends (the request thread relays it on); a stream it is
    /// done with it closes. Then nothing the client sends can reach it, as a
    /// direct client would find: the client's side is shut down too, which
    /// ends the request thread's read, so a client that never closes does not
    /// hold the connection (two threads, two descriptors, a slot). Returns
    /// when the daemon connection is shut down both ways (this side shuts
    /// its writing once the client's stdin ends).
    private func letGoOfTheClientOnceTheDaemonHasClosed(_ upstream: FileDescriptor) {
        upstream.waitForHangUp()
        client.shutdown(reading: true, writing: true)
    }

    private func writeAudit(_ exchange: Exchange) {
        guard var record = exchange.finishedRecord() else { return }
        if context.jobClosed, let error = record.error, error.hasPrefix(Self.clientWentAway) {
            // `job close` shuts a job's connections down: the client did not leave by itself.
            record.error = Self.cutByJobClose + error.dropFirst(Self.clientWentAway.count)
        }
        context.audit.write(record)
    }

    static let clientWentAway = "client went away"
    static let cutByJobClose = "cut by `job close` (the job was closed while the exchange ran)"

    private func relayResponse(_ exchange: Exchange, _ reader: ByteReader, hijackCandidate: Bool, routeHijacks: Bool) -> ResponseOutcome {
        var parser = ResponseHeadParser(limits: context.limits)
        var relayedHead = false
        while true {
            let result = reader.isEmpty ? .needMore : reader.withAvailable { parser.parse($0) }
            switch result {
            case .needMore:
                let more = (try? reader.fill(limit: context.limits.maxHeadBytes + 1)) ?? false
                if !more {
                    if !relayedHead { answerWithoutDaemonResponse(exchange) }
                    return .close
                }
                continue
            case .failure(let error):
                exchange.update { $0.error = "daemon sent an unreadable response: \(error.message)" }
                if !relayedHead { answerWithoutDaemonResponse(exchange) }
                return .close
            case .complete(let head, let consumed):
                if head.isInterim, exchange.continuesStream {
                    // Inside a build's pull-progress stream: no second head (none expected, Expect is dropped).
                    reader.consume(consumed)
                    parser.reset()
                    continue
                }
                if head.isInterim {
                    guard relayHeadAsIs(head, consumed: consumed, reader, exchange) else { return .close }
                    relayedHead = true
                    parser.reset()
                    continue
                }
                // The final head: the hijack verdict, then the relay, decided once.
                let plan = ResponseRelayPlan.plan(hijackCandidate: hijackCandidate, routeHijacks: routeHijacks, status: head.status,
                                                  framing: head.framing(requestMethod: exchange.method),
                                                  rewrites: exchange.rewrite != nil, warns: exchange.warning != nil)
                if let verdict = plan.verdict { hijackVerdicts.push(verdict) }
                let hijacked = plan.verdict == true
                if exchange.buildTags != nil, !hijacked, let scope = context.jobScope, head.status == 200,
                   case let framing = head.framing(requestMethod: exchange.method), framing == .chunked || framing == .untilClose {
                    return relayTaggingBuild(head, consumed: consumed, exchange, reader, scope: scope)
                }
                if exchange.jobEvents, !hijacked, let scope = context.jobScope, head.status == 200 {
                    return relayJobEvents(head, consumed: consumed, exchange, reader, scope: scope)
                }
                if exchange.continuesStream, !hijacked {
                    return relayContinuingStream(head, consumed: consumed, exchange, reader)
                }
                if !hijacked, let change = errorAnswerChange(head.status, exchange) {
                    return relayErrorAnswer(head, consumed: consumed, exchange, reader, change: change)
                }
                switch plan.way {
                case .rewrite:
                    return relayRewritten(head, consumed: consumed, exchange.rewrite!, exchange, reader)
                case .warn:
                    // Warn mode: the client is told, in the head (and the body of a create response).
                    return relayWarned(head, consumed: consumed, exchange.warning!, exchange, reader, hijacked: hijacked)
                case .hijack, .plain:
                    if exchange.announcesClassicBuilder {
                        _ = reader.withAvailableMutable {
                            BuilderVersionField.announceClassicBuilder(in: UnsafeMutableRawBufferPointer(rebasing: $0[0..<consumed]))
                        }
                    }
                    guard relayHeadAsIs(head, consumed: consumed, reader, exchange) else { return .close }
                    return relayAfterHead(head, reader, exchange, hijacked: hijacked)
                }
            }
        }
    }

    /// A build whose pulls' progress went to the client (`BuildProgressStream`):
    /// the daemon's head is not relayed; its chunked 200 stream is relayed as
    /// framed, any other answer ends the stream as one more message.
    private func relayContinuingStream(_ head: ResponseHead, consumed: Int, _ exchange: Exchange, _ reader: ByteReader) -> ResponseOutcome {
        reader.consume(consumed)
        exchange.update { $0.status = head.status }
        let framing = head.framing(requestMethod: exchange.method)
        if let warning = exchange.warning {
            guard write(BuildProgressStream.chunk(BuildProgressStream.stream(warning.text)), exchange) else { return .close }
        }
        if head.status == 200, framing == .chunked {
            guard relayBody(framing, reader, exchange) else { return .close }
            return head.keepAlive ? .keepAlive : .close
        }
        switch readSmallBody(framing, reader, limit: 1 << 20) {
        case .complete(let data, _):
            let end = head.status == 200 ? BuildProgressStream.chunk(data) + BuildProgressStream.lastChunk
                : BuildProgressStream.ending(status: head.status, answer: data)
            guard write(end, exchange) else { return .close }
            return head.keepAlive && framing != .untilClose ? .keepAlive : .close
        case .tooLarge, .failed:
            exchange.update { if $0.error == nil { $0.error = "the daemon's answer could not end the build's stream" } }
            return .close
        }
    }

    /// Writes a head as the daemon sent it (an interim one, or a final one
    /// relayed unchanged). False when the client went away.
    private func relayHeadAsIs(_ head: ResponseHead, consumed: Int, _ reader: ByteReader, _ exchange: Exchange) -> Bool {
        let ok = reader.withAvailable { raw in
            (try? client.writeAll(UnsafeRawBufferPointer(rebasing: raw[0..<consumed]))) != nil
        }
        reader.consume(consumed)
        exchange.update {
            $0.bytesOut += UInt64(consumed)
            $0.status = head.status
        }
        if !ok { exchange.update { $0.error = "client went away" } }
        return ok
    }

    /// Once the final head is written: hijack (the verdict was given), or
    /// relay the body as framed.
    func relayAfterHead(_ head: ResponseHead, _ reader: ByteReader, _ exchange: Exchange, hijacked: Bool) -> ResponseOutcome {
        let framing = head.framing(requestMethod: exchange.method)
        if hijacked {
            exchange.update { $0.hijacked = true }
            relayUntilClose(reader, exchange)
            // Who ended the session: the daemon (the process ended, or was
            // detached: no error), or the client, gone for good (a
            // half-close is a client done sending, still reading).
            if client.peerHungUp { exchange.update { if $0.error == nil { $0.error = "client went away" } } }
            client.shutdown(reading: false, writing: true)
            return .hijackEnded
        }
        guard relayBody(framing, reader, exchange) else { return .close }
        return head.keepAlive && framing != .untilClose ? .keepAlive : .close
    }

    /// No response came: the daemon died, or refused a body we cut off.
    private func answerWithoutDaemonResponse(_ exchange: Exchange) {
        var response: LocalResponse
        if let abort = exchange.abort {
            response = LocalResponse(status: abort.status, message: "sockwarden: malformed request body: \(abort.message)", close: true)
        } else {
            response = LocalResponse(
                status: 502,
                message: "sockwarden: the Docker daemon at \(context.upstreamPath) closed the connection without answering",
                close: true)
        }
        // After a build's pull progress: the message ends that stream.
        response.continuesStream = exchange.continuesStream
        let bytes = response.serialized(headRequest: exchange.method == "HEAD")
        let written = (try? client.writeAll(bytes)) != nil
        exchange.update {
            guard written else {
                // `status` is what the client was sent: nothing. The daemon may have acted on the
                // request all the same (its connection was cut because the client had gone).
                if $0.error == nil { $0.error = Self.unansweredAndClientGone }
                return
            }
            $0.status = response.status
            $0.bytesOut += UInt64(bytes.count)
            if $0.error == nil { $0.error = response.message }
        }
    }

    static let unansweredAndClientGone =
        "client went away; the daemon had not answered: what it made of the request, forwarded before, is not known"

    /// Relays a body exactly as the daemon framed it (`ResponseFramer`
    /// decides where it ends). False when either side failed, or the body
    /// ran until the daemon closed. `decoder`: a chunked body already partly relayed.
    func relayBody(_ framing: BodyFraming, _ reader: ByteReader, _ exchange: Exchange, decoder: ChunkedDecoder? = nil) -> Bool {
        if decoder == nil, framing == .untilClose {
            relayUntilClose(reader, exchange)
            return false
        }
        var framer = decoder.map { ResponseFramer(chunked: $0, limits: context.limits) }
            ?? ResponseFramer(body: framing, limits: context.limits)
        while !framer.isDone {
            if reader.isEmpty {
                guard (try? reader.fill()) == true else {
                    if framer.end() == .truncated { exchange.update { $0.error = "daemon closed the connection mid-body" } }
                    return false
                }
            }
            switch reader.withAvailable({ framer.step($0) }) {
            case .body(let n):
                let slice = reader.take(max: n)
                guard (try? client.writeAll(slice)) != nil else {
                    exchange.update { $0.error = "client went away" }
                    return false
                }
                exchange.update { $0.bytesOut += UInt64(slice.count) }
            case .failure(let error):
                exchange.update { $0.error = "daemon sent a malformed chunked body: \(error.message)" }
                return false
            case .needMore, .head:
                // Only a chunked body's framing can leave buffered bytes unused: read more.
                guard (try? reader.fill()) == true else {
                    exchange.update { $0.error = "daemon closed the connection mid-body" }
                    return false
                }
            }
        }
        return true
    }

    /// Daemon → client until the daemon closes (or the client goes away).
    func relayUntilClose(_ reader: ByteReader, _ exchange: Exchange) {
        while true {
            if !reader.isEmpty {
                let slice = reader.take(max: reader.count)
                guard (try? client.writeAll(slice)) != nil else {
                    exchange.update { if $0.error == nil { $0.error = "client went away" } }
                    return
                }
                exchange.update { $0.bytesOut += UInt64(slice.count) }
            }
            guard (try? reader.fill()) == true else { return }
        }
    }
}
