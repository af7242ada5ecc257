import GoJSON

/// Stamping the owner label into what a job creates. Works on the decoded
/// body (the value the policy judged), so the stamped body is re-encoded
/// canonically like any judged body.
public enum OwnerStamp {
    /// The body of container, volume or network create with
    /// `Labels[io.sockwarden.job] = id`, and a container's `mark`
    /// (`CreateMarks`) as `Labels[io.sockwarden.create]`. A client that sets
    /// either label itself is refused: only sockwarden sets them.
    public static func stamp(_ value: GoValue, owner: JobOwner, mark: String? = nil) -> Result<GoValue, TenancyRefusal> {
        guard case .structure(var fields) = value else {
            return .failure(TenancyRefusal(status: 400, message: "the body is not a JSON object"))
        }
        var entries: [GoMapEntry] = []
        if let i = fields.firstIndex(where: { $0.name == "Labels" }) {
            if case .map(let existing) = fields[i].value { entries = existing }
            fields.remove(at: i)
        }
        if entries.contains(where: { $0.key.utf8.elementsEqual(JobOwner.labelKey.utf8) }) {
            return .failure(reservedLabel)
        }
        if entries.contains(where: { $0.key.utf8.elementsEqual(CreateMarks.labelKey.utf8) }) {
            return .failure(reservedMark)
        }
        if let mark { entries.append(GoMapEntry(CreateMarks.labelKey, .string(mark))) }
        entries.append(GoMapEntry(JobOwner.labelKey, .string(owner.id)))
        fields.append(GoFieldValue("Labels", .map(entries)))
        return .success(.structure(fields))
    }

    /// A container create's volume mounts (`HostConfig.Mounts[*]`) may not
    /// set the owner label in `VolumeOptions.Labels`: dockerd gives those
    /// labels to the volume it creates for a mount without a source, so a job
    /// could make a volume that is another job's (listed by it, mountable by
    /// it, reaped with it) while its own container still mounts it.
    public static func mountLabelRefusal(_ body: GoValue) -> TenancyRefusal? {
        for mount in body[field: "HostConfig"]?[field: "Mounts"]?.arrayValues ?? [] {
            let labels = mount[field: "VolumeOptions"]?[field: "Labels"]?.mapEntries ?? []
            if labels.contains(where: { $0.key.utf8.elementsEqual(JobOwner.labelKey.utf8) }) { return reservedLabel }
        }
        return nil
    }

    /// The create mark (`CreateMarks.labelKey`) is how a job socket tells
    /// its unanswered creates, imports and commits in events and reaps: only
    /// sockwarden sets it, on a container create, build, import or commit.
    static let reservedMark = TenancyRefusal(
        status: 403, message: "sockwarden: the label \(CreateMarks.labelKey) is set by sockwarden on a job socket; remove it from the request")

    static let reservedLabel = TenancyRefusal(
        status: 403, message: "sockwarden: the label \(JobOwner.labelKey) is set by sockwarden on a job socket; remove it from the request")
}
