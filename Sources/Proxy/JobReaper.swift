import GoJSON
import Tenancy

/// Removes everything a job owns, as Testcontainers' Ryuk does but from the
/// daemon's own labels: containers first (forced, with their anonymous
/// volumes; only those the job's socket created, `JobContainers.reaps`:
/// the owner label alone is also on containers the runner made from the
/// job's images), then networks, then volumes, then images the job's socket made
/// (unless `removeImages` is false; only those whose IDs it recorded,
/// `JobImages`: the owner label and seal alone are also on images the runner
/// built from the job's), then the tags it put on shared images. Each
/// round lists again, so what failed (a network still in use by a container
/// that was just going away) is retried; at most `rounds` rounds. A claimed
/// tag whose delete would take a shared image's digest references along
/// (dockerd 20.10 removes a repository's digest references with its last
/// tag) is left in place (`Report.kept`).
struct JobReaper: Sendable {
    let owner: JobOwner
    let lookup: DaemonLookup
    var claims: ImageClaims? = nil
    var removeImages = true
    var rounds = 3
    /// The container IDs the job's socket recorded.
    var containers: Set<String> = []
    /// The marks of its creates, imports and commits not answered with an ID
    /// (`CreateMarks`; an image's reaps the images with the label and seal that carry it).
    var marks: Set<String> = []
    /// The image IDs the job's socket recorded (`JobImages`).
    var images: Set<String> = []
    /// The anonymous volumes its socket let a create bind again by name
    /// (`ContainerRecords.reboundVolume`): removed after the containers,
    /// without force, while they have no labels.
    var reboundVolumes: Set<String> = []

    struct Removal: Sendable {
        let kind: String
        let id: String
        let status: Int
    }

    struct Report: Sendable {
        var removed: [Removal] = []
        var failed: [Removal] = []
        /// Claims left in place: removing them would take a shared image's
        /// digest references along (`DigestReferences.takenAlong`).
        var kept: [Removal] = []
    }

