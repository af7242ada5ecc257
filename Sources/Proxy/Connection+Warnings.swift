import HTTP1
import Policy
import Posix

/// Warn mode on the response side: a request the policy would deny was
/// forwarded; its response tells the client. Every final response gets an
/// `X-Sockwarden-Warning` header; a `201` container-create response also
/// gets the text in its `Warnings` array (which `docker run` prints as
/// `WARNING: …`), re-framed with a Content-Length (a chunked one included).
/// A create body that is not the expected JSON object, or larger than
/// `ModeWarnings.maxRewrittenBody`, is relayed unchanged with the header.
extension Connection {
    func relayWarned(_ head: ResponseHead, consumed: Int, _ warning: ModeWarning, _ exchange: Exchange, _ reader: ByteReader,
                     hijacked: Bool) -> ResponseOutcome {
        let (rawHead, framing) = takeResponseHead(head, consumed: consumed, exchange, reader)
        let headerLine = Self.warningHeaderLine(warning)

        guard warning.intoCreateWarnings, head.status == 201, framing == .chunked || isSmallLength(framing, ModeWarnings.maxRewrittenBody) else {
            guard write(Self.inserting(headerLine, into: rawHead), exchange) else { return .close }
            return relayAfterHead(head, reader, exchange, hijacked: hijacked)
        }

        switch readSmallBody(framing, reader, limit: ModeWarnings.maxRewrittenBody) {
        case .complete(let data, let raw):
            if let rewritten = ModeWarnings.addingWarnings([warning.text], toCreateResponse: data) {
                let newHead = Self.reframed(head, rawHead: rawHead, contentLength: rewritten.count, extra: headerLine)
                guard write(newHead + rewritten, exchange) else { return .close }
            } else {
                guard write(Self.inserting(headerLine, into: rawHead) + raw, exchange) else { return .close }
            }
            return head.keepAlive ? .keepAlive : .close
        case .tooLarge(let raw, let decoder):
            // Relay what was read as it came, then the rest as framed.
            guard write(Self.inserting(headerLine, into: rawHead) + raw, exchange) else { return .close }
            guard relayBody(framing, reader, exchange, decoder: decoder) else { return .close }
            return head.keepAlive ? .keepAlive : .close
        case .failed(let raw, let message):
            exchange.update { $0.error = message }
            _ = write(Self.inserting(headerLine, into: rawHead) + raw, exchange)
            return .close
        }
    }

    /// The largest answer a job socket filters (a list of every image,
    /// container, volume or network on the daemon, of which the job sees
    /// its own): a busy CI host's `docker images` is hundreds of KiB.
    static let maxFilteredBody = 32 << 20

    /// A job socket's filtered answer: a 200 (or 201: a volume create's
    /// answer) body is read whole, filtered and re-framed; one that cannot
    /// be filtered (or is larger than `maxFilteredBody`) is never passed on
    /// (502). Any other status is relayed as it is.
    func relayRewritten(_ head: ResponseHead, consumed: Int, _ rewrite: @Sendable ([UInt8]) -> [UInt8]?, _ exchange: Exchange,
                        _ reader: ByteReader) -> ResponseOutcome {
        let (rawHead, framing) = takeResponseHead(head, consumed: consumed, exchange, reader)
        // Warn mode's header (and create `Warnings`) go into a filtered answer too
        // (a job socket's container create is filtered: `JobContainers`).
        let warningLine = Self.warningHeaderLine(exchange.warning)
        guard head.status == 200 || head.status == 201 else {
            guard write(Self.inserting(warningLine, into: rawHead), exchange) else { return .close }
            return relayAfterHead(head, reader, exchange, hijacked: false)
        }
        let unfilterable = LocalResponse(status: 502, message: "sockwarden: the daemon's answer could not be filtered to this job, so it is not passed on", close: true)
        guard framing == .chunked || isSmallLength(framing, Self.maxFilteredBody),
              case .complete(let data, _) = readSmallBody(framing, reader, limit: Self.maxFilteredBody),
              let filtered = rewrite(data) else {
            exchange.update { $0.status = 502; $0.error = "response not filterable to the job" }
            _ = write(unfilterable.serialized(headRequest: false), exchange)
            return .close
        }
        var body = filtered
        if let warning = exchange.warning, warning.intoCreateWarnings, head.status == 201,
           let warned = ModeWarnings.addingWarnings([warning.text], toCreateResponse: filtered) {
            body = warned
        }
        guard write(Self.reframed(head, rawHead: rawHead, contentLength: body.count, extra: warningLine) + body, exchange) else { return .close }
        return head.keepAlive ? .keepAlive : .close
    }

