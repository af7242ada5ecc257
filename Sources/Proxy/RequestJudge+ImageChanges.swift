import Tenancy

extension RequestJudge {
    enum ImageChangeHold {
        case held(BuildImageHolds.Hold)
        /// A pull of a name a running build holds, made by the held image's digest instead.
        case byDigest(String)
        case refused(BuildImageHolds.Conflict)
        /// A pull by digest: it moves no name.
        case none
    }

    /// A job socket's change of image names while builds may name them
    /// (`BuildImageHolds`): a delete, tag, commit or import is held, or
    /// refused at once while a build of the job names it; a pull by tag is
    /// held for every job's builds, made by the held image's digest while
    /// any build names it, and waits (the job's own name, which has no
    /// digest) for the build to end.
    static func holdImageChange(_ change: (names: [String], ids: [String], pull: Bool), scope: JobScope, target: String) -> ImageChangeHold {
        let holds = BuildImageHolds.shared
        let job = scope.owner.id
        guard change.pull else {
            switch holds.begin(.change, job: job, names: change.names, ids: change.ids) {
            case .success(let hold): return .held(hold)
            case .failure(let conflict): return .refused(conflict)
            }
        }
        guard let name = change.names.first, !name.utf8.contains(UInt8(ascii: "@")) else { return .none }
        switch holds.begin(.change, job: job, names: change.names, everyJob: true) {
        case .success(let hold): return .held(hold)
        case .failure:
            if let pinned = scope.heldDigestPull(name, target: target) { return .byDigest(pinned) }
            switch holds.begin(.change, job: job, names: change.names, everyJob: true, waitSeconds: BuildImageHolds.maxWaitSeconds) {
            case .success(let hold): return .held(hold)
            case .failure(let conflict): return .refused(conflict)
            }
        }
    }
}
