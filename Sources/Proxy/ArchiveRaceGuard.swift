import EngineAPI
import GoJSON
import Posix

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

    /// Per container ID: the copies and the starts in flight.
    private let inFlight = Locked([String: (archives: Int, starts: Int)]())

    /// Released when the exchange that holds it ends.
    final class Hold: @unchecked Sendable {
        private let release: @Sendable () -> Void
        init(release: @escaping @Sendable () -> Void) { self.release = release }
        deinit { release() }
    }

    /// Holds `kind` for `container`, or nil when the other kind is in flight.
    func begin(_ kind: Kind, container: String) -> Hold? {
        let taken = inFlight.withLock { table -> Bool in
            var entry = table[container] ?? (0, 0)
            switch kind {
            case .archive:
                if entry.starts > 0 { return false }
                entry.archives += 1
            case .start:
                if entry.archives > 0 { return false }
                entry.starts += 1
            }
            table[container] = entry
            return true
        }
        guard taken else { return nil }
        return Hold { [self] in
            inFlight.withLock { table in
                guard var entry = table[container] else { return }
                switch kind {
                case .archive: entry.archives -= 1
                case .start: entry.starts -= 1
                }
                table[container] = entry.archives == 0 && entry.starts == 0 ? nil : entry
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

    /// For an allowed request on `route` naming `container` (its full ID).
    func check(route: String, container: String, lookup: DaemonLookup) -> Check {
        let isArchive = ArchiveRace.routes.contains(route)
        guard isArchive || route == "container.start" || route == "container.restart" else {
            return .pass(nil)
        }
        guard let storage = daemonStorage(lookup) else {
            return .refuse(status: 503, reason: "sockwarden: cannot ask the daemon its version and storage driver, which decide whether a copy in a container can be raced; try again")
        }
        guard storage.affected else { return .pass(nil) }
        guard isArchive else {
            guard let hold = begin(.start, container: container) else {
                return .refuse(status: 409, reason: "sockwarden: a copy into or out of container \(container.prefix(12)) is in progress; start it once the copy has ended (dockerd before 24.0 mounts its volumes on the host for the copy, and a process of the container could turn that mount onto a host path)")
            }
            return .pass(hold)
        }
        guard let hold = begin(.archive, container: container) else {
            return .refuse(status: 409, reason: "sockwarden: container \(container.prefix(12)) is being started; copy once the start has ended")
        }
        guard case .ok(let info) = lookup.get("/containers/\(container)/json") else {
            return .refuse(status: 503, reason: "sockwarden: cannot look container \(container.prefix(12)) up again for the copy; try again")
        }
        let state = info.member("State")
        let live = ["Running", "Paused", "Restarting"].contains { state?.member($0)?.bool == true }
        let mounts = (info.member("Mounts")?.array ?? []).map {
            ArchiveRace.Mount(type: $0.member("Type")?.string ?? "", destination: $0.member("Destination")?.string ?? "")
        }
        var added: Set<String>?
        if ArchiveRace.needsChanges(mounts: mounts, live: live), case .ok(let changes) = lookup.get("/containers/\(container)/changes") {
            added = Set((changes.array ?? []).compactMap { change in
                if case .number("1")? = change.member("Kind") { return change.member("Path")?.string }
                return nil
            })
        }
        if let why = ArchiveRace.risk(mounts: mounts, live: live, lowerDirectoriesStay: storage.lowerStay, added: added) {
            let instead = live ? "copy while it is stopped, or with docker exec and tar," : "copy with docker exec and tar"
            return .refuse(status: 403, reason: "sockwarden: docker cp in container \(container.prefix(12)) refused: \(why); dockerd before 24.0 mounts a container's volumes on the host for a copy, and a process that can rename a directory on their way can turn such a mount onto a host path (CVE-2018-15664's class). Instead \(instead) or run dockerd 24.0 or later")
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