    func reap(onRemoval: (Removal) -> Void) -> Report {
        var report = Report()
        // Images the daemon keeps (children): unnamed after the first round, so no later list shows them.
        var kept: [String: Removal] = [:]
        let filter = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true}}")
        for round in 1...rounds {
            var failedThisRound: [Removal] = []
            let steps: [(kind: String, list: String, ids: (JSONValue) -> [String], delete: (String) -> String)] = [
                ("container", "/containers/json?all=1&filters=\(filter)", { reapable($0) },
                 { "/containers/\($0)?force=1&v=1" }),
                ("network", "/networks?filters=\(filter)", { Self.field($0, "Id") }, { "/networks/\($0)" }),
                ("volume", "/volumes?filters=\(filter)", { Self.field($0.member("Volumes") ?? .array([]), "Name") },
                 { "/volumes/\(DaemonLookup.escape($0))?force=1" }),
                ("image", "/images/json?filters=\(filter)", { reapableImages($0) }, { "/images/\($0)?force=1" }),
            ]
            for step in steps where step.kind != "image" || removeImages {
                guard case .ok(let listed) = lookup.get(step.list) else {
                    failedThisRound.append(Removal(kind: step.kind, id: "(list)", status: 0))
                    continue
                }
                for id in step.ids(listed) {
                    let status = lookup.delete(step.delete(id))
                    let removal = Removal(kind: step.kind, id: id, status: status)
                    onRemoval(removal)
                    if (200..<300).contains(status) || status == 404 {
                        report.removed.append(removal)
                    } else {
                        failedThisRound.append(removal)
                    }
                }
            }
            if removeImages {
                failedThisRound = removeImagesWithChildren(failedThisRound, onRemoval: onRemoval, report: &report, kept: &kept)
            }
            failedThisRound += removeReboundVolumes(onRemoval: onRemoval, report: &report)
            failedThisRound += untagClaims(onRemoval: onRemoval, report: &report)
            if failedThisRound.isEmpty || round == rounds {
                report.failed = failedThisRound
                for (id, removal) in kept.sorted(by: { $0.key < $1.key })
                where !report.failed.contains(where: { $0.kind == "image" && $0.id == id }) && lookup.inspect(.image, id) != nil {
                    report.failed.append(removal)
                }
                break
            }
        }
        claims?.release(job: owner.id)
        return report
    }

    /// Images of the job's the daemon would not remove (409): one with
    /// children (the runner's image built `FROM` it, which is not the
    /// job's, or a step image of a build nobody recorded) or a container of
    /// the runner's. The daemon removes no image with children, even forced;
    /// the image stays, but loses its names, so that no name of the job's
    /// outlives the close, held by no job (found 2026-12-02, session 21).
    /// Returns the failures that remain.
    private func removeImagesWithChildren(_ failures: [Removal], onRemoval: (Removal) -> Void, report: inout Report,
                                          kept: inout [String: Removal]) -> [Removal] {
        let refused = failures.filter { $0.kind == "image" && $0.status == 409 }
        guard !refused.isEmpty else { return failures }
        for image in refused { kept[image.id] = image }
        let filter = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true,\"\(owner.sealFilter)\":true}}")
        guard case .ok(let listed) = lookup.get("/images/json?filters=\(filter)") else { return failures }
        var remaining = failures
        for image in refused {
            for name in Self.names(of: image.id, in: listed) {
                let untag = Removal(kind: "image", id: name, status: lookup.delete("/images/\(DaemonLookup.escape(name))"))
                onRemoval(untag)
                if (200..<300).contains(untag.status) || untag.status == 404 { report.removed.append(untag) } else { remaining.append(untag) }
            }
        }
        return remaining
    }

    /// The tags of `id` in an image list.
    static func names(of id: String, in list: JSONValue) -> [String] {
        let item = (list.array ?? []).first { $0.member("Id")?.string == id }
        return (item?.member("RepoTags")?.array ?? []).compactMap(\.string).filter { $0 != "<none>:<none>" }
    }

    /// The anonymous volumes bound again by name, each removed once no
    /// container uses it (the daemon's 409 otherwise, retried next round),
    /// if it is still there and still has no labels.
    private func removeReboundVolumes(onRemoval: (Removal) -> Void, report: inout Report) -> [Removal] {
        var failed: [Removal] = []
        for name in reboundVolumes.sorted() where !report.removed.contains(where: { $0.kind == "volume" && $0.id == name }) {
            guard let info = lookup.inspect(.volume, name), JobScope.labels(info.member("Labels")).isEmpty else { continue }
            let status = lookup.delete("/volumes/\(DaemonLookup.escape(name))")
            let removal = Removal(kind: "volume", id: name, status: status)
            onRemoval(removal)
            if (200..<300).contains(status) || status == 404 { report.removed.append(removal) } else { failed.append(removal) }
        }
        return failed
    }

    /// The tags the job put on shared images: removed while they are still
    /// the job's (on an image without an owner label).
    private func untagClaims(onRemoval: (Removal) -> Void, report: inout Report) -> [Removal] {
        guard let claims else { return [] }
        var failed: [Removal] = []
        for name in claims.names(of: owner.id) {
            guard let info = lookup.inspect(.image, name) else { continue }
            let tags = (info.member("RepoTags")?.array ?? []).compactMap(\.string)
            let labels = JobScope.labels(info.member("Config")?.member("Labels"))
            let id = info.member("Id")?.string
            guard ImageNames.ownership(asked: name, id: id, labels: labels, repoTags: tags, owner: owner, recorded: images,
                                       claimant: { claims.claimant($0, onImage: id) }) == .own,
                  !labels.contains(where: { $0.key.utf8.elementsEqual(JobOwner.labelKey.utf8) }) else { continue }
            // The daemon would remove the shared image's digest references with this tag: left.
            let digests = (info.member("RepoDigests")?.array ?? []).compactMap(\.string)
            if !DigestReferences.takenAlong(untagging: name, repoTags: tags, repoDigests: digests).isEmpty {
                if !report.kept.contains(where: { $0.id == name }) { report.kept.append(Removal(kind: "image", id: name, status: 409)) }
                continue
            }
            let status = lookup.delete("/images/\(DaemonLookup.escape(name))")
            let removal = Removal(kind: "image", id: name, status: status)
            onRemoval(removal)
            if (200..<300).contains(status) || status == 404 { report.removed.append(removal) } else { failed.append(removal) }
        }
        return failed
    }

    /// The IDs of a container list's containers that are the job's to reap.
    private func reapable(_ list: JSONValue) -> [String] {
        (list.array ?? []).compactMap { item in
            guard let id = item.member("Id")?.string,
                  JobContainers.reaps(id: id, labels: JobScope.labels(item.member("Labels")), owner: owner,
                                      recorded: containers, marks: marks) else { return nil }
            return id
        }
    }

    /// The IDs of an image list's images that are the job's to reap.
    private func reapableImages(_ list: JSONValue) -> [String] {
        (list.array ?? []).compactMap { item in
            guard let id = item.member("Id")?.string,
                  JobImages.reaps(id: id, labels: JobScope.labels(item.member("Labels")), owner: owner, recorded: images,
                                  marks: marks) else { return nil }
            return id
        }
    }

    static func field(_ list: JSONValue, _ name: String) -> [String] {
        (list.array ?? []).compactMap { $0.member(name)?.string }
    }
}
