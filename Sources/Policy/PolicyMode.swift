import EngineAPI

/// How a policy's denials are carried out: the rollout modes.
///
/// - `enforce`: a denied request is refused (403/404/400) and recorded.
/// - `warn`: a request the policy denies is forwarded anyway, recorded as
///   `would_deny`, and the client is told: the reason goes into the
///   `Warnings` of a container-create response (the docker CLI prints
///   `WARNING: sockwarden: …`) and into an `X-Sockwarden-Warning` response
///   header on every route.
/// - `audit`: like warn, but silent towards the client; only the audit log
///   says `would_deny`.
///
/// Modes relax the policy's decisions (route rules, default-deny, body rules,
/// the API version floor). They never relax what keeps the proxy's reading of
/// a request trustworthy: a request that is not an Engine API route, a
/// malformed request or target, and a judged body over the inspection limit
/// are refused in every mode.
public enum PolicyMode: String, Sendable, Hashable, CaseIterable {
    case enforce, warn, audit

    /// "enforce", "warn", "audit": for messages.
    public static var names: [String] { allCases.map(\.rawValue) }
}

/// The outcome of judging one request under a policy and its mode: the
/// policy's own decision, whether the proxy forwards the request anyway, and
/// what it forwards.
public struct Judgement: Sendable {
    /// The policy's verdict, rule and reason, as in enforce mode.
    public let decision: Decision
    public let mode: PolicyMode
    /// The request goes to the daemon (allowed, or denied but relaxed by the mode).
    public let forwards: Bool
    /// For a request whose body was read: the body to forward in place of
    /// the received one. nil: forward the received body.
    public let forwardBody: [UInt8]?
    /// What the request asks for, when its body or query was interpreted
    /// (whatever the decision). nil when the policy trusts bodies, or the
    /// route's content is not interpreted, or it could not be decoded.
    public let facts: RequestFacts?
    /// For a denial by the body rules: the reason of every ask they refuse
    /// (the decision names only the first). Empty otherwise.
    public var violations: [String] = []

    /// Denied by the policy, forwarded because of the mode.
    public var wouldDeny: Bool { forwards && !decision.allowed }

    /// For a request forwarded despite a denial made before its container
    /// was judged (audit, warn): the container, looked up for the record
    /// only; the decision stays the policy's own.
    public var recordedContainer: JudgedContainer?

    /// For an exec, attach, copy, start or restart: the container it acts
    /// in, as looked up and judged (`Decision.targetContainer`, or
    /// `recordedContainer`).
    public var targetContainer: JudgedContainer? { decision.targetContainer ?? recordedContainer }

    /// What the decision rested on, for the audit record's `facts` and
    /// `explain`: the request's own facts, then the host access of the
    /// container it acts in (its inspect fields: `HostConfig.…`,
    /// `Mounts[i]`, `NetworkSettings.Networks[…]`). nil when there are
    /// neither.
    public var judgedFacts: RequestFacts? {
        guard let target = targetContainer else { return facts }
        return RequestFacts((facts?.asks ?? []) + target.facts.asks)
    }

    public init(decision: Decision, mode: PolicyMode, forwards: Bool, forwardBody: [UInt8]?, facts: RequestFacts?) {
        self.decision = decision
        self.mode = mode
        self.forwards = forwards
        self.forwardBody = forwardBody
        self.facts = facts
    }
}

