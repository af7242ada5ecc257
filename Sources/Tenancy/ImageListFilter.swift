import EngineAPI
import GoJSON

/// `GET /images/json` (and the `Images` of `system df`) on a job socket: the
/// daemon lists every image, so the answer keeps the job's own and the
/// shared ones. An image labelled by another job (or labelled for this one
/// but not made by its socket, `JobImages`), or one with no owner label
/// and no name (a build's step, see `ImageNames.ownership`), is dropped; a tag another
/// job claimed is removed from `RepoTags`, and an image left with none of
/// the tags it had is dropped too (it was only visible through them).
public enum ImageListFilter {
    /// The filtered JSON array, or nil when the answer is not one.
    /// `recorded`: the image IDs the job's socket made (`JobImages`).
    public static func filter(_ body: [UInt8], owner: JobOwner, recorded: Set<String>, foreignClaims: Set<String>) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .array(let items) = json else { return nil }
        return GoEncoder.render(.array(filter(items, owner: owner, recorded: recorded, foreignClaims: foreignClaims)))
    }

    public static func filter(_ items: [JSONValue], owner: JobOwner, recorded: Set<String>, foreignClaims: Set<String>) -> [JSONValue] {
        items.compactMap { keep($0, owner: owner, recorded: recorded, foreignClaims: foreignClaims) }
    }

    /// Whether the job's view of `items` lacks any of them, or any of their tags.
    public static func hidesAny(_ items: [JSONValue], owner: JobOwner, recorded: Set<String>, foreignClaims: Set<String>) -> Bool {
        items.contains { keep($0, owner: owner, recorded: recorded, foreignClaims: foreignClaims) != $0 }
    }

    /// Whether the job's view of `items` has a name (a tag or a digest
    /// reference) in `repository`, which a save by the bare name takes.
    public static func showsRepository(_ repository: String, in items: [JSONValue], owner: JobOwner, recorded: Set<String>,
                                       foreignClaims: Set<String>) -> Bool {
        guard let wanted = DigestReferences.repository(repository) else { return false }
        for item in filter(items, owner: owner, recorded: recorded, foreignClaims: foreignClaims) {
            guard case .object(let fields) = item else { continue }
            for field in fields where field.key == "RepoTags" || field.key == "RepoDigests" {
                guard case .array(let names) = field.value else { continue }
                for case .string(let name) in names where DigestReferences.repository(name) == wanted { return true }
            }
        }
        return false
    }

    static func keep(_ item: JSONValue, owner: JobOwner, recorded: Set<String>, foreignClaims: Set<String>) -> JSONValue? {
        guard case .object(var fields) = item else { return nil }
        let labels = DiskUsageFilter.labels(fields.last(where: { $0.key == "Labels" })?.value)
        var id: String?
        if case .string(let listed)? = fields.last(where: { $0.key == "Id" })?.value { id = listed }
        if let owned = JobImages.owns(id: id, labels: labels, owner: owner, recorded: recorded) { return owned ? item : nil }
        func strings(_ key: String) -> [String] {
            guard case .array(let listed)? = fields.last(where: { $0.key == key })?.value else { return [] }
            return listed.map { if case .string(let s) = $0 { return s } else { return "" } }
        }
        if ImageNames.isUnnamed(repoTags: strings("RepoTags"), repoDigests: strings("RepoDigests")) { return nil }
        guard !foreignClaims.isEmpty, let i = fields.lastIndex(where: { $0.key == "RepoTags" }),
              case .array(let tags) = fields[i].value else { return item }
        let kept = tags.filter { tag in
            guard case .string(let name) = tag, let normal = ImageReference.normalise(name) else { return true }
            return !foreignClaims.contains(normal)
        }
        if kept.count == tags.count { return item }
        if kept.isEmpty { return nil }
        fields[i] = JSONMember("RepoTags", .array(kept))
        return .object(fields)
    }
}

/// `GET /images/{name}/json` and `GET /images/{name}/history` on a job
/// socket: a shared image's `RepoTags` (inspect) and each history entry's
/// `Tags` name every tag the daemon has on it, the tags other jobs claimed
/// included, which the image list and `system df` hide (found 2026-11-30,
/// session 12: `docker image inspect busybox` on one job's socket named the
/// tags another job had put on it). Those tags are removed, as from a list.
public enum ImageTagFilter {
    /// The inspect answer without other jobs' claimed tags, or nil when it is
    /// not a JSON object.
    public static func inspect(_ body: [UInt8], foreignClaims: Set<String>) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .object = json else { return nil }
        if foreignClaims.isEmpty { return body }
        return GoEncoder.render(dropping(foreignClaims, from: json, key: "RepoTags"))
    }

    /// The history answer (an array of layers' images) without other jobs'
    /// claimed tags, or nil when it is not a JSON array.
    public static func history(_ body: [UInt8], foreignClaims: Set<String>) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .array(let items) = json else { return nil }
        if foreignClaims.isEmpty { return body }
        return GoEncoder.render(.array(items.map { dropping(foreignClaims, from: $0, key: "Tags") }))
    }

    static func dropping(_ foreignClaims: Set<String>, from item: JSONValue, key: String) -> JSONValue {
        guard case .object(var fields) = item else { return item }
        for i in fields.indices where fields[i].key == key {
            guard case .array(let tags) = fields[i].value else { continue }
            fields[i] = JSONMember(key, .array(tags.filter { tag in
                guard case .string(let name) = tag, let normal = ImageReference.normalise(name) else { return true }
                return !foreignClaims.contains(normal)
            }))
        }
        return .object(fields)
    }
}
