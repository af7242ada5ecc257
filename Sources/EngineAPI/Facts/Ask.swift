/// Something a request asks the daemon for that a policy may restrict,
/// with the body field it came from and the value as written, so a denial
/// can say exactly what was refused.
///
/// Extraction (`ContainerFacts`, …) is pure: it reads the body as the daemon
/// decoded it. Facts that need the host (where a path really leads) are
/// resolved later by the policy through a `HostEnvironment`.
public struct Ask: Sendable, Hashable, CustomStringConvertible {
    /// Dotted Go path in the request, e.g. `HostConfig.Binds[0]`.
    public let field: String
    /// The value as the client wrote it, e.g. `/etc:/x`.
    public let value: String
    public let kind: Kind

    public init(_ kind: Kind, field: String, value: String) {
        self.kind = kind
        self.field = field
        self.value = value
    }

    public var description: String { "\(field) \"\(value)\"" }

    public enum Kind: Sendable, Hashable {
        /// `HostConfig.Privileged` / exec `Privileged`.
        case privileged
        /// A namespace shared with the host: `--network host`, `--pid host`, …
        case hostNamespace(Namespace)
        /// A namespace or cgroup joined from another container or a path
        /// (`container:<id>`, `ns:<path>`).
        case joinNamespace(Namespace)
        /// A value of a namespace mode the daemon would not accept or that
        /// sockwarden does not recognise: never allowed.
        case unrecognisedMode(Namespace)
        /// A capability added beyond the daemon's defaults, canonical form
        /// (`CAP_NET_ADMIN`, or `ALL`).
        case capabilityAdd(String)
        /// `HostConfig.Devices`, `DeviceCgroupRules`, `DeviceRequests` (GPUs).
        case device
        case seccompUnconfined
        /// A seccomp profile other than the default (a JSON profile can allow anything).
        case seccompCustomProfile
        case apparmorUnconfined
        case apparmorProfile(String)
        /// `label=…` / `disable` SELinux options.
        case selinuxLabel
        /// A security option the daemon would refuse or sockwarden does not know.
        case unrecognisedSecurityOption
        /// `MaskedPaths` / `ReadonlyPaths` replaced (`[]` is `systempaths=unconfined`).
        case systemPathsUnconfined
        /// Whether no-new-privileges is set (emitted once per container/exec).
        case noNewPrivileges(Bool)
        case sysctl(name: String)
        case runtime(String)
        /// A log driver named by the request (`LogConfig.Type`, a task's
        /// `LogDriver.Name`); "" (the daemon's default) is no fact.
        case logDriver(String)
        /// A log option's key (`--log-opt key=value`): some drivers take
        /// an address the daemon then sends the container's output to.
        case logOption(String)
        /// Shielding from the kernel's OOM killer: a negative
        /// `OomScoreAdj` (the killer then picks other processes of the
        /// host first) or `OomKillDisable` (cgroup v1: the container's
        /// processes are never killed).
        case oomProtection
        /// A resource limit set for the container's processes (`--ulimit`,
        /// a build's `ulimits`), by its name as written: dockerd sets it as
        /// root, beyond the host's own limits if asked (`memlock`,
        /// `rtprio`, …).
        case ulimit(String)
        case cgroupParent(String)
        /// A path on the host mounted into the container.
        case hostPath(path: String, readOnly: Bool, sharedPropagation: Bool)
        /// A named volume with a driver other than the default `local`.
        case volumeDriver(String)
        /// Local-driver volume options that mount a host path or device
        /// (`type`, `device`, `o`).
        case volumeDriverOptions
        /// A named volume (`Binds` `name:/dst`, a `Mounts` volume with a
        /// `Source`): when one of that name exists, the daemon mounts it as
        /// it was created, with its driver and options (a local volume made
        /// with `o=bind,device=/etc` is the host's /etc), whatever the
        /// request says; judged by looking it up.
        case namedVolume(String)
        /// Mounts copied from another container.
        case volumesFrom(container: String)
        /// A mount type sockwarden does not judge (npipe, cluster, unknown).
        case unrecognisedMount
        /// A published host port.
        case hostPort(address: String, port: String)
        /// `PublishAllPorts`: every exposed port on a random host port.
        case publishAllPorts
        /// The image a container or service runs.
        case image(String)
        /// A name given to an image (commit, tag, build `t`, import `repo`):
        /// judged by the same allow list, so an allowed name cannot be
        /// squatted.
        case imageName(String)
        /// `POST /images/load`: the names are inside the archive.
        case imageLoad
        /// A host address a swarm node listens on or advertises ("" when
        /// the daemon picks one itself).
        case swarmAddress(host: String)
        /// A manager of another swarm to join: its managers could then run
        /// any task on this host.
        case swarmRemote(String)
        /// The user the process runs as (`""` means the image's default).
        case user(String)
        case memory(Int64)
        case nanoCPUs(Int64)
        case pidsLimit(Int64?)
        /// OCI annotations (28.x): passed to the runtime, never allowed by ci.
        case annotation(String)
        /// A build context the daemon fetches itself (git or HTTP URL).
        case remoteContext
        /// A registry the daemon contacts for the request (`host[:port]`,
        /// `docker.io` for Docker Hub): a pull, push, search, login,
        /// distribution inspect, a build's `FROM`/`COPY --from`, a
        /// service's image, a plugin.
        case registry(String)
        /// A BuildKit build (`version=2`): its /session and /grpc streams
        /// cannot be judged.
        case buildKit
        /// A network driver other than bridge (host, macvlan, ipvlan, overlay,
        /// a plugin), or an IPAM driver other than the default.
        case networkDriver(String)
        /// A network joined by name or ID (`--network NAME`, an endpoint,
        /// `docker network connect`): the daemon joins it as it was created,
        /// so its driver is looked up and judged (an existing macvlan or
        /// ipvlan network is the host's LAN).
        case namedNetwork(String)
        /// Network or IPAM driver options (`com.docker.network.bridge.*`,
        /// macvlan `parent`, …).
        case networkDriverOptions
        /// A chosen subnet, range or gateway (may collide with the host's).
        case networkSubnet
        /// An option sockwarden cannot judge yet (never allowed when bodies
        /// are judged): the text says what it is.
        case unjudged(String)
    }
}

public enum Namespace: String, Sendable, Hashable, CaseIterable {
    case network, pid, ipc, uts, userns, cgroupns, cgroup
}

/// The facts of one request: everything it asks for.
public struct RequestFacts: Sendable, Hashable {
    public var asks: [Ask]

    public init(_ asks: [Ask] = []) {
        self.asks = asks
    }

    mutating func add(_ kind: Ask.Kind, _ field: String, _ value: String) {
        asks.append(Ask(kind, field: field, value: value))
    }
}
