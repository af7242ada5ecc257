/// The daemon objects a job can own, and how the daemon says one is missing
/// (dockerd 20.10 `errdefs.NotFound` messages), so a foreign object is
/// answered exactly as a missing one.
public enum ObjectKind: String, Sendable, Hashable, CaseIterable {
    case container, exec, volume, network, image

    /// The daemon's answer on `route` for a missing object: dockerd 20.10's
    /// kill wraps the look-up's error (`Cannot kill container: X: No such
    /// container: X`); every other route gives it as it is.
    public func notFound(_ reference: String, route: String) -> TenancyRefusal {
        onRoute(route, reference: reference, notFound(reference))
    }

    /// A look-up's error (missing, or an ambiguous prefix) as the daemon
    /// answers it on `route`: kill wraps it.
    public func onRoute(_ route: String, reference: String, _ refusal: TenancyRefusal) -> TenancyRefusal {
        guard self == .container, route == "container.kill" else { return refusal }
        return TenancyRefusal(status: refusal.status, message: "Cannot kill container: \(reference): \(refusal.message)")
    }

    public func notFound(_ reference: String) -> TenancyRefusal {
        switch self {
        case .container: return TenancyRefusal(status: 404, message: "No such container: \(reference)")
        case .exec: return TenancyRefusal(status: 404, message: "No such exec instance: \(reference)")
        case .volume: return TenancyRefusal(status: 404, message: "get \(reference): no such volume")
        case .network:
            // The predefined networks exist on every daemon, so "not found"
            // alone reads as a broken daemon: say why the job cannot see one.
            if ["none", "host", "bridge"].contains(where: { $0.utf8.elementsEqual(reference.utf8) }) {
                return TenancyRefusal(status: 404, message: "network \(reference) not found (sockwarden: the predefined network \(reference) is shared by every job and lists their containers, so a job socket shows only the job's own networks; containers still join it with --network \(reference))")
            }
            return TenancyRefusal(status: 404, message: "network \(reference) not found")
        case .image: return TenancyRefusal(status: 404, message: "No such image: \(ImageNames.familiar(reference))")
        }
    }

    /// The daemon's inspect route for a reference of this kind.
    public func inspectPath(_ escapedReference: String) -> String {
        switch self {
        case .container: return "/containers/\(escapedReference)/json"
        case .exec: return "/exec/\(escapedReference)/json"
        case .volume: return "/volumes/\(escapedReference)"
        case .network: return "/networks/\(escapedReference)"
        case .image: return "/images/\(escapedReference)/json"
        }
    }
}
