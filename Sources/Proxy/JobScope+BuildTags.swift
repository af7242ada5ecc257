import EngineAPI
import Tenancy

extension JobScope {
    /// Records the image a job's build made as the job's (`JobImages`;
    /// every job-socket build, with names or not) and gives it the build's
    /// names, once the build has ended (`Connection.relayTaggingBuild`):
    /// each checked again as a `docker tag` on the job socket is (`newName`:
    /// free, or already the job's), then tagged through the daemon by the
    /// image's ID. Returns the messages for the build's stream: the daemon's
    /// own "Successfully tagged NAME" for each, and for a name taken
    /// meanwhile an error message (the client's build fails, as the daemon's
    /// does when a tag fails); the names after it are not given, and the
    /// image keeps the names given before it, as the daemon's `TagImages`
    /// leaves them. The image itself stays: it is the job's, untagged, and
    /// reaped with the job.
    ///
    /// Between the check and the tag (two daemon calls, a few milliseconds
    /// apart) another client can still give the name to its own image; the
    /// tag then moves it. Narrower than before, not closed: SECURITY.md.
    ///
    /// `outcome`: what the build's stream says it made (`BuildResultReader`);
    /// nil when there is nothing to add (the build failed or was cut off).
    /// `tag` gives one checked name (`tagPath`) and returns why it failed,
    /// nil when tagged; the connection records it in the audit log.
    func tagBuilt(_ outcome: BuildResultReader.Outcome, names: [String],
                  tag: (_ path: String, _ name: String) -> String?) -> (messages: [UInt8], refusal: String?)? {
        let all = names.map(ImageNames.familiar).joined(separator: ", ")
        func unnamed(_ why: String) -> (messages: [UInt8], refusal: String?) {
            let text = "sockwarden: job \(owner.id)'s build ended, but \(why)" + (names.isEmpty ? "" : ", so it was not named \(all)")
            return (BuildProgressStream.error(text), text)
        }
        if case .failed = outcome { return nil }
        // The image it made, recorded as the job's (`JobImages`) before it is named.
        let made: (id: String, quiet: Bool)
        switch outcome {
        case .failed:
            return nil
        case .unreadable:
            return unnamed("which image it made cannot be read from the daemon's stream, so it is not the job's")
        case .image(let id, let quiet):
            made = (id, quiet)
        case .idPrefix(let prefix):
            // An API < 1.30 build names its image only by an ID prefix: one with the job's label and seal.
            guard let labelled = ownImageIDs(recordedOnly: false) else { return unnamed("the daemon could not list the job's images") }
            let matching = labelled.filter { $0.utf8.dropFirst(7).starts(with: prefix.utf8) }
            guard matching.count == 1 else { return unnamed("the image \(prefix) it made is not one of job \(owner.id)'s images") }
            made = (matching[0], false)
        }
        // A job closed while its build ran: the image it made is removed (`madeImage`), nothing more is named.
        madeImage(made.id)
        if closed.withLock({ $0 }) { return unnamed("job \(owner.id) was closed while it ran") }
        if names.isEmpty { return nil }
        return tagBuilt(made.id, names: names, quiet: made.quiet, tag: tag)
    }

    /// The daemon's `docker tag` of the image `id` (its full ID) as `name`.
    static func tagPath(_ id: String, _ name: String) -> String {
        "/images/" + DaemonLookup.escape(id) + "/tag?" + BuildTags.tagQuery(name)
    }

    /// Tags through the daemon: its status (nil when there was no answer)
    /// and why it failed (nil when tagged).
    func tagThroughDaemon(_ path: String) -> (status: Int?, failure: String?) {
        let answer = lookup.postAnswer(path)
        let status = answer.status > 0 ? answer.status : nil
        guard answer.status == 201 else {
            return (status, answer.error ?? DaemonLookup.message(answer.body) ?? "the daemon answered \(answer.status)")
        }
        return (status, nil)
    }

    private func tagBuilt(_ id: String, names: [String], quiet: Bool,
                          tag: (_ path: String, _ name: String) -> String?) -> (messages: [UInt8], refusal: String?) {
        var messages: [UInt8] = []
        let short = String(id.utf8.dropFirst(7).prefix(12))!
        func refuse(_ name: String, _ why: String) -> (messages: [UInt8], refusal: String?) {
            let text = "sockwarden: job \(owner.id)'s build made \(short) but did not name it \(ImageNames.familiar(name)): \(why)"
            return (messages + BuildProgressStream.error(text), text)
        }
        // The image is the job's: the build was forwarded with the job's
        // label and seal (the builder puts them on its last image, a new one
        // even for a bare FROM) and takes cache only from the job's images.
        // Not looked up again: an image whose inspect is larger than a
        // look-up reads (labels of MiBs) is still the job's to name.
        for name in names {
            switch newName(repo: name, tag: "", pull: false) {
            case .none:
                continue
            case .refused(let outcome):
                guard case .answer(_, let message, _) = outcome else { return refuse(name, "the name cannot be checked") }
                let why = message.utf8.starts(with: "sockwarden: ".utf8) ? String(message.utf8.dropFirst(12))! : message
                return refuse(name, "by the end of the build \(why)")
            case .free(let target):
                // Not a name another running build of a job names (`BuildImageHolds`).
                let changing: BuildImageHolds.Hold
                switch BuildImageHolds.shared.begin(.change, job: owner.id, names: [target], waitSeconds: BuildImageHolds.maxWaitSeconds) {
                case .failure(let conflict): return refuse(target, "by the end of the build \(conflict.changeRefusal().dropFirst(12))")
                case .success(let hold): changing = hold
                }
                if let why = withExtendedLifetime(changing, { tag(Self.tagPath(id, target), target) }) {
                    return refuse(target, "tagging it failed: \(why)")
                }
                // A q=1 build's client is shown only the image ID, as the daemon shows it.
                if !quiet { messages += BuildProgressStream.stream("Successfully tagged \(ImageNames.familiar(target))") }
            }
        }
        return (messages, nil)
    }
}

