import EngineAPI

/// Facts about the host that judging a host path needs. The proxy gathers
/// them (realpath, stat) before the pure policy judges; tests pass fakes.
///
/// TOCTOU: the answer describes the host at the moment of judging. A path
/// the client can change afterwards (a symlink inside an allowed, writable
/// directory) can lead elsewhere by the time the daemon mounts it; see
/// SECURITY.md.
public protocol HostEnvironment: Sendable {
    func resolve(hostPath: String) -> ResolvedHostPath
    /// The container a `VolumesFrom` entry names, with its mounts.
    func container(_ reference: String) -> ContainerLookup
    /// The named volume a mount names, as it was created (driver and
    /// options): the daemon mounts an existing volume as it is, whatever the
    /// request says. No default, as for `namesThisHost`: every environment
    /// says whether it can ask the daemon.
    func volume(_ name: String) -> VolumeLookup
    /// The network a request joins by name or ID, as it was created.
    func network(_ reference: String) -> NetworkLookup
    /// The container an exec, attach or copy acts in (or an exec's
    /// container), with the facts of its host access. No default either.
    func targetContainer(_ reference: TargetReference) -> TargetContainerLookup
    func grantsSocket(_ path: String) -> Bool
    /// Whether a host name (lower-case, no port) is one of this machine's
    /// own beyond what `RegistryHost.isThisHost` knows: a name /etc/hosts
    /// maps to a loopback address, the machine's host name. No default:
    /// every environment, wrappers included, says where it gets them.
    func namesThisHost(_ name: String) -> Bool
}

public struct ResolvedHostPath: Sendable, Hashable {
    /// The path with every symlink resolved; for a path that does not exist
    /// yet, where the daemon would create it (the real path of its deepest
    /// existing ancestor, then the rest). nil: judged as written.
    public var realPath: String?
    /// Why the path could not be resolved (no permission to look, a loop, a
    /// dangling symlink); such a path is never mountable.
    public var unresolvable: String?
    /// It is the Docker socket, or a directory that contains it, or a
    /// path from which the host's file system can be reached (`/proc`).
    public var exposesDaemon: Bool
    /// When it does: what it is, for the denial ("contains the socket
    /// /var/run/docker.sock").
    public var exposure: String?

    public init(realPath: String?, exposesDaemon: Bool) {
        self.init(realPath: realPath, exposesDaemon: exposesDaemon, exposure: nil)
    }

    public init(realPath: String?, exposesDaemon: Bool, exposure: String?) {
        self.realPath = realPath
        self.exposesDaemon = exposesDaemon
        self.exposure = exposure
    }

    /// What `path` (as written or resolved) exposes: the root, `/proc` or
    /// one of `sockets` (a socket itself or a directory above it); nil when
    /// nothing.
    public static func exposure(of path: String, sockets: [String]) -> String? {
        if path.bytesEqual("/") { return "is the host's root directory" }
        if HostPathMatch.isPrefix("/proc", of: path) { return "is in /proc, from which the host's file system can be reached" }
        guard let socket = sockets.first(where: { HostPathMatch.isPrefix(path, of: $0) }) else { return nil }
        return HostPathMatch.isPrefix(socket, of: path) ? "is the daemon socket \(socket)" : "contains the daemon socket \(socket)"
    }
}

/// Takes every path at its word: no symlinks, nothing exposes the daemon
/// except the usual socket paths and their directories. For tests and
/// `sockwarden check`.
public struct LiteralHostEnvironment: HostEnvironment {
    public let socketPaths: [String]

    public init(socketPaths: [String] = ["/var/run/docker.sock", "/run/docker.sock"]) {
        self.socketPaths = socketPaths
    }

    /// No names beyond `RegistryHost.isThisHost`'s (no host to read).
    public func namesThisHost(_ name: String) -> Bool { false }

    /// No daemon to ask: a named volume is judged as one the request
    /// creates (its own driver and options), which is what the daemon does
    /// when no volume of that name exists yet.
    public func volume(_ name: String) -> VolumeLookup { .notFound }

    /// No daemon to ask: a network joined by name is judged by the request
    /// alone.
    public func network(_ reference: String) -> NetworkLookup { .notFound }

    /// No daemon to ask: the container an exec, attach or copy names is not
    /// judged (a what-if judges the request alone).
    public func targetContainer(_ reference: TargetReference) -> TargetContainerLookup { .notLookedUp }

