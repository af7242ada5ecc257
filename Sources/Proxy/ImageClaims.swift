import Posix

/// The tags jobs put on shared images (`docker tag busybox my-box` on a job
/// socket): a tag carries no labels, so which job it belongs to is kept here,
/// as normalised names. Shared by every job socket of one `serve`; each
/// job's claims are persisted with its state (`onChange`), so they survive a
/// restart like the job does. A claim counts only while the daemon has that
/// name on an image without an owner label; a stale one (the tag was removed
/// or moved) is taken over by the next job that uses the name.
final class ImageClaims: @unchecked Sendable {
    private let claims = Locked([String: String]())
    /// Called with a job id after its claims changed.
    var onChange: (@Sendable (String) -> Void)?

    init(onChange: (@Sendable (String) -> Void)? = nil) {
        self.onChange = onChange
    }

    /// The job that claimed a normalised name.
    func claimant(_ name: String) -> String? { claims.withLock { $0[name] } }

    /// Claims a name for a job, taking it over from any other claim (the
    /// caller has checked that the other claim is stale).
    func claim(_ name: String, job: String) {
        let previous = claims.withLock { c -> String? in
            let previous = c[name]
            c[name] = job
            return previous
        }
        if previous != job {
            if let previous { onChange?(previous) }
            onChange?(job)
        }
    }

    func names(of job: String) -> [String] {
        claims.withLock { $0.filter { $0.value == job }.map(\.key) }.sorted()
    }

    /// Every claim of jobs other than `job`.
    func foreign(to job: String) -> Set<String> {
        claims.withLock { Set($0.filter { $0.value != job }.map(\.key)) }
    }

    /// Restores a job's persisted claims (on start).
    func restore(_ names: [String], job: String) {
        claims.withLock { c in for name in names { c[name] = job } }
    }

    /// Forgets a job's claims (after it was reaped).
    func release(job: String) {
        claims.withLock { c in c = c.filter { $0.value != job } }
    }
}
