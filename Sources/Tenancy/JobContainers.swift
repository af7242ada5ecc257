import EngineAPI
import GoJSON

/// Which containers are a job's: those its job socket created, by the full
/// ID the daemon answered the create with, and that still carry the owner
/// label. The label alone is not enough: a container takes its image's
/// labels, so one the runner creates (on the main socket, or straight on
/// the daemon) from an image a job built carries `io.sockwarden.job=<id>`
/// and was that job's: listed on its socket, open to its exec, kill and
/// remove (found 2026-12-01 by the clients review, reproduced against
/// dockerd 20.10.24). An image cannot carry an ID the daemon has not given
/// yet. The daemon's label filter still scopes lists, prunes and events
/// first; the answers are then filtered to the recorded IDs.
public enum JobContainers {
    /// Whether a container (full ID, labels as the daemon reports them) is
    /// the owner's, given the IDs the owner's socket recorded.
    public static func owns(id: String, labels: [(key: String, value: String)], owner: JobOwner, recorded: Set<String>) -> Bool {
        recorded.contains(id) && owner.owns(labels: labels)
    }

    /// Whether `job close` (and the reaps after it) removes a container:
    /// one the job's socket created (its ID recorded), or one made by a
    /// create of the job's that was cut or never answered with an ID (it
    /// carries one of `marks`, `CreateMarks`); with the owner label either
    /// way. Not one that merely carries the owner label: a container the
    /// runner made from an image a job built does, and the close removed
    /// it (found 2026-12-01). An import's or commit's mark among `marks`
    /// (`CreateMarks.makeImage`) counts for no container: one the runner
    /// makes from such an image carries it.
    public static func reaps(id: String, labels: [(key: String, value: String)], owner: JobOwner,
                             recorded: Set<String>, marks: Set<String>) -> Bool {
        owner.owns(labels: labels)
            && (recorded.contains(id) || CreateMarks.carries(labels, oneOf: marks.filter { !CreateMarks.isImageMark($0) }))
    }

    /// The full ID in a container create's answer (`{"Id": "<64 hex>",
    /// "Warnings": [...]}`), or nil when it has none.
    public static func createdID(_ answer: [UInt8]) -> String? {
        guard case .success(let json) = JSONParser.parse(answer), case .object(let members) = json,
              case .string(let id)? = members.last(where: { $0.key == "Id" })?.value, isFullID(id) else { return nil }
        return id
    }

    /// 64 lower-case hex digits, as the daemon writes container IDs.
    public static func isFullID(_ id: String) -> Bool {
        id.utf8.count == 64 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// A container list answer (a JSON array) with only the owner's
    /// containers, or nil when it is not an array.
    /// `limit`: at most that many, the first (the daemon lists newest first).
    public static func list(_ body: [UInt8], owner: JobOwner, recorded: Set<String>, limit: Int? = nil) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .array(let items) = json else { return nil }
        let owned = filter(items, owner: owner, recorded: recorded)
        return GoEncoder.render(.array(limit.map { Array(owned.prefix($0)) } ?? owned))
    }

    /// Whether a job's recorded IDs are due a look at which containers are
    /// gone: at 256 and more, once they doubled since the last look.
    public static func shouldCompact(count: Int, afterLast: Int) -> Bool {
        count >= 256 && count >= 2 * afterLast
    }

    /// A container list's `limit` (the first, as Go's `r.Form.Get` reads it)
    /// when it is a positive number: the daemon would count the containers
    /// with the owner label, including ones the job does not own, so the
    /// list is asked without a limit (`liftingLimit`) and cut after the
    /// filter. Anything else (none, 0, negative, not a number: the daemon's
    /// 400) is forwarded as it is.
    public static func listLimit(_ rawQuery: String?) -> Int? {
        guard let text = GoQuery.parse(rawQuery)?.first("limit"), let limit = Int(text), limit > 0 else { return nil }
        return limit
    }

    /// The query with `limit=0` (no limit) and `all=1`: a positive limit
    /// lists stopped containers too (dockerd 20.10 `daemon/list.go`).
    public static func liftingLimit(_ rawQuery: String?) -> String {
        QueryRewrite.replacing("all", with: "1", in: QueryRewrite.replacing("limit", with: "0", in: rawQuery))
    }

    /// The items (list or `system df` entries, `Id` and `Labels` members)
    /// that are the owner's.
    public static func filter(_ items: [JSONValue], owner: JobOwner, recorded: Set<String>) -> [JSONValue] {
        items.filter { item in
            guard case .object(let fields) = item, case .string(let id)? = fields.last(where: { $0.key == "Id" })?.value else { return false }
            return owns(id: id, labels: DiskUsageFilter.labels(fields.last(where: { $0.key == "Labels" })?.value), owner: owner, recorded: recorded)
        }
    }
}
