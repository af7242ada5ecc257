import EngineAPI
import GoJSON
import Tenancy

/// Checks of a route on a job socket that names one of the job's objects,
/// beyond the ownership of that object (docs/tenancy.md): the container a
/// network connect names, the networks and namespaces a start joins, the
/// containers that still name a network being removed, and the quotas of
/// an update.
extension JobScope {
    enum Checked {
        /// Forward, with this body when non-nil; `hold` as in `Outcome.forward`.
        case pass(body: [UInt8]?, hold: AnyObject?)
        case refuse(Outcome)

        static var unchanged: Checked { .pass(body: nil, hold: nil) }
    }

    /// `id`: the full ID of the object the path names, already the job's.
    func checkOwned(_ route: String, id: String, body: [UInt8]?, quotas: JobQuotas) -> Checked {
        switch route {
        case "network.connect", "network.disconnect":
            return pinContainer(route, body: body)
        case "container.start", "container.restart":
            if let refusal = checkJoined(id) { return .refuse(refusal) }
            return checkStart(id, quotas: quotas)
        case "network.delete":
            return checkUnused(network: id).map(Checked.refuse) ?? .unchanged
        case "container.update":
            return checkUpdate(id, body: body, quotas: quotas)
        default:
            return .unchanged
        }
    }

    /// A connect's `EndpointConfig.NetworkID` must be empty
    /// (`OwnerReferences.checkEndpointNetworkIDs`). The body's `Container` must be the job's, and is forwarded as the full
    /// ID the check found: a name or ID prefix forwarded as sent would be
    /// looked up again by the daemon, after the job could have removed its
    /// container and left the prefix to another job's.
    private func pinContainer(_ route: String, body: [UInt8]?) -> Checked {
        let schema: GoType = .structure(route == "network.connect" ? BodySchemas.Network.connectOptions : BodySchemas.Network.disconnectOptions)
        guard let body, !body.isEmpty else { return .unchanged }
        guard case .success(let decoded) = GoDecoder.decodeFirstValue(body, as: schema) else {
            return .refuse(.answer(status: 400, message: "sockwarden: the body of \(route) on a job socket must be JSON the daemon reads"))
        }
        if let refusal = OwnerReferences.checkEndpointNetworkIDs(route: route, body: decoded.value) {
            return .refuse(.answer(status: refusal.status, message: refusal.message))
        }
        let reference = decoded.value[field: "Container"]?.stringValue ?? ""
        guard !reference.isEmpty, case .structure(var fields) = decoded.value else { return .unchanged }
        guard let id = ownedID(.container, reference) else {
            let missing = ObjectKind.container.notFound(reference)
            return .refuse(.answer(status: missing.status, message: missing.message))
        }
        fields.removeAll { $0.name == "Container" }
        fields.insert(GoFieldValue("Container", .string(id)), at: 0)
        guard case .success(let bytes) = GoEncoder.encodeChecked(.structure(fields), as: schema) else {
            return .refuse(.answer(status: 400, message: "sockwarden: the body of \(route) cannot be re-encoded"))
        }
        return .pass(body: bytes, hold: nil)
    }

    /// At a start or restart the daemon looks up again, by the names it
    /// stored, every network the container joins (by the key, or by the
    /// endpoint's stored `NetworkID`) and every container whose
    /// namespaces it joins. Each must be, now, the job's own or (a network)
    /// one no job owns; otherwise the start is answered as if it were missing.
    /// A joined container must be stored by its full ID (`container:<ID>`,
    /// as a job socket forwards it): a name or ID prefix would be looked up
    /// again at restarts of the restart policy, which sockwarden never sees.
    func checkJoined(_ id: String) -> Outcome? {
        // The daemon answers for a container that is gone meanwhile.
        guard let info = lookup.inspect(.container, id) else { return nil }
        let hc = info.member("HostConfig")
        let modes = OwnerReferences.namespaceModes.map { (field: $0, value: hc?.member($0)?.string ?? "") }
        if let unpinned = OwnerReferences.unpinnedNamespace(modes: modes) {
            let name = info.member("Name")?.string.map { String($0.drop { $0 == "/" }) } ?? id
            let refusal = OwnerReferences.unpinnedRefusal(unpinned, container: name)
            return .answer(status: refusal.status, message: refusal.message)
        }
        let endpoints = info.member("NetworkSettings")?.member("Networks")?.object ?? []
        let networkIDs = endpoints.map { (key: $0.key, id: $0.value.member("NetworkID")?.string ?? "") }
        for reference in OwnerReferences.resolvedAtStart(modes: modes, networks: endpoints.map(\.key), networkIDs: networkIDs) {
            let allowed: Bool
            switch reference.kind {
            case .network:
                let labels = lookup.inspect(.network, reference.reference).map { Self.labels($0.member("Labels")) }
                allowed = labels.map { $0.allSatisfy { !$0.key.utf8.elementsEqual(JobOwner.labelKey.utf8) } || owner.owns(labels: $0) } ?? false
            default:
                allowed = ownedID(reference.kind, reference.reference) != nil
            }
            if !allowed {
                let missing = reference.kind.notFound(reference.reference)
                return .answer(status: missing.status, message: missing.message)
            }
        }
        return nil
    }

