import Posix
import Tenancy

/// The containers each job socket created, by the full ID of the daemon's
/// create answer (`JobContainers`): a container is a job's only when its ID
/// is here and it carries the owner label. Shared by the job sockets of one
/// `serve` and persisted with each job's state (`onChange`), so a restart
/// of sockwarden keeps them. IDs of containers removed since are kept until
/// the job is closed (an ID is never given twice).
///
/// Also the images each job socket made, by full `sha256:` ID (`JobImages`):
/// a build's last image, a commit's, an import's. Kept apart from the
/// containers' (`imageIDs(of:)`), persisted with them.
final class ContainerRecords: @unchecked Sendable {
    private let records = Locked([String: Set<String>]())
    /// Called with a job id after its records changed.
    var onChange: (@Sendable (String) -> Void)?

    init(onChange: (@Sendable (String) -> Void)? = nil) {
        self.onChange = onChange
    }

    /// Records a container the job's socket created.
    func record(_ id: String, job: String) {
        let added = records.withLock { $0[job, default: []].insert(id).inserted }
        if added { onChange?(job) }
    }

    func ids(of job: String) -> Set<String> {
        records.withLock { $0[job] ?? [] }
    }

    /// Restores a job's persisted records (on start).
    func restore(_ ids: [String], job: String) {
        records.withLock { $0[job, default: []].formUnion(ids) }
    }

    /// The create marks (`CreateMarks`) of each job's container creates,
    /// imports and commits (`CreateMarks.makeImage`) forwarded and not answered with an ID: in flight, cut (at the
    /// close), or refused by the daemon. Oldest first; at most
    /// `maxUnanswered` a job (in memory only: a restart of `serve` forgets them).
    private let unanswered = Locked([String: [String]]())
    static let maxUnanswered = 4096

    /// A container create with this mark is about to be forwarded.
    func creating(_ mark: String, job: String) {
        unanswered.withLock { table in
            table[job, default: []].append(mark)
            if table[job]!.count > Self.maxUnanswered { table[job]!.removeFirst() }
        }
    }

    /// The create with this mark was answered with this container ID (the
    /// answer's ID, recorded first, before the mark is let go).
    func created(_ id: String, mark: String?, job: String) {
        record(id, job: job)
        guard let mark else { return }
        unanswered.withLock { table in table[job]?.removeAll { $0 == mark } }
    }

    /// The import or commit with this mark was answered with an image ID
    /// (recorded first, `recordImage`).
    func answered(_ mark: String, job: String) {
        unanswered.withLock { table in table[job]?.removeAll { $0 == mark } }
    }

    /// The marks of the job's creates not answered with an ID.
    func marks(of job: String) -> Set<String> {
        unanswered.withLock { Set($0[job] ?? []) }
    }

    /// The anonymous volumes of each job's containers that its socket let
    /// a create bind again by name (`AnonymousVolumes`, docker-compose's
    /// recreate): the daemon then counts them as named on the new
    /// container and keeps them when it is removed, even with `v=1`, and
    /// they carry no owner label, so only this list lets the close reap them
    /// (persisted with the job's state, `onChange`; a static listener's job
    /// keeps them in its list of IDs, as `volume:<name>`).
    private let rebound = Locked([String: Set<String>]())

    func reboundVolume(_ name: String, job: String) {
        let added = rebound.withLock { table -> Bool in
            guard table[job, default: []].count < Self.maxUnanswered else { return false }
            return table[job, default: []].insert(name).inserted
        }
        if added { onChange?(job) }
    }

    /// Restores a job's persisted rebound volumes (on start).
    func restoreRebound(_ names: [String], job: String) {
        rebound.withLock { table in
            for name in names.prefix(Self.maxUnanswered) { table[job, default: []].insert(name) }
        }
    }

    func reboundVolumes(of job: String) -> Set<String> {
        rebound.withLock { $0[job] ?? [] }
    }

    /// Forgets a job's records (at its close).
    func release(job: String) {
        rebound.withLock { _ = $0.removeValue(forKey: job) }
        unanswered.withLock { _ = $0.removeValue(forKey: job) }
        records.withLock { _ = $0.removeValue(forKey: job) }
        compacted.withLock { _ = $0.removeValue(forKey: job) }
        images.withLock { _ = $0.removeValue(forKey: job) }
        imagesCompacted.withLock { _ = $0.removeValue(forKey: job) }
    }

    private let images = Locked([String: Set<String>]())
    private let imagesCompacted = Locked([String: Int]())

    /// Records an image the job's socket made (its full `sha256:` ID).
    func recordImage(_ id: String, job: String) {
        let added = images.withLock { $0[job, default: []].insert(id).inserted }
        if added { onChange?(job) }
    }

    func imageIDs(of job: String) -> Set<String> {
        images.withLock { $0[job] ?? [] }
    }

    /// Restores a job's persisted image records (on start).
    func restoreImages(_ ids: [String], job: String) {
        images.withLock { $0[job, default: []].formUnion(ids) }
    }

    /// Drops the IDs of the job's images that are gone, as `compact` does
    /// for containers. `listed`: the IDs of the images with the job's owner
    /// label and seal on the daemon now (nil: cannot tell).
    func compactImages(job: String, listed: () -> Set<String>?) {
        let snapshot = imageIDs(of: job)
        guard JobImages.shouldCompact(count: snapshot.count, afterLast: imagesCompacted.withLock { $0[job] ?? 0 }),
              let present = listed() else { return }
        let stale = snapshot.subtracting(present)
        let left = images.withLock { r -> Int in
            r[job]?.subtract(stale)
            return r[job]?.count ?? 0
        }
        imagesCompacted.withLock { $0[job] = left }
        if !stale.isEmpty { onChange?(job) }
    }

    /// How many IDs each job had after its last compaction.
    private let compacted = Locked([String: Int]())

    /// Drops the IDs of the job's containers that are gone, when the job has
    /// recorded many since the last time (`JobContainers.shouldCompact`): a
    /// long-lived job (a static listener's) would otherwise keep every ID it
    /// ever created, and rewrite them all at each create. `listed` gives the
    /// full IDs of the job's containers on the daemon now (nil: cannot
    /// tell, nothing dropped); an ID recorded while it runs is not in the
    /// snapshot it compares, so it stays.
    func compact(job: String, listed: () -> Set<String>?) {
        let snapshot = ids(of: job)
        guard JobContainers.shouldCompact(count: snapshot.count, afterLast: compacted.withLock { $0[job] ?? 0 }),
              let present = listed() else { return }
        let stale = snapshot.subtracting(present)
        let left = records.withLock { r -> Int in
            r[job]?.subtract(stale)
            return r[job]?.count ?? 0
        }
        compacted.withLock { $0[job] = left }
        if !stale.isEmpty { onChange?(job) }
    }
}
