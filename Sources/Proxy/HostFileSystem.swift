import Glibc
import Posix
import EngineAPI
import Policy

/// The host as the policy needs to see it when judging a host path: where
/// the path really leads (realpath(3)), and whether mounting it would hand
/// the container a daemon socket (the path is such a socket, by inode, or a
/// directory above one) or the host's file system (`/`, `/proc`).
///
/// Protected sockets: the upstream daemon socket and the usual Docker and
/// containerd sockets.
public struct HostFileSystem: HostEnvironment {
    public let protectedSockets: [String]
    let lookup: DaemonLookup

    public init(upstreamSocket: String) {
        lookup = DaemonLookup(upstreamPath: upstreamSocket)
        var sockets = [upstreamSocket, "/var/run/docker.sock", "/run/docker.sock",
                       "/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock"]
        sockets += sockets.compactMap(HostFileSystem.realPath)
        var seen = Set<String>()
        protectedSockets = sockets.filter { seen.insert($0).inserted }
    }

    /// Read when asked (a pull, push, login, search or build names a
    /// registry: rare next to other requests), so an edited /etc/hosts
    /// counts at once.
    public func namesThisHost(_ name: String) -> Bool {
        if let hosts = try? Files.read("/etc/hosts", limit: 1 << 20), RegistryHost.localNames(hostsFile: hosts).contains(name) {
            return true
        }
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return false }
        let own = RegistryHost.name(of: String(cString: buffer))
        // The host name, and its first label (nss-myhostname and search
        // domains resolve both to this machine).
        return name.bytesEqual(own) || name.bytesEqual(own.bytesSplit(UInt8(ascii: "."), maxSplits: 1)[0])
    }

    public func resolve(hostPath: String) -> ResolvedHostPath {
        let (real, failure) = HostFileSystem.resolveReal(hostPath)
        let candidates = [hostPath] + (real.map { [$0] } ?? [])
        var exposes = false
        for path in candidates {
            if path.bytesEqual("/") || HostPathMatch.isPrefix("/proc", of: path) { exposes = true }
            for socket in protectedSockets where HostPathMatch.isPrefix(path, of: socket) { exposes = true }
        }
        if !exposes, let real, let identity = HostFileSystem.identity(real) {
            exposes = protectedSockets.contains { HostFileSystem.identity($0) == identity }
        }
        var resolved = ResolvedHostPath(realPath: real, exposesDaemon: exposes)
        if let failure { resolved.unresolvable = "resolving it failed: \(String(cString: strerror(failure)))" }
        return resolved
    }

    /// Where a path leads. A missing path leads to where the daemon would
    /// create it: the real path of its deepest existing ancestor, then the
    /// missing components. Any failure other than "does not exist" (no
    /// permission to look, a loop, a dangling symlink) is returned as an
    /// errno: the path cannot be judged, because the daemon, as root, may
    /// see it lead elsewhere.
    static func resolveReal(_ path: String) -> (String?, Int32?) {
        if let real = realPath(path) { return (real, nil) }
        guard errno == ENOENT else { return (nil, errno) }
        // Split on the "/" byte, as the kernel does: Swift Characters join a
        // "/" with a neighbouring combining mark or prepend character, and a
        // symlink hidden in such a component would never be resolved.
        var components = path.utf8.split(separator: UInt8(ascii: "/")).map { String(decoding: $0, as: UTF8.self) }
        var missing: [String] = []
        while let last = components.popLast() {
            missing.insert(last, at: 0)
            let ancestor = "/" + components.joined(separator: "/")
            if let real = realPath(ancestor) {
                var st = stat()
                let first = (real == "/" ? "" : real) + "/" + missing[0]
                if lstat(first, &st) == 0 { return (nil, ELOOP) }   // exists, yet does not resolve: a dangling link
                return ((real == "/" ? "" : real) + "/" + missing.joined(separator: "/"), nil)
            }
            if errno != ENOENT { return (nil, errno) }
        }
        return (nil, ENOENT)
    }

    public func container(_ reference: String) -> ContainerLookup {
        lookup.container(reference)
    }

    public func volume(_ name: String) -> VolumeLookup {
        lookup.volume(name)
    }

    public func network(_ reference: String) -> NetworkLookup {
        lookup.network(reference)
    }

    public func targetContainer(_ reference: TargetReference) -> TargetContainerLookup {
        lookup.targetContainer(reference)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    struct Identity: Equatable {
        let device: UInt64
        let inode: UInt64
    }

    static func identity(_ path: String) -> Identity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Identity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }
}
