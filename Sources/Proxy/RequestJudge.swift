import EngineAPI
import GoJSON
import HTTP1
import Policy
import Posix
import Tenancy

/// Judging one request, in one place for both ways a connection is served
/// (the threaded `Connection` and the event loop's `LoopConnection`):
/// `start` resolves the route and says whether the body must be read;
/// the caller reads it; `judge` decides; `admit` offers the record to the
/// audit log before anything is forwarded or answered. No I/O here except
/// what the host environment and the job scope do.
struct RequestJudge {
    let context: ServerContext
    let connection: UInt64
    let peer: PeerCredentials?
    /// Who called (`AuditCgroup`).
    let caller: AuditCgroup.Caller

    /// A request whose route is resolved and whose policy is chosen.
    struct Start {
        var record: AuditRecord
        /// The policy that judges, with its digest.
        let inForce: PolicyInForce
        var policy: Policy { inForce.policy }
        let resolution: RouteResolution
        /// The policy (or the job scope) reads the body before judging.
        let readsBody: Bool
        /// The route takes the connection over (attach, exec start).
        let routeHijacks: Bool
        /// A classic build whose body is its context: the body is spooled
        /// and its Dockerfile judged before anything is forwarded (nil: not
        /// a build, bodies are trusted, or the context is remote/BuildKit).
        var buildContext: Result<BuildRequest, BuildRequestError>? = nil
    }

    /// What happens to a judged request.
    enum Action {
        /// The proxy answers itself (`close` is decided by the caller).
        case answer(status: Int, message: String, raw: [UInt8]? = nil)
        /// Forwarded: `target` replaces the received one when non-nil;
        /// `body` replaces the received (judged) body when non-nil.
        case forward(target: String?, body: [UInt8]?, warning: ModeWarning?,
                     rewrite: (@Sendable ([UInt8]) -> [UInt8]?)?, hold: AnyObject? = nil)
    }

    struct Judged {
        var record: AuditRecord
        var action: Action
        /// The judged body as received (nil: not read).
        let inspected: RequestBody?
        /// A build on a job socket: the images the daemon would pull while
        /// it runs, which the job socket pulls first (`Connection.prePull`).
        var prePulls: [BuildScope.PrePull] = []
        /// Judged again after those pulls, of a build with `pull=1`: every
        /// image the daemon would pull again (the pulled images' triggers'
        /// included), present or not.
        var forcedPulls: [BuildScope.PrePull] = []
        /// A build on a job socket: the names (`t`, normalised) it is
        /// forwarded without, which the job socket checks again and gives
        /// the image once the build has ended (`Connection.relayTaggingBuild`).
        /// nil: not a job socket's build. Read for the image the build made
        /// too, which is recorded as the job's (`JobImages`), names or not.
        var buildTags: [String]?
        /// A job socket's event stream, passed on message by message
        /// (`JobEvents`, `Connection.relayJobEvents`).
        var jobEvents = false
        /// The facts `record.facts` renders (cut for the log), whole: a
        /// build's Dockerfile facts are added to them.
        var judgedFacts: RequestFacts?
        /// A ping where BuildKit is refused: the daemon's `Builder-Version: 2`
        /// is passed on as `1` (`BuilderVersionField`), so that a CLI
        /// before 23 builds with the classic builder by itself.
        var announcesClassicBuilder = false
    }

    /// How a record's facts are cut for the log (`FactsJSON.Limits.audit`):
    /// by the bytes of the body they were read from.
    static func auditFactLimits(body: RequestBody?) -> FactsJSON.Limits {
        var bytes = 0
        if case .complete(let received, _)? = body { bytes = received.count }
        return auditFactLimits(bodyBytes: bytes)
    }

    static func auditFactLimits(bodyBytes: Int) -> FactsJSON.Limits {
        .audit(bodyBytes: bodyBytes, digest: { SHA256.hex(Array($0.utf8)) })
    }

    /// A record with who and what, not yet judged. `numbered`: take a
    /// request id now (records that are never admitted through `admit`).
    func baseRecord(method: String, target: String, numbered: Bool = true) -> AuditRecord {
        baseRecord(method: method, target: target, numbered: numbered, inForce: context.policyInForce)
    }

