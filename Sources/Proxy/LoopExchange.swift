import HTTP1

/// The request/response pair a `LoopConnection` is working on: either an
/// answer of the proxy's own being written, or the daemon's response being
/// relayed as it arrives.
final class LoopExchange {
    enum Stage {
        /// Waiting for (the rest of) a response head.
        case head
        /// Body bytes still to relay.
        case length(UInt64)
        case chunked(ChunkedDecoder)
        /// Relayed until the daemon closes.
        case untilClose
        /// The whole response is cleared for relaying.
        case done
    }

    var record: AuditRecord
    let method: String
    /// The proxy's own answer, written from `localSent` on (nil: relayed).
    var local: [UInt8]?
    var localSent = 0
    /// Its status, set in the record once the answer is written.
    var localStatus = 0
    /// The connection ends after this exchange.
    var closeAfter: Bool

    var parser: ResponseHeadParser
    var stage = Stage.head
    /// Bytes at the front of the daemon buffer cleared to go to the client.
    var relayable = 0
    var headRelayed = false

    init(record: AuditRecord, method: String, closeAfter: Bool, limits: HTTPLimits) {
        self.record = record
        self.method = method
        self.closeAfter = closeAfter
        self.parser = ResponseHeadParser(limits: limits)
    }

    /// An answer of the proxy's own.
    static func local(_ response: LocalResponse, record: AuditRecord, method: String, limits: HTTPLimits) -> LoopExchange {
        let exchange = LoopExchange(record: record, method: method, closeAfter: response.close, limits: limits)
        exchange.local = response.serialized(headRequest: method == "HEAD")
        exchange.localStatus = response.status
        return exchange
    }

    /// Clears the next run of daemon bytes (`available`) for relaying, by the
    /// response's framing. Returns false when nothing more can be cleared
    /// until more bytes arrive; sets `failure` when the response is unreadable.
    /// Called when nothing is cleared (`relayable` is 0).
    func clear(_ available: UnsafeRawBufferPointer, failure: inout String?) -> Bool {
        guard case .head = stage else {
            relayable = 0
            return clearBody(available, failure: &failure)
        }
        if available.isEmpty { return false }
        // The summary: the loop relays the daemon's bytes and needs only
        // status, framing and persistence, not the header fields.
        switch parser.parseSummary(available) {
        case .needMore:
            return false
        case .failure(let error):
            failure = "daemon sent an unreadable response: \(error.message)"
            return false
        case .complete(let head, let consumed):
            relayable = consumed
            headRelayed = true
            record.status = head.status
            if head.isInterim {
                parser.reset()
                return true
            }
            let framing = head.framing(requestMethod: method)
            if !head.keepAlive || framing == .untilClose { closeAfter = true }
            switch framing {
            case .none, .length(0): stage = .done
            case .length(let n): stage = .length(n)
            case .chunked: stage = .chunked(ChunkedDecoder(allowTrailers: true, maxLineBytes: parser.limits.maxChunkLineBytes))
            case .untilClose: stage = .untilClose
            }
            // Body bytes that came with the head go out with it, in one
            // write (a small answer is then one send, not two).
            if consumed < available.count {
                _ = clearBody(UnsafeRawBufferPointer(rebasing: available[consumed...]), failure: &failure)
            }
            return true
        }
    }

    /// Clears body bytes at the front of `available`, adding them to `relayable`.
    private func clearBody(_ available: UnsafeRawBufferPointer, failure: inout String?) -> Bool {
        switch stage {
        case .done, .head:
            return false
        case .length(let remaining):
            if available.isEmpty { return false }
            let n = Int(min(remaining, UInt64(available.count)))
            relayable += n
            stage = remaining == UInt64(n) ? .done : .length(remaining - UInt64(n))
            return true
        case .chunked(var decoder):
            if available.isEmpty { return false }
            let (consumed, status) = decoder.decode(available) { _ in }
            relayable += consumed
            switch status {
            case .done: stage = .done
            case .needMore: stage = .chunked(decoder)
            case .failure(let error):
                failure = "daemon sent a malformed chunked body: \(error.message)"
                stage = .done
                closeAfter = true
            }
            return consumed > 0
        case .untilClose:
            if available.isEmpty { return false }
            relayable += available.count
            return true
        }
    }
}
