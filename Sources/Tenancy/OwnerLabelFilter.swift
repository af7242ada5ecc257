import GoJSON

/// `GET /volumes/{name}`, `GET /networks/{id}` and their lists on a job
/// socket: every volume and network a job creates carries the owner label
/// (`io.sockwarden.job`, stamped by `OwnerStamp`), which the job never asked
/// for. docker-compose v1 compares a project's volumes' and networks'
/// labels with its file at every `up` and `run`, and warned on a job socket
/// at each one, `Volume data: label "io.sockwarden.job" has changed. It may
/// need to be recreated.` (found 2026-12-01 by the clients sweep; straight
/// against dockerd 20.10 it says nothing). The answers leave the owner label
/// out; every other label, and every other member, is the daemon's. A
/// `Labels` left empty is `{}` (the daemon's `null` for a create without
/// labels cannot be told from `{}` once the label was added).
public enum OwnerLabelFilter {
    /// One volume or network (an inspect answer), or nil when the answer is
    /// not a JSON object.
    public static func object(_ body: [UInt8]) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .object = json else { return nil }
        return GoEncoder.render(withoutOwnerLabel(json))
    }

    /// A network list (a JSON array of networks), or nil when it is not one.
    public static func networkList(_ body: [UInt8]) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .array(let items) = json else { return nil }
        return GoEncoder.render(.array(items.map(withoutOwnerLabel)))
    }

    /// A volume list (`{"Volumes": [...], "Warnings": ...}`), or nil when it
    /// is not an object.
    public static func volumeList(_ body: [UInt8]) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .object(let members) = json else { return nil }
        return GoEncoder.render(.object(members.map { member in
            guard member.key == "Volumes", case .array(let items) = member.value else { return member }
            return JSONMember(member.key, .array(items.map(withoutOwnerLabel)))
        }))
    }

    /// The object with the owner label removed from its `Labels`; anything
    /// else unchanged.
    static func withoutOwnerLabel(_ value: JSONValue) -> JSONValue {
        guard case .object(let fields) = value else { return value }
        return .object(fields.map { field in
            guard field.key == "Labels", case .object(let labels) = field.value else { return field }
            return JSONMember(field.key, .object(labels.filter { $0.key != JobOwner.labelKey }))
        })
    }
}