    /// `inForce`: the main policy in force (whose mode the record starts with).
    private func baseRecord(method: String, target: String, numbered: Bool, inForce: PolicyInForce) -> AuditRecord {
        var record = AuditRecord(connection: connection, request: numbered ? context.nextRequestID() : 0, peer: peer,
                                 method: method, target: target, route: nil, group: nil, apiVersion: nil, decision: "deny",
                                 rule: "", reason: nil, policy: inForce.policy.name, status: nil,
                                 startedAt: wallClock())
        record.mode = inForce.policy.mode.rawValue
        record.policyDigest = inForce.digest
        if let job = context.job { record.job = (job.owner.id, job.labels) }
        record.container = caller.container
        record.peerGone = caller == .gone
        return record
    }

    func start(_ head: RequestHead) -> Start {
        let main = context.policyInForce
        var record = baseRecord(method: head.method, target: head.target, numbered: false, inForce: main)
        // The policy and its digest, read together: the record names the policy that judged.
        let inForce = context.peerPolicy(for: peer) ?? main
        record.policy = inForce.policy.name
        record.policyDigest = inForce.digest
        let resolution = Catalogue.resolve(method: head.method, target: head.target)
        var readsBody = false
        var routeHijacks = false
        if case .matched(let match) = resolution {
            record.route = match.route.name
            record.group = match.route.group.rawValue
            record.apiVersion = match.apiVersion
            routeHijacks = match.route.hijacks
            let scopeReads = context.jobScope != nil && JobScope.bodyRoutes.contains(match.route.name)
            readsBody = inForce.policy.inspectsBody(match.route) || scopeReads
        }
        var start = Start(record: record, inForce: inForce, resolution: resolution, readsBody: readsBody, routeHijacks: routeHijacks)
        if case .matched(let match) = resolution, match.route.name == "build.image", !inForce.policy.bodyRules.trustBodies {
            start.buildContext = BuildRequest.parse(match.rawQuery)
        }
        return start
    }

