import HTTP1
import Tenancy

/// A job socket's container create or rename answered 409 for a name in use
/// (`NameConflict`): the daemon's answer names the container holding it by
/// its full ID, which is left out when that container is not the job's.
extension Connection {
    /// The answer is one `NameConflict` may change: a job socket's 409 to a
    /// container create or rename.
    func conflictsOnName(_ status: Int, _ exchange: Exchange) -> Bool {
        guard status == 409, context.jobScope != nil else { return false }
        let route = exchange.routeName
        return route == "container.create" || route == "container.rename"
    }

    /// Reads the (small) answer, leaves another's container ID out and
    /// re-frames it; an answer too large or cut short is not passed on (502).
    func relayNameConflict(_ head: ResponseHead, consumed: Int, _ exchange: Exchange, _ reader: ByteReader,
                           scope: JobScope) -> ResponseOutcome {
        let (rawHead, framing) = takeResponseHead(head, consumed: consumed, exchange, reader)
        let warningLine = Self.warningHeaderLine(exchange.warning)
        let limit = 64 << 10
        guard framing == .chunked || isSmallLength(framing, limit),
              case .complete(let data, _) = readSmallBody(framing, reader, limit: limit) else {
            exchange.update { $0.status = 502; $0.error = "the daemon's 409 could not be read to leave another's container ID out" }
            let unreadable = LocalResponse(status: 502, message: "sockwarden: the daemon's answer could not be read to leave another's container ID out, so it is not passed on", close: true)
            _ = write(unreadable.serialized(headRequest: false), exchange)
            return .close
        }
        let own = scope.containers.ids(of: scope.owner.id)
        let body = NameConflict.hidingForeignID(data, isOwn: { own.contains($0) }) ?? data
        guard write(Self.reframed(head, rawHead: rawHead, contentLength: body.count, extra: warningLine) + body, exchange) else { return .close }
        return head.keepAlive && framing != .untilClose ? .keepAlive : .close
    }
}
