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
/// What a copy can be raced through, and what this allows:
/// - a running (or paused, or restarting) container renames a directory on
///   the way to one of its binds or volumes, reached through a directory it
///   made or a symbolic link of its image (the daemon resolves symlinks,
///   which the inspect answer does not show), so any bind or volume of a
///   live container counts. Its implicit `/etc/hosts`, `/etc/hostname` and
///   `/etc/resolv.conf` do not on overlay2 with native diff: their `/etc` is
///   the daemon's init layer's directory, which cannot be renamed there
///   (EXDEV without `redirect_dir`) nor removed (mount points in it); on
///   other storage any live container counts;
/// - another running container changes a directory inside a volume or
///   host directory it shares with the stopped container being copied: so
///   a bind counts (its host directory may be another's), and so does a
///   volume another container uses or one below another of its mounts.
/// A stopped container's own root and unshared volumes have no process to
/// race, and a start through sockwarden waits for the copy
/// (`ArchiveRaceGuard`, which also holds the copied container's volumes).
/// (A first version of this rule, reviewed the same day, judged directories
/// by the destinations as written and missed volumes nested in volumes,
/// the implicit `/etc` binds and symbolic links on the way.)
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
        /// A volume's name ("" for other types).
        public var name: String
        public init(type: String, destination: String, name: String = "") {
            self.type = type
            self.destination = destination
            self.name = name
        }
    }

    /// Why a copy in this container could be raced, or nil. `live`: it is
    /// running, paused or restarting. `sharedVolumes`: the names of its
    /// volumes another container uses (nil: not asked, or could not be).
    public static func risk(mounts: [Mount], live: Bool, lowerDirectoriesStay: Bool, sharedVolumes: Set<String>?) -> String? {
        let hostMounts = mounts.filter { $0.type == "bind" || $0.type == "volume" }
        if live {
            if !lowerDirectoriesStay {
                return "it is running, and on this daemon's storage (not overlay2 with native diff) a running container can rename the directories on the way to the mounts a copy makes, /etc of its /etc/hosts among them"
            }
            if let mount = hostMounts.first {
                return "it is running and has a \(mount.type) at \(clean(mount.destination)), on whose way it can rename a directory (or one its image links to)"
            }
            return nil
        }
        if let bind = hostMounts.first(where: { $0.type == "bind" }) {
            return "its bind mount at \(clean(bind.destination)) is of a host directory a running container may also mount"
        }
        for mount in hostMounts {
            let destination = clean(mount.destination)
            if let outer = hostMounts.first(where: { isBelow(destination, clean($0.destination)) }) {
                return "its volume at \(destination) lies inside its volume at \(clean(outer.destination)), which another container may share"
            }
        }
        guard !hostMounts.isEmpty else { return nil }
        guard let sharedVolumes else { return "could not tell whether another container uses its volumes" }
        if let shared = hostMounts.first(where: { sharedVolumes.contains($0.name) }) {
            return "its volume \(shared.name) at \(clean(shared.destination)) is also another container's, which could change it while it is mounted for the copy"
        }
        return nil
    }

    /// Whether `risk` needs to know which of its volumes others use.
    public static func needsVolumeUsers(mounts: [Mount], live: Bool) -> Bool {
        !live && mounts.contains { $0.type == "volume" } && !mounts.contains { $0.type == "bind" }
    }

    static func clean(_ path: String) -> String {
        "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// `a` is strictly below `b`.
    static func isBelow(_ a: String, _ b: String) -> Bool {
        b == "/" ? a != "/" : a.hasPrefix(b + "/")
    }
}
