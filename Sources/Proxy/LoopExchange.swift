import HTTP1

/// The request/response pair a `LoopConnection` is working on: either an
/// answer of the proxy's own being written, or the daemon's response being
/// relayed as it arrives.
final class LoopExchange {
    var record: AuditRecord
    let method: String
    /// The proxy's own answer, written from `localSent` on (nil: relayed).
    var local: [UInt8]?
    var localSent = 0
    /// Its status, set in the record once the answer is written.
    var localStatus = 0
    /// The connection ends after this exchange.
    var closeAfter: Bool

    /// Where the daemon's answer ends (heads, then the body as framed).
    var framer: ResponseFramer
    var stage: ResponseFramer.Stage { framer.stage }
    /// Bytes at the front of the daemon buffer cleared to go to the client.
    var relayable = 0
    var headRelayed = false
    /// A ping where BuildKit is refused (`RequestJudge.Judged.announcesClassicBuilder`).
    /// A constant: a class's `var` costs a dynamic exclusivity check at every read.
    let announcesClassicBuilder: Bool

    init(record: AuditRecord, method: String, closeAfter: Bool, limits: HTTPLimits, announcesClassicBuilder: Bool = false) {
        self.announcesClassicBuilder = announcesClassicBuilder
        self.record = record
        self.method = method
        self.closeAfter = closeAfter
        self.framer = ResponseFramer(requestMethod: method, limits: limits)
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
    func clear(_ buffer: UnsafeMutableRawBufferPointer, failure: inout String?) -> Bool {
        relayable = 0
        let available = UnsafeRawBufferPointer(buffer)
        switch step(available, failure: &failure) {
        case .head(let head, let consumed):
            relayable = consumed
            headRelayed = true
            record.status = head.status
            if head.isInterim { return true }
            if announcesClassicBuilder {
                BuilderVersionField.announceClassicBuilder(in: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<consumed]))
            }
            if framer.closeAfter { closeAfter = true }
            // Body bytes that came with the head go out with it, in one
            // write (a small answer is then one send, not two).
            if consumed < available.count,
               case .body(let n) = step(UnsafeRawBufferPointer(rebasing: available[consumed...]), failure: &failure) {
                relayable += n
            }
            return true
        case .body(let n):
            relayable = n
            return true
        case .needMore, .failure:
            return false
        }
    }

    private func step(_ available: UnsafeRawBufferPointer, failure: inout String?) -> ResponseFramer.Step {
        var inHead = false
        if case .head = framer.stage { inHead = true }
        let step = framer.step(available)
        if case .failure(let error) = step {
            if inHead {
                failure = "daemon sent an unreadable response: \(error.message)"
            } else {
                failure = "daemon sent a malformed chunked body: \(error.message)"
                closeAfter = true
            }
        }
        return step
    }
}
