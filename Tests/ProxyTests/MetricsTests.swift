import Testing
@testable import Proxy

/// The Prometheus text rendering, and that counters move as requests are counted.
@Suite struct MetricsTests {
    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    @Test func countedRequestsAppearUnderTheirGroupAndDecision() {
        let m = Metrics()
        m.countRequest(group: "containers", decision: "deny")
        m.countRequest(group: "containers", decision: "deny")
        m.countRequest(group: "system", decision: "allow")
        m.countRequest(group: nil, decision: "deny")
        m.countRequest(group: "exec", decision: "would_deny")
        let text = m.snapshot(live: .init()).render()
        let l = MetricsTests.lines(text)
        #expect(l.contains("sockwarden_requests_total{group=\"containers\",decision=\"deny\"} 2"))
        #expect(l.contains("sockwarden_requests_total{group=\"system\",decision=\"allow\"} 1"))
        #expect(l.contains("sockwarden_requests_total{group=\"none\",decision=\"deny\"} 1"))
        #expect(l.contains("sockwarden_requests_total{group=\"exec\",decision=\"would_deny\"} 1"))
        #expect(l.contains("sockwarden_requests_total{group=\"images\",decision=\"allow\"} 0"))
    }

    @Test func latencyHistogramIsCumulative() {
        let m = Metrics()
        m.exchangeStarted(); m.exchangeStarted(); m.exchangeStarted()
        m.exchangeEnded(bytesIn: 10, bytesOut: 100, responseNanoseconds: 300_000)        // 0.3 ms
        m.exchangeEnded(bytesIn: 0, bytesOut: 50, responseNanoseconds: 20_000_000)        // 20 ms
        m.exchangeEnded(bytesIn: 5, bytesOut: 0, responseNanoseconds: nil)                // no response head
        let l = MetricsTests.lines(m.snapshot(live: .init()).render())
        #expect(l.contains("sockwarden_response_latency_seconds_bucket{le=\"0.0005\"} 1"))
        #expect(l.contains("sockwarden_response_latency_seconds_bucket{le=\"0.01\"} 1"))
        #expect(l.contains("sockwarden_response_latency_seconds_bucket{le=\"0.025\"} 2"))
        #expect(l.contains("sockwarden_response_latency_seconds_bucket{le=\"+Inf\"} 2"))
        #expect(l.contains("sockwarden_response_latency_seconds_count 2"))
        #expect(l.contains("sockwarden_response_latency_seconds_sum 0.0203"))
        #expect(l.contains("sockwarden_bytes_total{direction=\"in\"} 15"))
        #expect(l.contains("sockwarden_bytes_total{direction=\"out\"} 150"))
        #expect(l.contains("sockwarden_open_streams 0"))
    }

    @Test func everyFamilyHasHelpAndTypeBeforeItsSamples() {
        let live = MetricsSnapshot.Live(openConnections: 3, auditBacklog: 7, auditHealthy: false, policyName: "ci.toml",
                                        policyDigest: "sha256:ab", policyMode: "warn", policyLoadedAt: 1_700_000_000,
                                        requestMemoryBytes: 1_310_720, requestMemoryRefusals: 2, peerRateWaits: 5, peerRateGivenBack: 4)
        let m = Metrics()
        m.countReload(trigger: "sighup", outcome: "invalid")
        m.countReload(trigger: "file-change", outcome: "ok")
        let l = MetricsTests.lines(m.snapshot(live: live).render())
        var typed: Set<String> = []
        for line in l {
            if line.hasPrefix("# TYPE ") { typed.insert(String(line.split(separator: " ")[2])) ; continue }
            if line.hasPrefix("#") { continue }
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            let family = ["_bucket", "_sum", "_count"].reduce(name) { n, s in
                n.hasSuffix(s) && typed.contains(String(n.dropLast(s.count))) ? String(n.dropLast(s.count)) : n
            }
            #expect(typed.contains(family), "\(name) sampled before its # TYPE")
        }
        #expect(l.contains("sockwarden_open_connections 3"))
        #expect(l.contains("sockwarden_audit_backlog_records 7"))
        #expect(l.contains("sockwarden_request_memory_bytes 1310720"))
        #expect(l.contains("sockwarden_request_memory_refusals_total 2"))
        #expect(l.contains("sockwarden_peer_rate_waits_total 5"))
        #expect(l.contains("sockwarden_peer_rate_slots_given_back_total 4"))
        #expect(l.contains("sockwarden_audit_log_healthy 0"))
        #expect(l.contains("sockwarden_policy_info{name=\"ci.toml\",digest=\"sha256:ab\",mode=\"warn\"} 1"))
        #expect(l.contains("sockwarden_policy_loaded_timestamp_seconds 1700000000"))
        #expect(l.contains("sockwarden_policy_reloads_total{trigger=\"sighup\",outcome=\"invalid\"} 1"))
        #expect(l.contains("sockwarden_policy_reloads_total{trigger=\"file-change\",outcome=\"ok\"} 1"))
    }

    @Test func labelValuesAreEscaped() {
        #expect(MetricsSnapshot.escape("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
        let live = MetricsSnapshot.Live(policyName: "we\"ird.toml")
        #expect(Metrics().snapshot(live: live).render().contains("name=\"we\\\"ird.toml\""))
    }
}
