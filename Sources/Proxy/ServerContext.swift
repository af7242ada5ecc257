import HTTP1
import Policy
import Posix
import Tenancy

/// A listener that belongs to one job.
public struct JobBinding: Sendable {
    public let owner: JobOwner
    public let socketPath: String
    public let jobsDirectory: String
    /// The labels the job was opened with (for its audit records).
    public let labels: [(key: String, value: String)]
    /// The image tags jobs claimed, shared by the job sockets of one `serve`.
    var claims = ImageClaims()
    /// The containers job sockets created, shared like `claims`.
    var containers = ContainerRecords()

    public init(owner: JobOwner, socketPath: String, jobsDirectory: String, labels: [(key: String, value: String)] = []) {
        self.owner = owner
        self.socketPath = socketPath
        self.jobsDirectory = jobsDirectory
        self.labels = labels
    }
}

/// What every connection shares: configuration, the policy in force, the
/// audit log and id counters.
public final class ServerContext: @unchecked Sendable {
    public let upstreamPath: String
    public let limits: HTTPLimits
    /// Largest denied request body that is read and discarded to keep the
    /// connection; a larger one closes the connection after the denial.
    public let drainLimit: UInt64 = 1 << 20
    /// Largest body read whole to be judged (container create and the like);
    /// a larger one on a route whose body the policy reads is denied.
    public let inspectionLimit: Int = 1 << 20
    public let audit: AuditLog
    public let hostEnvironment: HostFileSystem
    private let policyHolder: Locked<PolicyInForce>
    /// One count for every server of the process (the main socket's, each
    /// job socket's): `conn` and `req` are unique in a run, and
    /// `sockwarden audit` pairs a request's records by them.
    private static let counters = Locked((connection: UInt64(0), request: UInt64(0)))

    /// See `ServerConfiguration.headTimeoutSeconds`.
    public let headTimeoutSeconds: Int
    /// See `ServerConfiguration.spoolDirectory` and `maxBuildContextBytes`.
    public let spoolDirectory: String
    public let maxBuildContextBytes: UInt64
    /// See `ServerConfiguration.requestMemory`.
    public let requestMemory: RequestMemory
    /// See `ServerConfiguration.peerRates`.
    public let peerRates: PeerRates

    /// Set on a job socket: everything is scoped to this owner.
    let jobScope: JobScope?
    /// Set on a job socket: a Docker-socket bind becomes the job's socket.
    let nestedSocket: NestedSocket?
    /// What the policy sees of the host (a job's own socket is granted).
    let policyEnvironment: HostEnvironment

    public init(upstreamPath: String, limits: HTTPLimits, policy: Policy, audit: AuditLog, headTimeoutSeconds: Int = 30,
                job: JobBinding? = nil, spoolDirectory: String = ServerConfiguration.defaultSpoolDirectory,
                maxBuildContextBytes: UInt64 = 8 << 30, requestMemory: RequestMemory = RequestMemory(),
                peerRates: PeerRates = PeerRates()) {
        self.upstreamPath = upstreamPath
        self.requestMemory = requestMemory
        self.peerRates = peerRates
        self.spoolDirectory = spoolDirectory
        self.maxBuildContextBytes = maxBuildContextBytes
        self.job = job
        let closed = Locked(false)
        self.closedHolder = closed
        self.jobScope = job.map { JobScope(owner: $0.owner, lookup: DaemonLookup(upstreamPath: upstreamPath), claims: $0.claims, containers: $0.containers, closed: closed) }
        let host = HostFileSystem(upstreamSocket: upstreamPath)
        self.nestedSocket = job.map { NestedSocket(ownSocket: $0.socketPath, jobsDirectory: $0.jobsDirectory, host: host) }
        if let job, let scope = jobScope {
            self.policyEnvironment = JobHostEnvironment(base: host, ownSocket: job.socketPath, scope: scope)
        } else {
            self.policyEnvironment = host
        }
        self.headTimeoutSeconds = headTimeoutSeconds
        self.limits = limits
        self.policyHolder = Locked(PolicyInForce(policy: policy, digest: "", loadedAt: wallClock()))
        self.audit = audit
        self.hostEnvironment = HostFileSystem(upstreamSocket: upstreamPath)
    }

