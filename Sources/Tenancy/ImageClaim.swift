/// A job's claim on a name: a tag it put on a shared image (a tag carries
/// no labels, so sockwarden keeps which job put it there), and the image it
/// put the tag on.
///
/// A claim counts only while the daemon has the name on that image. The
/// name moves when someone else re-points it (a pull, a tag, build, import
/// or load through the main socket, a pull through another socket): the
/// name is then theirs, not the job's. Counting a claim on whatever image
/// the name leads to let a job take over a name it had claimed once (or
/// never had: a tag of a missing source claimed before the daemon refused
/// it) after the runner pulled or built an image there, then move it to the
/// job's own image, or remove it at `job close` (found 2026-12-01).
public struct ImageClaim: Sendable, Equatable {
    public let job: String
    /// The full ID (`sha256:…`) of the image the tag was put on; nil for a
    /// claim persisted before IDs were kept, which counts for nothing: the
    /// name may have moved since (its tag stays where it is, shared).
    public let imageID: String?

    public init(job: String, imageID: String?) {
        self.job = job
        self.imageID = imageID
    }

    /// The job whose claim this is, for the name as the daemon has it now
    /// (on the image `currentID`, its full ID): nil once the name is on
    /// another image, or when the daemon's answer has no ID.
    public func claimant(onImage currentID: String?) -> String? {
        guard let imageID else { return nil }
        guard let currentID, !currentID.isEmpty, currentID.utf8.elementsEqual(imageID.utf8) else { return nil }
        return job
    }
}