extension JobScope {
    /// The images of a job's build that are not its result
    /// (`BuildResultReader.earlierStageImages`: an earlier stage's, or any
    /// stage's of a failed build), removed when the build ends, each with
    /// the untagged step images below it. No one owns them: the job socket
    /// records only a build's result, so they outlived the job's close,
    /// with whatever their steps wrote (a `RUN` line's build args; found
    /// 2026-12-02, session 20, by a red-team helper). From each image down
    /// its `Parent`s, an image is removed (`noprune=1`, no force: the
    /// daemon keeps one with children or a container) while it has no
    /// name, no digest, no owner label and is not one the job's socket made;
    /// the walk stops at the first that does not qualify or is kept (a base
    /// image, the stage another stage was built `FROM`). Returns the IDs
    /// removed. `remove` deletes one and returns the daemon's status.
    func removeEarlierStageImages(_ ids: [String], remove: (String) -> Int) -> [String] {
        let made = madeImages
        var removed: [String] = []
        for id in ids {
            var next: String? = id
            var steps = 0
            while let current = next, steps < Self.maxStageSteps, !made.contains(current) {
                steps += 1
                guard case .ok(let info) = lookup.get(ObjectKind.image.inspectPath(current)) else { break }
                let tags = (info.member("RepoTags")?.array ?? []).compactMap(\.string)
                let digests = (info.member("RepoDigests")?.array ?? []).compactMap(\.string)
                let labels = Self.labels(info.member("Config")?.member("Labels"))
                guard info.member("Id")?.string == current, ImageNames.isUnnamed(repoTags: tags, repoDigests: digests),
                      !labels.contains(where: { $0.key.utf8.elementsEqual(JobOwner.labelKey.utf8) }) else { break }
                let parent = info.member("Parent")?.string ?? ""
                guard (200..<300).contains(remove(current)) else { break }
                removed.append(current)
                next = parent.isEmpty ? nil : parent
            }
        }
        return removed
    }

    /// The step images of a failed build (`BuildResultReader.stepImages`,
    /// last first) that carry the job's label and seal and no name: a build
    /// `FROM` the job's own image passes them on to every step, and the
    /// daemon removes no image with children, so they kept the job's image
    /// and its name past the job's close (found 2026-12-02, session 21, by
    /// a red-team helper). Each is looked up by its prefix (the full ID
    /// must begin with it), and removed without force (one a container
    /// uses, or with children, is kept). Unlabelled step images (a build
    /// `FROM` a shared image) stay, as after any failed build: their text
    /// in the stream can be printed by a `RUN` step, and one of the runner's
    /// could be named. Only an image made since the build began (`since`,
    /// its request's wall-clock start) counts: a forged line would need
    /// the ID of an unnamed image with the job's label and seal that the
    /// runner made meanwhile, which the job cannot list. Returns the IDs removed.
    func removeOwnStepImages(_ prefixes: [String], since: ContainerPrune.Instant, remove: (String) -> Int) -> [String] {
        let made = madeImages
        var removed: [String] = []
        for prefix in prefixes.reversed() {
            guard case .ok(let info) = lookup.get(ObjectKind.image.inspectPath(prefix)),
                  let id = info.member("Id")?.string, ImageNames.isFullID(id), id.utf8.dropFirst(7).starts(with: prefix.utf8),
                  !made.contains(id) else { continue }
            let tags = (info.member("RepoTags")?.array ?? []).compactMap(\.string)
            let digests = (info.member("RepoDigests")?.array ?? []).compactMap(\.string)
            guard ImageNames.isUnnamed(repoTags: tags, repoDigests: digests),
                  owner.ownsImage(labels: Self.labels(info.member("Config")?.member("Labels"))) == true,
                  let created = info.member("Created")?.string.flatMap(ContainerPrune.created), created >= since else { continue }
            if (200..<300).contains(remove(id)) { removed.append(id) }
        }
        return removed
    }

    /// The most images one walk down a stage's parents removes (a stage of
    /// that many steps keeps the rest, as after any failed build).
    static let maxStageSteps = 1024
}
