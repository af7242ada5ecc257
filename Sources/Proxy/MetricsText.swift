/// One scrape's values, and their rendering in the Prometheus text
/// exposition format 0.0.4. Pure, so tests can render fixed values.
public struct MetricsSnapshot: Sendable {
    /// Gauges the server reads at scrape time.
    public struct Live: Sendable {
        public var openConnections: Int
        public var auditBacklog: Int
        public var auditHealthy: Bool
        public var policyName: String
        public var policyDigest: String
        public var policyMode: String
        public var policyLoadedAt: Double
        /// `RequestMemory.held` and `.refusals`.
        public var requestMemoryBytes: Int
        public var requestMemoryRefusals: Int
        /// `PeerRates.waits`.
        public var peerRateWaits: Int
        /// `PeerRates.givenBack`.
        public var peerRateGivenBack: Int

        public init(openConnections: Int = 0, auditBacklog: Int = 0, auditHealthy: Bool = true, policyName: String = "",
                    policyDigest: String = "", policyMode: String = "enforce", policyLoadedAt: Double = 0,
                    requestMemoryBytes: Int = 0, requestMemoryRefusals: Int = 0, peerRateWaits: Int = 0,
                    peerRateGivenBack: Int = 0) {
            self.peerRateWaits = peerRateWaits
            self.peerRateGivenBack = peerRateGivenBack
            self.requestMemoryBytes = requestMemoryBytes
            self.requestMemoryRefusals = requestMemoryRefusals
            self.openConnections = openConnections
            self.auditBacklog = auditBacklog
            self.auditHealthy = auditHealthy
            self.policyName = policyName
            self.policyDigest = policyDigest
            self.policyMode = policyMode
            self.policyLoadedAt = policyLoadedAt
        }
    }

    public var live: Live
    /// groups × decisions, row-major (`Metrics.groups`, `Metrics.decisions`).
    public var requests: [Int] = Array(repeating: 0, count: Metrics.groups.count * Metrics.decisions.count)
    /// Cumulative, one per `Metrics.latencyBuckets` bound.
    public var latencyBuckets: [Int] = Array(repeating: 0, count: Metrics.latencyBuckets.count)
    public var latencyCount = 0
    public var latencySumSeconds = 0.0
    public var inFlight = 0
    public var bytesIn = 0
    public var bytesOut = 0
    /// triggers × outcomes, row-major.
    public var reloads: [Int] = Array(repeating: 0, count: Metrics.reloadTriggers.count * Metrics.reloadOutcomes.count)
    public var auditWritten = 0
    public var auditWriteFailures = 0
    public var auditDropped = 0
    public var auditRefused = 0
    public var auditReopens = 0

    public init(live: Live) {
        self.live = live
    }

    /// The exposition text. Series with a zero count are still listed, so a
    /// dashboard sees every label combination from the first scrape.
    public func render() -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func plain(_ name: String, _ value: String) {
            out += "\(name) \(value)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
            out += name
            if !labels.isEmpty {
                out += "{" + labels.map { "\($0.0)=\"\(MetricsSnapshot.escape($0.1))\"" }.joined(separator: ",") + "}"
            }
            out += " \(value)\n"
        }

