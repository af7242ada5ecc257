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
        // Each object the request names is looked up once, at most 256 of them (`LookupMemo`).
        let decision = judgeContentBody(input, route: route, routeDecision: routeDecision, environment: LookupMemo(environment),
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
            return deny("body", "a form-encoded or multipart form body (Content-Type application/x-www-form-urlencoded or multipart/form-data, or a media type with non-ASCII characters, which Go might read as one) would add query parameters the daemon reads; Docker clients never send one (send a build context as application/x-tar)")
        }
        var decision = judgeRequestContent(input, route: route, routeDecision: routeDecision, environment: environment,
                                           attempted: &attempted, interpreted: &interpreted)
        // The container an exec, attach or copy acts in, once the request itself is allowed.
        if decision.allowed, let parameter = TargetContainer.routes[route.name] {
            let target = bodyRules.judgeTargetContainer(route: route.name, reference: input.parameters[parameter] ?? "", environment: environment)
            switch target.result {
            case .failure(let violation):
                var denial = deny(violation.section, violation.reason)
                denial.targetContainer = target.container
                denial.missingAnswer = target.missing
                return denial
            case .success(let id?): decision.pinnedParameters = [parameter: id]
            case .success(nil): break
            }
            decision.targetContainer = target.container
            // `docker cp -a` (copyUIDGID): dockerd 20.10 looks the container's `User` up in the
            // host's passwd database (`idtools.LookupUser`, then `getent passwd <User>` as root),
            // which tells a job which host accounts exist and their uid and gid, and asks the
            // host's NSS (LDAP, …). With no `User` it looks nothing up; a container not looked up
            // (a what-if without a daemon) cannot be told apart and is refused.
            if route.name == "container.archive.put", TargetContainer.copiesUIDGID(rawQuery: input.rawQuery) {
                let user = target.container?.user
                if user == nil || !user!.utf8.isEmpty {
                    var denial = deny("containers", user.map { "[containers]: copyUIDGID (docker cp -a) into a container whose user is \"\($0)\" makes the daemon look that user up in the host's passwd database (getent, as root), which tells a job which host accounts exist; copy without -a" }
                        ?? "[containers]: copyUIDGID (docker cp -a) makes the daemon look the container's user up in the host's passwd database (getent, as root), and the container was not looked up; copy without -a")
                    denial.targetContainer = target.container
                    return denial
                }
            }
        }
        return decision
    }

    private func judgeRequestContent(_ input: PolicyInput, route: Route, routeDecision: Decision, environment: HostEnvironment,
                                     attempted: inout Bool, interpreted: inout RequestInterpreter.Interpretation?) -> Decision {
        func deny(_ rule: String, _ reason: String) -> Decision {
            Decision(verdict: .deny, rule: rule, reason: reason)
        }
        if route.content == .unjudgeable {
            return deny("body", "sockwarden cannot judge what \(route.name) asks for yet, so it is denied even though rule \"\(routeDecision.rule)\" allows the route; set trust-bodies = true in [policy] only for trusted clients")
        }
        let readsBody = route.content == .judgedBody
        guard route.content.isInterpreted else { return routeDecision }
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
            var pinnedSources: [String]?
            if !sources.isEmpty {
                var pinned: [String] = []
                for ask in sources {
                    switch bodyRules.judgeVolumesFrom(ask, environment: environment) {
                    case .failure(let violation): return deny(violation.section, violation.reason)
                    case .success(let entry): pinned.append(entry)
                    }
                }
                pinnedSources = pinned
            }
            let joins: [(name: String, value: String)]
            switch pinnedJoins(interpretation.facts, environment: environment) {
            case .failure(let violation): return deny(violation.section, violation.reason)
            case .success(let pinned): joins = pinned
            }
            let pins = pinnedSources != nil || !joins.isEmpty
            if pins {
                guard let body = interpretation.replacingHostConfig(volumesFrom: pinnedSources, fields: joins) else {
                    return deny("containers", "[containers]: the VolumesFrom entries or joined namespaces could not be pinned to container IDs")
                }
                forward = body
            }
            var decision = Decision(verdict: .allow, rule: routeDecision.rule, reason: routeDecision.reason, forwardBody: forward)
            decision.pinsBody = pins
            return decision
        }
    }

    /// Whether Go's `Request.ParseForm` or `ParseMultipartForm` may read the
    /// body as a form: `mime.ParseMediaType` cuts the value at the first ";"
    /// byte, lowercases it with Unicode case mapping and trims Unicode white
    /// space, and the body is a form when that gives
    /// application/x-www-form-urlencoded or multipart/form-data. dockerd's
    /// build route calls `r.FormValue` without `ParseForm` first, so Go reads
    /// a multipart body (after the context bytes the route has peeked) and
    /// its parts become build parameters the query never had.
    /// Worked on bytes, as Go does (Swift's Characters join ";" with a
    /// following combining mark, and its case mapping differs: "İ" lowers
    /// to "i̇", Go's to "i"). A media type with any non-ASCII byte counts as a
    /// form: whether Go's mappings turn it into one cannot be decided here,
    /// and Docker clients never send one. Nothing before the ";" is no media
    /// type (Go reads no form).
    static func isFormEncoded(_ contentType: String) -> Bool {
        if contentType.utf8.elementsEqual("application/json".utf8) { return false } // what clients send
        let base = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
        if base.contains(where: { $0 >= 0x80 }) { return true }
        // Go's ASCII white space: \t \n \v \f \r and space.
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        guard let first = base.firstIndex(where: { !isSpace($0) }) else { return false }
        let last = base.lastIndex(where: { !isSpace($0) })!
        let trimmed = base[first...last]
        func equalsIgnoringASCIICase(_ form: String) -> Bool {
            guard trimmed.count == form.utf8.count else { return false }
            return zip(trimmed, form.utf8).allSatisfy { pair in
                let lower: UInt8 = pair.0 >= 0x41 && pair.0 <= 0x5A ? pair.0 | 0x20 : pair.0
                return lower == pair.1
            }
        }
        return equalsIgnoringASCIICase("application/x-www-form-urlencoded") || equalsIgnoringASCIICase("multipart/form-data")
    }
}