    /// Decides. `body`: the body read because `start.readsBody` (nil otherwise).
    /// `start` is consumed: its record is moved out, so that the judged
    /// record is set in place rather than copied first (`AuditRecord`).
    func judge(_ head: RequestHead, _ start: consuming Start, body: RequestBody?, environment: HostEnvironment) -> Judged {
        var record = AuditRecord.spent
        swap(&record, &start.record)
        let policy = start.inForce.policy
        if context.jobClosed, let job = context.job {
            // `job close` ran while this connection was open: nothing more in the job's name.
            let message = "sockwarden: job \(job.owner.id) is closed"
            record.rule = "job-closed"
            record.reason = message
            return Judged(record: record, action: .answer(status: 410, message: message), inspected: body)
        }
        switch start.resolution {
        case .matched(let match):
            var received: [UInt8]?
            if case .complete(let bytes, _)? = body { received = bytes }
            if let scope = context.jobScope, case .answer(let status, let message, let raw)? = scope.answerBeforePolicy(match, body: received) {
                // Another's object, or none: the daemon's 404, whatever the policy would say of it.
                record.rule = "job-scope"
                record.reason = message
                return Judged(record: record, action: .answer(status: status, message: message, raw: raw), inspected: body)
            }
            var input = PolicyInput(method: head.method, route: match.route, apiVersion: match.apiVersion,
                                    rawQuery: match.rawQuery, contentType: head.headers.first("content-type"))
            input.parameters = match.parameters
            var inspected = body
            var socketBindsReplaced: [String] = []
            if match.route.name == "container.create", let nested = context.nestedSocket,
               case .complete(let bytes, let type)? = inspected, let substituted = nested.substitute(bytes) {
                inspected = .complete(substituted.body, contentType: type)
                socketBindsReplaced = substituted.replaced
            }
            input.body = inspected
            let judgement = policy.judge(input, environment: environment)
            let decision = judgement.decision
            record.rule = decision.rule
            record.reason = decision.reason
            if !socketBindsReplaced.isEmpty, judgement.forwards, let own = context.nestedSocket?.ownSocket {
                // The facts show the job's socket (what was judged and forwarded); what the job asked for, here.
                let asked = socketBindsReplaced.map { "\"\($0)\"" }.joined(separator: ", ")
                record.reason = (record.reason.map { $0 + "; " } ?? "")
                    + "the job asked to mount the daemon's socket \(asked): its own socket \(own) was mounted instead"
            }
            record.mode = judgement.mode.rawValue
            record.facts = judgement.judgedFacts.map { FactsJSON.render($0, limits: Self.auditFactLimits(body: body)) }
            record.targetContainer = judgement.targetContainer.map { ($0.id, $0.name) }
            var scoped: JobScope.Outcome?
            if judgement.forwards, let scope = context.jobScope {
                var received: [UInt8]?
                if case .complete(let bytes, _)? = inspected { received = bytes }
                let rules = policy.bodyRules
                let quotas = JobQuotas(maxContainers: rules.jobMaxContainers, maxMemory: rules.jobMaxMemory, maxNanoCPUs: rules.jobMaxNanoCPUs)
                scoped = scope.apply(match, head: head, body: judgement.forwardBody ?? received, quotas: quotas)
            }
            if scoped == nil, judgement.forwards, context.ownerLabelReserved,
               let key = OwnerLabelGuard.reservedLabel(route: match.route.name, body: judgement.forwardBody, rawQuery: match.rawQuery) {
                scoped = .answer(status: 403, message: "sockwarden: the label \(key) is reserved for job sockets; remove it from the request (on an import or commit, a LABEL change may not use $, quotes, \\, ` or line breaks while job sockets exist)")
            }
            if case .answer(let status, let message, let raw)? = scoped {
                record.rule = "job-scope"
                record.reason = message
                // Answered by the job socket itself, not refused (a container prune).
                if (200..<300).contains(status) { record.decision = "allow" }
                return Judged(record: record, action: .answer(status: status, message: message, raw: raw), inspected: inspected)
            }
            guard judgement.forwards else {
                // Nothing of that name on the daemon: its own 404 (the record says why it was not forwarded).
                if let missing = decision.missingAnswer {
                    return Judged(record: record, action: .answer(status: 404, message: missing), inspected: inspected)
                }
                let message = "sockwarden: \(head.method) \(match.route.template) (\(match.route.name)) denied by policy \(policy.name): \(decision.reason)"
                let status = DeniedInspect.status(route: match.route.name)
                return Judged(record: record, action: .answer(status: status, message: message), inspected: inspected)
            }
            var target: String?
            var forwardBody = judgement.forwardBody
            var rewrite: (@Sendable ([UInt8]) -> [UInt8]?)?
            var hold: AnyObject?
            var jobEvents = false
            if case .forward(let scopedTarget, _, _)? = scoped, !decision.pinnedParameters.isEmpty,
               scopedTarget != JobScope.target(match, parameters: match.parameters.merging(decision.pinnedParameters) { $1 }) {
                // The job scope pins the container it found the job owns; the policy judged the one it
                // found: a rename between the two look-ups made them differ.
                let message = "sockwarden: container \(match.parameters["id"] ?? "") changed while it was being judged; retry"
                record.rule = "job-scope"
                record.reason = message
                return Judged(record: record, action: .answer(status: 409, message: message), inspected: inspected)
            }
            if case .forward(let scopedTarget, let scopedBody, let scopedHold)? = scoped {
                hold = scopedHold
                forwardBody = scopedBody ?? judgement.forwardBody
                if scopedTarget != head.target { target = scopedTarget }
                let mark = (scopedHold as? CreateHold)?.mark
                if let mark, let scope = context.jobScope {
                    // Before it is forwarded: the daemon sends the create's events before its answer.
                    scope.containers.creating(mark, job: scope.owner.id)
                }
                rewrite = context.jobScope?.responseFilter(for: match.route, rawQuery: match.rawQuery, mark: mark)
                if match.route.name == "system.events" { jobEvents = true }
                // An image a job's running build names is not changed under it (`BuildImageHolds`).
                if let scope = context.jobScope, let change = scope.imageChange(route: match.route.name, target: target ?? head.target) {
                    switch Self.holdImageChange(change, scope: scope, target: target ?? head.target) {
                    case .refused(let conflict):
                        record.rule = "job-scope"
                        record.reason = conflict.changeRefusal()
                        return Judged(record: record, action: .answer(status: 409, message: conflict.changeRefusal()), inspected: inspected)
                    case .held(let changing):
                        hold = hold.map { PairedHold($0, changing) } ?? changing
                    case .byDigest(let pinned):
                        target = pinned
                        record.reason = "pulled by the digest of the image a running build on a job socket holds under this name (the pull moves no name while the build runs): \(pinned)"
                    case .none:
                        break
                    }
                }
            }
            if scoped == nil, !decision.pinnedParameters.isEmpty {
                // The container judged, by its full ID (a rename after the check cannot swap it).
                target = JobScope.target(match, parameters: match.parameters.merging(decision.pinnedParameters) { $1 })
            }
            // dockerd before 24.0: a copy its container could race (`ArchiveRaceGuard`). Judged
            // on a connection thread only (the policy looked the container up), never on the loop.
            if let container = judgement.targetContainer, judgement.mode == .enforce, !(environment is LoopHostEnvironment) {
                let lookup = context.jobScope?.lookup ?? DaemonLookup(upstreamPath: context.upstreamPath)
                let volumes = container.facts.asks.compactMap { ask -> String? in
                    if case .namedVolume(let name) = ask.kind { return name }
                    return nil
                }
                switch ArchiveRaceGuard.shared.check(route: match.route.name, container: container.id, volumes: volumes, lookup: lookup) {
                case .pass(let raceHold):
                    if let raceHold { hold = hold.map { PairedHold($0, raceHold) } ?? raceHold }
                case .refuse(let status, let reason):
                    record.rule = "archive-race"
                    record.reason = reason
                    return Judged(record: record, action: .answer(status: status, message: reason), inspected: inspected)
                }
            }
            record.decision = "allow"
            record.wouldDeny = judgement.wouldDeny
            var warning: ModeWarning?
            if judgement.wouldDeny && judgement.mode == .warn {
                let text = ModeWarnings.text(method: head.method, template: match.route.template, route: match.route.name,
                                             policy: policy.name,
                                             reason: judgement.violations.count > 1 ? judgement.violations.joined(separator: "; ") : decision.reason)
                warning = ModeWarning(text: text, intoCreateWarnings: match.route.name == ModeWarnings.warningsRoute)
            }
            var judged = Judged(record: record, action: .forward(target: target, body: forwardBody, warning: warning, rewrite: rewrite, hold: hold),
                                inspected: inspected)
            judged.jobEvents = jobEvents
            judged.judgedFacts = judgement.judgedFacts
            if match.route.group == .system, match.route.template == "/_ping" {
                // Job sockets refuse BuildKit whatever the policy says (`BuildScope`).
                judged.announcesClassicBuilder = context.jobScope != nil || policy.refusesBuildKit
            }
            if scoped != nil, match.route.name == "build.image", let query = GoQuery.parse(match.rawQuery) {
                judged.buildTags = BuildTags.names(query)
            }
            return judged
        case .unknown(let method, let path):
            let decision = policy.evaluate(PolicyInput(method: method, route: nil))
            record.rule = decision.rule
            record.reason = decision.reason
            let message = "sockwarden: \(method) \(path) is not a Docker Engine API route that sockwarden knows, so it is denied (policy \(policy.name))"
            return Judged(record: record, action: .answer(status: 404, message: message), inspected: body)
        case .invalid(let reason):
            record.rule = "invalid-target"
            record.reason = reason
            return Judged(record: record, action: .answer(status: 400, message: "sockwarden: request target \(head.target) refused: \(reason)"),
                          inspected: body)
        }
    }

    /// Numbers the request and offers its record to the audit log, before
    /// anything is forwarded or answered; if the log cannot take it
    /// (--audit-failure=refuse), the request is answered 503 instead.
    func admit(_ judged: inout Judged) {
        judged.record.request = context.nextRequestID()
        if case .forward(let target?, _, _, _, _) = judged.action, target != judged.record.target {
            judged.record.forwardedTarget = target
        }
        if let refusal = context.audit.admit(&judged.record) {
            judged.action = .answer(status: 503, message: refusal.message)
        }
    }
}