    public func resolve(hostPath: String) -> ResolvedHostPath {
        let exposes = socketPaths.contains { HostPathMatch.isPrefix(hostPath, of: $0) }
            || HostPathMatch.isPrefix("/proc", of: hostPath) || hostPath.bytesEqual("/")
        return ResolvedHostPath(realPath: hostPath, exposesDaemon: exposes,
                                exposure: exposes ? ResolvedHostPath.exposure(of: hostPath, sockets: socketPaths) : nil)
    }
}

public enum HostPathMatch {
    /// True when `prefix` is `path` or one of its ancestor directories,
    /// component by component (`/data` is a prefix of `/data/x`, not of
    /// `/database`). Byte-wise: file names are bytes, not Unicode text.
    public static func isPrefix(_ prefix: String, of path: String) -> Bool {
        var p = Array(prefix.utf8)
        if p == [UInt8(ascii: "/")] { return path.bytesHavePrefix("/") }
        if p.last == UInt8(ascii: "/") { p.removeLast() }
        let bytes = Array(path.utf8)
        guard bytes.starts(with: p) else { return false }
        return bytes.count == p.count || bytes[p.count] == UInt8(ascii: "/")
    }
}

/// A container as the daemon describes it (`GET /containers/{id}/json`),
/// for judging `VolumesFrom`: the mounts another container would copy.
public enum ContainerLookup: Sendable, Hashable {
    case found(id: String, mounts: [ContainerMount])
    case notFound
    /// The daemon could not be asked (the text says why).
    case unavailable(String)
}

/// A named volume as the daemon describes it (`GET /volumes/{name}`).
public enum VolumeLookup: Sendable, Hashable {
    /// Its driver ("local" for the default) and the options it was created
    /// with (`type=none,o=bind,device=/etc` binds a host path).
    case found(driver: String, options: [String: String])
    /// No such volume: the daemon would create it from the request.
    case notFound
    /// The daemon could not be asked (the text says why).
    case unavailable(String)
}

/// A network as the daemon describes it (`GET /networks/{id}`).
public enum NetworkLookup: Sendable, Hashable {
    /// Its driver (`bridge`, `null` for none, `host`, `macvlan`, …).
    case found(driver: String)
    /// No such network: the daemon refuses the request itself.
    case notFound
    case unavailable(String)
}

/// What an exec, attach or copy names: a container (by name, ID or ID
/// prefix), or an exec (by its full ID) whose container it runs in.
public enum TargetReference: Sendable, Hashable {
    case container(String)
    case exec(String)
}

/// The container an exec, attach or copy acts in, as the daemon describes it.
public enum TargetContainerLookup: Sendable, Hashable {
    /// Its full ID, its name (the daemon's `Name` without its leading
    /// "/"; empty when not known), its `Config.User` (empty when none or
    /// not known) and the facts of its host access
    /// (`InspectedContainer.facts(inspect:)`).
    case found(id: String, name: String = "", user: String = "", facts: RequestFacts)
    case notFound
    /// The daemon could not be asked (the text says why).
    case unavailable(String)
    /// Not asked: a what-if without a daemon.
    case notLookedUp
}

/// One entry of a container's `Mounts`, and for a named volume its
/// driver options (`GET /volumes/{name}`).
public struct ContainerMount: Sendable, Hashable {
    public var type: String
    public var name: String
    public var source: String
    public var driver: String
    public var readWrite: Bool
    public var propagation: String
    /// The volume's driver options (nil when not a volume or not known).
    public var volumeOptions: [String: String]?

    public init(type: String, name: String = "", source: String = "", driver: String = "", readWrite: Bool = true,
                propagation: String = "", volumeOptions: [String: String]? = nil) {
        self.type = type
        self.name = name
        self.source = source
        self.driver = driver
        self.readWrite = readWrite
        self.propagation = propagation
        self.volumeOptions = volumeOptions
    }
}

extension HostEnvironment {
    /// A socket this environment hands out on purpose (a job's own socket,
    /// put in place of the Docker socket): mountable whatever `[host-paths]`
    /// says. None by default.
    public func grantsSocket(_ path: String) -> Bool { false }

    /// By default nothing can be looked up, so `VolumesFrom` is refused.
    public func container(_ reference: String) -> ContainerLookup {
        .unavailable("no daemon to ask (this is a what-if without a daemon)")
    }
}
