import HTTP1
import Tenancy

/// A job socket's error answers whose message the job socket changes: a
/// 409 for a container name in use names another's container by its full
/// ID (`NameConflict`: left out), and a route forwarded by the full ID it
/// was pinned to names that ID where the daemon, asked directly, names what
/// the client wrote (`PinnedReference`: written back).
extension Connection {
    /// The change to make to this answer's body, or nil to relay it as it is.
    func errorAnswerChange(_ status: Int, _ exchange: Exchange) -> (@Sendable ([UInt8]) -> [UInt8]?)? {
        guard status >= 400, let scope = context.jobScope else { return nil }
        var conflict: Set<String>?
        if status == 409, exchange.routeName == "container.create" || exchange.routeName == "container.rename" {
            conflict = scope.containers.ids(of: scope.owner.id)
        }
        let pin = exchange.targets.flatMap { t in t.forwarded.flatMap { PinnedReference.pin(target: t.received, forwarded: $0) } }
        guard conflict != nil || pin != nil else { return nil }
        return { [conflict, pin] body in
            var changed: [UInt8]?
            if let own = conflict { changed = NameConflict.hidingForeignID(body, isOwn: { own.contains($0) }) }
            if let pin { changed = PinnedReference.restoring(changed ?? body, reference: pin.reference, id: pin.id) ?? changed }
            return changed
        }
    }

    /// Reads the (small) answer, changes it and re-frames it; an answer too
    /// large or cut short is not passed on (502).
    func relayErrorAnswer(_ head: ResponseHead, consumed: Int, _ exchange: Exchange, _ reader: ByteReader,
                          change: @Sendable ([UInt8]) -> [UInt8]?) -> ResponseOutcome {
        let (rawHead, framing) = takeResponseHead(head, consumed: consumed, exchange, reader)
        let warningLine = Self.warningHeaderLine(exchange.warning)
        let limit = 64 << 10
        guard framing == .chunked || isSmallLength(framing, limit),
              case .complete(let data, _) = readSmallBody(framing, reader, limit: limit) else {
            exchange.update { $0.status = 502; $0.error = "the daemon's error answer could not be read to be passed on" }
            let unreadable = LocalResponse(status: 502, message: "sockwarden: the daemon's error answer could not be read, so it is not passed on", close: true)
            _ = write(unreadable.serialized(headRequest: false), exchange)
            return .close
        }
        let body = change(data) ?? data
        guard write(Self.reframed(head, rawHead: rawHead, contentLength: body.count, extra: warningLine) + body, exchange) else { return .close }
        return head.keepAlive && framing != .untilClose ? .keepAlive : .close
    }
}
