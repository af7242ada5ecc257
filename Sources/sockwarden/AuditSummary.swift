import GoJSON
import Proxy

/// `sockwarden audit --summary`: counts, top denied rules, routes and
/// clients, and requests over time.
struct AuditSummary {
    var requests = 0
    var allowed = 0
    var denied = 0
    var wouldDeny = 0
    var open = 0
    var first: Int64?
    var last: Int64?
    var reloads: [String: Int] = [:]
    var gaps = 0
    var refusedInGaps = 0
    var droppedInGaps = 0
    var starts = 0
    var deniedRules: [String: Int] = [:]
    var deniedRoutes: [String: Int] = [:]
    var deniedClients: [String: Int] = [:]
    /// bucket start (ms) → (allowed, denied incl. would-deny)
    var buckets: [Int64: (allow: Int, deny: Int)] = [:]
    var bucketMs: Int64 = 60_000
    let top: Int

    init(rows: [AuditRow], top: Int) {
        self.top = top
        let times = rows.compactMap(\.time)
        first = times.min()
        last = times.max()
        bucketMs = AuditSummary.bucketSize(span: (last ?? 0) - (first ?? 0))
        for row in rows {
            if !row.isRequest {
                switch row.event {
                case "reload": reloads[row.string("outcome") ?? "?", default: 0] += 1
                case "gap":
                    gaps += 1
                    // Saturating, negatives ignored: a doctored log must not crash its review or cancel real counts.
                    let refused = refusedInGaps.addingReportingOverflow(max(0, Int(row.number("refused_requests") ?? "0") ?? 0))
                    refusedInGaps = refused.overflow ? Int.max : refused.partialValue
                    let dropped = droppedInGaps.addingReportingOverflow(max(0, Int(row.number("dropped_records") ?? "0") ?? 0))
                    droppedInGaps = dropped.overflow ? Int.max : dropped.partialValue
                case "start": starts += 1
                default: break
                }
                continue
            }
            requests += 1
            if !row.hasResult { open += 1 }
            let isDenied = row.denied
            if row.wouldDeny { wouldDeny += 1 } else if row.decision == "deny" { denied += 1 } else { allowed += 1 }
            if isDenied {
                deniedRules[row.rule, default: 0] += 1
                deniedRoutes[row.route, default: 0] += 1
                deniedClients[row.client, default: 0] += 1
            }
            if let t = row.time {
                let b = t - ((t % bucketMs) + bucketMs) % bucketMs
                var counts = buckets[b] ?? (0, 0)
                if isDenied { counts.deny += 1 } else { counts.allow += 1 }
                buckets[b] = counts
            }
        }
    }

    /// At most about 48 buckets: a minute, 10 minutes, an hour or a day.
    static func bucketSize(span: Int64) -> Int64 {
        for size: Int64 in [60_000, 600_000, 3_600_000, 21_600_000] where span / size <= 48 { return size }
        return 86_400_000
    }

    static func bucketName(_ ms: Int64) -> String {
        switch ms {
        case 60_000: return "minute"
        case 600_000: return "10 minutes"
        case 3_600_000: return "hour"
        case 21_600_000: return "6 hours"
        default: return "day"
        }
    }

    func ranked(_ counts: [String: Int]) -> [(String, Int)] {
        Array(counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top))
    }

    func text() -> String {
        var out = ""
        let span = first.map { f in "from \(AuditTime.format(f)) to \(AuditTime.format(last ?? f)) UTC" } ?? "no timed records"
        out += "requests: \(requests) (allowed \(allowed), denied \(denied), would-deny \(wouldDeny)\(open > 0 ? ", \(open) without a result" : "")), \(span)\n"
        let reloadText = reloads.isEmpty ? "none" : reloads.sorted { $0.key < $1.key }.map { "\($0.value) \(AuditDisplayText.escaped($0.key))" }.joined(separator: ", ")
        out += "policy reloads: \(reloadText); proxy starts: \(starts); audit gaps: \(gaps)"
        if gaps > 0 { out += " (\(refusedInGaps) requests refused, \(droppedInGaps) records dropped)" }
        out += "\n"
        for (title, counts) in [("denied rules", deniedRules), ("denied routes", deniedRoutes), ("denied clients", deniedClients)] {
            out += "\ntop \(title):\n"
            let list = ranked(counts)
            if list.isEmpty { out += "  (none)\n" }
            for (name, n) in list {
                let count = String(n)
                out += "  " + String(repeating: " ", count: max(0, 6 - count.count)) + count + "  " + AuditDisplayText.escaped(name) + "\n"
            }
        }
        out += "\nrequests per \(AuditSummary.bucketName(bucketMs)) (UTC):\n"
        if buckets.isEmpty { out += "  (none)\n" }
        for (start, counts) in buckets.sorted(by: { $0.key < $1.key }) {
            let label = AuditTime.format(start, seconds: false)
            out += "  \(label)  allowed \(pad(counts.allow))  denied \(pad(counts.deny))\n"
        }
        return out
    }

    private func pad(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(0, 6 - s.count)) + s
    }

    func json() -> String {
        func list(_ counts: [String: Int]) -> JSONValue {
            .array(ranked(counts).map { .object([JSONMember("name", .string($0.0)), JSONMember("count", .number(String($0.1)))]) })
        }
        let overTime: JSONValue = .array(buckets.sorted { $0.key < $1.key }.map { start, counts in
            .object([JSONMember("start", .string(AuditRecord.rfc3339((Int(start / 1000), 0)))),
                     JSONMember("allowed", .number(String(counts.allow))),
                     JSONMember("denied", .number(String(counts.deny)))])
        })
        let value: JSONValue = .object([
            JSONMember("requests", .number(String(requests))),
            JSONMember("allowed", .number(String(allowed))),
            JSONMember("denied", .number(String(denied))),
            JSONMember("would_deny", .number(String(wouldDeny))),
            JSONMember("without_result", .number(String(open))),
            JSONMember("first", first.map { .string(AuditRecord.rfc3339((Int($0 / 1000), Int($0 % 1000) * 1_000_000))) } ?? .null),
            JSONMember("last", last.map { .string(AuditRecord.rfc3339((Int($0 / 1000), Int($0 % 1000) * 1_000_000))) } ?? .null),
            JSONMember("reloads", .object(reloads.sorted { $0.key < $1.key }.map { JSONMember($0.key, .number(String($0.value))) })),
            JSONMember("starts", .number(String(starts))),
            JSONMember("gaps", .number(String(gaps))),
            JSONMember("refused_in_gaps", .number(String(refusedInGaps))),
            JSONMember("dropped_in_gaps", .number(String(droppedInGaps))),
            JSONMember("top_denied_rules", list(deniedRules)),
            JSONMember("top_denied_routes", list(deniedRoutes)),
            JSONMember("top_denied_clients", list(deniedClients)),
            JSONMember("bucket_seconds", .number(String(bucketMs / 1000))),
            JSONMember("over_time", overTime),
        ])
        var out: [UInt8] = []
        AuditJSON.render(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
