import Testing
@testable import EngineAPI

/// dockerd before 24.0 mounts a container's volumes on the host for
/// `docker cp`; a container that can rename a directory on their way can
/// turn such a mount onto a host path (`ArchiveRace`).
@Suite("docker cp on a daemon that mounts volumes on the host")
struct ArchiveRaceTests {
    static func v(_ destination: String, _ type: String = "volume", name: String = "vol") -> ArchiveRace.Mount {
        .init(type: type, destination: destination, name: type == "volume" ? name : "")
    }

    @Test("affected daemons: before 24.0, or a version that does not read as one", arguments: [
        ("20.10.24+dfsg1", true), ("23.0.6", true), ("24.0.0", false), ("28.2.2", false), ("", true), ("dev", true), ("99999.1", true),
    ])
    func versions(_ c: (String, Bool)) {
        #expect(ArchiveRace.daemonIsAffected(version: c.0) == c.1, "\(c.0)")
    }

    @Test("image directories stay only on overlay2 with native diff (no redirect_dir)", arguments: [
        ("overlay2", [("Backing Filesystem", "extfs"), ("Native Overlay Diff", "true")], true),
        ("overlay2", [("Native Overlay Diff", "false")], false),
        ("overlay2", [], false),
        ("btrfs", [("Native Overlay Diff", "true")], false),
        ("vfs", [], false),
    ] as [(String, [(String, String)], Bool)])
    func storage(_ c: (String, [(String, String)], Bool)) {
        #expect(ArchiveRace.lowerDirectoriesStay(driver: c.0, status: c.1) == c.2)
    }

    @Test("whether a copy could be raced", arguments: [
        ("running, no bind or volume (only the daemon's /etc binds)", [], true, true, nil as Set<String>?, nil as String?),
        ("running, a volume right under /", [v("/data")], true, true, nil, "it is running and has a volume at /data"),
        ("running, a bind", [v("/src", "bind")], true, true, nil, "has a bind at /src"),
        ("running, a tmpfs is not mounted for a copy", [v("/a/t", "tmpfs")], true, true, nil, nil),
        ("running, storage whose image directories can be renamed: every container", [], true, false, nil, "not overlay2"),
        ("stopped, its own volumes", [v("/var/lib/db/data"), v("/cache")], false, true, [], nil),
        ("stopped, other storage: no process either", [v("/data")], false, false, [], nil),
        ("stopped, a volume another container uses", [v("/data", "volume", name: "shared")], false, true, ["shared"],
         "its volume shared at /data is also another container's"),
        ("stopped, users of its volumes not known", [v("/data")], false, true, nil, "could not tell"),
        ("stopped, a volume inside another", [v("/v"), v("/v/d1")], false, true, [], "lies inside its volume at /v"),
        ("stopped, a bind (its host directory may be another's)", [v("/src", "bind")], false, true, [], "bind mount at /src"),
        ("stopped, nothing mounted", [], false, true, nil, nil),
        ("destinations read cleaned", [v("//v/"), v("/v//d1")], false, true, [], "lies inside its volume at /v"),
    ] as [(String, [ArchiveRace.Mount], Bool, Bool, Set<String>?, String?)])
    func risk(_ c: (String, [ArchiveRace.Mount], Bool, Bool, Set<String>?, String?)) {
        let why = ArchiveRace.risk(mounts: c.1, live: c.2, lowerDirectoriesStay: c.3, sharedVolumes: c.4)
        if let expected = c.5 {
            #expect(why?.contains(expected) == true, "\(c.0): \(why ?? "nil")")
        } else {
            #expect(why == nil, "\(c.0): \(why ?? "nil")")
        }
    }

    @Test("the users of its volumes are asked only for a stopped container with volumes and no bind", arguments: [
        ([v("/data")], false, true), ([v("/data")], true, false), ([], false, false), ([v("/data"), v("/s", "bind")], false, false),
        ([v("/t", "tmpfs")], false, false),
    ] as [([ArchiveRace.Mount], Bool, Bool)])
    func volumeUsersNeeded(_ c: ([ArchiveRace.Mount], Bool, Bool)) {
        #expect(ArchiveRace.needsVolumeUsers(mounts: c.0, live: c.1) == c.2)
    }
}
