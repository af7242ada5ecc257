import Glibc
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

    public func resolve(hostPath: String) -> ResolvedHostPath {
        let real = HostFileSystem.realPath(hostPath)
        let candidates = [hostPath] + (real.map { [$0] } ?? [])
        var exposes = false
        for path in candidates {
            if path.bytesEqual("/") || HostPathMatch.isPrefix("/proc", of: path) { exposes = true }
            for socket in protectedSockets where HostPathMatch.isPrefix(path, of: socket) { exposes = true }
        }
        if !exposes, let real, let identity = HostFileSystem.identity(real) {
            exposes = protectedSockets.contains { HostFileSystem.identity($0) == identity }
        }
        return ResolvedHostPath(realPath: real, exposesDaemon: exposes)
    }

    public func container(_ reference: String) -> ContainerLookup {
        lookup.container(reference)
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
