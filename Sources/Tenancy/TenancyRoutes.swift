import EngineAPI

/// What per-job tenancy does with each route of the catalogue.
public enum TenancyAction: Sendable, Equatable {
    /// Nothing of a job is involved (ping, version, auth, pulls, ...).
    case shared
    /// A create: the owner label is stamped into the body's `Labels`.
    case stampBody(ObjectKind)
    /// A build: the owner label is added to the `labels` query parameter, so
    /// the image carries it (the builder adds it as the last step: the step
    /// images and containers before it carry no owner label).
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
    /// objects (`system df`, see `DiskUsageFilter`; `info`'s counts, see
    /// `InfoFilter`).
    case filterResponse
    /// An image route: see `ImageAction` and docs/tenancy.md.
    case image(ImageAction)
    /// Cannot be scoped to one job yet: refused on a job socket.
    case refuse(String)
    /// Nothing this route acts on can be the job's: answered 200 by
    /// sockwarden with this JSON body, the daemon's answer when there is
    /// nothing to do, and not forwarded. The string says why, for the audit
    /// log.
    case nothingOwned(json: String, why: String)
}

/// What a job socket does with an image route. An image is the job's own,
/// shared, or another job's (`ImageOwnership`).
public enum ImageAction: Sendable, Equatable {
    /// The image named by the path parameter must be the job's or shared
    /// (inspect, history, save, push).
    case read(parameter: String)
    /// Every `names` query value must be the job's or shared (save of several).
    case readAll(key: String)
    /// Only the job's own images and tags may be removed.
    case delete(parameter: String)
    /// The source must be readable; the new name (`repo`, `tag`) must be
    /// free or the job's. A tag on a shared image becomes the job's claim.
    case tag(parameter: String)
    /// Pull (`fromImage`) or import (`fromSrc`): the name must not be another
    /// job's; an import is stamped with the owner label.
    case create
    /// The answer lists only the job's own and the shared images.
    case list
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
            return .refuse("\(name) cannot be scoped to one job yet")
        case "swarm", "service", "node", "task", "secret", "config", "plugin", "session":
            return .refuse("\(name) manages the cluster or the host, which no job owns")
        default:
            return .refuse("\(name) cannot be scoped to one job yet")
        }
    }

    static let exact: [String: TenancyAction] = [
        "system.ping": .shared, "system.ping.head": .shared, "system.version": .shared, "system.info": .filterResponse,
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
        "image.list": .image(.list), "image.inspect": .image(.read(parameter: "name")),
        "image.history": .image(.read(parameter: "name")), "image.get": .image(.read(parameter: "name")),
        "image.push": .image(.read(parameter: "name")), "image.get.all": .image(.readAll(key: "names")),
        "image.delete": .image(.delete(parameter: "name")), "image.tag": .image(.tag(parameter: "name")),
        "image.create": .image(.create), "image.prune": .filter,
        "image.search": .shared, "distribution.inspect": .shared,
        "image.load": .refuse("image.load on a job socket: the names inside the archive are not checked yet, so loading could move another job's tags; load through the main socket or build instead"),
        // A job's builds are classic (BuildKit is refused on job sockets), and
        // a classic build's cache is its images, which image prune scopes: no
        // record of the daemon's build cache is a job's. `docker system prune`
        // ends with a build prune, so refusing it failed an ordinary cleanup.
        "build.prune": .nothingOwned(json: #"{"CachesDeleted":null,"SpaceReclaimed":0}"#,
                                     why: "build cache prune answered by the job socket: a job's builds are classic, their cache is its images (image prune), the daemon's build cache is shared and left to the operator"),
        // dockerd 20.10 cancels only BuildKit builds by id, and a job socket
        // runs none (BuildScope.checkBuilder): another build's id is all it could name.
        "build.cancel": .refuse("build.cancel stops BuildKit builds, which a job socket does not run; cancelling another build is for the operator"),
    ]
}
