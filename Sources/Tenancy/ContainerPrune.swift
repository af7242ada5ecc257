import EngineAPI
import GoJSON

/// A container prune on a job socket, done by sockwarden (see
/// docs/tenancy.md, "container prune"): dockerd 20.10's prune removes each
/// container without its anonymous volumes (`ContainerRm` with an empty
/// `ContainerRmConfig`), and those volumes carry no owner label, so after a
/// prune they stayed on the daemon, out of every job's reach, and `job close`
/// (which finds volumes by the label) never reaped them. The job socket
/// therefore chooses the containers as the daemon's prune would
/// (`daemon/prune.go`: not running, paused or restarting; `until`, `label`,
/// `label!`), removes each with `v=1`, and answers with the report the
/// daemon would have given. The filters are validated by the daemon itself
/// first (a prune that can match nothing), so every refusal is its own.
///
/// Why not forward the daemon's prune and remove the volumes after it: the
/// daemon chooses the containers itself, so one the job created between a
/// look-up of its containers' volumes and the prune would be pruned with
/// volumes nobody looked up (a concurrent create on the same job); here
/// every removal is one sockwarden asked for, with `v=1`, of a container it
/// listed under the job's label, and a container created meanwhile is
/// simply not pruned (as one created after the daemon's own walk).
public enum ContainerPrune {
    /// The filters of a container prune as the daemon reads them
    /// (`filters.FromJSON`; keys of each filter's map, whatever its boolean).
    public struct Filters: Sendable, Equatable {
        public var labels: [String] = []
        public var notLabels: [String] = []
        public var until: [String] = []
        public init(labels: [String] = [], notLabels: [String] = [], until: [String] = []) {
            self.labels = labels
            self.notLabels = notLabels
            self.until = until
        }
    }

