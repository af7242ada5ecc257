import Posix

/// What the audit log records about one request: what was asked, by whom,
/// what was decided and what came of it. A value; `AuditLog` writes it twice:
/// as a `request` record when it is judged (before anything is forwarded)
/// and as a `result` record when the exchange ends. docs/audit-log.md has
/// the schema.
///
/// What was asked and decided (`Asked`, read and written as the record's
/// own members: `record.rule`) lives in one copy-on-write box, what came of
/// it in plain stored fields: the record is copied into the log's queue at
/// admission and again at the end, and the loop sets only the outcome in
/// between, so each copy is one retain and a few words rather than a
/// field-by-field copy of some twenty strings and optionals (those copies
/// and destroys were about 6% of a ping's CPU).
@dynamicMemberLookup
public struct AuditRecord: Sendable {
    /// The request side.
    public struct Asked: Sendable {
        public var connection: UInt64
        public var request: UInt64
        public var peer: PeerCredentials?
        public var method: String
        /// The request-target as received (path and query, undecoded).
        public var target: String
        /// The request-target as forwarded, when the proxy forwarded another
        /// one (a container pinned by its full ID, a job socket's rewritten
        /// query or name, a pull by digest, a build's cache or pull turned off).
        public var forwardedTarget: String? = nil
        /// The catalogue's route name, nil when the request matched no route.
        public var route: String?
        public var group: String?
        public var apiVersion: String?
        /// "allow" | "deny"
        public var decision: String
        public var rule: String
        public var reason: String?
        public var policy: String
        /// The policy's mode: "enforce", "warn" or "audit".
        public var mode: String = "enforce"
        /// What the request asked for, as a pre-rendered JSON object
        /// (`FactsJSON`), when its body or query was interpreted.
        public var facts: [UInt8]? = nil
        /// For an exec, attach or copy: the container it acts in, as looked up
        /// (full ID and name); its judged facts are in `facts`.
        public var targetContainer: (id: String, name: String)? = nil
        /// Denied by the policy but forwarded because of the mode (warn/audit);
        /// `rule` and `reason` are then those of the denial.
        public var wouldDeny = false
        /// "sha256:<hex>" of the policy file that judged the request.
        public var policyDigest: String = ""
        /// The calling container's id, from the peer's cgroup (`AuditCgroup`).
        public var container: String? = nil
        /// The process that connected had exited when its cgroup was to be
        /// read (`AuditCgroup.Caller.gone`): `container` is unknown, not "none".
        public var peerGone = false
        /// On a job socket: the job's id and the labels it was opened with.
        public var job: (id: String, labels: [(key: String, value: String)])? = nil
        /// A pull the job socket made for a build (`Connection.prePull`): the
        /// build's request number and the Dockerfile line that names the image.
        public var pulledFor: (request: UInt64, line: Int)? = nil
        /// A name the job socket gave the image a build made, at the build's end
        /// (`Connection.relayTaggingBuild`): the build's request number.
        public var taggedFor: UInt64? = nil
    }

    /// Written in place only while this record holds the only reference; a
    /// shared box is copied first, so a copy never sees another's change.
    private final class Box: @unchecked Sendable {
        var asked: Asked
        init(_ asked: Asked) { self.asked = asked }
    }

    private var box: Box

    /// The object that holds the request side: two records with the same
    /// one have the same request side (a write to a shared box copies it
    /// first), which lets the writer render it once for both records.
    var askedStorage: AnyObject { box }

    public subscript<T>(dynamicMember member: WritableKeyPath<Asked, T>) -> T {
        get { box.asked[keyPath: member] }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.asked) }
            yield &box.asked[keyPath: member]
        }
    }

    public init(connection: UInt64, request: UInt64, peer: PeerCredentials?, method: String, target: String,
                route: String?, group: String?, apiVersion: String?, decision: String, rule: String,
                reason: String?, policy: String, status: Int?, startedAt: (seconds: Int, nanoseconds: Int)) {
        box = Box(Asked(connection: connection, request: request, peer: peer, method: method, target: target,
                        route: route, group: group, apiVersion: apiVersion, decision: decision, rule: rule,
                        reason: reason, policy: policy))
        self.status = status
        self.startedAt = startedAt
    }

    /// What is left where a record was moved out (`RequestJudge.judge`); never written.
    static let spent = AuditRecord(connection: 0, request: 0, peer: nil, method: "-", target: "-", route: nil, group: nil,
                                   apiVersion: nil, decision: "deny", rule: "", reason: nil, policy: "", status: nil,
                                   startedAt: (0, 0))

    // What came of it.
    public var status: Int? {
        didSet { if oldValue == nil, status != nil { respondedAt = monotonicNanoseconds() } }
    }
    public var bytesIn: UInt64 = 0
    public var bytesOut: UInt64 = 0
    public var startedAt: (seconds: Int, nanoseconds: Int)
    public var durationNanoseconds: UInt64 = 0
    /// Set when the exchange ended abnormally (daemon gone, client left, …).
    public var error: String?
    public var hijacked = false
    /// Monotonic clock when the request head was read (the record was made).
    public var startedMonotonic: UInt64 = monotonicNanoseconds()
    /// Monotonic clock when the request was judged (its record taken).
    public var judgedAt: UInt64?
    /// Monotonic clock when the first response head went to the client.
    public var respondedAt: UInt64?
    /// Where the audit log stands with this record (set by `AuditLog`).
    var admission = AuditAdmission.pending

    /// The `request` record's members (without the chain's prev and hash),
    /// as `AuditLineRenderer` renders them for the log.
    func requestObject(seq: UInt64, run: String) -> [UInt8] {
        var renderer = AuditLineRenderer(run: run, seq: seq)
        renderer.renderRequest(self)
        return renderer.object
    }

    /// The `result` record's members: the request's, then what came of it.
    func resultObject(seq: UInt64, run: String) -> [UInt8] {
        var renderer = AuditLineRenderer(run: run, seq: seq)
        renderer.renderResult(self)
        return renderer.object
    }

    static func milliseconds(_ ns: UInt64) -> String {
        let us = ns / 1000
        let frac = us % 1000
        let pad = frac < 10 ? "00" : (frac < 100 ? "0" : "")
        return "\(us / 1000).\(pad)\(frac)"
    }

    /// The UTC date of a Unix time and the second of its day (civil from
    /// days, Howard Hinnant's algorithm).
    static func civil(_ seconds: Int) -> (year: Int, month: Int, day: Int, secondOfDay: Int) {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d, seconds - days * 86400)
    }

    /// UTC, millisecond precision: 2026-11-29T19:30:01.123Z.
    public static func rfc3339(_ t: (seconds: Int, nanoseconds: Int)) -> String {
        let (y, m, d, secs) = civil(t.seconds)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = t.nanoseconds / 1_000_000
        let msText = ms < 10 ? "00\(ms)" : (ms < 100 ? "0\(ms)" : "\(ms)")
        return "\(y)-\(two(m))-\(two(d))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)).\(msText)Z"
    }
}

/// Where the audit log stands with a request's record.
enum AuditAdmission: Sendable {
    /// Not offered to the log yet.
    case pending
    /// The request record is queued and a slot is reserved for the result.
    case admitted
    /// The log could not take it (counted as dropped or refused).
    case notRecorded
}
