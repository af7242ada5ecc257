import EngineAPI
import GoJSON
import Policy
import Tenancy

extension RequestJudge {
    /// A build allowed by its query, whose context (`outcome`) has been
    /// read: its Dockerfile is judged against the policy (images, `ADD`
    /// URLs) and the job scope; a refusal turns `judged` into an answer.
    /// The record gets the Dockerfile's facts either way. On a job socket,
    /// `judged.prePulls` gets the images the daemon would pull while the
    /// build runs. `pulled`: judged again after the job socket pulled them
    /// (`Connection.prePull`): the build is then forwarded with pull off.
    func judgeBuildContext(_ judged: inout Judged, _ start: Start, request: Result<BuildRequest, BuildRequestError>,
                           outcome: BuildContextOutcome, environment: HostEnvironment, pulled: Bool = false) {
        guard case .forward = judged.action else { return }
        let policy = start.inForce.policy
        func refuse(_ status: Int, rule: String, _ reason: String) {
            judged.record.decision = "deny"
            judged.record.wouldDeny = false
            judged.record.rule = rule
            judged.record.reason = reason
            let message = reason.hasPrefix("sockwarden:") ? reason
                : "sockwarden: POST /build (build.image) denied by policy \(policy.name): \(reason)"
            judged.action = .answer(status: status, message: message)
        }
        let references: [DockerfileReference]
        let triggers = BaseImageTriggers(lookup: context.jobScope?.lookup ?? DaemonLookup(upstreamPath: context.upstreamPath),
                                         scope: context.jobScope)
        var stageBases: [Int] = []
        switch BuildDockerfile.references(request: request, outcome: outcome, baseImage: triggers.lookup, stageBases: &stageBases) {
        case .failure(let refusal): return refuse(refusal.status, rule: "build-context", refusal.reason)
        case .success(let found): references = found
        }
        // A FROM of a stage built before runs that stage image's ONBUILD
        // triggers, and with the build cache on, that image can be any image
        // on the daemon whose parent and config (or history, from cachefrom)
        // match a step: one loaded or pulled with triggers nobody read. Such
        // a build is forwarded with the cache off.
        if !stageBases.isEmpty, case .forward(let target, let body, let warning, let rewrite, let hold) = judged.action {
            judged.action = .forward(target: QueryRewrite.disablingBuildCache(target ?? judged.record.target),
                                     body: body, warning: warning, rewrite: rewrite, hold: hold)
        }
        // On a job socket every image named must be in the job's view.
        if let scope = context.jobScope {
            // Its images are held while it runs (`BuildImageHolds`): names now, IDs as they are looked up.
            let held = references.filter { $0.kind != .addURL && !$0.onBuild }.compactMap { BuildImageHolds.heldForm($0.value) }
            let imageHold: BuildImageHolds.Hold
            switch BuildImageHolds.shared.begin(.build, job: scope.owner.id, names: held.compactMap(\.name), ids: held.compactMap(\.id),
                                                waitSeconds: BuildImageHolds.maxWaitSeconds) {
            case .failure(let conflict): return refuse(409, rule: "job-scope", conflict.buildRefusal(job: scope.owner.id))
            case .success(let hold): imageHold = hold
            }
            var pulls: [DockerfileReference]? = []
            let pull = !pulled && LocalImageNames.buildPulls(rawQuery: Self.rawQuery(of: judged.record.target))
            if case .answer(let status, let message, _)? = scope.checkDockerfile(references, pull: pull, pulls: &pulls, hold: imageHold) {
                return refuse(status, rule: "job-scope", message)
            }
            // The base images whose triggers were read (before the names were held) are those held now.
            for (name, id) in triggers.readIDs() where !imageHold.holds(id: id) {
                return refuse(409, rule: "job-scope", "sockwarden: job \(scope.owner.id)'s build names the image \(name), which changed while the build was judged (its ONBUILD triggers were read from another image); retry the build")
            }
            judged.prePulls = BuildScope.prePulls(pulls ?? [])
            // Forwarded as judged now (nothing to pull first): held as long as the exchange lives.
            // Otherwise the judging after the pulls holds them (`Connection.prePull`).
            if judged.prePulls.isEmpty, case .forward(let target, let body, let warning, let rewrite, let hold) = judged.action {
                judged.action = .forward(target: target, body: body, warning: warning, rewrite: rewrite,
                                         hold: hold.map { PairedHold($0, imageHold) } ?? imageHold)
            }
            // With pull=1 the daemon pulls every image again, those that
            // pulled images' triggers name too (`Connection.prePull`).
            if pulled && LocalImageNames.buildPulls(rawQuery: Self.rawQuery(of: judged.record.target)) {
                judged.forcedPulls = BuildScope.prePulls(references)
            }
        }
        var (facts, violation) = policy.judgeDockerfile(references, environment: environment)
        // The query's facts first (networkmode, …), then the Dockerfile's.
        if let queried = judged.judgedFacts {
            facts = RequestFacts(queried.asks + facts.asks)
        } else if let rendered = judged.record.facts, case .success(let json) = JSONParser.parse(rendered),
           let queried = FactsJSON.parse(json) {
            facts = RequestFacts(queried.asks + facts.asks)
        }
        // Cut by the Dockerfile's bytes (a context is read only uncompressed:
        // the Dockerfile is part of what the client sent).
        var dockerfileBytes = 0
        if case .dockerfile(_, let text) = outcome { dockerfileBytes = text.count }
        judged.record.facts = FactsJSON.render(facts, limits: Self.auditFactLimits(bodyBytes: dockerfileBytes))
        if let violation {
            if policy.mode == .enforce { return refuse(403, rule: violation.section, violation.reason) }
            judged.record.wouldDeny = true
        }
    }
}

extension RequestJudge {
    /// The raw query of a request-target (nil without "?").
    static func rawQuery(of target: String) -> String? {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return String(decoding: target.utf8[target.utf8.index(after: mark)...], as: UTF8.self)
    }
}