    public static func filters(_ raw: String?) -> Result<Filters, TenancyRefusal> {
        guard let query = GoQuery.parse(raw) else {
            return .failure(TenancyRefusal(status: 400, message: "the query string is malformed"))
        }
        guard let text = query.first("filters"), !text.utf8.isEmpty else { return .success(Filters()) }
        switch QueryRewrite.decodeFilters(Array(text.utf8)) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let decoded):
            func keys(_ name: String) -> [String] { (decoded[name] ?? [:]).keys.sorted() }
            return .success(Filters(labels: keys("label"), notLabels: keys("label!"), until: keys("until")))
        }
    }

    /// The query of the check sent to the daemon: the client's filters with
    /// the owner's label twice, with two values no container can both have
    /// (a job id has no "/"), so the daemon validates the filters (names,
    /// `until`) exactly as for the real prune and removes nothing.
    public static func checkQuery(_ raw: String?, owner: JobOwner) -> Result<String, TenancyRefusal> {
        guard let query = GoQuery.parse(raw) else {
            return .failure(TenancyRefusal(status: 400, message: "the query string is malformed"))
        }
        var filters: [String: [String: Bool]] = [:]
        if let text = query.first("filters"), !text.utf8.isEmpty {
            switch QueryRewrite.decodeFilters(Array(text.utf8)) {
            case .success(let decoded): filters = decoded
            case .failure(let refusal): return .failure(refusal)
            }
        }
        filters["label", default: [:]][owner.labelFilter] = true
        filters["label", default: [:]][owner.labelFilter + "/"] = true
        return QueryRewrite.encodeFilters(filters).map { "filters=" + QueryRewrite.escape($0) }
    }

    /// `filters.Args.MatchKVList`: every value (`key` or `key=value`) must
    /// be among the labels; no values match everything.
    static func matchKVList(_ values: [String], _ labels: [String: String]) -> Bool {
        if values.isEmpty { return true }
        if labels.isEmpty { return false }
        for value in values {
            let parts = value.utf8.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(decoding: parts[0], as: UTF8.self)
            guard let have = labels[key] else { return false }
            if parts.count == 2, !have.utf8.elementsEqual(parts[1]) { return false }
        }
        return true
    }

    /// `matchLabels` of `daemon/prune.go`: every `label` matches, and not
    /// every `label!` does (when any is given).
    public static func matchesLabels(_ filters: Filters, _ labels: [String: String]) -> Bool {
        guard matchKVList(filters.labels, labels) else { return false }
        if !filters.notLabels.isEmpty, matchKVList(filters.notLabels, labels) { return false }
        return true
    }

    /// `Container.IsRunning` from a list's `State`: running, paused and
    /// restarting containers are not pruned.
    public static func isPrunable(state: String) -> Bool {
        !["running", "paused", "restarting"].contains(state)
    }

    /// A point in time: seconds and nanoseconds since the epoch.
    public struct Instant: Sendable, Equatable, Comparable {
        public let seconds: Int64
        public let nanoseconds: Int64
        public init(_ seconds: Int64, _ nanoseconds: Int64) {
            self.seconds = seconds
            self.nanoseconds = nanoseconds
        }
        public static func < (a: Instant, b: Instant) -> Bool {
            (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
        }
    }

    /// Whether a container created at `created` is spared by `until`
    /// (`c.Created.After(until)`).
    public static func spared(created: Instant, until: Instant?) -> Bool {
        guard let until else { return false }
        return until < created
    }

    /// `getUntilFromPruneFilters`: `timetypes.GetTimestamp(value, now)` then
    /// `ParseTimestamps`. `zoneOffset`: seconds east of UTC of the daemon's
    /// local zone now (a value without a zone is read in it). nil when the
    /// value is not one sockwarden reads as the daemon does.
    public static func until(_ value: String, now: Instant, zoneOffset: Int64) -> Instant? {
        if value != "0", let d = GoTime.parseDuration(value) {
            // reference.Add(-d).Unix(): whole seconds, rounded down.
            let total = now.seconds.multipliedReportingOverflow(by: 1_000_000_000)
            guard !total.overflow else { return nil }
            let (at, overflow) = (total.partialValue + now.nanoseconds).subtractingReportingOverflow(d)
            guard !overflow else { return nil }
            let seconds = at >= 0 ? at / 1_000_000_000 : (at - 999_999_999) / 1_000_000_000
            return Instant(seconds, 0)
        }
        let inLocation = !(value.contains(where: { "zZ+".contains($0) }) || value.filter({ $0 == "-" }).count == 3)
        let layout: GoTime.Layout
        if value.contains(".") {
            layout = GoTime.Layout(time: 3, zone: !inLocation)
        } else if value.contains("T") {
            var colons = value.filter({ $0 == ":" }).count
            if !inLocation && !value.contains(where: { "zZ".contains($0) }) && colons > 0 { colons -= 1 }
            layout = GoTime.Layout(time: min(colons, 2) + 1, zone: !inLocation)
        } else {
            layout = GoTime.Layout(time: 0, zone: !inLocation)
        }
        if let parsed = GoTime.parse(value, layout: layout, zoneOffset: inLocation ? zoneOffset : 0) {
            return parsed
        }
        if value.contains("-") { return nil }
        return GoTime.parseTimestamp(value)
    }

    /// A container's `Created` as the daemon's inspect gives it (RFC 3339
    /// with nanoseconds, in UTC).
    public static func created(_ text: String) -> Instant? {
        GoTime.parse(text, layout: GoTime.Layout(time: 3, zone: true), zoneOffset: 0)
    }

    /// The daemon's answer (`types.ContainersPruneReport`, then the newline
    /// of Go's JSON encoder): `ContainersDeleted` is null when none was.
    public static func report(deleted: [String], spaceReclaimed: UInt64) -> [UInt8] {
        let ids = deleted.isEmpty ? Array("null".utf8)
            : GoEncoder.encode(.slice(deleted.map { .string($0) }), as: .slice(.string))
        return Array("{\"ContainersDeleted\":".utf8) + ids + Array(",\"SpaceReclaimed\":\(spaceReclaimed)}\n".utf8)
    }
}
