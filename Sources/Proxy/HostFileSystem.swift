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
        var exposure: String?
        for path in candidates {
            if path.bytesEqual("/") || HostPathMatch.isPrefix("/proc", of: path) { exposes = true }
            for socket in protectedSockets where HostPathMatch.isPrefix(path, of: socket) { exposes = true }
            if exposure == nil, let what = ResolvedHostPath.exposure(of: path, sockets: protectedSockets) {
                exposure = path.bytesEqual(hostPath) ? what : "leads to \(path), which \(what)"
            }
        }
        if !exposes, let real, let identity = HostFileSystem.identity(real),
           let socket = protectedSockets.first(where: { HostFileSystem.identity($0) == identity }) {
            exposes = true
            exposure = "is the daemon socket \(socket) (the same file)"
        }
        var resolved = ResolvedHostPath(realPath: real, exposesDaemon: exposes, exposure: exposure)
        if let failure { resolved.unresolvable = "resolving it failed: \(String(cString: strerror(failure)))" }
        return resolved
    }

    /// Where a path leads. A missing path leads to where the daemon would
    /// create it: the real path of its deepest existing ancestor, then the
    /// missing components. Any failure other than "does not exist" (no
    /// permission to look, a loop, a dangling symlink) is returned as an
    /// errno: the path cannot be judged, because the daemon, as root, may
    /// see it lead elsewhere. A path of PATH_MAX bytes or more is
    /// ENAMETOOLONG: no system call takes it, so the daemon cannot mount it
    /// either, and judging it would cost time in proportion to its length.
    ///
    /// Cost: O(log n) realpath(3) calls for a path of n components (the
    /// deepest existing ancestor is found by bisection: realpath walks a
    /// path from the left and fails at its first missing component, so an
    /// ancestor resolves exactly when it stops short of that component).
    /// Before 2026-12-01 every ancestor was tried from the deepest up, each
    /// built anew: quadratic, 3.2 s of the event loop for a 16 KB path.
    static func resolveReal(_ path: String) -> (String?, Int32?) {
        if path.utf8.count >= Int(PATH_MAX) { return (nil, ENAMETOOLONG) }
        if let real = realPath(path) { return (real, nil) }
        guard errno == ENOENT else { return (nil, errno) }
        // Split on the "/" byte, as the kernel does: Swift Characters join a
        // "/" with a neighbouring combining mark or prepend character, and a
        // symlink hidden in such a component would never be resolved.
        let components = path.utf8.split(separator: UInt8(ascii: "/")).map { String(decoding: $0, as: UTF8.self) }
        if components.isEmpty { return (nil, ENOENT) }
        func ancestor(_ kept: Int) -> String { "/" + components[0..<kept].joined(separator: "/") }
        // Invariant: the first `low` components resolve (none: "/"), the
        // first `high` do not (all of them: the path itself).
        var low = 0
        var high = components.count
        var lowReal = realPath("/")
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if let real = realPath(ancestor(middle)) {
                low = middle
                lowReal = real
            } else {
                if errno != ENOENT { return (nil, errno) }
                high = middle
            }
        }
        guard let real = lowReal else { return (nil, ENOENT) }
        let missing = components[low...]
        guard let firstMissing = missing.first else { return (real, nil) }
        var st = stat()
        let base = real == "/" ? "" : real
        if lstat(base + "/" + firstMissing, &st) == 0 { return (nil, ELOOP) }   // exists, yet does not resolve: a dangling link
        return (base + "/" + missing.joined(separator: "/"), nil)
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