    func isSmallLength(_ framing: BodyFraming, _ limit: Int) -> Bool {
        if case .length(let n) = framing { return n <= UInt64(limit) }
        return false
    }

    func write(_ bytes: [UInt8], _ exchange: Exchange) -> Bool {
        guard (try? client.writeAll(bytes)) != nil else {
            exchange.update { $0.error = "client went away" }
            return false
        }
        exchange.update { $0.bytesOut += UInt64(bytes.count) }
        return true
    }

    enum SmallBody {
        /// The decoded body and the bytes as the daemon framed them.
        case complete(data: [UInt8], raw: [UInt8])
        /// A chunked body past the limit: what was read, and where the decoder is.
        case tooLarge(raw: [UInt8], decoder: ChunkedDecoder)
        case failed(raw: [UInt8], message: String)
    }

    /// Reads a length-framed body (known to be at most `limit`) or a
    /// chunked one up to `limit`.
    func readSmallBody(_ framing: BodyFraming, _ reader: ByteReader, limit: Int) -> SmallBody {
        var raw: [UInt8] = []
        switch framing {
        case .length(let total):
            while UInt64(raw.count) < total {
                if reader.isEmpty {
                    guard (try? reader.fill()) == true else { return .failed(raw: raw, message: "daemon closed the connection mid-body") }
                }
                raw += reader.take(max: Int(total) - raw.count)
            }
            return .complete(data: raw, raw: raw)
        case .chunked:
            var decoder = ChunkedDecoder(allowTrailers: true, maxLineBytes: context.limits.maxChunkLineBytes)
            var data: [UInt8] = []
            while true {
                if reader.isEmpty {
                    guard (try? reader.fill()) == true else { return .failed(raw: raw, message: "daemon closed the connection mid-body") }
                }
                let (consumed, status) = reader.withAvailable { decoder.decode($0) { data += $0 } }
                raw += reader.withAvailable { Array($0[0..<consumed]) }
                reader.consume(consumed)
                switch status {
                case .done: return .complete(data: data, raw: raw)
                case .failure(let error): return .failed(raw: raw, message: "daemon sent a malformed chunked body: \(error.message)")
                case .needMore:
                    if raw.count > limit { return .tooLarge(raw: raw, decoder: decoder) }
                }
            }
        default:
            return .complete(data: [], raw: [])
        }
    }

    /// The head with one more field line before its final CRLF.
    /// Takes an answer's head off `reader` for a relay that reads or
    /// rewrites what follows: its bytes as received and its body's framing,
    /// with the status recorded on the exchange.
    func takeResponseHead(_ head: ResponseHead, consumed: Int, _ exchange: Exchange,
                          _ reader: ByteReader) -> (raw: [UInt8], framing: BodyFraming) {
        let raw = reader.withAvailable { Array($0[0..<consumed]) }
        reader.consume(consumed)
        exchange.update { $0.status = head.status }
        return (raw, head.framing(requestMethod: exchange.method))
    }

    /// Warn mode's header line for an answer (`""` when nothing is warned).
    static func warningHeaderLine(_ warning: ModeWarning?) -> String {
        warning.map { "\(ModeWarnings.headerName): \(ModeWarnings.headerValue($0.text))\r\n" } ?? ""
    }

    static func inserting(_ line: String, into rawHead: [UInt8]) -> [UInt8] {
        guard rawHead.count >= 4, rawHead.suffix(4).elementsEqual([13, 10, 13, 10]) else { return rawHead }
        return Array(rawHead.dropLast(2)) + Array(line.utf8) + [13, 10]
    }

    /// The status line as received, every field but the framing ones, a new
    /// Content-Length and `extra`.
    static func reframed(_ head: ResponseHead, rawHead: [UInt8], contentLength: Int, extra: String) -> [UInt8] {
        var out: [UInt8] = []
        if let end = rawHead.firstIndex(of: 10) { out += rawHead[...end] } else { out += "HTTP/1.1 \(head.status) \r\n".utf8 }
        for field in head.headers.fields {
            let lower = field.name.lowercased()
            if lower == "content-length" || lower == "transfer-encoding" { continue }
            out += field.name.utf8
            out += ": ".utf8
            out += field.value
            out += [13, 10]
        }
        out += "Content-Length: \(contentLength)\r\n".utf8
        out += extra.utf8
        out += [13, 10]
        return out
    }
}
