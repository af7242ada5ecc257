import Posix

/// A token bucket in whole nanoseconds: `rate` tokens a second, at most
/// `capacity` saved up. A pure value: the caller passes the time.
public struct TokenBucket: Equatable, Sendable {
    public static let unit: UInt64 = 1_000_000_000

    public let rate: UInt64
    public let capacity: UInt64
    /// Tokens times `unit` (a token refills in `unit / rate` ns).
    public private(set) var level: UInt64
    /// When `level` was last brought up to date (monotonic ns).
    public private(set) var updatedAt: UInt64

    /// A full bucket. `rate` and `capacity` are at least 1.
    public init(rate: UInt64, capacity: UInt64, now: UInt64) {
        self.rate = max(1, rate)
        self.capacity = max(1, capacity)
        self.level = self.capacity * Self.unit
        self.updatedAt = now
    }

    /// Takes one token: 0 when taken, otherwise the nanoseconds until one
    /// will be there (nothing taken). A clock that went back refills nothing.
    public mutating func take(now: UInt64) -> UInt64 {
        refill(now: now)
        if level >= Self.unit {
            level -= Self.unit
            return 0
        }
        return (Self.unit - level + rate - 1) / rate
    }

    public mutating func refill(now: UInt64) {
        guard now > updatedAt else { return }
        let full = capacity * Self.unit
        // Bounded before multiplying: an idle day would overflow UInt64.
        let elapsed = min(now - updatedAt, full / rate + 1)
        level = min(full, level + elapsed * rate)
        updatedAt = now
    }

    public func isFull(now: UInt64) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.level == capacity * Self.unit
    }
}

/// Requests per second per peer (`serve --peer-rate`), shared by the main
/// socket and every job socket: a peer past its rate has its next request
/// wait (not refused) until the bucket refills. A peer is the job on a
/// job's socket, else the calling container (`AuditCgroup`) when it is
/// known, else the uid: one CI job
/// flooding the socket cannot take the event loop, the audit writer and
/// the log's disk from the others. `perSecond` 0: no limit.
public final class PeerRates: @unchecked Sendable {
    public static let defaultPerSecond = 2000
    public static let defaultBurst = 4000
    /// Buckets kept before full ones (peers idle for a while) are dropped.
    static let pruneAbove = 4096

    public let perSecond: Int
    public let burst: Int
    private let buckets = Locked([String: PeerRateBucket]())
    private let counters = Locked((waits: 0, lastNotice: [String: UInt64]()))
    private let notify: @Sendable (String) -> Void

    public init(perSecond: Int = PeerRates.defaultPerSecond, burst: Int = PeerRates.defaultBurst,
                notify: @escaping @Sendable (String) -> Void = { _ in }) {
        self.perSecond = perSecond
        self.burst = max(1, burst)
        self.notify = notify
    }

    public var enabled: Bool { perSecond > 0 }

    var bucketCount: Int { buckets.withLock { $0.count } }

    /// Times a request was told to wait so far (one that waits twice, its
    /// token taken meanwhile by another connection of the peer, counts twice).
    public var waits: Int { counters.withLock { $0.waits } }

    /// The peer's name in notices and the key of its bucket. On a job's
    /// socket the job is the peer, whichever of its containers calls: a
    /// job may start containers with its socket mounted (`NestedSocket`),
    /// and each would otherwise get a budget of its own.
    static func key(peer: PeerCredentials?, container: String?, job: String? = nil) -> String {
        if let job { return "job \(job)" }
        if let container { return "container \(container)" }
        if let peer { return "uid \(peer.uid)" }
        return "an unidentified peer"
    }

    /// The bucket of a peer (nil: no limit), kept by its connection.
    func bucket(for key: String, now: UInt64 = monotonicNanoseconds()) -> PeerRateBucket? {
        guard enabled else { return nil }
        return buckets.withLock { table in
            if let found = table[key] { return found }
            if table.count >= Self.pruneAbove {
                table = table.filter { !$0.value.isFull(now: now) }
            }
            let made = PeerRateBucket(key: key, bucket: TokenBucket(rate: UInt64(perSecond), capacity: UInt64(burst), now: now),
                                      rates: self)
            table[key] = made
            return made
        }
    }

    /// A request of `key` waits: counted, and said on stderr at most once a minute per peer.
    func waited(_ key: String, now: UInt64) {
        let say = counters.withLock { c -> Bool in
            c.waits += 1
            if let last = c.lastNotice[key], now - last < 60 * TokenBucket.unit { return false }
            if c.lastNotice.count >= Self.pruneAbove { c.lastNotice.removeAll() }
            c.lastNotice[key] = now
            return true
        }
        if say {
            notify("sockwarden: PEER RATE: \(key) sends more than \(perSecond) requests a second (burst \(burst)); its requests wait their turn (--peer-rate, --peer-burst)")
        }
    }
}

/// One peer's bucket; its connections keep a reference.
final class PeerRateBucket: @unchecked Sendable {
    let key: String
    private let state: Locked<TokenBucket>
    private weak var rates: PeerRates?

    init(key: String, bucket: TokenBucket, rates: PeerRates) {
        self.key = key
        self.state = Locked(bucket)
        self.rates = rates
    }

    /// 0: go; otherwise the nanoseconds to wait before asking again.
    func take(now: UInt64 = monotonicNanoseconds()) -> UInt64 {
        let wait = state.withLock { $0.take(now: now) }
        if wait > 0 { rates?.waited(key, now: now) }
        return wait
    }

    func isFull(now: UInt64) -> Bool { state.withLock { $0.isFull(now: now) } }
}
