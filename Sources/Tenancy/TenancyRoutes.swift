import EngineAPI

/// What per-job tenancy does with each route of the catalogue.
public enum TenancyAction: Sendable, Equatable {
    /// Nothing of a job is involved (ping, version, auth, pulls, ...).
    case shared
    /// A create: the owner label is stamped into the body's `Labels`.
    case stampBody(ObjectKind)
    /// A build: the owner label is added to the `labels` query parameter, so
    /// the image (and its intermediate containers) carry it.
    case stampBuildLabels
    /// A list, prune or event stream: the owner's label filter is added to
    /// the `filters` query parameter.
    case filter
    /// The object named by a path parameter must be the job's own; if not,
    /// the answer is the daemon's own "not found".
    case owned(ObjectKind, parameter: String)
    /// The object named by a query parameter must be the job's own.
    case ownedQuery(ObjectKind, key: String)
    /// Forwarded as is; the daemon's answer is filtered to the owner's
    /// objects (`system df`, see `DiskUsageFilter`).
    case filterResponse
    /// Cannot be scoped to one job yet: refused on a job socket.
    case refuse(String)
}

public enum TenancyRoutes {
    public static func action(for route: Route) -> TenancyAction {
        let name = route.name
        if let action = exact[name] { return action }
        let parts = name.split(separator: ".")
        switch parts.first {
        case "container":
            return .owned(.container, parameter: "id")
        case "image", "distribution":
            // Images are shared in this first cut: see docs/tenancy.md.
            return .shared
        case "swarm", "service", "node", "task", "secret", "config", "plugin", "session":
            return .refuse("\(name) manages the cluster or the host, which no job owns")
        default:
            return .refuse("\(name) cannot be scoped to one job yet")
        }
    }

    static let exact: [String: TenancyAction] = [
        "system.ping": .shared, "system.ping.head": .shared, "system.version": .shared, "system.info": .shared,
        "system.auth": .shared, "system.options": .shared,
        "system.events": .filter,
        "system.df": .filterResponse,
        "container.list": .filter, "container.prune": .filter,
        "container.create": .stampBody(.container),
        "container.commit": .ownedQuery(.container, key: "container"),
        "exec.create": .owned(.container, parameter: "id"),
        "exec.inspect": .owned(.exec, parameter: "id"), "exec.start": .owned(.exec, parameter: "id"),
        "exec.resize": .owned(.exec, parameter: "id"),
        "volume.list": .filter, "volume.prune": .filter, "volume.create": .stampBody(.volume),
        "volume.inspect": .owned(.volume, parameter: "name"), "volume.update": .owned(.volume, parameter: "name"),
        "volume.delete": .owned(.volume, parameter: "name"),
        "network.list": .filter, "network.list.slash": .filter, "network.prune": .filter,
        "network.create": .stampBody(.network),
        "network.inspect": .owned(.network, parameter: "id"), "network.connect": .owned(.network, parameter: "id"),
        "network.disconnect": .owned(.network, parameter: "id"), "network.delete": .owned(.network, parameter: "id"),
        "build.image": .stampBuildLabels,
        "build.prune": .refuse("the build cache is shared by every job; pruning it is for the operator"),
        "build.cancel": .shared,
    ]
}
