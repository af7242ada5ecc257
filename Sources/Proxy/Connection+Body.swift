import Glibc
import HTTP1
import Policy
import Posix

/// Request bodies, in one place: `readBody` walks a body as framed by the
/// client (Content-Length or chunked) and hands each run of data to a
/// closure, in bounded memory. Forwarding re-frames what it is handed
/// canonically (a chunked body is re-chunked, so extensions and odd
/// spellings never reach the daemon); draining discards it; inspection
/// keeps it, up to the inspection limit.
extension Connection {
    enum BodyOutcome {
        case complete
        case clientGone
        /// The closure asked to stop (the daemon went away, or a limit was hit).
        case stopped
        case malformed(HTTPError)
        /// The body was not complete by the deadline.
        case timedOut
    }

    /// Reads the body of `head` from `reader`. `onData` returns false to
    /// stop. `deadline` (monotonic nanoseconds, 0: none) bounds the whole
    /// read: bodies read before anything is forwarded have one; streamed
    /// uploads do not (a slow upload is the client's right, as it is with
    /// the daemon itself).
    func readBody(_ head: RequestHead, _ reader: ByteReader, deadline: UInt64 = 0,
                  onData: (UnsafeRawBufferPointer) -> Bool) -> BodyOutcome {
        defer { if deadline != 0 { client.setReceiveTimeout(milliseconds: 0) } }
        /// nil: more bytes are buffered; else why not.
        func fill() -> BodyOutcome? {
            do {
                let more = deadline == 0 ? try reader.fill() : try reader.fill(before: deadline)
                return more ? nil : .clientGone
            } catch {
                return deadline != 0 && (error.code == EAGAIN || error.code == EWOULDBLOCK) ? .timedOut : .clientGone
            }
        }
        switch head.framing {
        case .none, .untilClose:
            return .complete
        case .length(let total):
            var remaining = total
            while remaining > 0 {
                if reader.isEmpty, let stop = fill() { return stop }
                let slice = reader.take(max: Int(min(remaining, UInt64(Int.max))))
                remaining -= UInt64(slice.count)
                guard onData(slice) else { return .stopped }
            }
            return .complete
        case .chunked:
            var decoder = ChunkedDecoder(allowTrailers: false, maxLineBytes: context.limits.maxChunkLineBytes)
            while true {
                if reader.isEmpty, let stop = fill() { return stop }
                var keepGoing = true
                let (consumed, status) = reader.withAvailable { raw in
                    decoder.decode(raw) { data in
                        if keepGoing { keepGoing = onData(data) }
                    }
                }
                reader.consume(consumed)
                guard keepGoing else { return .stopped }
                switch status {
                case .done: return .complete
                case .failure(let error): return .malformed(error)
                case .needMore: continue
                }
            }
        }
    }

    /// Streams the body to the daemon, re-framed canonically.
    func forwardBody(_ head: RequestHead, _ reader: ByteReader, to upstream: FileDescriptor, _ exchange: Exchange) -> BodyOutcome {
        let chunked = head.framing == .chunked
        var framed: [UInt8] = []
        let outcome = readBody(head, reader) { data in
            let sent: Bool
            if chunked {
                framed.removeAll(keepingCapacity: true)
                framed += ChunkedEncoder.chunkHeader(data.count)
                framed += data
                framed += ChunkedEncoder.chunkTrailer
                sent = (try? writeUpstream(upstream, framed)) != nil
            } else {
                sent = (try? writeUpstream(upstream, data)) != nil
            }
            let n = UInt64(chunked ? framed.count : data.count)
            exchange.update { $0.bytesIn += n }
            return sent
        }
        if case .complete = outcome, chunked {
            guard (try? writeUpstream(upstream, ChunkedEncoder.lastChunk)) != nil else { return .stopped }
            exchange.update { $0.bytesIn += UInt64(ChunkedEncoder.lastChunk.count) }
        }
        return outcome
    }

