import Posix
import Tenancy

/// The containers each job socket created, by the full ID of the daemon's
/// create answer (`JobContainers`): a container is a job's only when its ID
/// is here and it carries the owner label. Shared by the job sockets of one
/// `serve` and persisted with each job's state (`onChange`), so a restart
/// of sockwarden keeps them. IDs of containers removed since are kept until
/// the job is closed (an ID is never given twice).
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

    /// Forgets a job's records (at its close).
    func release(job: String) {
        records.withLock { _ = $0.removeValue(forKey: job) }
    }
}
