import HTTP1
import Policy
import Tenancy

/// A job socket's event stream (`GET /events`): relayed message by message
/// as the daemon sends them, each passed on only when it is the job's
/// (`JobEvents`: a container's events by the IDs the job's socket recorded,
/// or the mark of one of its creates not answered yet). The daemon's label
/// filter alone showed the events of containers the runner made from a
/// job's image (found 2026-12-01). A message that cannot be read is left
/// out; one past `JobEvents.Lines.limit` ends the stream.
extension Connection {
    func relayJobEvents(_ head: ResponseHead, consumed: Int, _ exchange: Exchange, _ reader: ByteReader,
                        scope: JobScope) -> ResponseOutcome {
        let (rawHead, framing) = takeResponseHead(head, consumed: consumed, exchange, reader)
        let job = scope.owner.id
        // Warn mode's header goes into the head, as on every answer.
        let warned = Self.inserting(Self.warningHeaderLine(exchange.warning), into: rawHead)
        let records = scope.containers
        func filtered(_ messages: [[UInt8]]) -> [UInt8] {
            // Asked at each message: a create answered meanwhile is recorded by then.
            var out: [UInt8] = []
            for message in messages {
                let ids = records.ids(of: job)
                let marks = records.marks(of: job)
                let images = records.imageIDs(of: job)
                if let kept = JobEvents.filter(message, recorded: { ids.contains($0) }, creating: { marks.contains($0) },
                                               image: { images.contains($0) }) {
                    out += kept
                    out.append(10)
                }
            }
            return out
        }
        var lines = JobEvents.Lines()
        switch framing {
        case .chunked, .untilClose:
            // Chunked: re-chunked as filtered; HTTP/1.0: the stream ends when the daemon closes it.
            let chunked = framing == .chunked
            guard write(warned, exchange) else { return .close }
            var cut = false
            let end = readStreamedBody(framing, reader) { data in
                guard let messages = lines.feed(data) else { cut = true; return false }
                let out = filtered(messages)
                return out.isEmpty || write(chunked ? BuildProgressStream.chunk(out) : out, exchange)
            }
            if cut { return tooLong(exchange) }
            switch end {
            case .ended:
                guard chunked else { return .close }
                guard write(BuildProgressStream.lastChunk, exchange) else { return .close }
                return head.keepAlive ? .keepAlive : .close
            case .stopped:
                return .close
            case .daemonClosedMidBody:
                exchange.update { if $0.error == nil { $0.error = "daemon closed the connection mid-body" } }
                return .close
            case .malformed(let message):
                exchange.update { $0.error = "daemon sent a malformed chunked body: \(message)" }
                return .close
            }
        default:
            // A whole answer (the daemon streams; `since` and `until` end it): filtered and re-framed.
            guard case .complete(let data, _) = readSmallBody(framing, reader, limit: Self.maxFilteredBody),
                  let messages = lines.feed(data + [10]) else {
                exchange.update { $0.status = 502; $0.error = "response not filterable to the job" }
                let unfilterable = LocalResponse(status: 502, message: "sockwarden: the daemon's answer could not be filtered to this job, so it is not passed on", close: true)
                _ = write(unfilterable.serialized(headRequest: false), exchange)
                return .close
            }
            let body = filtered(messages)
            guard write(Self.reframed(head, rawHead: rawHead, contentLength: body.count,
                                                extra: Self.warningHeaderLine(exchange.warning)) + body, exchange) else { return .close }
            return head.keepAlive ? .keepAlive : .close
        }
    }

    private func tooLong(_ exchange: Exchange) -> ResponseOutcome {
        exchange.update { $0.error = "an event message past \(JobEvents.Lines().limit) bytes: the job's event stream was ended" }
        return .close
    }
}
