import GoJSON

/// An anonymous volume of one of a job's containers, named again by a
/// container create on its socket. docker-compose v1 recreates a container
/// (`up --force-recreate`, or `up` after a change of the service or its
/// image) by renaming the old one and creating the new one with the old
/// one's anonymous volumes bound by name (`Binds: ["<64 hex>:/data:rw"]`),
/// so the data survives. The daemon makes anonymous volumes without labels,
/// so a job socket refused the bind as another's volume, and compose left
/// the old container renamed (found 2026-12-01 by the clients sweep;
/// straight against dockerd 20.10 it recreates). Such a volume is the job's
/// to bind when it has a daemon-made name (64 lower-case hex digits), no
/// owner label at all, and one of the job's containers mounts it: a job's
/// container mounts no volume of another job or of the runner (each of its
/// named volumes was checked at its create), so the volume came from the
/// daemon for that container, or was bound this way before.
public enum AnonymousVolumes {
    /// Whether `name` may be bound as an anonymous volume of the job's:
    /// `volume` is the daemon's inspect answer of it, `containers` the
    /// job's containers (a container list's items, with their `Mounts`).
    public static func reusable(_ name: String, volume: JSONValue, containers: [JSONValue]) -> Bool {
        guard OwnerReferences.isFullID(name) else { return false }
        guard case .object(let fields) = volume,
              fields.last(where: { $0.key == "Name" })?.value == .string(name) else { return false }
        let labels = DiskUsageFilter.labels(fields.last(where: { $0.key == "Labels" })?.value)
        if labels.contains(where: { $0.key.utf8.elementsEqual(JobOwner.labelKey.utf8) }) { return false }
        return containers.contains { container in
            guard case .array(let mounts)? = member(container, "Mounts") else { return false }
            return mounts.contains { member($0, "Type") == .string("volume") && member($0, "Name") == .string(name) }
        }
    }

    static func member(_ value: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let fields) = value else { return nil }
        return fields.last(where: { $0.key == key })?.value
    }
}
