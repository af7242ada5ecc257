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
/// The innermost (last) id on the path wins; the unified (`0::`) line is
/// read first. nil when the process is not in a container, is gone, or its
/// pid is not visible (another pid namespace).
public enum AuditCgroup {
    static let prefixes = ["docker-", "cri-containerd-", "crio-", "libpod-", "containerd-"]

    /// Parses the text of `/proc/<pid>/cgroup`.
    public static func containerID(cgroupText: String) -> String? {
        var lines: [Substring] = cgroupText.split(separator: "\n", omittingEmptySubsequences: true)
        // The unified hierarchy first ("0::/path"), then v1 lines in order.
        lines.sort { a, b in a.hasPrefix("0::") && !b.hasPrefix("0::") }
        for line in lines {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if let id = containerID(cgroupPath: fields[2]) { return id }
        }
        return nil
    }

    /// The innermost container id on one cgroup path, or nil.
    public static func containerID<S: StringProtocol>(cgroupPath: S) -> String? {
        for component in cgroupPath.split(separator: "/").reversed() {
            var name = Substring(component)
            if name.hasSuffix(".scope") { name = name.dropLast(".scope".count) }
            for prefix in prefixes where name.hasPrefix(prefix) {
                name = name.dropFirst(prefix.count)
                break
            }
            if isContainerID(name) { return String(name) }
        }
        return nil
    }

    static func isContainerID(_ s: Substring) -> Bool {
        guard s.utf8.count == 64 else { return false }
        return s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Reads `/proc/<pid>/cgroup`; nil when unreadable or not in a container.
    public static func containerID(pid: Int32) -> String? {
        guard pid > 0, let bytes = try? Files.read("/proc/\(pid)/cgroup", limit: 64 * 1024) else { return nil }
        return containerID(cgroupText: String(decoding: bytes, as: UTF8.self))
    }
}
