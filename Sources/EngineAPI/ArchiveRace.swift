/// dockerd before 24.0 serves `docker cp` (`GET`, `HEAD` and `PUT
/// /containers/{id}/archive`, the old `POST /containers/{id}/copy`) by
/// mounting the container's volumes and binds in the host's own mount
/// namespace (`daemon/volumes_unix.go` `mountVolumes`): it resolves each
/// destination inside the container's root, then creates it and mounts the
/// volume on that path string. A process in the container that swaps a
/// directory on the way with a symbolic link in between makes the daemon
/// mount the volume on the host path the link names, read-write, as root,
/// and leave it there (CVE-2018-15664's class; moby fixed it in 24.0 by
/// archiving in a mount namespace of its own, commit 2bdc7fb0a1). Found
/// through ci.toml on 2026-12-02 (session 20) by a red-team helper: a job's
/// own running container with a volume at `/a/d1` covered a host directory
/// with it.
///
/// The swap needs a directory on a mount's way that the container can
/// rename: not `/`, not a mount point in the container (rename gives
/// EBUSY), and, on overlay2 without `redirect_dir` (the daemon's "Native
/// Overlay Diff: true"), not one from the image's layers or the daemon's
/// init layer (rename gives EXDEV). So a directory the container made
/// itself (its `changes` list it as added) is one, and so is any directory
/// under another of its mounts (a volume another container shares can
/// change it). With another storage driver, or `redirect_dir`, any
/// directory on the way is one, `/etc` of the daemon's own `/etc/hosts`
/// among them: every running container is at risk.
///
/// Pure: given what the daemon says of the container, the reason a copy
/// could be raced, or nil.
public enum ArchiveRace {
    /// The routes that mount the container's volumes on the host.
    public static let routes: Set<String> = ["container.archive.get", "container.archive.head",
                                             "container.archive.put", "container.copy"]

    /// Whether the daemon (its `/version` `Version`, "20.10.24+dfsg1")
    /// archives in the host's mount namespace: before 24.0, or a version
    /// that does not read as one.
    public static func daemonIsAffected(version: String) -> Bool {
        let digits = version.utf8.prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard !digits.isEmpty, digits.count <= 4, let major = Int(String(decoding: digits, as: UTF8.self)) else { return true }
        return major < 24
    }

    /// Whether directories of the image's layers cannot be renamed in a
    /// container: overlay2 whose `DriverStatus` says "Native Overlay Diff"
    /// is "true" (the daemon turns native diff off when the kernel has
    /// `redirect_dir`, which lets a lower directory be renamed).
    public static func lowerDirectoriesStay(driver: String, status: [(String, String)]) -> Bool {
        driver == "overlay2" && status.contains { $0.0 == "Native Overlay Diff" && $0.1 == "true" }
    }

    public struct Mount: Sendable, Equatable {
        public var type: String
        public var destination: String
        public init(type: String, destination: String) {
            self.type = type
            self.destination = destination
        }
    }

    /// Why a copy in this container could be raced, or nil. `live`: it is
    /// running, paused or restarting (a stopped one has no process, and a
    /// start through sockwarden waits for the copy, `ArchiveRaceGuard`).
    /// `added`: the paths its `changes` list as added (kind 1); nil when
    /// they could not be read. Only bind and volume mounts are mounted for
    /// a copy; every mount's destination is a mount point in the container.
    public static func risk(mounts: [Mount], live: Bool, lowerDirectoriesStay: Bool, added: Set<String>?) -> String? {
        let points = Set(mounts.map { clean($0.destination) })
        if live && !lowerDirectoriesStay {
            return "on this daemon's storage (not overlay2 with native diff) a running container can rename any directory on the way to the mounts a copy makes, `/etc` of its `/etc/hosts` among them"
        }
        for mount in mounts where mount.type == "bind" || mount.type == "volume" {
            let destination = clean(mount.destination)
            for ancestor in properAncestors(destination) where !points.contains(ancestor) {
                if let outer = points.first(where: { isBelow(ancestor, $0) }) {
                    return "its mount at \(destination) is reached through \(ancestor), inside its mount at \(outer), which another container sharing it can change"
                }
                guard live else { continue }
                guard let added else { return "its changes could not be read to tell whether it made \(ancestor), on the way to its mount at \(destination)" }
                if added.contains(ancestor) {
                    return "it made the directory \(ancestor), on the way to its mount at \(destination), itself, so it can rename it"
                }
            }
        }
        return nil
    }

    /// Whether `risk` needs the container's changes: a live container with
    /// a bind or volume whose way goes through a directory that is no mount point.
    public static func needsChanges(mounts: [Mount], live: Bool) -> Bool {
        guard live else { return false }
        let points = Set(mounts.map { clean($0.destination) })
        return mounts.contains { mount in
            (mount.type == "bind" || mount.type == "volume")
                && properAncestors(clean(mount.destination)).contains { !points.contains($0) }
        }
    }

    /// "/a/b/c" -> ["/a", "/a/b"] (not "/").
    static func properAncestors(_ path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count > 1 else { return [] }
        return (1..<parts.count).map { "/" + parts[..<$0].joined(separator: "/") }
    }

    static func clean(_ path: String) -> String {
        "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// `a` is strictly below `b`.
    static func isBelow(_ a: String, _ b: String) -> Bool {
        b == "/" ? a != "/" : a.hasPrefix(b + "/")
    }
}
