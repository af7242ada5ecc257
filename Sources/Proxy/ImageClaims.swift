import Posix
import Tenancy

/// The tags jobs put on shared images (`docker tag busybox my-box` on a job
/// socket): a tag carries no labels, so which job it belongs to is kept here,
/// as normalised names. Shared by every job socket of one `serve`; each
/// job's claims are persisted with its state (`onChange`), so they survive a
/// restart like the job does. A claim counts only while the daemon has that
/// name on the image the job tagged (`ImageClaim`), an image without an
/// owner label; a stale one (the tag was removed or moved) counts for no
/// job, and is taken over by the next job that tags the free name.
final class ImageClaims: @unchecked Sendable {
    private let claims = Locked([String: ImageClaim]())
    /// Called with a job id after its claims changed.
    var onChange: (@Sendable (String) -> Void)?

    init(onChange: (@Sendable (String) -> Void)? = nil) {
        self.onChange = onChange
    }

    /// The job whose claim a normalised name is while the daemon has it on
    /// the image `imageID` (its full ID, from the daemon's inspect of the
    /// name): nil when no job claimed it, or it is on another image now.
    func claimant(_ name: String, onImage imageID: String?) -> String? {
        claims.withLock { $0[name] }?.claimant(onImage: imageID)
    }

    /// Claims a name for a job, on the image with the full ID `imageID` the
    /// tag is put on, taking it over from any other claim (the caller has
    /// checked that the other claim is stale).
    func claim(_ name: String, job: String, imageID: String) {
        let previous = claims.withLock { c -> ImageClaim? in
            let previous = c[name]
            c[name] = ImageClaim(job: job, imageID: imageID)
            return previous
        }
        if previous != ImageClaim(job: job, imageID: imageID) {
            if let previous, previous.job != job { onChange?(previous.job) }
            onChange?(job)
        }
    }

    func names(of job: String) -> [String] {
        claims.withLock { $0.filter { $0.value.job == job }.map(\.key) }.sorted()
    }

    /// A job's claims with the image each was put on (to persist).
    func entries(of job: String) -> [(name: String, imageID: String?)] {
        claims.withLock { $0.filter { $0.value.job == job }.map { ($0.key, $0.value.imageID) } }.sorted { $0.name < $1.name }
    }

    /// Every claim of jobs other than `job`.
    func foreign(to job: String) -> Set<String> {
        claims.withLock { Set($0.filter { $0.value.job != job }.map(\.key)) }
    }

    /// Restores a job's persisted claims (on start); `imageIDs` by name
    /// (a state written before IDs were kept has none).
    func restore(_ names: [String], imageIDs: [String: String] = [:], job: String) {
        claims.withLock { c in for name in names { c[name] = ImageClaim(job: job, imageID: imageIDs[name]) } }
    }

    /// Forgets a job's claims (after it was reaped).
    func release(job: String) {
        claims.withLock { c in c = c.filter { $0.value.job != job } }
    }
}