extension Policy {
    /// `container:<name>` namespace joins an allowed create makes, pinned
    /// to the full ID of the container judged: dockerd looks the name up
    /// again at create, so a rename in between would swap the container
    /// whose namespace is joined. Each join is judged once more by that ID,
    /// so what is forwarded is what was judged. A join already written as a
    /// full ID needs no pin (dockerd resolves a full ID first); a what-if
    /// without a daemon pins nothing.
    func pinnedJoins(_ facts: RequestFacts, environment: HostEnvironment) -> Result<[(name: String, value: String)], BodyViolation> {
        var pinned: [(name: String, value: String)] = []
        for ask in facts.asks {
            guard case .joinNamespace = ask.kind, ask.value.bytesHavePrefix("container:"),
                  ask.field.bytesHavePrefix("HostConfig.") else { continue }
            let reference = String(ask.value.dropFirst("container:".count))
            let isID = reference.utf8.count == 64
                && reference.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
            if isID { continue }
            switch environment.targetContainer(.container(reference)) {
            case .notLookedUp:
                continue
            case .found(let id, _, _, _):
                let byID = Ask(ask.kind, field: ask.field, value: "container:" + id)
                if let violation = bodyRules.judge(RequestFacts([byID]), environment: environment) { return .failure(violation) }
                pinned.append((String(ask.field.dropFirst("HostConfig.".count)), "container:" + id))
            case .notFound, .unavailable:
                return .failure(BodyViolation(section: "containers", ask: ask,
                                              message: "joins a container that could not be looked up again to pin it to its ID"))
            }
        }
        return .success(pinned)
    }
}
