import GoJSON

/// `GET /info` on a job socket: the daemon counts every container and image
/// on it (`Containers`, `ContainersRunning`, `ContainersPaused`,
/// `ContainersStopped`, `Images`), so a job polling `/info` watched every
/// other job's (and the runner's) containers being created, started, stopped
/// and removed, and its images built and deleted, as they happened (found
/// 2026-12-01, session 13). On a job socket those counts are the job's own:
/// its containers (by the owner label, counted by state as dockerd 20.10's
/// `stateCtr` counts them) and the images in its view (`ImageListFilter`,
/// with `all=1`). `NEventsListener` (how many event streams are open on the
/// daemon: every job's `docker events`, `docker-compose up`, Testcontainers'
/// streams), `NFd` and `NGoroutines` (the daemon's open files and
/// goroutines, which move with every request and stream of every client)
/// are 0: they describe other clients' activity as it happens, and a job
/// has no count of its own to put there (found 2026-12-01, session 15).
/// Every other member is the daemon's.
public enum InfoFilter {
    /// Members answered as 0 on a job socket.
    public static let activityCounts = ["NEventsListener", "NFd", "NGoroutines"]

    public struct Counts: Sendable, Equatable {
        public var running: Int
        public var paused: Int
        public var stopped: Int
        public var images: Int
        public init(running: Int = 0, paused: Int = 0, stopped: Int = 0, images: Int = 0) {
            (self.running, self.paused, self.stopped, self.images) = (running, paused, stopped, images)
        }
    }

    /// The job's counts from its containers (a container list's items, each
    /// with its `State`) and the number of images in its view. dockerd
    /// counts a container "paused" or "running" by that state and every
    /// other one (created, restarting, removing, exited, dead) as stopped.
    public static func counts(containers: [JSONValue], images: Int) -> Counts {
        var counts = Counts(images: images)
        for container in containers {
            guard case .object(let fields) = container else { continue }
            switch fields.last(where: { $0.key == "State" })?.value {
            case .string("running")?: counts.running += 1
            case .string("paused")?: counts.paused += 1
            default: counts.stopped += 1
            }
        }
        return counts
    }

    /// The answer with the job's counts, or nil when it is not a JSON object
    /// (the caller then refuses rather than pass it on).
    public static func filter(_ body: [UInt8], counts: Counts) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(body), case .object(let members) = json else { return nil }
        let replaced: [String: Int] = [
            "Containers": counts.running + counts.paused + counts.stopped,
            "ContainersRunning": counts.running, "ContainersPaused": counts.paused,
            "ContainersStopped": counts.stopped, "Images": counts.images,
            "NEventsListener": 0, "NFd": 0, "NGoroutines": 0,
        ]
        return GoEncoder.render(.object(members.map { member in
            guard let value = replaced[member.key] else { return member }
            return JSONMember(member.key, .number(String(value)))
        }))
    }
}
