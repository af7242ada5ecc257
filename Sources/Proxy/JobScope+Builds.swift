import EngineAPI
import Tenancy

/// A build on a job socket, beyond its names and cache (`checkBuildNames`,
/// `QueryRewrite.scopeBuildCache`): the network its RUN steps join and the
/// job's quotas (docs/tenancy.md, `BuildScope`).
extension JobScope {
    enum BuildChecked {
        /// Forward with this query; `hold` (a quota reservation) lives as
        /// long as the exchange, that is the whole build.
        case pass(query: String?, hold: AnyObject?)
        case refuse(Outcome)
    }

    func checkBuild(_ raw: String?, quotas: JobQuotas) -> BuildChecked {
        guard let query = GoQuery.parse(raw) else { return .refuse(.answer(status: 400, message: "the query string is malformed")) }
        if let refusal = BuildScope.checkBuilder(query, job: owner.id) {
            return .refuse(.answer(status: refusal.status, message: refusal.message))
        }
        if let refusal = BuildScope.checkPlatform(query, job: owner.id) {
            return .refuse(.answer(status: refusal.status, message: refusal.message))
        }
        var rewritten = raw
        switch BuildScope.networkMode(query.first("networkmode") ?? "") {
        case .unchanged:
            break
        case .container(let reference):
            // Pinned to the full ID, so the daemon cannot find another container by then.
            guard let id = ownedID(.container, reference) else {
                let missing = ObjectKind.container.notFound(reference)
                return .refuse(.answer(status: missing.status, message: missing.message))
            }
            rewritten = QueryRewrite.replacing("networkmode", with: "container:" + id, in: rewritten)
        case .network(let reference):
            guard let id = ownedID(.network, reference) else {
                let missing = ObjectKind.network.notFound(reference)
                return .refuse(.answer(status: missing.status, message: missing.message))
            }
            rewritten = QueryRewrite.replacing("networkmode", with: id, in: rewritten)
        }
        guard quotas.maxContainers != nil || quotas.maxMemory != nil || quotas.maxNanoCPUs != nil else {
            return .pass(query: rewritten, hold: nil)
        }
        if let refusal = BuildScope.checkLimits(query, job: owner.id, memoryQuota: quotas.maxMemory != nil, cpuQuota: quotas.maxNanoCPUs != nil) {
            return .refuse(.answer(status: refusal.status, message: refusal.message))
        }
        // The build's RUN containers carry no owner label: the build counts,
        // while it runs, as one container with their limits.
        switch checkQuotas(quotas, change: QuotaChange(container: nil, limits: BuildScope.limits(query))) {
        case .failure(let refusal): return .refuse(refusal.outcome)
        case .success(let held): return .pass(query: rewritten, hold: held)
        }
    }
}

extension JobScope {
    /// A build's Dockerfile on a job socket: every image it names (`FROM`,
    /// `COPY --from`, in `ONBUILD` too) must be in the job's view: its own,
    /// shared, or absent (the daemon pulls it). Another job's image is
    /// answered as missing; a short or bare hex reference is refused (the
    /// daemon may read it as another image's ID prefix).
    ///
    /// With `pull` (a build with `pull=1`, which pulls every base image
    /// again), a shared image made on this host may not be named by a tag:
    /// the pull would put the name on the registry's image, for every job.
    ///
    /// `pulls`: for a build itself (not a create's or commit's stored
    /// triggers), the references the daemon would pull while the build
    /// runs (`BuildScope.pullsDuringBuild`), which the job socket pulls
    /// first through the job's own judging (`Connection.prePull`); nil:
    /// not a build.
    ///
    /// `hold`: a build's hold on the images it names (`BuildImageHolds`),
    /// its names held already: each image found is held by its ID too.
    func checkDockerfile(_ references: [DockerfileReference], pull: Bool = false) -> Outcome? {
        var none: [DockerfileReference]?
        return checkDockerfile(references, pull: pull, pulls: &none)
    }

    func checkDockerfile(_ references: [DockerfileReference], pull: Bool, pulls: inout [DockerfileReference]?,
                         hold: BuildImageHolds.Hold? = nil) -> Outcome? {
        for reference in references where reference.kind != .addURL {
            let at = "Dockerfile line \(reference.line)"
            let (access, id) = imageAccessAndID(reference.value)
            if let hold, let id, !reference.onBuild, let taken = hold.add(ids: [id]) {
                return .answer(status: 409, message: BuildImageHolds.Conflict(reference: taken).buildRefusal(job: owner.id) + " (\(at))")
            }
            let absent = { if case .absent = access { return true } else { return false } }()
            // The daemon pulls a missing image, and every one with pull=1.
            if pull || absent,
               let refusal = localRepositoryRefusal(reference.value, route: pull ? "a build with --pull" : "a build's pull") {
                guard case .answer(let status, let message, _) = refusal else { return refusal }
                return .answer(status: status, message: "\(message) (\(at))")
            }
            switch access {
            case .shared where pull:
                guard let target = ImageReference.normalise(reference.value) else { break }
                switch lookup.get(ObjectKind.image.inspectPath(DaemonLookup.escape(reference.value))) {
                case .ok(let info):
                    let digests = (info.member("RepoDigests")?.array ?? []).compactMap(\.string)
                    if LocalImageNames.pullReplaces(target: target, repoDigests: digests) {
                        let refusal = LocalImageNames.refusal(name: ImageNames.familiar(target), build: true)
                        return .answer(status: refusal.status, message: "\(refusal.message) (\(at))")
                    }
                case .notFound: break
                case .failed(let why):
                    return .answer(status: 503, message: "sockwarden: \(at): cannot check the image \(reference.value) on the daemon: \(why); try again")
                }
            case .own, .shared, .absent:
                break
            case .foreign:
                return .answer(status: 404, message: "sockwarden: \(at): \(ObjectKind.image.notFound(reference.value).message)")
            case .shortID:
                return .answer(status: 403, message: "\(ImageNames.shortIDRefusal(reference.value).message) (\(at))")
            case .unknown(let why):
                return .answer(status: 503, message: "sockwarden: \(at): cannot check the image \(reference.value) on the daemon: \(why); try again")
            }
            // In the job's view: an image the daemon would pull while the
            // build runs is pulled first, through the job's own judging.
            if pulls != nil, BuildScope.pullsDuringBuild(absent: absent, pull: pull, onBuild: reference.onBuild) {
                pulls?.append(reference)
            }
        }
        return nil
    }
}

extension JobScope {
    /// Triggers a create's or commit's `OnBuild`, or a commit's or import's
    /// `changes`, would store: the images they name must be in the job's
    /// view now, as they must be when the triggers run (`checkDockerfile`).
    func checkStoredTriggers(_ triggers: [String], changes: [String]) -> Outcome? {
        var references: [DockerfileReference] = []
        for parse in [Dockerfile.triggerReferences(triggers), Dockerfile.changeReferences(changes)] {
            switch parse {
            case .parsed(let found): references += found
            case .undecidable(let reason, _): return .answer(status: 403, message: "sockwarden: \(reason)")
            }
        }
        return checkDockerfile(references)
    }
}
