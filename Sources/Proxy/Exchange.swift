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
    /// The head and a build's pull progress went to the client already
    /// (`BuildProgressStream`): the daemon's answer continues that stream.
    let continuesStream: Bool
    /// A job socket's build forwarded without its names: they are checked
    /// again and given to the image it made once it has ended (`Connection.relayTaggingBuild`).
    /// nil: not a job socket's build (every one is relayed so, names or not:
    /// the image it made is recorded as the job's, `JobImages`).
    let buildTags: [String]?
    /// A job socket's event stream: passed on message by message, each the
    /// job's (`Connection.relayJobEvents`).
    let jobEvents: Bool
    /// A ping where BuildKit is refused: `Builder-Version: 2` goes out as `1`
    /// (`RequestJudge.Judged.announcesClassicBuilder`).
    let announcesClassicBuilder: Bool
    private let state: Locked<State>

    struct State {
        var record: AuditRecord?
        /// Set when the request body turned out malformed after forwarding began.
        var abort: HTTPError?
    }

    init(kind: Kind, method: String, record: AuditRecord?, warning: ModeWarning? = nil,
         rewrite: (@Sendable ([UInt8]) -> [UInt8]?)? = nil, hold: AnyObject? = nil, continuesStream: Bool = false,
         buildTags: [String]? = nil, jobEvents: Bool = false, announcesClassicBuilder: Bool = false) {
        self.kind = kind
        self.announcesClassicBuilder = announcesClassicBuilder
        self.jobEvents = jobEvents
        self.buildTags = buildTags
        self.continuesStream = continuesStream
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

    /// The route the request was judged on (its audit record's), nil for
    /// one that was not.
    var routeName: String? {
        state.withLock { $0.record?.route }
    }

    /// The request-target as received and, when it differs, as forwarded.
    var targets: (received: String, forwarded: String?)? {
        state.withLock { s in s.record.map { ($0.target, $0.forwardedTarget) } }
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

/// How the response thread relays a forwarded exchange's final response
/// head, decided in one place, and the hijack verdict the request thread
/// waits for. Every hijack candidate gets exactly one verdict, whichever way
/// its response is relayed: a request thread left waiting would stop reading
/// the client and hold the connection (and its two threads) forever.
struct ResponseRelayPlan: Equatable, Sendable {
    enum Way: Equatable, Sendable {
        /// The daemon took the connection over: raw bytes both ways.
        case hijack
        /// A job socket's filtered answer.
        case rewrite
        /// Warn mode: the head (and a create response's body) carries the warning.
        case warn
        /// Relayed as framed.
        case plain
    }

    /// What the request thread is told (nil: it is not waiting, the request
    /// was no hijack candidate).
    let verdict: Bool?
    let way: Way

    /// The daemon took the connection over: a 101, or the raw-stream 200
    /// (no length, no chunking) of a route that hijacks.
    static func takesOver(status: Int, framing: BodyFraming, routeHijacks: Bool) -> Bool {
        status == 101 || (routeHijacks && status == 200 && framing == .untilClose)
    }

    static func plan(hijackCandidate: Bool, routeHijacks: Bool, status: Int, framing: BodyFraming,
                     rewrites: Bool, warns: Bool) -> ResponseRelayPlan {
        let hijacked = hijackCandidate && takesOver(status: status, framing: framing, routeHijacks: routeHijacks)
        let verdict: Bool? = hijackCandidate ? hijacked : nil
        // A filter applies to an answer, never to a taken-over stream; a
        // warning goes into the head of either.
        if rewrites && !hijacked { return ResponseRelayPlan(verdict: verdict, way: .rewrite) }
        if warns { return ResponseRelayPlan(verdict: verdict, way: .warn) }
        return ResponseRelayPlan(verdict: verdict, way: hijacked ? .hijack : .plain)
    }
}
