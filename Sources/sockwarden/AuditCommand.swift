import Glibc
import Posix
import Proxy

let auditHelp = """
USAGE
  sockwarden audit [FILTERS] [--summary] [--json] [--follow] FILE...
  sockwarden audit verify [--allow-restarts] [--from-genesis] FILE...

Reads audit logs for people. Each request is one row (its "request" record
joined with its "result" record); events (start, stop, reload, reopen, gap)
are rows too unless a request filter is given. FILE "-" is standard input.
Give rotated files oldest first.

FILTERS (repeat --route, --client, --rule for "any of")
  --denied           denied requests, and those warn/audit mode let through
                     but the policy denies (shown as would-deny)
  --since TIME       at or after TIME; --until TIME: before TIME. TIME is
                     2026-11-29T19:30:00Z, 2026-11-29 19:30, 2026-11-29, or an
                     age: 90s, 15m, 2h, 7d
  --route R          route name or group; a trailing * matches a prefix
                     (container.*)
  --client C         uid (1000, uid=1000), pid=N, or a container id prefix
                     (container=3f2a, or 4+ hex digits)
  --rule R           deciding rule id (default-deny, host-paths, …; * as above)

OUTPUT
  (default)          a table: time (UTC), client, decision, status, method,
                     route, rule, reason of denials
  --json             one JSON object per row (both records merged, with facts)
  --summary          counts, top denied rules, routes and clients, and
                     requests over time (with --json: one JSON object)
  --top N            how many entries the summary's top lists show (default 10)
  --follow           keep reading the last FILE as it grows, across logrotate
                     (a request shows when its exchange ends; a line that is
                     not a record is reported on stderr as it is read)
  -h, --help         show this help

EXIT CODES
  0 success   2 bad usage or unreadable file

EXAMPLES
  sockwarden audit --denied --since 1h /var/log/sockwarden/audit.jsonl
  sockwarden audit --summary audit.jsonl.1 audit.jsonl
  sockwarden audit --client 3f2a9c --route 'container.*' --json audit.jsonl
  sockwarden audit --denied --follow /var/log/sockwarden/audit.jsonl
"""

func runAudit(_ args: ArraySlice<String>) -> Never {
    if args.first == "verify" { runAuditVerify(args.dropFirst()) }
    let values = ["since", "until", "top"]
    let lists = ["route", "client", "rule"]
    let switches = ["denied", "summary", "json", "follow", "help"]
    var flagArgs: [String] = []
    var repeated: [String: [String]] = [:]
    // --route/--client/--rule may repeat: collect them before Flags (which keeps the last).
    var it = args.makeIterator()
    while let arg = it.next() {
        let name = arg.split(separator: "=", maxSplits: 1).first.map(String.init) ?? arg
        if lists.contains(where: { "--" + $0 == name }) {
            let key = String(name.dropFirst(2))
            if arg.contains("=") {
                repeated[key, default: []].append(String(arg.drop(while: { $0 != "=" }).dropFirst()))
            } else if let value = it.next() {
                repeated[key, default: []].append(value)
            } else {
                fail("audit: \(name) needs a value; run 'sockwarden audit --help'")
            }
            continue
        }
        flagArgs.append(arg)
    }
    let flags: Flags
    do {
        flags = try Flags(flagArgs[...], specs: values.map { .init(name: $0, takesValue: true) } + switches.map { .init(name: $0, takesValue: false) })
    } catch {
        fail("audit: \(error); run 'sockwarden audit --help'")
    }
    if flags.has("help") {
        print(auditHelp)
        exit(0)
    }
    guard !flags.positional.isEmpty else {
        fail("audit: name the audit log file(s), oldest first, e.g. sockwarden audit --denied /var/log/sockwarden/audit.jsonl")
    }
    let now = AuditTime.nowMilliseconds()
    var filter = AuditFilter()
    filter.denied = flags.has("denied")
    for (flag, target) in [("since", \AuditFilter.since), ("until", \AuditFilter.until)] {
        if let text = flags[flag] {
            guard let t = AuditTime.parseFlag(text, now: now) else {
                fail("audit: --\(flag) \(text): give a time like 2026-11-29T19:30:00Z or 2026-11-29, or an age like 15m, 2h, 7d")
            }
            filter[keyPath: target] = t
        }
    }
    filter.routes = repeated["route"] ?? []
    filter.clients = repeated["client"] ?? []
    filter.rules = repeated["rule"] ?? []
    var top = 10
    if let text = flags["top"] {
        guard let n = Int(text), n > 0 else { fail("audit: --top must be a positive number, got \(text)") }
        top = n
    }
    let json = flags.has("json")
    let summary = flags.has("summary")
    let follow = flags.has("follow")
    if follow && summary { fail("audit: --follow and --summary do not go together; use one or the other") }

    var builder = AuditRowBuilder()
    var rows: [AuditRow] = []
    var table = AuditTable()
    func emit(_ row: AuditRow) {
        guard filter.keeps(row) else { return }
        if json {
            Files.writeStdout(AuditJSON.row(row) + "\n")
        } else {
            Files.writeStdout(table.line(row))
        }
    }

    let readers: [AuditLineReader] = flags.positional.map { path in
        do {
            return try AuditLineReader(path: path)
        } catch {
            fail("audit: cannot read \(path): \(error)")
        }
    }
    /// Following never ends (nor prints the count at exit): each line that
    /// is not a record is reported when it is read.
    func feed(_ line: ArraySlice<UInt8>, of reader: AuditLineReader) -> [AuditRow] {
        let before = builder.unparsable
        let done = builder.feed(line)
        if follow && builder.unparsable > before {
            Files.writeStderr("audit: \(AuditDisplayText.escaped(reader.path)) line \(reader.lineNumber): not a JSON record, skipped (run 'sockwarden audit verify' on the file)\n")
        }
        return done
    }

    for (i, reader) in readers.enumerated() {
        while true {
            let next: AuditLineReader.Next
            do {
                // The last file's last line may be a record still being written: --follow finishes it.
                next = try reader.next(keepingPartial: follow && i == readers.count - 1)
            } catch {
                fail("audit: cannot read \(reader.path): \(error)")
            }
            guard case .line(let line, _) = next else { break }
            let done = feed(line, of: reader)
            if summary || !follow {
                rows += done
            } else {
                done.forEach(emit)
            }
        }
    }
    if follow {
        // What was already there has been printed; now print as it comes.
        let last = readers[readers.count - 1]
        while true {
            let line: ArraySlice<UInt8>
            do {
                line = try last.follow()
            } catch {
                fail("audit: cannot read \(last.path): \(error)")
            }
            feed(line, of: last).forEach(emit)
        }
    }
    rows += builder.unfinished()
    rows.sort { ($0.time ?? 0, $0.seq) < ($1.time ?? 0, $1.seq) }
    rows = rows.filter(filter.keeps)
    if summary {
        let s = AuditSummary(rows: rows, top: top)
        Files.writeStdout(json ? s.json() + "\n" : s.text())
    } else {
        for row in rows { json ? Files.writeStdout(AuditJSON.row(row) + "\n") : Files.writeStdout(table.line(row)) }
    }
    if builder.unparsable > 0 {
        Files.writeStderr("audit: \(builder.unparsable) line(s) were not JSON records and were skipped (run 'sockwarden audit verify' on the files)\n")
    }
    exit(0)
}