extension Policy {
    /// Judges a request and applies the policy's mode (see `PolicyMode`).
    ///
    /// What a relaxed denial forwards, deliberately:
    /// - a body that decoded as the daemon decodes it, at an API version the
    ///   policy judges: its canonical re-encoding, exactly as an allowed
    ///   request's (so the audit facts describe what the daemon acts on);
    /// - any other body the proxy read (not JSON the daemon would accept, an
    ///   old-API form, a form-encoded body, an API version below
    ///   `min-version`): the received bytes, unchanged, never a re-encoding
    ///   of something that was not understood;
    /// - a body that was not read (route rules only): streamed as received.
    ///
    /// Cost: the body is interpreted once (decode, facts, canonical encoding:
    /// about 25 µs of CPU for docker CLI's 1468-byte create body in a release
    /// build, see bench/micro), and the interpretation is kept for the
    /// record's facts; only when the route rules decide without reading the
    /// content is it interpreted for the facts alone.
    public func judge(_ input: PolicyInput, environment: HostEnvironment = LiteralHostEnvironment()) -> Judgement {
        // Judge once, and keep the interpretation the decision was made on.
        let routeDecision = evaluateRoute(input)
        let decision: Decision
        let interpretation: Result<RequestInterpreter.Interpretation, RequestInterpreter.Refusal>?
        if routeDecision.allowed, !bodyRules.trustBodies, let route = input.route {
            let content = judgeContentInterpreting(input, route: route, routeDecision: routeDecision, environment: environment)
            decision = content.decision
            if content.attempted {
                interpretation = content.interpretation.map { .success($0) } ?? .failure(RequestInterpreter.Refusal(message: decision.reason))
            } else {
                interpretation = interpretForRecord(input)
            }
        } else {
            decision = routeDecision
            interpretation = interpretForRecord(input)
        }
        let facts: RequestFacts?
        if case .success(let i)? = interpretation { facts = i.facts } else { facts = nil }
        if decision.allowed {
            return Judgement(decision: decision, mode: mode, forwards: true, forwardBody: decision.forwardBody, facts: facts)
        }
        guard mode != .enforce, let route = input.route, !Self.hardDenials.contains(decision.rule) else {
            return Judgement(decision: decision, mode: mode, forwards: false, forwardBody: nil, facts: facts)
        }
        var recordedContainer: JudgedContainer?
        if decision.targetContainer == nil, let parameter = TargetContainer.routes[route.name] {
            // Denied before its container was judged (by a route rule, or for the
            // request's own body), and forwarded anyway: the record still names the
            // container and its access, so that `suggest` learns what it needs too
            // (else enforcing the learned policy would refuse it for the container).
            recordedContainer = bodyRules.judgeTargetContainer(
                route: route.name, reference: input.parameters[parameter] ?? "", environment: environment).container
        }
        var violations: [String] = []
        if let facts, bodyRules.judge(facts, environment: environment)?.reason == decision.reason {
            violations = facts.asks.compactMap { bodyRules.judge(RequestFacts([$0]), environment: environment)?.reason }
        }
        if case .tooLarge? = input.body {
            // Not kept whole: the proxy cannot forward what it did not keep.
            return Judgement(decision: decision, mode: mode, forwards: false, forwardBody: nil, facts: facts)
        }
        var forwardBody: [UInt8]?
        if case .success(let i)? = interpretation, i.canonicalBody != nil, !belowMinVersion(input) {
            forwardBody = i.canonicalBody
        }
        var judgement = Judgement(decision: decision, mode: mode, forwards: true, forwardBody: forwardBody, facts: facts)
        judgement.violations = violations
        judgement.recordedContainer = recordedContainer
        return judgement
    }

    /// Decisions no mode relaxes: the request cannot be read reliably.
    static let hardDenials: Set<String> = [Decision.unknownRoute, "invalid-target", "malformed-request"]

    /// The facts of a request whose body or query the policy interprets,
    /// whatever the route rules decided. nil when nothing is interpreted.
    func interpretForRecord(_ input: PolicyInput) -> Result<RequestInterpreter.Interpretation, RequestInterpreter.Refusal>? {
        guard !bodyRules.trustBodies, let route = input.route else { return nil }
        let readsBody = route.content == .judgedBody
        guard route.content.isInterpreted else { return nil }
        var body: [UInt8]?
        if readsBody {
            guard case .complete(let bytes, _)? = input.body else { return nil }
            body = bytes
        }
        if let type = input.contentType, Policy.isFormEncoded(type) { return nil }
        return RequestInterpreter.interpret(route: route, parameters: input.parameters, rawQuery: input.rawQuery,
                                            body: body, contentType: input.contentType)
    }

    func belowMinVersion(_ input: PolicyInput) -> Bool {
        guard let version = input.apiVersion else { return false }
        return APIVersion(parsing: version) < bodyRules.minAPIVersion
    }
}
