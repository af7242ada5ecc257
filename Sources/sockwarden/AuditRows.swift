import GoJSON
import Proxy

/// One line of the table `sockwarden audit` prints: a request (its
/// `request` and `result` records joined on run and req) or an event.
struct AuditRow {
    var timeText = ""
    var time: Int64?
    var seq: Int = 0
    var event: String
    var run = ""
    var request: [JSONMember] = []
    var result: [JSONMember] = []
    var hasResult = false
    var hasRequest = false

    /// The members to show: the result's, then what only the request has (facts).
    var merged: [JSONMember] {
        if !hasRequest { return result }
        if !hasResult { return request }
        var out = result
        let keys = Set(result.map(\.key))
        for m in request where !keys.contains(m.key) { out.append(m) }
        return out
    }

    func string(_ key: String) -> String? {
        for m in (hasResult ? result : []) + request where m.key == key {
            if case .string(let s) = m.value { return s }
            return nil
        }
        return nil
    }

    func number(_ key: String) -> String? {
        for m in (hasResult ? result : []) + request where m.key == key {
            if case .number(let n) = m.value { return n }
            return nil
        }
        return nil
    }

    func bool(_ key: String) -> Bool {
        for m in (hasResult ? result : []) + request where m.key == key {
            if case .bool(let b) = m.value { return b }
            return false
        }
        return false
    }

    func peer(_ key: String) -> JSONValue? {
        for m in (hasResult ? result : []) + request where m.key == "peer" {
            guard case .object(let members) = m.value else { return nil }
            return members.first { $0.key == key }?.value
        }
        return nil
    }

    var isRequest: Bool { event == "request" || event == "result" || event == "legacy" }
    var decision: String { string("decision") ?? "?" }
    var wouldDeny: Bool { bool("would_deny") }
    /// Denied, or would have been (warn/audit mode).
    var denied: Bool { decision == "deny" || wouldDeny }
    var rule: String { string("rule") ?? "" }
    var route: String { string("route") ?? "(\(string("target") ?? "?"))" }
    var group: String? { string("group") }

    var uid: String? {
        if case .number(let n)? = peer("uid") { return n }
        return nil
    }

    var pid: String? {
        if case .number(let n)? = peer("pid") { return n }
        return nil
    }

    var container: String? {
        if case .string(let s)? = peer("container") { return s }
        return nil
    }

    /// Who asked: the container's short id, else the uid (with `gone` when
    /// the process that connected had exited before its container was read).
    var client: String {
        if let c = container { return String(c.prefix(12)) }
        let gone = peer("gone") == .bool(true) ? " gone" : ""
        if let u = uid { return "uid \(u)\(gone)" }
        return "-"
    }

    var decisionLabel: String {
        if wouldDeny { return "would-deny" }
        return decision
    }

    var status: String { number("status") ?? (hasResult ? "-" : "open") }
}

/// Turns log lines into rows, joining each request with its result.
struct AuditRowBuilder {
    private var open: [String: AuditRow] = [:]
    private(set) var unparsable = 0

    /// Feeds one line; returns the rows it completes (a request row when its
    /// result arrives, an event row at once).
    mutating func feed(_ line: ArraySlice<UInt8>) -> [AuditRow] {
        guard case .success(.object(let members)) = JSONParser.parse(Array(line)) else {
            if !line.isEmpty { unparsable += 1 }
            return []
        }
        func str(_ key: String) -> String? {
            if case .string(let s)? = members.first(where: { $0.key == key })?.value { return s }
            return nil
        }
        func num(_ key: String) -> String? {
            if case .number(let n)? = members.first(where: { $0.key == key })?.value { return n }
            return nil
        }
        let event = str("event") ?? "legacy"
        let timeText = str("time") ?? ""
        var row = AuditRow(timeText: timeText, time: AuditTime.parse(timeText), seq: Int(num("seq") ?? "") ?? 0, event: event)
        row.run = str("run") ?? ""
        let key = "\(row.run)/\(num("req") ?? "?")/\(num("conn") ?? "?")"
        switch event {
        case "request":
            row.request = members
            row.hasRequest = true
            open[key] = row
            return []
        case "result", "legacy":
            if var started = open.removeValue(forKey: key) {
                started.result = members
                started.hasResult = true
                return [started]
            }
            row.result = members
            row.hasResult = true
            return [row]
        default:
            row.result = members
            row.hasResult = true
            return [row]
        }
    }

    /// Requests whose result never came (still open, or the proxy stopped).
    mutating func unfinished() -> [AuditRow] {
        let rows = open.values.sorted { ($0.time ?? 0, $0.seq) < ($1.time ?? 0, $1.seq) }
        open.removeAll()
        return rows
    }
}

/// What `--denied`, `--since`, `--until`, `--route`, `--client`, `--rule` keep.
struct AuditFilter {
    var denied = false
    var since: Int64?
    var until: Int64?
    var routes: [String] = []
    var clients: [String] = []
    var rules: [String] = []

    /// Filters about requests hide event rows.
    var requestsOnly: Bool { denied || !routes.isEmpty || !clients.isEmpty || !rules.isEmpty }

    func keeps(_ row: AuditRow) -> Bool {
        if let since, let t = row.time, t < since { return false }
        if let until, let t = row.time, t >= until { return false }
        if !row.isRequest { return !requestsOnly }
        if denied && !row.denied { return false }
        if !routes.isEmpty && !routes.contains(where: { AuditFilter.matches($0, row.route) || row.group == $0 }) { return false }
        if !rules.isEmpty && !rules.contains(where: { AuditFilter.matches($0, row.rule) }) { return false }
        if !clients.isEmpty && !clients.contains(where: { matchesClient($0, row) }) { return false }
        return true
    }

    /// Exact, or a trailing `*` for a prefix (`container.*`).
    static func matches(_ pattern: String, _ value: String) -> Bool {
        if pattern.hasSuffix("*") { return value.hasPrefix(pattern.dropLast()) }
        return pattern == value
    }

    /// `1000` or `uid=1000`, `pid=42`, `container=ID-PREFIX`, or a container id prefix (4+ hex digits).
    func matchesClient(_ pattern: String, _ row: AuditRow) -> Bool {
        if pattern.hasPrefix("uid=") { return row.uid == String(pattern.dropFirst(4)) }
        if pattern.hasPrefix("pid=") { return row.pid == String(pattern.dropFirst(4)) }
        if pattern.hasPrefix("container=") {
            let prefix = pattern.dropFirst("container=".count)
            return !prefix.isEmpty && (row.container?.hasPrefix(prefix) ?? false)
        }
        if pattern.allSatisfy(\.isNumber) && row.uid == pattern { return true }
        if pattern.count >= 4, let c = row.container, c.hasPrefix(pattern) { return true }
        return row.client == pattern
    }
}

/// JSON text of a parsed value (for `--json`), with C1 controls and format
/// characters escaped (`AuditJSONText`): the same value, nothing a terminal
/// acts on or hides.
enum AuditJSON {
    static func render(_ value: JSONValue, into out: inout [UInt8]) {
        out += AuditJSONText.escaped(GoEncoder.render(value))
    }

    /// A row as one JSON object: the merged record, without the chain fields.
    static func row(_ row: AuditRow) -> String {
        var members = row.merged.filter { $0.key != "prev" && $0.key != "hash" && $0.key != "seq" && $0.key != "event" }
        members.insert(JSONMember("kind", .string(row.isRequest ? "request" : row.event)), at: 0)
        if row.isRequest && !row.hasResult { members.append(JSONMember("open", .bool(true))) }
        var out: [UInt8] = []
        render(.object(members), into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