        family("sockwarden_requests_total", "counter", "Requests judged, by route group and decision (refused: the audit log could not take the record).")
        for (g, group) in Metrics.groups.enumerated() {
            for (d, decision) in Metrics.decisions.enumerated() {
                sample("sockwarden_requests_total", [("group", group), ("decision", decision)],
                       "\(requests[g * Metrics.decisions.count + d])")
            }
        }
        family("sockwarden_response_latency_seconds", "histogram", "Time from a request head read to its response head written to the client.")
        for (i, bound) in Metrics.latencyBuckets.enumerated() {
            sample("sockwarden_response_latency_seconds_bucket", [("le", MetricsSnapshot.number(bound))], "\(latencyBuckets[i])")
        }
        sample("sockwarden_response_latency_seconds_bucket", [("le", "+Inf")], "\(latencyCount)")
        plain("sockwarden_response_latency_seconds_sum", MetricsSnapshot.number(latencySumSeconds))
        plain("sockwarden_response_latency_seconds_count", "\(latencyCount)")
        family("sockwarden_open_connections", "gauge", "Client connections open now, on every socket (the main socket's and every job socket's).")
        plain("sockwarden_open_connections", "\(live.openConnections)")
        family("sockwarden_request_memory_bytes", "gauge", "Memory held by requests being read to be judged, past each connection's read buffer (--max-request-memory caps it).")
        plain("sockwarden_request_memory_bytes", "\(live.requestMemoryBytes)")
        family("sockwarden_request_memory_refusals_total", "counter", "Requests answered 503 because --max-request-memory was held.")
        plain("sockwarden_request_memory_refusals_total", "\(live.requestMemoryRefusals)")
        family("sockwarden_peer_rate_waits_total", "counter", "Times a request waited because its peer was past --peer-rate.")
        plain("sockwarden_peer_rate_waits_total", "\(live.peerRateWaits)")
        family("sockwarden_peer_rate_slots_given_back_total", "counter", "Slots given back by requests whose client went away while they waited for them (no debt is left behind).")
        plain("sockwarden_peer_rate_slots_given_back_total", "\(live.peerRateGivenBack)")
        family("sockwarden_open_streams", "gauge", "Judged requests whose exchange has not ended yet: streams (logs -f, events), hijacked attach/exec sessions, slow requests.")
        plain("sockwarden_open_streams", "\(inFlight)")
        family("sockwarden_bytes_total", "counter", "Bytes relayed: in = client to daemon, out = to the client. Counted when each exchange ends.")
        sample("sockwarden_bytes_total", [("direction", "in")], "\(bytesIn)")
        sample("sockwarden_bytes_total", [("direction", "out")], "\(bytesOut)")
        family("sockwarden_policy_reloads_total", "counter", "Policy reloads by trigger and outcome (invalid, unreadable and busy leave the old policy in force).")
        for (t, trigger) in Metrics.reloadTriggers.enumerated() {
            for (o, outcome) in Metrics.reloadOutcomes.enumerated() {
                sample("sockwarden_policy_reloads_total", [("trigger", trigger), ("outcome", outcome)],
                       "\(reloads[t * Metrics.reloadOutcomes.count + o])")
            }
        }
        family("sockwarden_policy_info", "gauge", "The policy in force (always 1).")
        sample("sockwarden_policy_info", [("name", live.policyName), ("digest", live.policyDigest), ("mode", live.policyMode)], "1")
        family("sockwarden_policy_loaded_timestamp_seconds", "gauge", "When the policy in force was loaded (Unix time).")
        plain("sockwarden_policy_loaded_timestamp_seconds", MetricsSnapshot.number(live.policyLoadedAt))
        family("sockwarden_audit_backlog_records", "gauge", "Audit records queued or reserved but not yet written.")
        plain("sockwarden_audit_backlog_records", "\(live.auditBacklog)")
        family("sockwarden_audit_log_healthy", "gauge", "1 while the audit log is being written, 0 while writes fail.")
        plain("sockwarden_audit_log_healthy", live.auditHealthy ? "1" : "0")
        family("sockwarden_audit_records_written_total", "counter", "Audit records written.")
        plain("sockwarden_audit_records_written_total", "\(auditWritten)")
        family("sockwarden_audit_write_failures_total", "counter", "Failed writes to the audit log (each is retried).")
        plain("sockwarden_audit_write_failures_total", "\(auditWriteFailures)")
        family("sockwarden_audit_dropped_records_total", "counter", "Audit records lost (--audit-failure=continue only).")
        plain("sockwarden_audit_dropped_records_total", "\(auditDropped)")
        family("sockwarden_audit_refused_requests_total", "counter", "Requests answered 503 because the audit log could not take their record (--audit-failure=refuse).")
        plain("sockwarden_audit_refused_requests_total", "\(auditRefused)")
        family("sockwarden_audit_reopens_total", "counter", "Audit log reopens (SIGUSR1).")
        plain("sockwarden_audit_reopens_total", "\(auditReopens)")
        return out
    }

    /// A label value: backslash, double quote and newline escaped.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// A float as Prometheus reads it: integers without a fraction.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