/// The readable table: a header first, then one line per row.
struct AuditTable {
    private var headerDone = false

    mutating func line(_ row: AuditRow) -> String {
        var out = ""
        if !headerDone {
            headerDone = true
            out += AuditTable.format(["TIME (UTC)", "CLIENT", "DECISION", "STATUS", "METHOD", "ROUTE", "RULE", "REASON"])
        }
        if row.isRequest {
            let reason = row.denied || row.decision != "allow" ? (row.string("reason") ?? "") : ""
            out += AuditTable.format([AuditTable.time(row), row.client, row.decisionLabel, row.status,
                                      row.string("method") ?? "?", row.route, row.rule, reason])
        } else {
            out += AuditTable.format([AuditTable.time(row), "-", "event", "-", row.event, AuditTable.eventText(row), "", ""])
        }
        return out
    }

    static func time(_ row: AuditRow) -> String {
        row.time.map { AuditTime.format($0) } ?? row.timeText
    }

    static let widths = [19, 12, 10, 6, 6, 22, 18]

    static func format(_ cells: [String]) -> String {
        var out = ""
        // Cells hold what clients sent (a denial's reason quotes the body): never raw controls.
        for (i, cell) in cells.map(AuditDisplayText.escaped).enumerated() {
            if i < widths.count {
                out += cell + String(repeating: " ", count: max(1, widths[i] + 1 - cell.count))
            } else {
                out += cell
            }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out + "\n"
    }

    /// One line about an event: what happened, and its outcome.
    static func eventText(_ row: AuditRow) -> String {
        let s = row.string
        switch row.event {
        case "start":
            return "policy \(s("policy") ?? "?") \(short(s("policy_digest"))) mode \(s("mode") ?? "?"), chain \(s("chain") ?? "?")"
        case "stop":
            let open = row.number("open").flatMap { $0 == "0" ? nil : $0 }
            return "stopped (\(s("reason") ?? "?"))" + (open.map { ", \($0) request(s) still open: their results were not written" } ?? "")
        case "reload":
            let outcome = s("outcome") ?? "?"
            var text = "\(s("trigger") ?? "?"): \(outcome), in force \(s("policy") ?? "?") \(short(s("policy_digest")))"
            if let e = s("error") { text += ": " + (e.split(separator: "\n").first.map(String.init) ?? e) }
            return text
        case "reopen":
            return "\(s("outcome") ?? "?") \(s("path") ?? "")" + (s("error").map { ": \($0)" } ?? "")
        case "gap":
            return "\(s("reason") ?? "?") since \(s("since") ?? "?"): \(row.number("refused_requests") ?? "0") requests refused, \(row.number("dropped_records") ?? "0") records dropped" + (s("error").map { " (\($0))" } ?? "")
        default:
            return ""
        }
    }

    static func short(_ digest: String?) -> String {
        guard let d = digest else { return "" }
        return String(d.prefix(19))
    }
}
