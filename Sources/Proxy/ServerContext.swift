import HTTP1
import Policy
import Posix
import Tenancy

/// A listener that belongs to one job.
public struct JobBinding: Sendable {
    public let owner: JobOwner
    public let socketPath: String
    public let jobsDirectory: String

    public init(owner: JobOwner, socketPath: String, jobsDirectory: String) {
        self.owner = owner
        self.socketPath = socketPath
        self.jobsDirectory = jobsDirectory
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
    private let policyHolder: Locked<Policy>
    private let counters = Locked((connection: UInt64(0), request: UInt64(0)))

    /// See `ServerConfiguration.headTimeoutSeconds`.
    public let headTimeoutSeconds: Int

    /// Set on a job socket: everything is scoped to this owner.
    let jobScope: JobScope?
    /// Set on a job socket: a Docker-socket bind becomes the job's socket.
    let nestedSocket: NestedSocket?
    /// What the policy sees of the host (a job's own socket is granted).
    let policyEnvironment: HostEnvironment

    public init(upstreamPath: String, limits: HTTPLimits, policy: Policy, audit: AuditLog, headTimeoutSeconds: Int = 30,
                job: JobBinding? = nil) {
        self.upstreamPath = upstreamPath
        self.jobScope = job.map { JobScope(owner: $0.owner, lookup: DaemonLookup(upstreamPath: upstreamPath)) }
        let host = HostFileSystem(upstreamSocket: upstreamPath)
        self.nestedSocket = job.map { NestedSocket(ownSocket: $0.socketPath, jobsDirectory: $0.jobsDirectory, host: host) }
        self.policyEnvironment = job.map { JobHostEnvironment(base: host, ownSocket: $0.socketPath) as HostEnvironment } ?? host
        self.headTimeoutSeconds = headTimeoutSeconds
        self.limits = limits
        self.policyHolder = Locked(policy)
        self.audit = audit
        self.hostEnvironment = HostFileSystem(upstreamSocket: upstreamPath)
    }

    /// `[[peer]]` policies of a listeners file: the first entry matching the
    /// peer's uid or gid judges its requests instead of the main policy.
    public var peerPolicies: [(uid: UInt32?, gid: UInt32?, policy: Policy)] {
        get { peerPolicyHolder.withLock { $0 } }
        set { peerPolicyHolder.withLock { $0 = newValue } }
    }
    private let peerPolicyHolder = Locked([(uid: UInt32?, gid: UInt32?, policy: Policy)]())

    /// The policy that judges a peer's requests.
    public func policy(for peer: PeerCredentials?) -> Policy {
        if let peer {
            for entry in peerPolicies where entry.uid == peer.uid || entry.gid == peer.gid {
                return entry.policy
            }
        }
        return policy
    }

    public var policy: Policy {
        get { policyHolder.withLock { $0 } }
        set { policyHolder.withLock { $0 = newValue } }
    }

    func nextConnectionID() -> UInt64 {
        counters.withLock { $0.connection += 1; return $0.connection }
    }

    func nextRequestID() -> UInt64 {
        counters.withLock { $0.request += 1; return $0.request }
    }
}
