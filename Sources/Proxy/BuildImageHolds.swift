import Glibc
import EngineAPI
import Posix
import Tenancy

/// The images a job's running build names, kept from being changed under
/// it. A job socket checks a build's `FROM` and `COPY --from` images (and
/// those its base images' triggers name) when it judges the build, and
/// forwards it with `pull=0` when they are there; but the classic builder
/// looks each up only when it reaches that step, and pulls one that is
/// missing then. A job that removed, re-tagged or pulled over such a name
/// between the check and that step (a `RUN sleep` in an earlier stage makes
/// room) had the daemon pull an image nobody judged, from a registry the
/// policy refuses, running triggers that read another job's image (found
/// 2026-12-02, session 21, by a red-team helper).
///
/// So, per job: while a job's build runs, the names it was judged with and
/// the image IDs they resolved to are held (`Kind.build`); a change of a
/// held name or image through the job's socket (a delete, tag, import,
/// commit, a prune's delete) is refused with 409 while the build runs, and
/// a pull (the job's own, or one a build of the job makes first) or a
/// build's naming waits for the build to end (`maxWaitSeconds`, then 409);
/// a build waits while such a change of an image it names is in flight
/// (`Kind.change`). Each side registers and checks the other under one
/// lock, and a build looks its images up only once its names are held, so
/// no change slips between a build's look-up and its use (the triggers it
/// read before are checked to be those of the image held:
/// `BaseImageTriggers.readIDs`). Builds do not exclude builds, nor changes
/// changes (the daemon orders those). One job's changes do not meet
/// another's builds (a job cannot change another's names), except pulls:
/// a pull by tag moves a shared registry name any job's build may use, and
/// its image's triggers were judged for no build (found 2026-12-02, session
/// 21, by a red-team helper: job B's pull swapped the image under job A's
/// running build, whose new triggers read a third job's image). A pull of
/// a name a running build holds is therefore made by the held image's
/// digest (`JobScope.heldDigestPull`: content-addressed, it moves no name,
/// and no one waits); any other pull by tag is held for every job, and a
/// build of any job that names it waits for it.
final class BuildImageHolds: @unchecked Sendable {
    static let shared = BuildImageHolds()

    enum Kind { case build, change }

    private struct Entry {
        let kind: Kind
        let job: String
        /// A pull by tag: it moves a name any job's build may use (a
        /// shared registry image), so it and builds of every job exclude
        /// each other, not only the job's own.
        let everyJob: Bool
        var names: Set<String>
        var ids: Set<String>

        func meets(_ kind: Kind, job: String, everyJob: Bool) -> Bool {
            self.kind != kind && (self.job == job || self.everyJob || everyJob)
        }
    }

    /// The longest a pull, a build's naming or a build waits for what it
    /// conflicts with before it is answered 409.
    static let maxWaitSeconds = 300
    /// How often a waiting request looks again.
    static let waitStepMicroseconds: UInt32 = 50_000

    private let table = Locked((next: UInt64(1), entries: [UInt64: Entry]()))

    /// Released when the exchange that keeps it ends (or by `release`).
    final class Hold: @unchecked Sendable {
        fileprivate let token: UInt64
        private weak var holds: BuildImageHolds?
        private let released = Locked(false)

        fileprivate init(token: UInt64, holds: BuildImageHolds) {
            self.token = token
            self.holds = holds
        }

        /// Adds image IDs a held name resolved to; the first one a change
        /// in flight holds when it does (then nothing is added).
        func add(ids: [String]) -> String? {
            holds?.add(ids: ids, to: token)
        }

        /// Whether this hold has `id` (a build's image, as looked up once its names were held).
        func holds(id: String) -> Bool {
            holds?.holdsID(id, token: token) ?? false
        }

        /// Lets go before the exchange ends (a build whose stream has ended).
        func release() {
            guard !released.withLock({ let was = $0; $0 = true; return was }) else { return }
            holds?.remove(token)
        }

        deinit { release() }
    }

    /// What conflicts: the name or ID (as held) that the other kind holds.
    struct Conflict: Error, Equatable {
        let reference: String
    }

