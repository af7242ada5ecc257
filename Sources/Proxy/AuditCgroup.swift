import CShims
import Glibc
import Posix

/// The calling container, from the peer process's cgroup.
///
/// Best effort, for the audit record's `peer.container`: a process in a
/// container sits in a cgroup whose path names the container's 64-hex id.
/// The forms recognised (host's view of `/proc/<pid>/cgroup`):
///
/// - Docker, cgroupfs driver: `…/docker/<id>` (v1 and v2)
/// - Docker, systemd driver: `…/docker-<id>.scope`
/// - containerd / CRI-O / podman: `cri-containerd-<id>.scope`, `crio-<id>.scope`,
///   `libpod-<id>.scope`, and kubepods paths ending in `/<id>`
///
/// The outermost (first) id on the path wins: a container that may create
/// cgroups of its own (a writable cgroupfs) can nest one named like another
/// container's id, but not leave its own. A path through a user's delegated
/// subtree (`user.slice`, `user@UID.service`: a systemd user session or
/// rootless engine, where the user names the cgroups) names no container:
/// a user moved itself into `…/docker-<another's id>.scope` there and was
/// recorded as that container (found 2026-12-02, session 23). The unified
/// (`0::`) line is read first. nil when the process is not in a container,
/// is gone, or its pid is not visible (another pid namespace).
///
/// Who the cgroup is read for (`caller`): the process that connected,
/// checked through its pidfd (SO_PEERPIDFD) after the read. Read by the pid
/// number alone, a client that connected, forked and exited left its pid
/// to be reused, and a process then given that pid (in another container)
/// was recorded as the caller (found 2026-12-02, session 23).
public enum AuditCgroup {
    /// Who called, as far as the peer process's cgroup tells.
    public enum Caller: Equatable, Sendable {
        case container(String)
        /// In no container (or its pid is not visible here).
        case host
        /// The process that connected has exited: what its pid names now
        /// is another process, so nothing is read.
        case gone

        public var container: String? {
            if case .container(let id) = self { return id }
            return nil
        }
    }

    /// The caller of a connection: the cgroup of the peer's pid, kept only
    /// if the process that connected still runs after it was read (its pid
    /// cannot have passed to another process meanwhile). Without SO_PEERPIDFD
    /// (Linux before 6.5) the pid is read unchecked, as before.
    public static func caller(of client: FileDescriptor, peer: PeerCredentials?) -> Caller {
        guard let peer, peer.pid > 0 else { return .host }
        let pidfd = sw_peer_pidfd(client.rawValue)
        // Kernels 6.5 to 6.15 give no pidfd for a peer already reaped (EINVAL, ESRCH):
        // that is the connect-fork-exit case, not an old kernel.
        if pidfd == -EINVAL || pidfd == -ESRCH { return .gone }
        let checked = pidfd >= 0
        let text = (try? Files.read("/proc/\(peer.pid)/cgroup", limit: 64 * 1024)).map { String(decoding: $0, as: UTF8.self) }
        if checked {
            let exited = sw_pidfd_exited(pidfd)
            close(pidfd)
            if exited != 0 { return .gone }
        }
        guard let text else { return checked ? .gone : .host }
        return containerID(cgroupText: text).map { .container($0) } ?? .host
    }

    static let prefixes = ["docker-", "cri-containerd-", "crio-", "libpod-", "containerd-"]

    /// Parses the text of `/proc/<pid>/cgroup`.
    public static func containerID(cgroupText: String) -> String? {
        var lines: [Substring] = cgroupText.split(separator: "\n", omittingEmptySubsequences: true)
        // A process in a user's delegated subtree on one hierarchy names no container on any.
        if lines.contains(where: { line in line.split(separator: ":", maxSplits: 2).last.map(isDelegated) ?? false }) { return nil }
        // The unified hierarchy first ("0::/path"), then v1 lines in order.
        lines.sort { a, b in a.hasPrefix("0::") && !b.hasPrefix("0::") }
        for line in lines {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if let id = containerID(cgroupPath: fields[2]) { return id }
        }
        return nil
    }

    /// The outermost container id on one cgroup path, or nil (also for a
    /// path through a user's delegated subtree). An id counts only where an
    /// engine puts it: a `<engine>-<id>.scope` directly in a slice, or a
    /// bare id directly under `docker` or a kubepods `pod…` directory; and
    /// never below a service, whose subtree systemd may delegate to the
    /// service (`Delegate=yes`: a runner, containerd, rootless engines).
    public static func containerID<S: StringProtocol>(cgroupPath: S) -> String? {
        if isDelegated(cgroupPath) { return nil }
        var parent: Substring = ""
        for component in cgroupPath.split(separator: "/") {
            defer { parent = Substring(component) }
            if component.hasSuffix(".service") { return nil }
            var name = Substring(component)
            let scope = name.hasSuffix(".scope")
            if scope { name = name.dropLast(".scope".count) }
            var prefixed = false
            for prefix in prefixes where name.hasPrefix(prefix) {
                name = name.dropFirst(prefix.count)
                prefixed = true
                break
            }
            guard isContainerID(name) else { continue }
            let placed = prefixed && scope ? parent.hasSuffix(".slice")
                : !prefixed && !scope && (parent == "docker" || parent.hasPrefix("pod"))
            return placed ? String(name) : nil
        }
        return nil
    }

    /// A path through a user's delegated subtree (`user.slice`, `user@UID.service`).
    static func isDelegated<S: StringProtocol>(_ cgroupPath: S) -> Bool {
        cgroupPath.split(separator: "/").contains { $0 == "user.slice" || ($0.hasPrefix("user@") && $0.hasSuffix(".service")) }
    }

    static func isContainerID(_ s: Substring) -> Bool {
        guard s.utf8.count == 64 else { return false }
        return s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

}
