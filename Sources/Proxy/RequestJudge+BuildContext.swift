import EngineAPI
import GoJSON
import Policy

extension RequestJudge {
    /// A build allowed by its query, whose context (`outcome`) has been
    /// read: its Dockerfile is judged against the policy (images, `ADD`
    /// URLs) and the job scope; a refusal turns `judged` into an answer.
    /// The record gets the Dockerfile's facts either way.
    func judgeBuildContext(_ judged: inout Judged, _ start: Start, request: Result<BuildRequest, BuildRequestError>,
                           outcome: BuildContextOutcome, environment: HostEnvironment) {
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
        switch BuildDockerfile.references(request: request, outcome: outcome, baseImage: triggers.lookup) {
        case .failure(let refusal): return refuse(refusal.status, rule: "build-context", refusal.reason)
        case .success(let found): references = found
        }
        // On a job socket every image named must be in the job's view.
        if let scope = context.jobScope, case .answer(let status, let message, _)? = scope.checkDockerfile(references) {
            return refuse(status, rule: "job-scope", message)
        }
        var (facts, violation) = policy.judgeDockerfile(references, environment: environment)
        // The query's facts first (networkmode, …), then the Dockerfile's.
        if let rendered = judged.record.facts, case .success(let json) = JSONParser.parse(rendered),
           let queried = FactsJSON.parse(json) {
            facts = RequestFacts(queried.asks + facts.asks)
        }
        judged.record.facts = FactsJSON.render(facts)
        if let violation {
            if policy.mode == .enforce { return refuse(403, rule: violation.section, violation.reason) }
            judged.record.wouldDeny = true
        }
    }
}
