import Posix

/// A token bucket in whole nanoseconds, as reservations (GCRA, the
/// generic cell rate algorithm): `rate` requests a second, `capacity` at
/// once after a pause. Each `reserve` takes the next slot and says how long
/// to wait for it; the caller then goes without asking again, so requests
/// of one peer waiting together are spread `interval` apart instead of all
/// waking when one token comes back. A pure value: the caller passes the time.
public struct TokenBucket: Equatable, Sendable {
    /// Nanoseconds between two slots (rounded up).
    public let interval: UInt64
    /// How far ahead of its slot a request may go: the saved-up burst.
    public let tolerance: UInt64
    /// The slot of the next request (monotonic ns); at or before now: idle.
    public private(set) var nextSlot: UInt64

    /// An idle bucket. `rate` and `capacity` are at least 1.
    public init(rate: UInt64, capacity: UInt64, now: UInt64) {
        let rate = max(1, rate)
        interval = (1_000_000_000 + rate - 1) / rate
        tolerance = (max(1, capacity) - 1) * interval
        nextSlot = now
    }

    /// Reserves the next slot: 0 to go now, otherwise the nanoseconds to
    /// wait, after which the request goes (the slot is its own). A clock
    /// that went back only makes the wait longer.
    public mutating func reserve(now: UInt64) -> UInt64 {
        let slot = max(nextSlot, now)
        nextSlot = slot + interval
        let earliest = slot > tolerance ? slot - tolerance : 0
        return earliest > now ? earliest - now : 0
    }

    /// Gives back a slot reserved by a request that went away while it
    /// waited for it (its client hung up): the reservations after it move
    /// up one interval, so abandoned requests leave no debt behind (found
    /// 2026-12-02, session 21: a peer that sent requests and hung up at
    /// once made its next real request wait 51 s at 20 a second).
    public mutating func giveBack(now: UInt64) {
        guard nextSlot > now else { return }
        nextSlot = max(now, nextSlot - interval)
    }

    /// Nothing reserved ahead: a whole burst is there.
    public func isIdle(now: UInt64) -> Bool { nextSlot <= now }
}

/// Requests per second per peer (`serve --peer-rate`), shared by the main
/// socket and every job socket: a peer past its rate has its next request
/// wait (not refused) for its slot. A peer is the job on a
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
    private let counters = Locked((waits: 0, givenBack: 0, lastNotice: [String: UInt64]()))
    private let notify: @Sendable (String) -> Void

    public init(perSecond: Int = PeerRates.defaultPerSecond, burst: Int = PeerRates.defaultBurst,
                notify: @escaping @Sendable (String) -> Void = { _ in }) {
        self.perSecond = perSecond
        self.burst = max(1, burst)
        self.notify = notify
    }

    public var enabled: Bool { perSecond > 0 }

    var bucketCount: Int { buckets.withLock { $0.count } }
    /// Prunes run so far (tests).
    private(set) var prunes = 0

    /// Requests that waited so far.
    public var waits: Int { counters.withLock { $0.waits } }

    /// Slots given back by requests that went away while they waited.
    public var givenBack: Int { counters.withLock { $0.givenBack } }

    func gaveBack() { counters.withLock { $0.givenBack += 1 } }

    /// The peer's name in notices and the key of its bucket. On a job's
    /// socket the job is the peer, whichever of its containers calls: a
    /// job may start containers with its socket mounted (`NestedSocket`),
    /// and each would otherwise get a budget of its own.
    /// A peer whose process is gone gets a bucket apart from its uid's: a
    /// container's process that connected, forked and exited was counted as
    /// the host's root, whose budget (the runner's) it then spent (found
    /// 2026-12-02, session 23).
    static func key(peer: PeerCredentials?, caller: AuditCgroup.Caller, job: String? = nil) -> String {
        if let job { return "job \(job)" }
        switch caller {
        case .container(let id): return "container \(id)"
        case .gone: return peer.map { "uid \($0.uid) (its process gone)" } ?? "an unidentified peer"
        case .host: return peer.map { "uid \($0.uid)" } ?? "an unidentified peer"
        }
    }

    /// The bucket of a peer (nil: no limit), kept by its connection.
    func bucket(for key: String, now: UInt64 = monotonicNanoseconds()) -> PeerRateBucket? {
        guard enabled else { return nil }
        return buckets.withLock { table in
            if let found = table[key] { return found }
            if table.count >= nextPrune {
                prunes += 1
                prune(&table, now: now)
                // When most buckets are in use, the next prune waits until the table has doubled.
                nextPrune = max(Self.pruneAbove, 2 * table.count)
            }
            let made = PeerRateBucket(key: key, bucket: TokenBucket(rate: UInt64(perSecond), capacity: UInt64(burst), now: now),
                                      rates: self)
            table[key] = made
            return made
        }
    }

    /// Table size at which idle buckets are dropped (under the table's lock).
    private var nextPrune = PeerRates.pruneAbove

    /// Drops the buckets no connection holds and nothing is reserved in:
    /// a bucket a connection still holds stays (a new connection of its
    /// peer would otherwise get a fresh one, a second budget).
    private func prune(_ table: inout [String: PeerRateBucket], now: UInt64) {
        for key in Array(table.keys) {
            guard var bucket = table.removeValue(forKey: key) else { continue }
            if isKnownUniquelyReferenced(&bucket) && bucket.isIdle(now: now) { continue }
            table[key] = bucket
        }
    }

    /// A request of `key` waits: counted, and said on stderr at most once a minute per peer.
    func waited(_ key: String, now: UInt64) {
        let say = counters.withLock { c -> Bool in
            c.waits += 1
            // `now` was read before this lock: another thread's later reading may be stored already.
            if let last = c.lastNotice[key], now < last || now - last < 60 * 1_000_000_000 { return false }
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

    /// Reserves the request's slot: 0 to go now, otherwise the nanoseconds
    /// to wait, after which it goes without asking again.
    func reserve(now: UInt64 = monotonicNanoseconds()) -> UInt64 {
        let wait = state.withLock { $0.reserve(now: now) }
        if wait > 0 { rates?.waited(key, now: now) }
        return wait
    }

    /// A request that waited for its slot went away before it: the slot is given back.
    func giveBack(now: UInt64 = monotonicNanoseconds()) {
        state.withLock { $0.giveBack(now: now) }
        rates?.gaveBack()
    }

    func isIdle(now: UInt64) -> Bool { state.withLock { $0.isIdle(now: now) } }
}
