import GoJSON

/// `GET /system/df` on a job socket: the daemon reports every object, so the
/// answer is filtered to the job's own containers and volumes (by the owner
/// label) and to the images the job may see (`ImageListFilter`). The build
/// cache is left out (`BuildCache` empty, `BuilderSize` 0): its records
/// carry no owner, and a BuildKit record's `Description` is the command of
/// the step that made it (`mount / from exec /bin/sh -c echo $TOKEN > /x`),
/// the runner's or another job's (found 2026-11-30, session 12); a job
/// cannot prune it either. An image's `Containers` (how many
/// containers use it, every job's) is counted again from the job's own
/// containers in the same answer, or -1 when the answer lists none to count.
/// `LayersSize` was the size of every image layer on the daemon, other
/// jobs' builds included, and an image's `SharedSize` the size of its
/// layers that any other image on the daemon uses (a shared base image's
/// grew when another job built on it): `LayersSize` is now the sum of the
/// `Size` of the images in the job's view (an upper bound: a layer two of
/// them share counts twice; which layers they share is not in the answer),
/// and `SharedSize` is -1, the daemon's "not computed" (found 2026-12-01,
/// session 15).
public enum DiskUsageFilter {
    /// The filtered JSON, or nil when the answer is not the expected object
    /// (the caller then refuses rather than pass it on).
    /// `containers`: the IDs the job socket recorded (`JobContainers`);
    /// nil in tests of other parts (the owner label alone). `images`: the
    /// image IDs it recorded (`JobImages`).
    public static func filter(_ body: [UInt8], owner: JobOwner, foreignClaims: Set<String> = [], containers recorded: Set<String>? = nil,
                              images recordedImages: Set<String>) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .object(let members) = json else { return nil }
        var containers: [JSONValue]?
        if case .array(let items)? = members.last(where: { $0.key == "Containers" })?.value {
            containers = recorded.map { JobContainers.filter(items, owner: owner, recorded: $0) } ?? items.filter { owned($0, owner) }
        }
        var layersSize: Int64 = 0
        var images: [JSONValue] = []
        if case .array(let items)? = members.last(where: { $0.key == "Images" })?.value {
            images = ImageListFilter.filter(items, owner: owner, recorded: recordedImages, foreignClaims: foreignClaims)
                .map { recounted($0, containers: containers) }
            for image in images {
                guard case .object(let fields) = image, case .number(let text)? = fields.last(where: { $0.key == "Size" })?.value,
                      let size = Int64(text), size > 0 else { continue }
                layersSize = layersSize.addingReportingOverflow(size).overflow ? Int64.max : layersSize + size
            }
        }
        let filtered = members.map { member -> JSONMember in
            if member.key == "LayersSize" { return JSONMember(member.key, .number(String(layersSize))) }
            if member.key == "BuildCache" { return JSONMember(member.key, .array([])) }
            if member.key == "BuilderSize" { return JSONMember(member.key, .number("0")) }
            guard case .array(let items) = member.value else { return member }
            switch member.key {
            case "Containers": return JSONMember(member.key, .array(containers ?? []))
            case "Volumes":
                // Without the owner label, as volume inspect and list show them (`OwnerLabelFilter`).
                return JSONMember(member.key, .array(items.filter { owned($0, owner) }.map(OwnerLabelFilter.withoutOwnerLabel)))
            case "Images":
                return JSONMember(member.key, .array(images))
            default: return member
            }
        }
        return GoEncoder.render(.object(filtered))
    }

    /// The image with `Containers` set to how many of `containers` (the
    /// job's, nil when the answer has no list) run it, by `ImageID`, and
    /// `SharedSize` -1.
    static func recounted(_ image: JSONValue, containers: [JSONValue]?) -> JSONValue {
        guard case .object(var fields) = image else { return image }
        if let shared = fields.lastIndex(where: { $0.key == "SharedSize" }) { fields[shared] = JSONMember("SharedSize", .number("-1")) }
        guard let i = fields.lastIndex(where: { $0.key == "Containers" }) else { return .object(fields) }
        var count = -1
        if let containers, case .string(let id)? = fields.last(where: { $0.key == "Id" })?.value {
            count = containers.filter { item in
                guard case .object(let c) = item, case .string(let imageID)? = c.last(where: { $0.key == "ImageID" })?.value else { return false }
                return imageID.utf8.elementsEqual(id.utf8)
            }.count
        }
        fields[i] = JSONMember("Containers", .number(String(count)))
        return .object(fields)
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