    /// `[[peer]]` policies of a listeners file: the first entry matching the
    /// peer's uid or gid judges its requests instead of the main policy.
    /// Set when job sockets are in use: a client of this (non-job) socket
    /// may not put the owner label on what it creates, or it could plant
    /// objects in a job's scope.
    public var ownerLabelReserved: Bool {
        get { reservedHolder.withLock { $0 } }
        set { reservedHolder.withLock { $0 = newValue } }
    }
    private let reservedHolder = Locked(false)

    public var peerPolicies: [(uid: UInt32?, gid: UInt32?, policy: PolicyInForce)] {
        get { peerPolicyHolder.withLock { $0 } }
        set {
            peerPolicyHolder.withLock { $0 = newValue }
            peerGroupsNeeded = newValue.contains { $0.gid != nil }
        }
    }
    /// Some `[[peer]]` names a gid: a connection's supplementary groups are read at accept.
    public private(set) var peerGroupsNeeded: Bool {
        get { groupsNeededHolder.withLock { $0 } }
        set { groupsNeededHolder.withLock { $0 = newValue } }
    }
    private let groupsNeededHolder = Locked(false)
    private let peerPolicyHolder = Locked([(uid: UInt32?, gid: UInt32?, policy: PolicyInForce)]())

    /// The policy (and its digest) that judges a peer's requests.
    public func policyInForce(for peer: PeerCredentials?) -> PolicyInForce {
        peerPolicy(for: peer) ?? policyInForce
    }

    /// The `[[peer]]` policy matching `peer`, nil when none does.
    func peerPolicy(for peer: PeerCredentials?) -> PolicyInForce? {
        guard let peer else { return nil }
        return peerPolicyHolder.withLock { entries in
            // A gid entry is for the group's members: primary or supplementary. A member
            // who made another of its groups primary (sg, newgrp, setpriv) was judged by
            // the main policy (found 2026-12-02, session 23).
            for entry in entries where entry.uid == peer.uid || entry.gid.map(peer.isInGroup) == true {
                return entry.policy
            }
            return nil
        }
    }

    /// The job a job socket belongs to (nil on the main socket).
    public let job: JobBinding?

    /// Set when the job is closed: every request judged from then on, on a
    /// connection still open, is refused (`RequestJudge`) and the connection
    /// is closed after the answer.
    public var jobClosed: Bool { closedHolder.withLock { $0 } }
    private let closedHolder: Locked<Bool>

    func markJobClosed() { closedHolder.withLock { $0 = true } }

    public var policy: Policy {
        get { policyHolder.withLock { $0.policy } }
        set { install(newValue, digest: "") }
    }

    /// The policy in force with the digest of the file it came from, read
    /// together (a request is judged and recorded with the same pair).
    public var policyInForce: PolicyInForce { policyHolder.withLock { $0 } }

    /// Swaps in a validated policy, atomically for every later request.
    public func install(_ policy: Policy, digest: String) {
        policyHolder.withLock { $0 = PolicyInForce(policy: policy, digest: digest, loadedAt: wallClock()) }
    }

    public var metrics: Metrics { audit.metrics }

    func nextConnectionID() -> UInt64 {
        Self.counters.withLock { $0.connection += 1; return $0.connection }
    }

    func nextRequestID() -> UInt64 { Self.nextRequestID() }

    /// Also for records no connection makes (a job's open, close and reaps).
    static func nextRequestID() -> UInt64 {
        counters.withLock { $0.request += 1; return $0.request }
    }
}

/// A policy and the digest ("sha256:<hex>") of the bytes it was parsed from.
/// A class: every request reads it (twice with `[[peer]]` policies) and a
/// `Policy` is a large value, so a copy is one retain instead of dozens.
public final class PolicyInForce: Sendable {
    public let policy: Policy
    public let digest: String
    public let loadedAt: (seconds: Int, nanoseconds: Int)

    public init(policy: Policy, digest: String, loadedAt: (seconds: Int, nanoseconds: Int)) {
        self.policy = policy
        self.digest = digest
        self.loadedAt = loadedAt
    }
}
