import Posix
import Testing
@testable import Proxy

/// The token bucket behind `serve --peer-rate` (reservations, GCRA), with
/// explicit times, and the peer table that hands connections their peer's bucket.
@Suite struct PeerRatesTests {
    static let second: UInt64 = 1_000_000_000

    /// One case: at each `at` (ns after the start), reserve a slot; `wait`
    /// is what `reserve` answers (0: go now).
    struct Case: CustomTestStringConvertible {
        let name: String
        let rate: UInt64
        let capacity: UInt64
        let reserves: [(at: UInt64, wait: UInt64)]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "an idle bucket lets its capacity go at once, then the next waits 1/rate",
             rate: 10, capacity: 3, reserves: [(0, 0), (0, 0), (0, 0), (0, second / 10)]),
        Case(name: "requests waiting together get slots 1/rate apart, not one wake-up each",
             rate: 10, capacity: 1, reserves: [(0, 0), (0, second / 10), (0, 2 * second / 10), (0, 3 * second / 10)]),
        Case(name: "a reserved slot is its request's: the next one queues behind it",
             rate: 10, capacity: 1, reserves: [(0, 0), (second / 20, second / 20), (second / 10, second / 10)]),
        Case(name: "a pause saves up the capacity and no more",
             rate: 1000, capacity: 2, reserves: [(0, 0), (0, 0), (3600 * second, 0), (3600 * second, 0), (3600 * second, second / 1000)]),
        Case(name: "a clock that goes back only makes the wait longer",
             rate: 10, capacity: 1, reserves: [(second, 0), (0, second + second / 10), (second, 2 * second / 10)]),
        Case(name: "an idle day at the largest rate and burst does not overflow",
             rate: 10_000_000, capacity: 100_000_000, reserves: [(0, 0), (86_400 * second, 0)]),
        Case(name: "an interval is rounded up to a whole nanosecond",
             rate: 3, capacity: 1, reserves: [(0, 0), (0, 333_333_334)]),
    ]

    @Test(arguments: cases)
    func bucket(_ c: Case) {
        var bucket = TokenBucket(rate: c.rate, capacity: c.capacity, now: 0)
        for (i, r) in c.reserves.enumerated() {
            #expect(bucket.reserve(now: r.at) == r.wait, "reserve \(i) at \(r.at) ns")
        }
    }

    @Test func slotsOfRequestsThatWentAwayAreGivenBack() {
        // 20 a second, capacity 1: a hundred requests that hung up while they waited leave no debt.
        var bucket = TokenBucket(rate: 20, capacity: 1, now: 0)
        #expect(bucket.reserve(now: 0) == 0)
        for _ in 0..<100 {
            #expect(bucket.reserve(now: 0) > 0)
            bucket.giveBack(now: 0)
        }
        #expect(bucket.reserve(now: 0) == Self.second / 20, "only the one request that went is ahead")
        // Nothing reserved ahead: nothing to give back, and the bucket stays idle.
        var idle = TokenBucket(rate: 20, capacity: 1, now: 0)
        idle.giveBack(now: Self.second)
        #expect(idle.reserve(now: Self.second) == 0)
    }

    @Test func eachPeerHasItsOwnBucket() {
        let rates = PeerRates(perSecond: 1, burst: 2)
        let a = rates.bucket(for: "uid 1000", now: 0)!
        let b = rates.bucket(for: "container abc", now: 0)!
        #expect(rates.bucket(for: "uid 1000", now: 0) === a)
        #expect(a.reserve(now: 0) == 0 && a.reserve(now: 0) == 0)
        #expect(a.reserve(now: 0) == Self.second)
        #expect(b.reserve(now: 0) == 0, "another peer is not held back")
        #expect(rates.waits == 1)
    }

    @Test func noLimitGivesNoBucket() {
        #expect(PeerRates(perSecond: 0, burst: 10).bucket(for: "uid 0") == nil)
    }

    @Test func aPeerIsItsJobElseItsContainerElseItsUID() {
        let peer = PeerCredentials(pid: 1, uid: 1000, gid: 1000)
        #expect(PeerRates.key(peer: peer, caller: .container("abc")) == "container abc")
        #expect(PeerRates.key(peer: peer, caller: .host) == "uid 1000")
        #expect(PeerRates.key(peer: peer, caller: .gone) == "uid 1000 (its process gone)", "not the uid's own bucket")
        #expect(PeerRates.key(peer: nil, caller: .host) == "an unidentified peer")
        #expect(PeerRates.key(peer: peer, caller: .container("abc"), job: "j1") == "job j1", "on a job's socket the job is the peer")
    }

    @Test func idleBucketsNoConnectionHoldsAreDroppedOnceThereAreMany() {
        let rates = PeerRates(perSecond: 1, burst: 1)
        let busy = rates.bucket(for: "busy", now: 0)!
        #expect(busy.reserve(now: 0) == 0)
        let held = rates.bucket(for: "held", now: 0)!
        for i in 0..<PeerRates.pruneAbove { _ = rates.bucket(for: "idle \(i)", now: 0) }
        // Past the limit: the idle buckets no one holds go; one with a slot
        // reserved stays, and so does an idle one a connection holds (a new
        // connection of its peer would otherwise get a second budget).
        _ = rates.bucket(for: "new", now: 0)
        #expect(rates.bucket(for: "busy", now: 0) === busy)
        #expect(rates.bucket(for: "held", now: 0) === held)
        #expect(rates.bucketCount == 5, "busy, held, the two idle ones made after the prune, new")
    }

    @Test func aTableOfHeldBucketsIsNotScannedAtEveryNewPeer() {
        let rates = PeerRates(perSecond: 1, burst: 1)
        let held = (0..<PeerRates.pruneAbove).map { rates.bucket(for: "held \($0)", now: 0)! }
        _ = rates.bucket(for: "one more", now: 0)  // a prune that drops nothing
        for i in 0..<100 { _ = rates.bucket(for: "new \(i)", now: 0) }
        #expect(rates.bucketCount == PeerRates.pruneAbove + 101)
        #expect(rates.prunes == 1, "the next prune waits until the table has doubled")
        withExtendedLifetime(held) {}
    }

    @Test func aWaitIsSaidOnceAMinutePerPeer() {
        let said = Locked([String]())
        let rates = PeerRates(perSecond: 1, burst: 1) { line in said.withLock { $0.append(line) } }
        let a = rates.bucket(for: "uid 7", now: 0)!
        _ = a.reserve(now: 0)
        _ = a.reserve(now: 1)
        _ = a.reserve(now: 2)
        _ = a.reserve(now: 61 * Self.second)  // the slots reserved are past: no wait
        _ = a.reserve(now: 61 * Self.second + 1)
        let lines = said.withLock { $0 }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("PEER RATE: uid 7") && $0.contains("--peer-rate") })
        #expect(rates.waits == 3)
    }

    @Test func aNoticeTimeReadBeforeAnotherThreadsLaterOneDoesNotTrap() {
        let rates = PeerRates(perSecond: 1, burst: 1)
        // Thread B (later clock reading) stored its notice first; thread A's earlier reading comes in after.
        rates.waited("uid 9", now: 10 * Self.second)
        rates.waited("uid 9", now: 9 * Self.second)
        #expect(rates.waits == 2)
    }
}
