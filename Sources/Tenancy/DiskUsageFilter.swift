import GoJSON

/// `GET /system/df` on a job socket: the daemon reports every object, so the
/// answer is filtered to the job's own containers and volumes (by the owner
/// label) and to the images the job may see (`ImageListFilter`). The build
/// cache is shared between jobs (see docs/tenancy.md) and is kept;
/// `LayersSize` is the daemon's total.
public enum DiskUsageFilter {
    /// The filtered JSON, or nil when the answer is not the expected object
    /// (the caller then refuses rather than pass it on).
    public static func filter(_ body: [UInt8], owner: JobOwner, foreignClaims: Set<String> = []) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .object(let members) = json else { return nil }
        let filtered = members.map { member -> JSONMember in
            guard case .array(let items) = member.value else { return member }
            switch member.key {
            case "Containers", "Volumes": return JSONMember(member.key, .array(items.filter { owned($0, owner) }))
            case "Images": return JSONMember(member.key, .array(ImageListFilter.filter(items, owner: owner, foreignClaims: foreignClaims)))
            default: return member
            }
        }
        return GoEncoder.render(.object(filtered))
    }

    static func owned(_ item: JSONValue, _ owner: JobOwner) -> Bool {
        guard case .object(let fields) = item else { return false }
        return owner.owns(labels: labels(fields.last(where: { $0.key == "Labels" })?.value))
    }

    /// A `Labels` object as key/value pairs (a non-string value reads as "").
    static func labels(_ value: JSONValue?) -> [(key: String, value: String)] {
        guard case .object(let labels)? = value else { return [] }
        return labels.map { ($0.key, { if case .string(let s) = $0 { return s } else { return "" } }($0.value)) }
    }
}