    /// After the denial of a request whose body is too large to drain: the
    /// client is still sending it, and a connection closed now would fail
    /// its next write (EPIPE), which Go's client reports instead of the
    /// answer (found 2026-12-02, session 20, by the clients sweep: the CLI's
    /// `docker load -i` of a 2 MB archive on a job socket printed "write:
    /// broken pipe" in half the runs, not the refusal). What it sends is
    /// read and thrown away for up to `lingerSeconds` (or `lingerBytes`),
    /// until it stops; the answer is written meanwhile, then the connection
    /// closes as before.
    func discardWhileTheClientSends(_ reader: ByteReader) {
        let deadline = monotonicNanoseconds() + Self.lingerSeconds * 1_000_000_000
        var discarded = 0
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while discarded < Self.lingerBytes, reader.fd.setReceiveTimeout(until: deadline) {
            let n = (try? buffer.withUnsafeMutableBytes { try reader.fd.read(into: $0) }) ?? 0
            if n <= 0 { break }
            discarded += n
        }
        reader.fd.setReceiveTimeout(milliseconds: 0)
    }

    static let lingerSeconds: UInt64 = 5
    static let lingerBytes = 1 << 30

    /// Reads and discards the body of a denied request so the connection can
    /// carry on. False when it is too large, malformed, or the client waits
    /// for 100-continue (then the connection is closed after the denial).
    func drainBody(_ head: RequestHead, _ reader: ByteReader) -> Bool {
        if head.expectsContinue { return !head.hasBody }
        if case .length(let total) = head.framing, total > context.drainLimit { return false }
        var drained: UInt64 = 0
        let outcome = readBody(head, reader, deadline: bodyDeadline) { data in
            drained += UInt64(data.count)
            return drained <= context.drainLimit
        }
        if case .complete = outcome { return true }
        return false
    }

    enum InspectionRead {
        /// The body, and the `--max-request-memory` it holds (keep the
        /// hold as long as the body).
        case body(RequestBody, RequestMemory.Hold)
        case clientGone
        case malformed(HTTPError)
        case timedOut
        /// Reading it would hold more memory than `--max-request-memory` has left.
        case overMemory(RequestMemory.Taken)
    }

    /// When a body read before anything is forwarded must be complete: the
    /// head timeout from now, as for a head (0: no timeout).
    var bodyDeadline: UInt64 {
        context.headTimeoutSeconds > 0 ? monotonicNanoseconds() + UInt64(context.headTimeoutSeconds) * 1_000_000_000 : 0
    }

    /// Reads a body whole, so the policy can judge it before anything is
    /// forwarded; answers `100 Continue` itself when the client waits for it.
    func readBodyForInspection(_ head: RequestHead, _ reader: ByteReader) -> InspectionRead {
        let limit = context.inspectionLimit
        let contentType = head.headers.first("content-type")
        // What a read buffer holds anyway is not counted; past it, a body
        // with a length takes it all at once (before a 100 Continue asks
        // for it), a chunked one as it grows.
        let hold = RequestMemory.Hold(context.requestMemory, job: context.job?.owner.id)
        let free = LoopBuffer.uncountedBytes
        if case .length(let total) = head.framing, total <= UInt64(limit), total > UInt64(free), !hold.take(Int(total) - free) {
            return .overMemory(hold.refused)
        }
        if head.expectsContinue {
            push(Exchange(kind: .interim(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)), method: head.method, record: nil))
        }
        if case .length(let total) = head.framing, total > UInt64(limit) { return .body(.tooLarge(limit: limit), hold) }
        var growing = true
        if case .length = head.framing { growing = false }
        var body: [UInt8] = []
        var overMemory = false
        switch readBody(head, reader, deadline: bodyDeadline, onData: { data in
            body += data
            let uncounted = body.count - free - hold.bytes
            if growing, uncounted > 0, body.count <= limit, !hold.take(uncounted) {
                overMemory = true
                return false
            }
            return body.count <= limit
        }) {
        case .complete: return .body(.complete(body, contentType: contentType), hold)
        case .stopped: return overMemory ? .overMemory(hold.refused) : .body(.tooLarge(limit: limit), hold)
        case .clientGone: return .clientGone
        case .malformed(let error): return .malformed(error)
        case .timedOut: return .timedOut
        }
    }
}
