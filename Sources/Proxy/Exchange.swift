import HTTP1
import Posix

/// One request/response pair on a client connection, handed from the thread
/// that reads requests to the thread that writes responses, in order.
final class Exchange: @unchecked Sendable {
    enum Kind {
        /// The proxy answers itself (denial, bad request, dead daemon).
        case local(LocalResponse)
        /// Forwarded; the daemon's response is relayed.
        case forwarded(hijackCandidate: Bool, routeHijacks: Bool)
        /// The client finished; close after everything before it is written.
        case end
        /// Bytes written in order but answering nothing (`100 Continue` the
        /// proxy sends itself when it must read a body to judge it).
        case interim([UInt8])
    }

    let kind: Kind
    let method: String
    let started: UInt64
    /// Warn mode: the policy would deny this forwarded request; the client
    /// is told in the response (see `ModeWarnings`).
    let warning: ModeWarning?
    /// A job socket's filter of the response body (`system df`); nil: relayed as is.
    let rewrite: (@Sendable ([UInt8]) -> [UInt8]?)?
    /// Kept for as long as the exchange lives (a job's quota reservation,
    /// released when the answer has been relayed).
    let hold: AnyObject?
    private let state: Locked<State>

    struct State {
        var record: AuditRecord?
        /// Set when the request body turned out malformed after forwarding began.
        var abort: HTTPError?
    }

    init(kind: Kind, method: String, record: AuditRecord?, warning: ModeWarning? = nil,
         rewrite: (@Sendable ([UInt8]) -> [UInt8]?)? = nil, hold: AnyObject? = nil) {
        self.kind = kind
        self.method = method
        self.warning = warning
        self.rewrite = rewrite
        self.hold = hold
        self.started = monotonicNanoseconds()
        self.state = Locked(State(record: record, abort: nil))
    }

    static func end() -> Exchange { Exchange(kind: .end, method: "", record: nil) }

    func update(_ body: (inout AuditRecord) -> Void) {
        state.withLock { s in
            if s.record != nil { body(&s.record!) }
        }
    }

    /// The daemon's final response head has arrived (or the proxy answered
    /// for it): whatever the request does at the daemon is done or under way
    /// in a stream.
    var answered: Bool {
        state.withLock { s in
            guard let status = s.record.map({ $0.status }) else { return true }
            return status.map { $0 == 101 || $0 >= 200 } ?? false
        }
    }

    var abort: HTTPError? {
        get { state.withLock { $0.abort } }
        set { state.withLock { $0.abort = newValue } }
    }

    /// The record as it stands, with its duration filled in.
    func finishedRecord() -> AuditRecord? {
        let elapsed = monotonicNanoseconds() - started
        return state.withLock { s in
            guard var record = s.record else { return nil }
            record.durationNanoseconds = elapsed
            return record
        }
    }
}

/// What warn mode adds to the response of a request the policy would deny.
struct ModeWarning: Sendable {
    /// `sockwarden: … would be denied …`
    let text: String
    /// A container-create response: the text also goes into its `Warnings`.
    let intoCreateWarnings: Bool
}