    /// A job's network stays while one of the job's containers still names it
    /// (even stopped): removed, its name or ID prefix would be free to
    /// resolve to another network at that container's next start.
    private func checkUnused(network id: String) -> Outcome? {
        guard let network = lookup.inspect(.network, id), let name = network.member("Name")?.string else { return nil }
        switch stillNamed([(id, name)]) {
        case .unknown(let refusal): return refusal
        case .none: return nil
        case .named(let named):
            return .answer(status: 403, message: "sockwarden: network \(name) is still named by container \(named.container) of job \(owner.id); remove that container first (the daemon looks the name up again at the container's next start, and on a job socket it must not find another network by then)")
        }
    }

    /// `network prune` removes every network of the job no running container
    /// is attached to, stopped containers' networks included: refused (409)
    /// while one of the job's containers names one of the job's networks,
    /// whatever the prune's own filters (`until`, `label`) would spare. A
    /// running container's network is not pruned, but the container may stop
    /// before the daemon gets to it.
    func checkNetworkPrune() -> Outcome? {
        let filter = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true}}")
        guard case .ok(let list) = lookup.get("/networks?filters=\(filter)") else {
            return .answer(status: 503, message: "sockwarden: cannot list job \(owner.id)'s networks to check that no container of the job names one a network prune would remove")
        }
        let networks = (list.array ?? []).compactMap { n -> (id: String, name: String)? in
            guard let id = n.member("Id")?.string, let name = n.member("Name")?.string else { return nil }
            return (id, name)
        }
        guard !networks.isEmpty else { return nil }
        switch stillNamed(networks) {
        case .unknown(let refusal): return refusal
        case .none: return nil
        case .named(let named):
            let refusal = NetworkNames.pruneRefusal(named, job: owner.id)
            return .answer(status: refusal.status, message: refusal.message)
        }
    }

    /// The first of `networks` one of the job's containers still names.
    private func stillNamed(_ networks: [(id: String, name: String)]) -> Naming {
        let filter = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true}}")
        guard case .ok(let list) = lookup.get("/containers/json?all=1&filters=\(filter)") else {
            let names = networks.map(\.name).joined(separator: ", ")
            return .unknown(.answer(status: 503, message: "sockwarden: cannot list job \(owner.id)'s containers to check that none names network \(names)"))
        }
        let containers = (list.array ?? []).map { container in
            (name: (container.member("Names")?.array?.first?.string).map { String($0.drop { $0 == "/" }) }
                ?? container.member("Id")?.string ?? "?",
             networkMode: container.member("HostConfig")?.member("NetworkMode")?.string ?? "",
             networks: (container.member("NetworkSettings")?.member("Networks")?.object ?? []).map(\.key))
        }
        return NetworkNames.stillNamed(networks: networks, containers: containers).map(Naming.named) ?? .none
    }

    private enum Naming {
        case none
        case named(NetworkNames.StillNamed)
        /// The job's containers could not be listed.
        case unknown(Outcome)
    }

    /// On a job with a memory or CPU quota, a container that has exited (or
    /// never ran) counts for nothing until it starts again: its start is
    /// checked like a create, or starting old containers would take the job
    /// past its quota.
    private func checkStart(_ id: String, quotas: JobQuotas) -> Checked {
        guard quotas.maxMemory != nil || quotas.maxNanoCPUs != nil else { return .unchanged }
        guard let info = lookup.inspect(.container, id) else {
            return .refuse(.answer(status: 503, message: "sockwarden: cannot read container \(id)'s limits for job \(owner.id)'s quota"))
        }
        switch checkQuotas(quotas, change: QuotaChange(container: id, limits: Self.limits(info.member("HostConfig")))) {
        case .failure(let refusal): return .refuse(refusal.outcome)
        case .success(let held): return .pass(body: nil, hold: held)
        }
    }

    /// On a job with a memory or CPU quota, an update's new limits replace the
    /// container's old ones in the quota check; an update that lifts a limit
    /// is refused like a create without one.
    private func checkUpdate(_ id: String, body: [UInt8]?, quotas: JobQuotas) -> Checked {
        guard quotas.maxMemory != nil || quotas.maxNanoCPUs != nil else { return .unchanged }
        // No body: the daemon refuses it.
        guard let body, !body.isEmpty else { return .unchanged }
        guard case .success(let decoded) = GoDecoder.decodeFirstValue(body, as: BodySchemas.containerUpdate) else {
            return .refuse(.answer(status: 400, message: "sockwarden: the body of container.update on a job socket must be JSON the daemon reads"))
        }
        guard let info = lookup.inspect(.container, id) else {
            return .refuse(.answer(status: 503, message: "sockwarden: cannot read container \(id)'s limits for job \(owner.id)'s quota"))
        }
        let limits = Self.limits(info.member("HostConfig")).updated(by: Self.limits(decoded.value))
        switch checkQuotas(quotas, change: QuotaChange(container: id, limits: limits)) {
        case .failure(let refusal): return .refuse(refusal.outcome)
        case .success(let held): return .pass(body: nil, hold: held)
        }
    }
}
