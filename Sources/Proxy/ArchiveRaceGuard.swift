import EngineAPI
import GoJSON
import Posix
import Tenancy

/// `docker cp` on a daemon that mounts a container's volumes for it in the
/// host's mount namespace (`ArchiveRace`, dockerd before 24.0): a copy the
/// container could race is refused, and while a copy runs, a start or
/// restart of its container through sockwarden is refused (and
/// a copy while one of those runs), so a container stopped when its copy
/// was checked has no process until the copy has ended. One table for
/// every socket of the process (main and job sockets).
final class ArchiveRaceGuard: @unchecked Sendable {
    static let shared = ArchiveRaceGuard()

    enum Kind { case archive, start }

    /// Per key (a container's ID, or "volume:" and a volume's name): the
    /// copies and the starts in flight.
    private let inFlight = Locked([String: (archives: Int, starts: Int)]())

    /// Released when the exchange that holds it ends.
    final class Hold: @unchecked Sendable {
        private let release: @Sendable () -> Void
        init(release: @escaping @Sendable () -> Void) { self.release = release }
        deinit { release() }
    }

    /// Holds `kind` for `container` and its `volumes`, or nil when the
    /// other kind is in flight for any of them: a copy and a start of the
    /// same container, or of containers sharing a volume, exclude each other.
    func begin(_ kind: Kind, container: String, volumes: [String] = []) -> Hold? {
        let keys = [container] + volumes.map { "volume:" + $0 }
        let taken = inFlight.withLock { table -> Bool in
            for key in keys {
                let entry = table[key] ?? (0, 0)
                if kind == .archive ? entry.starts > 0 : entry.archives > 0 { return false }
            }
            for key in keys {
                var entry = table[key] ?? (0, 0)
                if kind == .archive { entry.archives += 1 } else { entry.starts += 1 }
                table[key] = entry
            }
            return true
        }
        guard taken else { return nil }
        return Hold { [self] in
            inFlight.withLock { table in
                for key in keys {
                    guard var entry = table[key] else { continue }
                    if kind == .archive { entry.archives -= 1 } else { entry.starts -= 1 }
                    table[key] = entry.archives == 0 && entry.starts == 0 ? nil : entry
                }
            }
        }
    }

    /// What the daemon says of its version and storage, read at most once a
    /// minute: whether it is affected, and whether its image directories stay.
    private let storage = Locked<(at: UInt64, affected: Bool, lowerStay: Bool)?>(nil)
    static let storageSeconds: UInt64 = 60

    func daemonStorage(_ lookup: DaemonLookup) -> (affected: Bool, lowerStay: Bool)? {
        let now = monotonicNanoseconds()
        if let known = storage.withLock({ $0 }), now - known.at < Self.storageSeconds * 1_000_000_000 {
            return (known.affected, known.lowerStay)
        }
        guard case .ok(let version) = lookup.get("/version"), case .ok(let info) = lookup.get("/info") else { return nil }
        let affected = ArchiveRace.daemonIsAffected(version: version.member("Version")?.string ?? "")
        let status = (info.member("DriverStatus")?.array ?? []).compactMap { pair -> (String, String)? in
            guard let items = pair.array, items.count == 2, let key = items[0].string, let value = items[1].string else { return nil }
            return (key, value)
        }
        let stay = ArchiveRace.lowerDirectoriesStay(driver: info.member("Driver")?.string ?? "", status: status)
        storage.withLock { $0 = (now, affected, stay) }
        return (affected, stay)
    }

    enum Check {
        case pass(Hold?)
        case refuse(status: Int, reason: String)
    }

    /// For an allowed request on `route` naming `container` (its full ID);
    /// `volumes`: the named volumes the policy's look-up found it mounts.
    func check(route: String, container: String, volumes: [String], lookup: DaemonLookup) -> Check {
        let isArchive = ArchiveRace.routes.contains(route)
        guard isArchive || route == "container.start" || route == "container.restart" else {
            return .pass(nil)
        }
        guard let storage = daemonStorage(lookup) else {
            return .refuse(status: 503, reason: "sockwarden: cannot ask the daemon its version and storage driver, which decide whether a copy in a container can be raced; try again")
        }
        guard storage.affected else { return .pass(nil) }
        guard isArchive else {
            guard let hold = begin(.start, container: container, volumes: volumes) else {
                return .refuse(status: 409, reason: "sockwarden: a copy into or out of container \(container.prefix(12)), or of a container sharing its volumes, is in progress; start it once the copy has ended (dockerd before 24.0 mounts volumes on the host for a copy, and a process could turn such a mount onto a host path)")
            }
            return .pass(hold)
        }
        guard case .ok(let info) = lookup.get("/containers/\(container)/json") else {
            return .refuse(status: 503, reason: "sockwarden: cannot look container \(container.prefix(12)) up again for the copy; try again")
        }
        let state = info.member("State")
        let live = ["Running", "Paused", "Restarting"].contains { state?.member($0)?.bool == true }
        let mounts = (info.member("Mounts")?.array ?? []).map {
            ArchiveRace.Mount(type: $0.member("Type")?.string ?? "", destination: $0.member("Destination")?.string ?? "",
                              name: $0.member("Name")?.string ?? "")
        }
        let own = mounts.filter { $0.type == "volume" }.map(\.name)
        guard let hold = begin(.archive, container: container, volumes: own) else {
            return .refuse(status: 409, reason: "sockwarden: container \(container.prefix(12)), or a container sharing its volumes, is being started; copy once the start has ended")
        }
        var shared: Set<String>?
        if ArchiveRace.needsVolumeUsers(mounts: mounts, live: live) {
            shared = []
            for name in own {
                let json = GoEncoder.render(.object([JSONMember("volume", .array([.string(name)]))]))
                let filters = QueryRewrite.escape(String(decoding: json, as: UTF8.self))
                guard case .ok(let users) = lookup.get("/containers/json?all=1&filters=\(filters)") else { shared = nil; break }
                if (users.array ?? []).contains(where: { $0.member("Id")?.string != container }) { shared?.insert(name) }
            }
        }
        if let why = ArchiveRace.risk(mounts: mounts, live: live, lowerDirectoriesStay: storage.lowerStay, sharedVolumes: shared) {
            if shared == nil, ArchiveRace.needsVolumeUsers(mounts: mounts, live: live) {
                return .refuse(status: 503, reason: "sockwarden: cannot ask the daemon which containers use the volumes of container \(container.prefix(12)), which decides whether a copy can be raced; try again")
            }
            let instead = live ? "copy with docker exec and tar, or while it is stopped (if its volumes are its own)," : "copy with docker exec and tar once it runs,"
            return .refuse(status: 403, reason: "sockwarden: docker cp in container \(container.prefix(12)) refused: \(why); dockerd before 24.0 mounts a container's volumes on the host for a copy, and a process that renames a directory on their way can turn such a mount onto a host path (CVE-2018-15664's class). Instead \(instead) or run dockerd 24.0 or later")
        }
        return .pass(hold)
    }
}

/// Two holds for one exchange (a job scope's and the archive guard's).
final class PairedHold: @unchecked Sendable {
    let first: AnyObject?
    let second: AnyObject?
    init(_ first: AnyObject?, _ second: AnyObject?) {
        self.first = first
        self.second = second
    }
}
