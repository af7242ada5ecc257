// Fuzz target: judging a request as the proxy does (route resolution, route
// rules, body and query interpretation, body rules, rollout modes), with
// fixed policies: policies/ci.toml and fuzz/policies/permissive.toml (which
// allows nearly everything, so that fuzzed bodies get past the rules and
// what is forwarded can be checked), each in enforce and in warn mode.
//
// Input: `METHOD SP TARGET` LF `Content-Type` LF body. A missing line is
// empty; an empty Content-Type line means no header. The body is given to
// the policy when it inspects the route's body, as the proxy does.
// Host paths are resolved with LiteralHostEnvironment (no file system); the
// daemon's objects (named volumes, networks, the container of an exec,
// attach or copy, a joined container) come from `FuzzDaemon`, which answers
// deterministically from the name's bytes, so each kind of answer is judged.
//
// Properties:
// 1. No crash.
// 2. Deterministic: route resolution is the same twice; `judge` (which
//    evaluates again) reaches `evaluate`'s decision.
// 3. In enforce mode a request is forwarded exactly when it is allowed, and
//    an allowed request with the decision's body; a denial carries no
//    forwardBody; every decision names a rule and a reason.
// 4. A body that was read to be judged and is allowed is always replaced by
//    a re-encoding (the received bytes never go through unjudged).
// 5. The forwarded body parses to what was judged: for a JSON route, the
//    forwarded bytes are exactly one JSON value (nothing after it) that
//    decodes, against the route's schema, to the value the interpreter
//    judged (which decoding the received body again reproduces); a body the
//    interpreter does not decode (blank start/commit bodies) is forwarded as
//    received. In warn mode this holds for denied requests that are
//    forwarded too.
// 6. Judging the forwarded body again gives the same decision and facts,
//    and forwards the same bytes (the canonical form is a fixed point).
//    For a body whose container names were pinned to IDs (`pinsBody`), 5
//    does not compare the decoded value and 6 does not compare facts (the
//    names differ by design); it must still decode, and judging it again
//    must give the same decision and the same bytes.

import EngineAPI
import FuzzSupport
import GoJSON
import Policy

/// A policy, judged in enforce mode and again in warn mode.
struct Fixture {
    let policy: Policy
    let warn: Policy
}