    /// Holds `names` (normalised, `ImageReference.normalise`) and `ids`
    /// (`sha256:` and 64 hex digits) for `kind` on behalf of `job`, or the
    /// first of them the other kind holds for the same job. With
    /// `waitSeconds`, a conflict is waited out that long first.
    /// `everyJob`: a pull by tag, which meets the builds of every job.
    func begin(_ kind: Kind, job: String, names: [String], ids: [String] = [], everyJob: Bool = false,
               waitSeconds: Int = 0) -> Result<Hold, Conflict> {
        let deadline = monotonicNanoseconds() + UInt64(max(0, waitSeconds)) * 1_000_000_000
        while true {
            let result = table.withLock { state -> Result<UInt64, Conflict> in
                for entry in state.entries.values where entry.meets(kind, job: job, everyJob: everyJob) {
                    if let name = names.first(where: entry.names.contains) { return .failure(Conflict(reference: name)) }
                    if let id = ids.first(where: entry.ids.contains) { return .failure(Conflict(reference: id)) }
                }
                let token = state.next
                state.next += 1
                state.entries[token] = Entry(kind: kind, job: job, everyJob: everyJob, names: Set(names), ids: Set(ids))
                return .success(token)
            }
            if case .failure = result, monotonicNanoseconds() < deadline {
                usleep(Self.waitStepMicroseconds)
                continue
            }
            return result.map { Hold(token: $0, holds: self) }
        }
    }

    /// How many holds of `kind` there are (for tests and the metrics).
    func count(_ kind: Kind) -> Int {
        table.withLock { state in state.entries.values.filter { $0.kind == kind }.count }
    }

    /// Whether any build of `job` holds something (a delete by name then
    /// looks its image's ID up, which a build may hold alone).
    func hasBuilds(job: String) -> Bool {
        table.withLock { state in state.entries.values.contains { $0.kind == .build && $0.job == job } }
    }

    private func add(ids: [String], to token: UInt64) -> String? {
        table.withLock { state -> String? in
            guard let mine = state.entries[token] else { return nil }
            for (other, entry) in state.entries where other != token && entry.meets(mine.kind, job: mine.job, everyJob: mine.everyJob) {
                if let id = ids.first(where: entry.ids.contains) { return id }
            }
            state.entries[token]?.ids.formUnion(ids)
            return nil
        }
    }

    fileprivate func holdsID(_ id: String, token: UInt64) -> Bool {
        table.withLock { $0.entries[token]?.ids.contains(id) ?? false }
    }

    private func remove(_ token: UInt64) {
        _ = table.withLock { $0.entries.removeValue(forKey: token) }
    }

    /// The form a reference is held by: a normalised name, or an image ID
    /// (`sha256:` and its 64 hex digits); nil for what names no image the
    /// daemon could pull (a short ID, an unreadable name).
    static func heldForm(_ reference: String) -> (name: String?, id: String?)? {
        if ImageNames.isFullID(reference) {
            return (nil, reference.utf8.starts(with: "sha256:".utf8) ? reference : "sha256:" + reference)
        }
        if ImageNames.readsAsIDPrefix(reference) { return nil }
        guard let name = ImageReference.normalise(reference) else { return nil }
        return (name, nil)
    }

    /// The hold inside an exchange's hold (alone or paired), to let go of.
    static func find(in hold: AnyObject?) -> Hold? {
        if let found = hold as? Hold { return found }
        if let pair = hold as? PairedHold { return find(in: pair.first) ?? find(in: pair.second) }
        return nil
    }
}

extension BuildImageHolds.Conflict {
    /// A build refused because an image it names is being changed.
    func buildRefusal(job: String) -> String {
        "sockwarden: job \(job)'s build names the image \(familiar), which another request is changing (a delete or tag of the job's, or a pull, in flight); retry the build once it has ended"
    }

    /// A change refused because a running build names the image.
    func changeRefusal() -> String {
        "sockwarden: the image \(familiar) is in use by a build of this job that is running (its Dockerfile names it, and the daemon looks it up only when it reaches that step); change it once the build has ended"
    }

    private var familiar: String {
        reference.utf8.starts(with: "sha256:".utf8) ? String(reference.utf8.dropFirst(7).prefix(12))! : ImageNames.familiar(reference)
    }
}
