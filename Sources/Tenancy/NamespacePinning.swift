import EngineAPI
import GoJSON

/// `container:<ref>` namespaces on a job socket. dockerd 20.10 stores the
/// target's full ID at create only when its lookup succeeds then
/// (`adaptSharedNamespaceContainer`); otherwise it keeps `<ref>` as written
/// and looks it up again, by name or ID prefix, at every start, restarts of
/// its restart policy included, where sockwarden asks nothing. So a job
/// socket forwards the full ID its ownership check found, a start refuses a
/// stored target that is not a full ID, and no container on a job socket may
/// be named like a full ID (the daemon looks a full ID up as a name after
/// the container it named is gone).
extension OwnerReferences {
    /// The create body with `container:<ref>` in `HostConfig.NetworkMode`,
    /// `PidMode` and `IpcMode` as `container:<full ID>` (`resolve` gives the
    /// full ID of a job's container, nil otherwise). `.failure` names the
    /// first target that does not resolve to a 64-hex ID. Old-API top-level
    /// HostConfig fields are refused before this (`oldAPIFields`).
    public static func pinningNamespaces(_ body: GoValue, resolve: (String) -> String?) -> Result<GoValue, Unresolved> {
        guard case .structure(var fields) = body, let h = fields.firstIndex(where: { $0.name == "HostConfig" }) else { return .success(body) }
        var hostConfig = fields[h].value
        var pointer = false
        if case .pointer(let inner) = hostConfig { hostConfig = inner; pointer = true }
        guard case .structure(var hcFields) = hostConfig else { return .success(body) }
        for i in hcFields.indices where namespaceModes.contains(hcFields[i].name) {
            guard let value = hcFields[i].value.stringValue, let target = value.dropPrefix("container:") else { continue }
            guard let id = resolve(target), isFullID(id) else {
                return .failure(Unresolved(reference: OwnedReference(.container, target, field: "HostConfig.\(hcFields[i].name)")))
            }
            hcFields[i] = GoFieldValue(hcFields[i].name, .string("container:" + id))
        }
        fields[h] = GoFieldValue(fields[h].name, pointer ? .pointer(.structure(hcFields)) : .structure(hcFields))
        return .success(.structure(fields))
    }

    public struct Unresolved: Error, Equatable {
        public let reference: OwnedReference
    }

    /// The first stored `container:` namespace (`modes`: field and value as
    /// the daemon's inspect reports them) whose target is not a full ID: the
    /// daemon would look it up again by name or ID prefix.
    public static func unpinnedNamespace(modes: [(field: String, value: String)]) -> OwnedReference? {
        for mode in modes where namespaceModes.contains(mode.field) {
            if let target = mode.value.dropPrefix("container:"), !isFullID(target) {
                return OwnedReference(.container, target, field: "HostConfig.\(mode.field)")
            }
        }
        return nil
    }

    /// The answer to a start of a container whose stored namespace is not pinned.
    public static func unpinnedRefusal(_ reference: OwnedReference, container: String) -> TenancyRefusal {
        TenancyRefusal(status: 403, message: "sockwarden: container \(container) joins the namespace of container \(reference.reference) (\(reference.field)), a name or ID prefix the daemon looks up again at every start, when it may be another job's container; on a job socket create it again naming that container through the job socket, which stores its full ID")
    }

    /// The top-level HostConfig keys of an old-API create body (and
    /// `Cpuset`). 20.10 reads them when there is no `HostConfig`; a job
    /// socket checks only `HostConfig`, so any of them is refused, whatever
    /// the policy's mode.
    public static func oldAPIFields(_ body: GoValue) -> [String] {
        guard case .structure(let fields) = body else { return [] }
        return fields.map(\.name).filter { ContainerCreateBody.topLevelHostConfigKeys.contains($0) || $0 == "Cpuset" }
    }

    public static func oldAPIRefusal(_ fields: [String]) -> TenancyRefusal {
        TenancyRefusal(status: 400, message: "sockwarden: HostConfig fields at the top level of the body (\(fields.joined(separator: ", "))) are an old API form that a job socket does not check; put them under \"HostConfig\"")
    }

    /// 64 lower-case hex digits: what the daemon stores and looks up as an exact ID.
    public static func isFullID(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

/// Container names on a job socket (create's and rename's `name`).
public enum ContainerNames {
    /// A name a job may not give a container: one that reads as a full
    /// container ID (a leading "/" is the daemon's and dropped). dockerd
    /// looks a stored `container:<full ID>` up as a name once the container
    /// with that ID is gone, so such a name could take over another job's
    /// pinned namespace at its next restart.
    public static func check(_ name: String) -> TenancyRefusal? {
        let bare = name.dropPrefix("/") ?? name
        guard OwnerReferences.isFullID(bare) else { return nil }
        return TenancyRefusal(status: 403, message: "sockwarden: container name \(name) reads as a full container ID, which the daemon may look up as this name; on a job socket choose a name with another character or length")
    }
}
