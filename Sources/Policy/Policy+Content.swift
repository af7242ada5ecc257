import EngineAPI

/// Judging what an allowed request asks for: API version, body and query.
extension Policy {
    func judgeContent(_ input: PolicyInput, route: Route, routeDecision: Decision, environment: HostEnvironment) -> Decision {
        judgeContentInterpreting(input, route: route, routeDecision: routeDecision, environment: environment).decision
    }

    /// The decision, and the interpretation it was made on when the body or
    /// query was interpreted (`attempted`; nil when interpreting failed), so
    /// a caller that also wants the facts does not decode the body again.
    func judgeContentInterpreting(_ input: PolicyInput, route: Route, routeDecision: Decision, environment: HostEnvironment)
        -> (decision: Decision, attempted: Bool, interpretation: RequestInterpreter.Interpretation?) {
        var attempted = false
        var interpreted: RequestInterpreter.Interpretation?
        let decision = judgeContentBody(input, route: route, routeDecision: routeDecision, environment: environment,
                                        attempted: &attempted, interpreted: &interpreted)
        return (decision, attempted, interpreted)
    }

    private func judgeContentBody(_ input: PolicyInput, route: Route, routeDecision: Decision, environment: HostEnvironment,
                                  attempted: inout Bool, interpreted: inout RequestInterpreter.Interpretation?) -> Decision {
        func deny(_ rule: String, _ reason: String) -> Decision {
            Decision(verdict: .deny, rule: rule, reason: reason)
        }
        if let version = input.apiVersion, APIVersion(parsing: version) < bodyRules.minAPIVersion {
            return deny("api", "[api]: API version \(version) is older than \(bodyRules.minAPIVersion), whose semantics sockwarden judges; use a newer client or API version")
        }
        if let type = input.contentType, Policy.isFormEncoded(type) {
            return deny("body", "a form-encoded body would add query parameters the daemon reads; Docker clients never send one")
        }
        if RequestInterpreter.unjudgeable.contains(route.name) {
            return deny("body", "sockwarden cannot judge what \(route.name) asks for yet, so it is denied even though rule \"\(routeDecision.rule)\" allows the route; set trust-bodies = true in [policy] only for trusted clients")
        }
        let readsBody = RequestInterpreter.judgedBodies.contains(route.name)
        guard readsBody || RequestInterpreter.judgedQueries.contains(route.name) else { return routeDecision }
        var bodyBytes: [UInt8]?
        if readsBody {
            switch input.body {
            case .complete(let bytes, _)?: bodyBytes = bytes
            case .tooLarge(let limit)?: return deny("body", "the body is larger than \(limit) bytes, the most sockwarden reads to judge it")
            case nil: return deny("body", "the body was not read, so it cannot be judged")
            }
        }
        attempted = true
        switch RequestInterpreter.interpret(route: route, parameters: input.parameters, rawQuery: input.rawQuery,
                                            body: bodyBytes, contentType: input.contentType) {
        case .failure(let refusal):
            return deny("body", refusal.message)
        case .success(let interpretation):
            interpreted = interpretation
            if let violation = bodyRules.judge(interpretation.facts, environment: environment) {
                return deny(violation.section, violation.reason)
            }
            var forward = interpretation.canonicalBody
            let sources = interpretation.facts.asks.filter { if case .volumesFrom = $0.kind { return true } else { return false } }
            if !sources.isEmpty {
                var pinned: [String] = []
                for ask in sources {
                    switch bodyRules.judgeVolumesFrom(ask, environment: environment) {
                    case .failure(let violation): return deny(violation.section, violation.reason)
                    case .success(let entry): pinned.append(entry)
                    }
                }
                guard let body = interpretation.replacingVolumesFrom(pinned) else {
                    return deny("volumes", "[volumes]: the VolumesFrom entries could not be pinned to container IDs")
                }
                forward = body
            }
            return Decision(verdict: .allow, rule: routeDecision.rule, reason: routeDecision.reason, forwardBody: forward)
        }
    }

    /// Whether Go's `Request.ParseForm` reads the body as a form: the media
    /// type of `mime.ParseMediaType` (the text before the first ";",
    /// lowercased, trimmed) is application/x-www-form-urlencoded. Text before
    /// an empty media type (";application/…") is not split off: Go finds no
    /// media type there and leaves the body alone.
    static func isFormEncoded(_ contentType: String) -> Bool {
        if contentType.utf8.elementsEqual("application/json".utf8) { return false } // what clients send
        let base = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(base).lowercased().trimmingCharacters(in: " \t") == "application/x-www-form-urlencoded"
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
