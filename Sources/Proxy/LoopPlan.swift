import HTTP1

/// Whether the event loop serves a request itself or hands its connection
/// to a threaded `Connection` (which then keeps it). Decided from the head
/// alone, before judging; `judged(_:)` adds what judging reveals.
enum LoopPlan: Equatable, Sendable {
    /// Served in the loop; the body (Content-Length) has this many bytes.
    case serve(bodyBytes: Int)
    case handOff(HandOffReason)

    /// Largest body of a request whose body is not judged that the loop
    /// buffers and forwards whole; a larger one is streamed by a thread.
    static let smallBodyLimit = 64 * 1024

    /// Largest body the loop judges itself; a larger one (up to the
    /// inspection limit) is read and judged by a thread. Judging costs
    /// 10–80 ms per MiB depending on the body's shape (many map keys, a
    /// duplicate key that sends it down the reference path, unknown keys:
    /// bench/micro JudgeTime), and every other client on the loop waits
    /// meanwhile; 32 KiB bounds that to under 3 ms (release build). The
    /// docker CLI's create body is 1.5 KB.
    static let judgedBodyLimit = 32 * 1024

    static func plan(_ head: RequestHead, readsBody: Bool, routeHijacks: Bool, inspectionLimit: Int) -> LoopPlan {
        if routeHijacks { return .handOff(.hijack) }
        if head.upgrade != nil { return .handOff(.upgrade) }
        switch head.framing {
        case .none:
            return .serve(bodyBytes: 0)
        case .length(let n):
            if n == 0 { return .serve(bodyBytes: 0) }
            if head.expectsContinue { return .handOff(.expectContinue) }
            let limit = readsBody ? min(inspectionLimit, judgedBodyLimit) : smallBodyLimit
            return n <= UInt64(limit) ? .serve(bodyBytes: Int(n)) : .handOff(.largeBody)
        case .chunked, .untilClose:
            return .handOff(.chunkedBody)
        }
    }

    /// After judging: what the loop does not do itself.
    static func judged(neededLookup: Bool, warns: Bool, rewrites: Bool) -> HandOffReason? {
        if neededLookup { return .daemonLookup }
        if warns { return .warning }
        if rewrites { return .rewrite }
        return nil
    }
}

enum HandOffReason: String, Sendable {
    /// attach, exec start: the connection may be taken over.
    case hijack
    /// `Connection: Upgrade`.
    case upgrade
    /// The client waits for `100 Continue` before sending its body.
    case expectContinue
    /// A chunked body is streamed (or de-chunked to be judged) by a thread.
    case chunkedBody
    /// A body past what the loop buffers (uploads, image loads), or a
    /// judged body past what it judges (`judgedBodyLimit`).
    case largeBody
    /// A classic build's context, spooled while its Dockerfile is read.
    case buildContext
    /// Judging asked the daemon about another container (VolumesFrom).
    case daemonLookup
    /// Warn mode: the response is rewritten to carry the warning.
    case warning
    /// A job socket's response filter.
    case rewrite
    /// The daemon's accept queue is full: a thread waits for it to accept,
    /// as a direct client would; the loop does not.
    case daemonBusy
}
