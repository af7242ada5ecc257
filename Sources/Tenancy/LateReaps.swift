/// The reaps of closed jobs after their close (`serve --reap-after-close`).
/// dockerd finishes an import or commit whose body it has whatever the
/// client does, so one still running when `job close` cut it can leave an
/// image with the job's owner label after the close's reaps (and a create
/// cut at the close a container, which carries the create's mark): the
/// closed job's label is reaped again at each offset of the schedule, its
/// containers by the IDs and marks kept with the entry, never by the label
/// alone, and its images by the IDs its socket recorded (an image whose
/// commit or import was cut is not recorded, so no longer reaped late:
/// SECURITY.md). A pure
/// table: the registry asks it, once a second, which jobs are due. Kept in
/// memory only; a restart of `serve` forgets it.
public struct LateReaps: Sendable {
    /// Seconds after the close, ascending, each > 0.
    public let schedule: [Int]

    public struct Entry: Sendable, Equatable {
        public let id: String
        /// Whether the job's images are reaped (`[jobs] reap-images`).
        public let images: Bool
        public let closedAt: Int
        /// The container IDs the job's socket recorded and the marks of its
        /// creates not answered with one (`JobContainers.reaps`): a create
        /// cut at the close may still end in a container after the close's reaps.
        public var containers: Set<String> = []
        public var marks: Set<String> = []
        /// The image IDs the job's socket recorded (`JobImages`): images are
        /// reaped by these, never by the label and seal alone.
        public var madeImages: Set<String> = []
        /// The index in `schedule` of the next reap.
        public var step: Int
    }

    private var pending: [String: Entry] = [:]

    public static let standard = [10, 30, 60, 120]

    public init(schedule: [Int] = LateReaps.standard) {
        self.schedule = schedule
    }

    /// `--reap-after-close`: `none`, or seconds after the close, comma
    /// separated, ascending (`10,30,60,120`); each 1 to 86400.
    /// Nil when `text` is not that.
    public static func parse(_ text: String) -> [Int]? {
        if text.utf8.elementsEqual("none".utf8) { return [] }
        var offsets: [Int] = []
        for part in text.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.count <= 5, part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let seconds = Int(String(decoding: part, as: UTF8.self)), seconds >= 1, seconds <= 86400,
                  seconds > (offsets.last ?? 0) else { return nil }
            offsets.append(seconds)
        }
        return offsets
    }

    /// The job was closed (and reaped) at `now`.
    public mutating func closed(_ id: String, images: Bool, at now: Int, containers: Set<String> = [], marks: Set<String> = [],
                                madeImages: Set<String> = []) {
        guard !schedule.isEmpty else { return }
        pending[id] = Entry(id: id, images: images, closedAt: now, containers: containers, marks: marks, madeImages: madeImages, step: 0)
    }

    /// The job was opened again under the same id: its label is the new
    /// job's now, and no late reap of the old one may touch it.
    public mutating func cancel(_ id: String) {
        pending[id] = nil
    }

    /// The jobs whose next reap is due at `now` (each once, however many
    /// offsets have passed) and that `available` takes (the registry claims
    /// the id, so no open of it runs meanwhile); the table moves those on to
    /// their next offset, and forgets a job after its last. One not taken
    /// stays due, for the next look.
    public mutating func due(at now: Int, available: (String) -> Bool = { _ in true }) -> [Entry] {
        var out: [Entry] = []
        for id in pending.keys.sorted() {
            guard let entry = pending[id], entry.closedAt + schedule[entry.step] <= now, available(id) else { continue }
            out.append(entry)
            var next = entry
            while next.step < schedule.count, next.closedAt + schedule[next.step] <= now { next.step += 1 }
            pending[id] = next.step < schedule.count ? next : nil
        }
        return out
    }

    /// The closed jobs still waiting for a reap.
    public var waiting: [String] { pending.keys.sorted() }
}
