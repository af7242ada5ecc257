/// Where a daemon's answer ends, read from the bytes it sends: the response
/// head(s), then the body as the final head frames it. No I/O: the proxy
/// hands it the daemon's bytes not yet cleared (the front of its buffer),
/// relays the bytes each step clears and drops them from the buffer.
///
/// The event loop (`LoopExchange`) drives a whole answer through it; the
/// connection threads read the head themselves (they need its fields) and
/// drive the body through `init(body:limits:)`. FuzzHTTP1Response checks it
/// against Go's net/http client reading of the same bytes.
public struct ResponseFramer: Sendable {
    public enum Stage: Sendable {
        /// Waiting for (the rest of) a response head.
        case head
        /// Body bytes still to come.
        case length(UInt64)
        case chunked(ChunkedDecoder)
        /// Everything up to the daemon's close is body.
        case untilClose
        /// The answer is complete.
        case done
    }

    /// What one step cleared.
    public enum Step: Equatable, Sendable {
        /// Nothing can be cleared until more bytes arrive.
        case needMore
        /// A response head of `bytes` bytes; an interim (1xx but 101) one is
        /// followed by another head.
        case head(ResponseSummary, bytes: Int)
        /// `bytes` (> 0) bytes of the body.
        case body(bytes: Int)
        /// The answer is unreadable: nothing more is cleared.
        case failure(HTTPError)
    }

    /// What the end of the daemon's stream means for the answer.
    public enum End: Equatable, Sendable {
        /// The answer was complete (or ran until the close).
        case complete
        /// The stream ended inside a head or a framed body.
        case truncated
    }

    public let requestMethod: String
    public private(set) var stage: Stage
    /// The connection cannot carry another answer after this one.
    public private(set) var closeAfter = false
    private var parser: ResponseHeadParser
    private let maxChunkLineBytes: Int
    /// Interim heads of this answer so far.
    private var interims = 0
    /// Go's client refuses an answer with more interim (1xx but 101) heads.
    public static let maxInterimHeads = 5
    /// A failure found after clearing the bytes before it (reported by the next step).
    private var pendingFailure: HTTPError?

    public init(requestMethod: String, limits: HTTPLimits = .default) {
        self.requestMethod = requestMethod
        self.stage = .head
        self.parser = ResponseHeadParser(limits: limits)
        self.maxChunkLineBytes = limits.maxChunkLineBytes
    }

    /// A body whose head was read elsewhere (`ResponseHead.framing`).
    public init(body framing: BodyFraming, limits: HTTPLimits = .default) {
        self.init(requestMethod: "", limits: limits)
        enterBody(framing)
    }

    /// A chunked body partly decoded elsewhere.
    public init(chunked decoder: ChunkedDecoder, limits: HTTPLimits = .default) {
        self.init(requestMethod: "", limits: limits)
        stage = decoder.isDone ? .done : .chunked(decoder)
    }

    public var isDone: Bool {
        if case .done = stage { return true }
        return false
    }

    /// Clears what it can at the front of `available` (the bytes after
    /// everything cleared so far). Work is linear in `available`.
    public mutating func step(_ available: UnsafeRawBufferPointer) -> Step {
        if let failure = pendingFailure {
            pendingFailure = nil
            stage = .done
            closeAfter = true
            return .failure(failure)
        }
        switch stage {
        case .done:
            return .needMore
        case .head:
            if available.isEmpty { return .needMore }
            switch parser.parseSummary(available) {
            case .needMore:
                return .needMore
            case .failure(let error):
                stage = .done
                closeAfter = true
                return .failure(error)
            case .complete(let head, let consumed):
                parser.reset()
                if head.isInterim {
                    interims += 1
                    guard interims <= Self.maxInterimHeads else {
                        stage = .done
                        closeAfter = true
                        return .failure(HTTPError(.tooManyInterimResponses,
                                                  "the daemon sent more than \(Self.maxInterimHeads) interim responses"))
                    }
                    return .head(head, bytes: consumed)
                }
                let framing = head.framing(requestMethod: requestMethod)
                if !head.keepAlive || framing == .untilClose { closeAfter = true }
                enterBody(framing)
                return .head(head, bytes: consumed)
            }
        case .length(let remaining):
            if available.isEmpty { return .needMore }
            let n = Int(min(remaining, UInt64(available.count)))
            stage = remaining == UInt64(n) ? .done : .length(remaining - UInt64(n))
            return .body(bytes: n)
        case .chunked(var decoder):
            if available.isEmpty { return .needMore }
            let (consumed, status) = decoder.decode(available) { _ in }
            switch status {
            case .done:
                stage = .done
            case .needMore:
                stage = .chunked(decoder)
            case .failure(let error):
                guard consumed > 0 else {
                    stage = .done
                    closeAfter = true
                    return .failure(error)
                }
                // The bytes before the bad one go out first; the next step refuses.
                pendingFailure = error
            }
            return consumed > 0 ? .body(bytes: consumed) : .needMore
        case .untilClose:
            return available.isEmpty ? .needMore : .body(bytes: available.count)
        }
    }

    /// The daemon closed its side after everything was cleared.
    public func end() -> End {
        switch stage {
        case .done, .untilClose: return .complete
        case .head, .length, .chunked: return .truncated
        }
    }

    private mutating func enterBody(_ framing: BodyFraming) {
        switch framing {
        case .none, .length(0): stage = .done
        case .length(let n): stage = .length(n)
        case .chunked: stage = .chunked(ChunkedDecoder(allowTrailers: true, maxLineBytes: maxChunkLineBytes))
        case .untilClose:
            stage = .untilClose
            closeAfter = true
        }
    }
}
