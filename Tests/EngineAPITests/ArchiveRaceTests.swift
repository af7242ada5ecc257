import Testing
@testable import EngineAPI

/// dockerd before 24.0 mounts a container's volumes on the host for
/// `docker cp`; a container that can rename a directory on their way can
/// turn such a mount onto a host path (`ArchiveRace`).
@Suite("docker cp on a daemon that mounts volumes on the host")
struct ArchiveRaceTests {
    static func v(_ destination: String, _ type: String = "volume") -> ArchiveRace.Mount { .init(type: type, destination: destination) }

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
        ("running, a volume right under /", [v("/data")], true, true, Set<String>(), nil as String?),
        ("running, its way through a directory it made", [v("/a/d1")], true, true, ["/a", "/a/d1"], "it made the directory /a"),
        ("running, its way through the image's directories (changed, not added)", [v("/var/lib/db/data")], true, true,
         ["/var/lib/db/data"], nil),
        ("running, its way through a mount point", [v("/a"), v("/a/d1")], true, true, ["/a"], nil),
        ("running, its way through a directory inside another mount", [v("/a"), v("/a/x/d1")], true, true, [], "inside its mount at /a"),
        ("running, changes unreadable", [v("/a/d1")], true, true, nil, "could not be read"),
        ("running, storage whose image directories can be renamed: every container", [v("/data")], true, false, [], "not overlay2"),
        ("running, a tmpfs is not mounted for a copy", [v("/a/d1", "tmpfs")], true, true, ["/a"], nil),
        ("running, a bind counts as a volume", [v("/a/d1", "bind")], true, true, ["/a"], "it made the directory /a"),
        ("stopped: no process to rename anything", [v("/a/d1")], false, true, nil, nil),
        ("stopped, other storage: no process either", [v("/a/d1")], false, false, nil, nil),
        ("stopped, its way inside another mount, which another container may share", [v("/v"), v("/v/x/y")], false, true, nil,
         "inside its mount at /v"),
        ("a mount inside a mount point directly is fine", [v("/v"), v("/v/y")], false, true, nil, nil),
        ("destinations read cleaned", [v("//a//d1/")], true, true, ["/a"], "it made the directory /a"),
    ] as [(String, [ArchiveRace.Mount], Bool, Bool, Set<String>?, String?)])
    func risk(_ c: (String, [ArchiveRace.Mount], Bool, Bool, Set<String>?, String?)) {
        let why = ArchiveRace.risk(mounts: c.1, live: c.2, lowerDirectoriesStay: c.3, added: c.4)
        if let expected = c.5 {
            #expect(why?.contains(expected) == true, "\(c.0): \(why ?? "nil")")
        } else {
            #expect(why == nil, "\(c.0): \(why ?? "nil")")
        }
    }

    @Test("changes are read only for a live container with a way through no mount point", arguments: [
        ([v("/data")], true, false), ([v("/a/d1")], true, true), ([v("/a/d1")], false, false), ([v("/a"), v("/a/d1")], true, false),
        ([v("/a/d1", "tmpfs")], true, false),
    ] as [([ArchiveRace.Mount], Bool, Bool)])
    func changesNeeded(_ c: ([ArchiveRace.Mount], Bool, Bool)) {
        #expect(ArchiveRace.needsChanges(mounts: c.0, live: c.1) == c.2)
    }
}
