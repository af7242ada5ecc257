import GoJSON

/// `GET /system/df` on a job socket: the daemon reports every object, so the
/// answer is filtered to the job's own containers and volumes (by the owner
/// label). Images and the build cache are shared between jobs (see
/// docs/tenancy.md) and are kept; `LayersSize` is the daemon's total.
public enum DiskUsageFilter {
    /// The filtered JSON, or nil when the answer is not the expected object
    /// (the caller then refuses rather than pass it on).
    public static func filter(_ body: [UInt8], owner: JobOwner) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .object(let members) = json else { return nil }
        let filtered = members.map { member -> JSONMember in
            guard member.key == "Containers" || member.key == "Volumes", case .array(let items) = member.value else { return member }
            return JSONMember(member.key, .array(items.filter { owned($0, owner) }))
        }
        return GoEncoder.render(.object(filtered))
    }

    static func owned(_ item: JSONValue, _ owner: JobOwner) -> Bool {
        guard case .object(let fields) = item,
              case .object(let labels)? = fields.last(where: { $0.key == "Labels" })?.value else { return false }
        return owner.owns(labels: labels.map { ($0.key, { if case .string(let s) = $0 { return s } else { return "" } }($0.value)) })
    }
}
