import EngineAPI
import Synchronization

/// The proxy's counters, for `serve --metrics-socket` (Prometheus text
/// format, see `MetricsText`). Lock-free: relaxed atomics, bumped from any
/// thread; a scrape reads them one by one (a scrape is not a snapshot of one
/// instant, as usual for Prometheus counters).
public final class Metrics: Sendable {
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        func add(_ n: Int) { value.add(n, ordering: .relaxed) }
        var current: Int { value.load(ordering: .relaxed) }
    }

    /// Route groups as labels, plus "none" for requests that matched no route.
    public static let groups: [String] = RouteGroup.allCases.map(\.rawValue) + ["none"]
    /// `decision` label: allow, deny, would_deny (forwarded by warn/audit
    /// mode although the policy denies it), refused (503: the audit log
    /// could not take the record).
    public static let decisions = ["allow", "deny", "would_deny", "refused"]
    public static let reloadTriggers = ["sighup", "file-change"]
    public static let reloadOutcomes = ["ok", "unchanged", "invalid", "unreadable", "busy"]
    /// Upper bounds, seconds, of the response latency histogram.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let requests: [Counter]
    private let latency: [Counter]
    private let latencySumMicros = Counter()
    private let latencyCount = Counter()
    private let inFlight = Counter()
    private let bytesIn = Counter()
    private let bytesOut = Counter()
    private let reloads: [Counter]
    let auditWritten = Counter()
    let auditWriteFailures = Counter()
    let auditDropped = Counter()
    let auditRefused = Counter()
    let auditReopens = Counter()

    public init() {
        requests = (0..<(Metrics.groups.count * Metrics.decisions.count)).map { _ in Counter() }
        latency = Metrics.latencyBuckets.map { _ in Counter() }
        reloads = (0..<(Metrics.reloadTriggers.count * Metrics.reloadOutcomes.count)).map { _ in Counter() }
    }

    /// A request was judged and its record taken (or refused).
    func countRequest(group: String?, decision: String) {
        let g = Metrics.groups.firstIndex(of: group ?? "none") ?? (Metrics.groups.count - 1)
        guard let d = Metrics.decisions.firstIndex(of: decision) else { return }
        requests[g * Metrics.decisions.count + d].add(1)
    }

    func exchangeStarted() { inFlight.add(1) }

    /// An exchange ended: its bytes and, when a response head was written,
    /// the time from request head to response head.
    func exchangeEnded(bytesIn: UInt64, bytesOut: UInt64, responseNanoseconds: UInt64?) {
        inFlight.add(-1)
        self.bytesIn.add(Int(clamping: bytesIn))
        self.bytesOut.add(Int(clamping: bytesOut))
        if let ns = responseNanoseconds {
            let seconds = Double(ns) / 1e9
            for (i, bound) in Metrics.latencyBuckets.enumerated() where seconds <= bound {
                latency[i].add(1)
                break
            }
            latencySumMicros.add(Int(clamping: ns / 1000))
            latencyCount.add(1)
        }
    }

    public func countReload(trigger: String, outcome: String) {
        guard let t = Metrics.reloadTriggers.firstIndex(of: trigger),
              let o = Metrics.reloadOutcomes.firstIndex(of: outcome) else { return }
        reloads[t * Metrics.reloadOutcomes.count + o].add(1)
    }

    /// What a scrape shows, read now. `live` are the gauges the caller knows.
    public func snapshot(live: MetricsSnapshot.Live) -> MetricsSnapshot {
        var s = MetricsSnapshot(live: live)
        s.requests = requests.map(\.current)
        // Buckets are counted per bucket; Prometheus wants them cumulative.
        var running = 0
        s.latencyBuckets = latency.map { running += $0.current; return running }
        s.latencyCount = latencyCount.current
        s.latencySumSeconds = Double(latencySumMicros.current) / 1e6
        s.inFlight = inFlight.current
        s.bytesIn = bytesIn.current
        s.bytesOut = bytesOut.current
        s.reloads = reloads.map(\.current)
        s.auditWritten = auditWritten.current
        s.auditWriteFailures = auditWriteFailures.current
        s.auditDropped = auditDropped.current
        s.auditRefused = auditRefused.current
        s.auditReopens = auditReopens.current
        return s
    }
}
