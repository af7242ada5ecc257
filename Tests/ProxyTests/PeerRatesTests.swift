import Posix
import Testing
@testable import Proxy

/// The token bucket behind `serve --peer-rate`, with explicit times, and
/// the peer table that hands connections their peer's bucket.
@Suite struct PeerRatesTests {
    static let second: UInt64 = 1_000_000_000

    /// One step: at `at` (ns after the start), take a token; `wait` is what
    /// `take` answers (0: taken).
    struct Step: CustomTestStringConvertible {
        let name: String
        let rate: UInt64
        let capacity: UInt64
        let takes: [(at: UInt64, wait: UInt64)]
        var testDescription: String { name }
    }

    static let steps: [Step] = [
        Step(name: "a full bucket gives its capacity at once, then says how long until the next token",
             rate: 10, capacity: 3, takes: [(0, 0), (0, 0), (0, 0), (0, second / 10)]),
        Step(name: "a token comes back after 1/rate",
             rate: 10, capacity: 1, takes: [(0, 0), (second / 20, second / 20), (second / 10, 0)]),
        Step(name: "idle time saves up to the capacity and no more",
             rate: 1000, capacity: 2, takes: [(0, 0), (0, 0), (3600 * second, 0), (3600 * second, 0), (3600 * second, second / 1000)]),
        Step(name: "a clock that goes back refills nothing",
             rate: 10, capacity: 1, takes: [(second, 0), (0, second / 10), (second, second / 10)]),
        Step(name: "an idle day does not overflow the refill",
             rate: 10_000_000, capacity: 100_000_000, takes: [(0, 0), (86_400 * second, 0)]),
        Step(name: "a wait is rounded up to a whole nanosecond",
             rate: 3, capacity: 1, takes: [(0, 0), (0, 333_333_334)]),
    ]

    @Test(arguments: steps)
    func bucket(_ step: Step) {
        var bucket = TokenBucket(rate: step.rate, capacity: step.capacity, now: 0)
        for (i, take) in step.takes.enumerated() {
            #expect(bucket.take(now: take.at) == take.wait, "take \(i) at \(take.at) ns")
        }
    }

    @Test func aWaitIsLongEnoughForTheNextTake() {
        var bucket = TokenBucket(rate: 7, capacity: 1, now: 0)
        #expect(bucket.take(now: 0) == 0)
        let wait = bucket.take(now: 5)
        #expect(wait > 0)
        #expect(bucket.take(now: 5 + wait) == 0)
    }

    @Test func eachPeerHasItsOwnBucket() {
        let rates = PeerRates(perSecond: 1, burst: 2)
        let a = rates.bucket(for: "uid 1000", now: 0)!
        let b = rates.bucket(for: "container abc", now: 0)!
        #expect(rates.bucket(for: "uid 1000", now: 0) === a)
        #expect(a.take(now: 0) == 0 && a.take(now: 0) == 0)
        #expect(a.take(now: 0) == Self.second)
        #expect(b.take(now: 0) == 0, "another peer is not held back")
        #expect(rates.waits == 1)
    }

    @Test func noLimitGivesNoBucket() {
        #expect(PeerRates(perSecond: 0, burst: 10).bucket(for: "uid 0") == nil)
    }

    @Test func aPeerIsItsJobElseItsContainerElseItsUID() {
        let peer = PeerCredentials(pid: 1, uid: 1000, gid: 1000)
        #expect(PeerRates.key(peer: peer, container: "abc") == "container abc")
        #expect(PeerRates.key(peer: peer, container: nil) == "uid 1000")
        #expect(PeerRates.key(peer: nil, container: nil) == "an unidentified peer")
        #expect(PeerRates.key(peer: peer, container: "abc", job: "j1") == "job j1", "on a job's socket the job is the peer")
    }

    @Test func fullBucketsAreDroppedOnceThereAreMany() {
        let rates = PeerRates(perSecond: 1, burst: 1)
        let busy = rates.bucket(for: "busy", now: 0)!
        #expect(busy.take(now: 0) == 0)
        for i in 0..<PeerRates.pruneAbove { _ = rates.bucket(for: "idle \(i)", now: 0) }
        // Past the limit: the idle (full) buckets go, the drained one stays.
        _ = rates.bucket(for: "new", now: 0)
        #expect(rates.bucket(for: "busy", now: 0) === busy)
        #expect(rates.bucketCount <= 3)
    }

    @Test func aWaitIsSaidOnceAMinutePerPeer() {
        let said = Locked([String]())
        let rates = PeerRates(perSecond: 1, burst: 1) { line in said.withLock { $0.append(line) } }
        let a = rates.bucket(for: "uid 7", now: 0)!
        _ = a.take(now: 0)
        _ = a.take(now: 1)
        _ = a.take(now: 2)
        _ = a.take(now: 61 * Self.second)  // a token again: no wait
        _ = a.take(now: 61 * Self.second + 1)
        let lines = said.withLock { $0 }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("PEER RATE: uid 7") && $0.contains("--peer-rate") })
        #expect(rates.waits == 3)
    }
}