/// Loaded once. SOCKWARDEN_FUZZ_POLICIES (colon-separated paths) overrides the defaults.
let fixtures: [Fixture] = {
    let root = FuzzFiles.repositoryRoot
    let paths = FuzzFiles.environment("SOCKWARDEN_FUZZ_POLICIES").map { $0.split(separator: ":").map(String.init) }
        ?? [root + "/policies/ci.toml", root + "/fuzz/policies/permissive.toml"]
    return paths.map { path in
        var policy: Policy
        do {
            policy = try Policy.parse(bytes: FuzzFiles.read(path), fileName: path)
        } catch {
            fatalError("fuzz policy \(path) does not load: \(error)")
        }
        policy.mode = .enforce
        var warn = policy
        warn.mode = .warn
        return Fixture(policy: policy, warn: warn)
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    let (requestLine, afterLine) = bytes.splitLine()
    let (typeLine, body) = afterLine.splitLine()
    let text = String(decoding: requestLine, as: UTF8.self)
    guard let space = text.firstIndex(of: " ") else { return 0 }
    let method = String(text[..<space])
    let target = String(text[text.index(after: space)...])
    let contentType: String? = typeLine.isEmpty ? nil : String(decoding: typeLine, as: UTF8.self)

    let resolution = Catalogue.resolve(method: method, target: target)
    Property.check(resolution == Catalogue.resolve(method: method, target: target), "route resolution is deterministic")

    for fixture in fixtures {
        let input: PolicyInput
        switch resolution {
        case .matched(let match):
            var i = PolicyInput(method: method, route: match.route, apiVersion: match.apiVersion,
                                rawQuery: match.rawQuery, contentType: contentType)
            i.parameters = match.parameters
            if fixture.policy.inspectsBody(match.route) { i.body = .complete(body, contentType: contentType) }
            input = i
        case .unknown:
            input = PolicyInput(method: method, route: nil)
        case .invalid:
            return 0
        }
        let decision = fixture.policy.evaluate(input, environment: FuzzDaemon())
        Property.check(!decision.rule.isEmpty && !decision.reason.isEmpty, "\(fixture.policy.name): the decision names a rule and a reason")
        Property.check(decision.allowed || decision.forwardBody == nil, "\(fixture.policy.name): a denial carries no forwardBody")
        for policy in [fixture.policy, fixture.warn] {
            check(policy, input, decision: decision)
        }
    }
    return 0
}

/// Properties 2–6 for one policy in one mode; `decision` is the policy's
/// `evaluate` (the same in every mode).
func check(_ policy: Policy, _ input: PolicyInput, decision: Decision) {
    let label = "\(policy.name) (\(policy.mode.rawValue))"
    let judgement = policy.judge(input, environment: FuzzDaemon())
    Property.check(judgement.decision == decision,
                   "\(label): judge's decision is evaluate's, and evaluate is deterministic\n  evaluate: \(decision)\n  judge:    \(judgement.decision)")
    if policy.mode == .enforce {
        Property.check(judgement.forwards == decision.allowed, "\(label): enforce mode forwards exactly what is allowed")
    }
    if decision.allowed {
        Property.check(judgement.forwards && judgement.forwardBody == decision.forwardBody,
                       "\(label): an allowed request is forwarded with the decision's body")
    }
    guard let route = input.route, case .complete(let received, _)? = input.body else { return }
    if decision.allowed {
        Property.check(decision.forwardBody != nil,
                       "\(label): an allowed body that was read to be judged is forwarded re-encoded (\(route.name))")
    }
    guard judgement.forwards, let forwarded = judgement.forwardBody else { return }

    // 5. The forwarded body parses to what was judged: the interpreter's
    // decoded value (and its schema, so this follows every judged route).
    guard case .success(let interpretation) = RequestInterpreter.interpret(
        route: route, parameters: input.parameters, rawQuery: input.rawQuery, body: received, contentType: input.contentType)
    else {
        Property.fail("\(label): \(route.name) forwards a body the interpreter refused")
    }
    if let schema = interpretation.schema, let judged = interpretation.value {
        guard case .success(let decoded) = GoDecoder.decodeFirstValue(received, as: schema), decoded.value == judged else {
            Property.fail("\(label): decoding the received body again gives another value")
        }
        guard case .success(let json) = JSONParser.parse(forwarded) else {
            Property.fail("\(label): the forwarded body is not exactly one JSON value: \(Printable.bytes(forwarded))")
        }
        guard case .success(let seen) = GoDecoder.decode(json, as: schema) else {
            Property.fail("\(label): the forwarded body does not decode: \(Printable.bytes(forwarded))")
        }
        // A body that pins container names to IDs decodes to the judged value with those names replaced.
        Property.check(seen == judged || decision.pinsBody,
                       "\(label): the forwarded body decodes to what was judged\n  judged:     \(judged)\n  forwarded:  \(Printable.bytes(forwarded))\n  decodes to: \(seen)")
    } else {
        Property.check(forwarded == received, "\(label): a body that is not decoded (\(route.name)) is forwarded as received")
    }

    // 6. Judging what is forwarded changes nothing.
    var next = input
    next.body = .complete(forwarded, contentType: input.contentType)
    let rejudged = policy.judge(next, environment: FuzzDaemon())
    var again = rejudged.decision
    again.pinsBody = decision.pinsBody  // a pinned body names its containers by ID already: nothing to pin again
    Property.check(again == decision,
                   "\(label): the forwarded body is judged as the received one was\n  received:  \(decision)\n  forwarded: \(rejudged.decision)")
    Property.check(rejudged.facts == judgement.facts || decision.pinsBody,
                   "\(label): the forwarded body asks for what the received one did")
    Property.check(rejudged.forwards && rejudged.forwardBody == forwarded,
                   "\(label): the forwarded body is a fixed point: \(Printable.bytes(forwarded)) then \(rejudged.forwardBody.map { Printable.bytes($0) } ?? "nil")")
}


/// A daemon whose objects depend only on their names: each look-up gives one
/// of its possible answers (missing, plain, with host access, unreachable),
/// picked by the sum of the name's bytes, so judging stays deterministic.
struct FuzzDaemon: HostEnvironment {
    let literal = LiteralHostEnvironment()

    static func pick(_ name: String, _ n: Int) -> Int { name.utf8.reduce(0) { ($0 &+ Int($1)) % 1009 } % n }

    func resolve(hostPath: String) -> ResolvedHostPath { literal.resolve(hostPath: hostPath) }
    func namesThisHost(_ name: String) -> Bool { Self.pick(name, 7) == 0 }
    func grantsSocket(_ path: String) -> Bool { false }

    func volume(_ name: String) -> VolumeLookup {
        switch Self.pick(name, 5) {
        case 0: return .notFound
        case 1: return .found(driver: "local", options: [:])
        case 2: return .found(driver: "local", options: ["type": "none", "o": "bind", "device": "/etc"])
        case 3: return .found(driver: "rexray", options: [:])
        default: return .unavailable("fuzz")
        }
    }

    func network(_ reference: String) -> NetworkLookup {
        switch Self.pick(reference, 5) {
        case 0: return .notFound
        case 1: return .found(driver: "bridge")
        case 2: return .found(driver: "macvlan")
        case 3: return .found(driver: "host")
        default: return .unavailable("fuzz")
        }
    }

    func targetContainer(_ reference: TargetReference) -> TargetContainerLookup {
        let name: String
        switch reference {
        case .container(let c): name = c
        case .exec(let e): name = e
        }
        let id = String(repeating: "ab", count: 32)
        switch Self.pick(name, 7) {
        case 0: return .notFound
        case 1: return .found(id: id, facts: RequestFacts())
        case 2: return .found(id: id, facts: RequestFacts([Ask(.privileged, field: "HostConfig.Privileged", value: "true")]))
        case 3: return .found(id: id, facts: RequestFacts([Ask(.hostPath(path: "/etc", readOnly: true, sharedPropagation: false),
                                                               field: "HostConfig.Binds[0]", value: "/etc:/x:ro")]))
        case 4: return .found(id: id, facts: RequestFacts([Ask(.hostNamespace(.pid), field: "HostConfig.PidMode", value: "host")]))
        case 5: return .found(id: id, facts: RequestFacts([Ask(.joinNamespace(.pid), field: "HostConfig.PidMode", value: "container:" + name + "x")]))
        default: return .unavailable("fuzz")
        }
    }
}
