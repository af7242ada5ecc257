import EngineAPI
import Testing
@testable import Policy

/// What the judgement of an exec, attach or copy carries for its audit
/// record: the container it acts in (`target_container`: full ID and name as
/// looked up) and, after the request's own facts, the container's facts the
/// decision rested on (`Judgement.judgedFacts`, the record's `facts`).
let targetRecordCases: [(name: String, method: String, path: String, body: String?, environment: HostEnvironment,
                         allowed: Bool, id: Character?, containerName: String?, fields: [String]?)] = [
    ("an exec in a job's container names it, and adds no host access to the facts",
     "POST", "/v1.41/containers/job-1/exec", #"{"Cmd":["ls"]}"#, FakeDaemon(), true, "1", "job-1", []),
    ("an exec denied for its container names it and the fact it was denied for",
     "POST", "/v1.41/containers/agent/exec", #"{"Cmd":["ls"]}"#, FakeDaemon(), false, "3", "agent", ["HostConfig.Privileged"]),
    ("the request's own facts come first, then the container's",
     "POST", "/v1.41/containers/agent/exec", #"{"Cmd":["ls"],"User":"nobody"}"#, FakeDaemon(), false, "3", "agent",
     ["User", "HostConfig.Privileged"]),
    ("an exec start names the container the exec runs in",
     "POST", "/v1.41/exec/e2/start", #"{"Detach":false}"#, FakeDaemon(), false, "3", "agent", ["HostConfig.Privileged"]),
    ("an attach, whose request has no facts, records the container's",
     "POST", "/v1.41/containers/runner/attach?stream=1", nil, FakeDaemon(), false, "2", "runner", ["HostConfig.Binds[0]"]),
    ("a copy out of a container by its ID names it by its full ID and name",
     "GET", "/v1.41/containers/" + String(repeating: "8", count: 64) + "/archive?path=/x", nil, FakeDaemon(), false, "8", "lanbox",
     ["NetworkSettings.Networks[lan]"]),
    ("a container the daemon does not know names no container",
     "POST", "/v1.41/containers/ghost/exec", #"{"Cmd":["ls"]}"#, FakeDaemon(), false, nil, nil, []),
    ("a container that could not be looked up names no container",
     "POST", "/v1.41/containers/flaky/exec", #"{"Cmd":["ls"]}"#, FakeDaemon(), false, nil, nil, []),
    ("an exec denied for itself is not looked up: no container",
     "POST", "/v1.41/containers/agent/exec", #"{"Cmd":["sh"],"Privileged":true}"#, FakeDaemon(), false, nil, nil, ["Privileged"]),
    ("a what-if without a daemon names no container",
     "POST", "/v1.41/containers/agent/exec", #"{"Cmd":["ls"]}"#, LiteralHostEnvironment(), true, nil, nil, []),
    ("a route that acts in no container names none",
     "GET", "/v1.41/containers/agent/json", nil, FakeDaemon(), true, nil, nil, nil),
]

@Suite("The judgement of an exec, attach or copy names the container it acts in, with its facts")
struct TargetContainerRecordTests {
    @Test("records", arguments: targetRecordCases.indices)
    func record(_ index: Int) throws {
        let c = targetRecordCases[index]
        let policy = try loadShippedPolicy("ci.toml")
        let whatIf = policy.whatIf(method: c.method, target: c.path, body: c.body.map { Array($0.utf8) },
                                   contentType: c.body == nil ? nil : "application/json", environment: c.environment)
        let j = whatIf.judgement
        #expect(j.decision.allowed == c.allowed, "\(c.name): \(j.decision.reason)")
        #expect(j.targetContainer?.id == c.id.map { String(repeating: $0, count: 64) }, "\(c.name)")
        #expect(j.targetContainer?.name == c.containerName, "\(c.name)")
        #expect(j.judgedFacts?.asks.map(\.field) == c.fields, "\(c.name): \(String(describing: j.judgedFacts))")
        // The request's own facts stay as they were: the container's are added for the record only.
        #expect(j.facts?.asks.allSatisfy { !$0.field.hasPrefix("HostConfig.") && !$0.field.hasPrefix("NetworkSettings.") } ?? true,
                "\(c.name)")
    }

    @Test("in audit mode a relaxed denial for the container still names it")
    func relaxed() throws {
        var policy = try loadShippedPolicy("ci.toml")
        policy.mode = .audit
        let j = policy.whatIf(method: "POST", target: "/v1.41/containers/agent/exec", body: Array(#"{"Cmd":["ls"]}"#.utf8),
                              contentType: "application/json", environment: FakeDaemon()).judgement
        #expect(j.wouldDeny)
        #expect(j.targetContainer?.name == "agent")
        #expect(j.judgedFacts?.asks.map(\.field) == ["HostConfig.Privileged"])
    }

    /// Denied before the container was judged, and forwarded anyway (audit,
    /// warn): the record names the container all the same.
    @Test("in audit and warn mode a request denied for itself still names its container",
          arguments: [
            ("an exec denied for its own Privileged", PolicyMode.audit, "POST", "/v1.41/containers/agent/exec",
             #"{"Cmd":["sh"],"Privileged":true}"#, "agent", ["Privileged", "HostConfig.Privileged"]),
            ("an exec denied for its own Privileged, warn mode", PolicyMode.warn, "POST", "/v1.41/containers/job-1/exec",
             #"{"Cmd":["sh"],"Privileged":true}"#, "job-1", ["Privileged"]),
            ("the old copy route, denied for its API version", PolicyMode.audit, "POST", "/v1.23/containers/runner/copy",
             #"{"Resource":"/etc"}"#, "runner", ["HostConfig.Binds[0]"]),
          ] as [(String, PolicyMode, String, String, String?, String, [String])])
    func relaxedBeforeTheContainer(_ c: (name: String, mode: PolicyMode, method: String, path: String, body: String?,
                                         container: String, fields: [String])) throws {
        var policy = try loadShippedPolicy("ci.toml")
        policy.mode = c.mode
        let j = policy.whatIf(method: c.method, target: c.path, body: c.body.map { Array($0.utf8) },
                              contentType: c.body == nil ? nil : "application/json", environment: FakeDaemon()).judgement
        #expect(j.wouldDeny, "\(c.name): \(j.decision.reason)")
        #expect(j.targetContainer?.name == c.container, "\(c.name)")
        #expect(j.judgedFacts?.asks.map(\.field) == c.fields, "\(c.name): \(String(describing: j.judgedFacts))")
    }

    @Test("in enforce mode a request denied for itself is not looked up")
    func enforcedBeforeTheContainer() throws {
        let policy = try loadShippedPolicy("ci.toml")
        let j = policy.whatIf(method: "POST", target: "/v1.41/containers/agent/exec", body: Array(#"{"Cmd":["sh"],"Privileged":true}"#.utf8),
                              contentType: "application/json", environment: FakeDaemon()).judgement
        #expect(!j.forwards)
        #expect(j.targetContainer == nil)
    }
}

/// `sockwarden suggest` on records that name the container an exec, attach
/// or copy acted in: what the container needs is learned as a create's facts
/// are (the same `learn` path), and listed with the container's name.
let suggestTargetCases: [(name: String, method: String, path: String, body: String?, mode: PolicyMode,
                          learns: String?, needs: String?, stillDenied: Bool)] = [
    ("an exec in a privileged container learns privileged, naming the container",
     "POST", "/v1.41/containers/agent/exec", #"{"Cmd":["ls"]}"#, .audit, "privileged = true", "agent 333333333333: needs containers.privileged", false),
    ("an attach to a container in the host's pid namespace learns that namespace",
     "POST", "/v1.41/containers/hostpid/attach?stream=1", nil, .audit, "host-namespaces = [\"pid\"]",
     "hostpid 666666666666: needs containers.host-namespaces (pid)", false),
    ("an exec start learns what the exec's container needs",
     "POST", "/v1.41/exec/e2/start", #"{"Detach":false}"#, .warn, "privileged = true", "agent 333333333333: needs containers.privileged", false),
    ("a copy out of the container that mounts the Docker socket: no setting allows it, still denied",
     "GET", "/v1.41/containers/runner/archive?path=/", nil, .audit, nil, nil, true),
    ("an exec in a job's own container needs nothing",
     "POST", "/v1.41/containers/job-1/exec", #"{"Cmd":["ls"]}"#, .audit, nil, nil, false),
    ("an exec denied in enforce mode is not learned",
     "POST", "/v1.41/containers/agent/exec", #"{"Cmd":["ls"]}"#, .enforce, nil, nil, false),
]

@Suite("suggest learns what the container an exec, attach or copy acted in needs, from its record")
struct SuggestTargetContainerTests {
    @Test("suggestions", arguments: suggestTargetCases.indices)
    func suggestion(_ index: Int) throws {
        let c = suggestTargetCases[index]
        var ci = try loadShippedPolicy("ci.toml")
        ci.mode = c.mode
        let entry = try recorded(c.method, c.path, body: c.body, under: ci, line: 1, environment: FakeDaemon())
        #expect(entry.targetContainer != nil || c.mode == .enforce, "\(c.name): the record names the container")
        let s: PolicySuggestion
        switch PolicySuggestion.suggest(entries: [entry, try recorded("GET", "/_ping", under: ci, line: 2)], source: "audit.jsonl",
                                        base: try loadShippedPolicy("ci.toml"), environment: FakeDaemon()) {
        case .success(let suggestion): s = suggestion
        case .failure(let error): Issue.record("\(c.name): \(error)"); return
        }
        #expect(s.unchecked.isEmpty, "\(c.name): a record with the container's facts is checked, not NOT CHECKED: \(s.unchecked)")
        #expect(!s.text.contains("NOT CHECKED"), "\(c.name)")
        if let learns = c.learns {
            #expect(s.text.contains(learns), "\(c.name): \(s.text)")
            #expect(s.text.contains("(\(entry.route!))"), "\(c.name): the learned setting cites the route")
        } else {
            #expect(s.policy.bodyRules == ci.bodyRules, "\(c.name): nothing loosened")
        }
        if let needs = c.needs {
            #expect(s.containerNeeds.count == 1 && s.containerNeeds[0].contains(needs), "\(c.name): \(s.containerNeeds)")
            #expect(s.text.contains("Learned for the containers exec, attach and copy acted in"), "\(c.name)")
        } else {
            #expect(s.containerNeeds.isEmpty, "\(c.name): \(s.containerNeeds)")
        }
        #expect(s.notAllowed.isEmpty == !c.stillDenied, "\(c.name): \(s.notAllowed)")
        if c.stillDenied { #expect(s.notAllowed.first?.contains(TargetContainer.deniedForContainer) == false && s.notAllowed.first?.contains("docker.sock") == true, "\(s.notAllowed)") }
    }

    @Test("an older record, without target_container, is still reported as not checked")
    func olderRecord() throws {
        var ci = try loadShippedPolicy("ci.toml")
        ci.mode = .audit
        var entry = try recorded("POST", "/v1.41/containers/agent/exec", body: #"{"Cmd":["ls"]}"#, under: ci, line: 1, environment: FakeDaemon())
        // As a log written before records named the container: neither the member nor its facts.
        entry.targetContainer = nil
        entry.facts = RequestFacts()
        let s = try suggest([entry], base: try loadShippedPolicy("ci.toml"))
        #expect(s.unchecked.count == 1 && s.containerNeeds.isEmpty && s.notAllowed.isEmpty, "\(s.unchecked) \(s.notAllowed)")
        #expect(s.policy.bodyRules.privileged == false)
    }
}

/// `explain` and `suggest` ask the daemon through `LookupWatch`, which notes
/// every look-up the daemon could not answer so the command can say which
/// socket failed and why (the decision itself is serve's: refused).
let lookupWatchCases: [(name: String, method: String, path: String, body: String?, failures: [String])] = [
    ("an exec in a container that cannot be looked up is noted", "POST", "/v1.41/containers/flaky/exec", #"{"Cmd":["ls"]}"#,
     ["the daemon answered 500"]),
    ("a network joined by name that cannot be looked up is noted", "POST", "/v1.41/containers/create",
     #"{"Image":"busybox","HostConfig":{"NetworkMode":"flakynet"}}"#, ["the daemon answered 500"]),
    ("a container the daemon does not know is an answer, not a failure", "POST", "/v1.41/containers/ghost/exec", #"{"Cmd":["ls"]}"#, []),
    ("an exec in a container the daemon describes: nothing to note", "POST", "/v1.41/containers/agent/exec", #"{"Cmd":["ls"]}"#, []),
]

@Suite("What-ifs that ask the daemon note the look-ups it could not answer")
struct LookupWatchTests {
    @Test("failures", arguments: lookupWatchCases.indices)
    func failures(_ index: Int) throws {
        let c = lookupWatchCases[index]
        let watch = LookupWatch(FakeDaemon())
        let j = try loadShippedPolicy("ci.toml").whatIf(method: c.method, target: c.path, body: c.body.map { Array($0.utf8) },
                                                        contentType: "application/json", environment: watch).judgement
        // The decision is the one judged against the daemon directly: the watch only notes.
        let direct = try loadShippedPolicy("ci.toml").whatIf(method: c.method, target: c.path, body: c.body.map { Array($0.utf8) },
                                                             contentType: "application/json", environment: FakeDaemon()).judgement
        #expect(j.decision == direct.decision, "\(c.name)")
        #expect(watch.failures == c.failures, "\(c.name)")
        let notice = watch.notice(upstream: "/run/d.sock")
        #expect((notice == nil) == c.failures.isEmpty, "\(c.name)")
        if let notice { #expect(notice.contains("/run/d.sock") && notice.contains(c.failures[0]) && notice.contains("--upstream"), "\(notice)") }
    }
}
