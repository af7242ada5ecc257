import EngineAPI

/// The digest references a tag delete takes along on dockerd 20.10.
///
/// `daemon/images/image_delete.go` `ImageDelete`: after removing a *tag*
/// reference, "if a tag reference was removed and the only remaining
/// references to the same repository are digest references, then clean up
/// those digest references"; and when no reference is left at all, it
/// deletes the image. So a job's claim (a tag it put on a shared image) in a
/// repository where the shared image is known by digest
/// (`127.0.0.1:5000/x@sha256:D`, pulled by digest) is, when it is that
/// repository's last tag, a handle on the shared digest reference: removing
/// the claim (`docker rmi`, the reaper at `job close`) removes the digest
/// reference too, and the shared image with it when it had no other name.
public enum DigestReferences {
    /// The repository of a reference (normalised: `docker.io/library/x`),
    /// without tag or digest; nil when it is no name.
    public static func repository(_ reference: String) -> String? {
        guard let normal = ImageReference.normalise(reference) else { return nil }
        var bytes = Array(normal.utf8)
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) { bytes = Array(bytes[..<at]) }
        let slash = bytes.lastIndex(of: UInt8(ascii: "/")) ?? -1
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")), colon > slash { bytes = Array(bytes[..<colon]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isDigestReference(_ reference: String) -> Bool {
        reference.utf8.contains(UInt8(ascii: "@"))
    }

    /// The digest references (as `repoDigests` writes them) that the daemon
    /// removes along with the tag `name` when asked to delete it: those of
    /// the tag's repository, when no other tag of that repository remains.
    /// Empty for a delete by digest or ID (the daemon removes only what it
    /// was asked to, or refuses) and for what is no name.
    public static func takenAlong(untagging name: String, repoTags: [String], repoDigests: [String]) -> [String] {
        guard !isDigestReference(name), let tag = ImageReference.normalise(name),
              let repo = repository(name) else { return [] }
        let otherTag = repoTags.contains { other in
            guard let normal = ImageReference.normalise(other), normal != tag else { return false }
            return repository(other) == repo
        }
        if otherTag { return [] }
        return repoDigests.filter { isDigestReference($0) && repository($0) == repo }
    }

    /// Whether a job may put the new tag `target` on a shared image (a
    /// claim, `repoTags`/`repoDigests` from the daemon's inspect of it): not
    /// when the image has a digest reference in `target`'s repository and no
    /// tag there that is no job's claim (`claimant` of a normalised name),
    /// since removing the claim, its own or the reaper's, would take the
    /// shared digest reference along. Returns the digest references at risk
    /// (empty: the tag may be given).
    public static func claimRisks(target: String, repoTags: [String], repoDigests: [String],
                                  claimant: (String) -> String?) -> [String] {
        guard let normalTarget = ImageReference.normalise(target), !isDigestReference(target),
              let repo = repository(target) else { return [] }
        let digests = repoDigests.filter { isDigestReference($0) && repository($0) == repo }
        if digests.isEmpty { return [] }
        let sharedTag = repoTags.contains { other in
            guard let normal = ImageReference.normalise(other), normal != normalTarget,
                  repository(other) == repo else { return false }
            return claimant(normal) == nil
        }
        return sharedTag ? [] : digests
    }

    /// The answer to a claim refused by `claimRisks`.
    public static func claimRefusal(target: String, digests: [String]) -> TenancyRefusal {
        let repo = repository(target).map { untagged(ImageNames.familiar($0)) } ?? target
        return TenancyRefusal(status: 409, message: "sockwarden: the shared image is known by digest in \(repo) (\(digests.joined(separator: ", "))) and has no shared tag there; on dockerd 20.10 removing a repository's last tag removes its digest references too (and the image, when nothing else names it), so a job's tag there would let the job's rmi or its close remove a shared image; tag it under another repository name instead (for example \(repo)-JOB:TAG)")
    }

    /// The answer to a delete refused because `takenAlong` is not empty.
    public static func deleteRefusal(name: String, digests: [String]) -> TenancyRefusal {
        TenancyRefusal(status: 409, message: "sockwarden: removing the tag \(name) would make the daemon remove the shared image's digest reference\(digests.count == 1 ? "" : "s") \(digests.joined(separator: ", ")) too (dockerd 20.10 drops a repository's digest references with its last tag, and the image when nothing else names it); the tag is left in place, and is left when the job closes")
    }

    static func untagged(_ name: String) -> String {
        let bytes = Array(name.utf8)
        let slash = bytes.lastIndex(of: UInt8(ascii: "/")) ?? -1
        guard let colon = bytes.lastIndex(of: UInt8(ascii: ":")), colon > slash else { return name }
        return String(decoding: bytes[..<colon], as: UTF8.self)
    }
}
