import EngineAPI
import GoJSON
import Testing
@testable import Policy

/// An audit line for `method target` judged by `policy` (as the proxy
/// writes it: the fields suggest reads, `target_container` and the
/// container's facts too), parsed back as suggest reads it.
func recorded(_ method: String, _ target: String, body: String? = nil, under policy: Policy, line: Int,
              time: String = "2026-11-29T19:00:00.000Z", environment: HostEnvironment = LiteralHostEnvironment()) throws -> AuditEntry {
    let whatIf = policy.whatIf(method: method, target: target, body: body.map { Array($0.utf8) },
                               contentType: body == nil ? nil : "application/json", environment: environment)
    let j = whatIf.judgement
    var json: [UInt8] = Array("{\"v\":1,\"event\":\"request\",\"time\":".utf8)
    JSONText.appendString(time, to: &json)
    json += ",\"method\":".utf8
    JSONText.appendString(method, to: &json)
    json += ",\"target\":".utf8
    JSONText.appendString(target, to: &json)
    json += ",\"route\":".utf8
    if let route = whatIf.route { JSONText.appendString(route.name, to: &json) } else { json += "null".utf8 }
    json += ",\"api_version\":".utf8
    if let v = whatIf.apiVersion { JSONText.appendString(v, to: &json) } else { json += "null".utf8 }
    json += ",\"decision\":\"\(j.forwards ? "allow" : "deny")\",\"would_deny\":\(j.wouldDeny),\"mode\":\"\(j.mode.rawValue)\",\"rule\":".utf8
    JSONText.appendString(j.decision.rule, to: &json)
    json += ",\"reason\":".utf8
    JSONText.appendString(j.decision.reason, to: &json)
    if let container = j.targetContainer {
        json += ",\"target_container\":{\"id\":".utf8
        JSONText.appendString(container.id, to: &json)
        json += ",\"name\":".utf8
        JSONText.appendString(container.name, to: &json)
        json += "}".utf8
    }
    json += ",\"facts\":".utf8
    json += j.judgedFacts.map(FactsJSON.render) ?? Array("null".utf8)
    json += "}".utf8
    guard case .entry(let entry) = AuditEntry.parse(json, number: line) else {
        throw PolicyError(file: "log", line: line, column: 1, message: "unparsable: \(String(decoding: json, as: UTF8.self))")
    }
    return entry
}

func suggest(_ entries: [AuditEntry], base: Policy? = nil) throws -> PolicySuggestion {
    switch PolicySuggestion.suggest(entries: entries, source: "audit.jsonl", base: base) {
    case .success(let s): return s
    case .failure(let error): throw PolicyError(file: "suggest", line: 0, column: 0, message: error.description)
    }
}

func allows(_ policy: Policy, _ method: String, _ target: String, body: String? = nil) -> Bool {
    policy.whatIf(method: method, target: target, body: body.map { Array($0.utf8) }, contentType: body == nil ? nil : "application/json")
        .decision.allowed
}

let netAdminBody = #"{"Image":"busybox","HostConfig":{"NetworkMode":"none","CapAdd":["NET_ADMIN"]}}"#

/// A CI job recorded under ci.toml in audit mode: ordinary work, plus one
/// container that needed NET_ADMIN and one secret listed.
func recordedSession() throws -> [AuditEntry] {
    var ci = try loadShippedPolicy("ci.toml")
    ci.mode = .audit
    var n = 0
    func r(_ method: String, _ target: String, _ body: String? = nil, _ time: String = "2026-11-29T19:00:00.000Z") throws -> AuditEntry {
        n += 1
        return try recorded(method, target, body: body, under: ci, line: n, time: time)
    }
    return [
        try r("HEAD", "/_ping"),
        try r("POST", "/v1.41/containers/create?name=a", #"{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}"#),
        try r("POST", "/v1.41/containers/a/start", ""),
        try r("POST", "/v1.41/containers/a/wait"),
        try r("DELETE", "/v1.41/containers/a?force=1"),
        try r("POST", "/v1.41/containers/create?name=b", netAdminBody, "2026-11-29T19:01:00.000Z"),
        try r("POST", "/v1.41/containers/create?name=c", netAdminBody, "2026-11-29T19:02:00.000Z"),
        try r("GET", "/v1.41/secrets"),
    ]
}

@Suite("Learning a policy from an audit log (sockwarden suggest)")
struct PolicySuggestionTests {
    @Test("the suggestion allows the recorded session and nothing broader")
    func narrowest() throws {
        let s = try suggest(try recordedSession())
        #expect(s.notAllowed.isEmpty, "\(s.notAllowed)")
        #expect(s.learned == 8)
        let p = s.policy
        // Everything recorded passes again.
        #expect(allows(p, "HEAD", "/_ping"))
        #expect(allows(p, "POST", "/v1.41/containers/create", body: netAdminBody))
        #expect(allows(p, "POST", "/v1.41/containers/x/start", body: ""))
        #expect(allows(p, "GET", "/v1.41/secrets"))
        // Routes not recorded are denied, even in the same groups.
        for (method, target) in [("GET", "/_ping"), ("GET", "/v1.41/containers/json"), ("POST", "/v1.41/containers/a/exec"),
                                 ("GET", "/v1.41/images/json"), ("GET", "/v1.41/secrets/s"), ("POST", "/v1.41/containers/a/kill")] {
            #expect(!allows(p, method, target), "\(method) \(target)")
        }
        // Bodies: only what was needed, NET_ADMIN; nothing else.
        #expect(p.bodyRules.capabilities == ["CAP_NET_ADMIN"])
        #expect(!allows(p, "POST", "/v1.41/containers/create", body: #"{"Image":"busybox","HostConfig":{"CapAdd":["SYS_ADMIN"]}}"#))
        #expect(!allows(p, "POST", "/v1.41/containers/create", body: #"{"Image":"busybox","HostConfig":{"Privileged":true}}"#))
        #expect(!allows(p, "POST", "/v1.41/containers/create", body: #"{"Image":"busybox","HostConfig":{"Binds":["/etc:/x"]}}"#))
        // Images: narrowed from "*" to exactly those run.
        #expect(p.bodyRules.images == ["docker.io/library/busybox:latest"])
        #expect(!allows(p, "POST", "/v1.41/containers/create", body: #"{"Image":"alpine"}"#))
        #expect(s.text.contains("Narrowed from \"*\" to exactly the names recorded."))
        var rest = p.bodyRules
        rest.capabilities = []
        rest.images = ["*"]
        #expect(rest == BodyRules(), "only capabilities and images depart from the secure defaults")
        // The text says where NET_ADMIN came from.
        #expect(s.text.contains("# learned: CAP_NET_ADMIN: 2 requests (container.create), 2026-11-29T19:01:00.000Z to 2026-11-29T19:02:00.000Z"))
        #expect(s.text.contains("capabilities = [\"CAP_NET_ADMIN\"]"))
    }

    @Test("with a base, only what the base lacks is added, before its rules")
    func withBase() throws {
        let ci = try loadShippedPolicy("ci.toml")
        let s = try suggest(try recordedSession(), base: ci)
        #expect(s.notAllowed.isEmpty, "\(s.notAllowed)")
        let p = s.policy
        #expect(p.rules.first?.id == "learned-secrets")
        #expect(p.rules.first?.routes == .only(["secret.list"]))
        #expect(Array(p.rules.dropFirst().map(\.id)) == ci.rules.map(\.id))
        #expect(s.text.contains("overrides \"no-cluster-or-plugins\" of ci.toml for these routes only"))
        #expect(allows(p, "GET", "/v1.41/secrets"))
        #expect(!allows(p, "GET", "/v1.41/secrets/s"))
        #expect(!allows(p, "GET", "/v1.41/services"))
        // The base's own allowances stay; its settings are kept.
        #expect(allows(p, "GET", "/v1.41/images/json"))
        var expected = ci.bodyRules
        expected.capabilities = ["CAP_NET_ADMIN"]
        #expect(p.bodyRules == expected)
    }

    @Test("requests denied in enforce mode are not learned, and are listed")
    func enforcedDenials() throws {
        let ci = try loadShippedPolicy("ci.toml")
        let entries = [try recorded("GET", "/_ping", under: ci, line: 1),
                       try recorded("POST", "/v1.41/containers/create", body: netAdminBody, under: ci, line: 2)]
        #expect(entries[1].decision == "deny")
        let s = try suggest(entries)
        #expect(!allows(s.policy, "POST", "/v1.41/containers/create", body: #"{"Image":"busybox"}"#))
        #expect(s.policy.bodyRules.capabilities.isEmpty)
        #expect(s.text.contains("Not learned: requests denied in enforce mode"))
        #expect(s.text.contains("container.create: 1 request"))
    }

    @Test("what no setting can allow is reported, and the suggestion says so")
    func unlearnable() throws {
        var ci = try loadShippedPolicy("ci.toml")
        ci.mode = .audit
        let entries = [try recorded("POST", "/v1.41/containers/create", body: #"{"Image":"busybox","HostConfig":{"CapAdd":["ALL"]}}"#, under: ci, line: 1),
                       try recorded("POST", "/v1.41/containers/create", body: #"{"Image":"busybox","Privileged":true}"#, under: ci, line: 2)]
        let s = try suggest(entries)
        #expect(s.notAllowed.count == 2)
        #expect(s.notAllowed[0].contains("line 1") && s.notAllowed[0].contains("capability ALL"))
        #expect(s.notAllowed[1].contains("could not be decoded"))
        #expect(s.text.contains("NOT ALLOWED by this suggestion (2 recorded request(s))"))
        #expect(s.text.contains("Bodies sockwarden could not decode"))
    }

    @Test("an exec denied for the container it acts in is reported as not checked, not claimed as allowed")
    func deniedForTheContainer() throws {
        let reason = #"[containers]: container \"agent\" is a container a job may not create: HostConfig.PidMode \"host\" shares the host's pid namespace; allowed host namespaces: none; exec.create would act with that access"#
        let line = #"{"v":1,"event":"request","time":"2026-11-29T19:00:00.000Z","method":"POST","target":"/v1.41/containers/agent/exec","route":"exec.create","api_version":"1.41","decision":"allow","would_deny":true,"mode":"audit","rule":"containers","reason":"\#(reason)","facts":{}}"#
        guard case .entry(let entry) = AuditEntry.parse(Array(line.utf8), number: 1) else {
            Issue.record("unparsable test line")
            return
        }
        let s = try suggest([entry], base: try loadShippedPolicy("ci.toml"))
        #expect(s.notAllowed.isEmpty, "\(s.notAllowed)")
        #expect(s.unchecked.count == 1 && s.unchecked[0].contains("line 1"), "\(s.unchecked)")
        #expect(s.text.contains("NOT CHECKED: denied for the container they act in"))
    }

    @Test("records without facts teach routes only, and say so")
    func withoutFacts() throws {
        let observe = try loadShippedPolicy("observe.toml")
        let entries = [try recorded("POST", "/v1.41/containers/create", body: netAdminBody, under: observe, line: 1)]
        #expect(entries[0].facts == nil)
        let s = try suggest(entries)
        #expect(s.text.contains("Route-only learning"))
        #expect(s.policy.bodyRules.images == ["*"], "images it could not see stay allowed")
        #expect(allows(s.policy, "POST", "/v1.41/containers/create", body: #"{"Image":"busybox"}"#))
        #expect(!allows(s.policy, "POST", "/v1.41/containers/create", body: netAdminBody))
    }

    @Test("host paths, ports and resources loosen only as far as needed")
    func settings() throws {
        let strict = try Policy.parse(source: """
            [policy]
            mode = "audit"
            [[rules]]
            id = "c"
            action = "allow"
            groups = ["containers"]
            [host-paths]
            read-only = true
            [resources]
            max-memory = "64m"
            """, fileName: "strict.toml")
        let body = #"{"Image":"busybox","HostConfig":{"Binds":["/srv/cache:/cache"],"Memory":134217728,"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"80"}]}}}"#
        let s = try suggest([try recorded("POST", "/v1.41/containers/create", body: body, under: strict, line: 1)], base: strict)
        #expect(s.notAllowed.isEmpty, "\(s.notAllowed)")
        let r = s.policy.bodyRules
        #expect(r.hostPaths == ["/srv/cache"])
        #expect(r.hostPathsReadOnly == false)
        #expect(r.maxMemory == 134217728)
        #expect(r.publishPorts && r.portRange == 80...65535 && r.portAddresses == ["127.0.0.1"])
        #expect(!allows(s.policy, "POST", "/v1.41/containers/create", body: #"{"Image":"b","HostConfig":{"Binds":["/srv/other:/x"]}}"#))
        #expect(!allows(s.policy, "POST", "/v1.41/containers/create", body: #"{"Image":"b","HostConfig":{"Memory":268435456}}"#))
        #expect(!allows(s.policy, "POST", "/v1.41/containers/create",
                        body: #"{"Image":"b","HostConfig":{"Memory":1024,"PortBindings":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"80"}]}}}"#))
    }

    @Test("images and image names are narrowed to those recorded, with a caution when they overlap")
    func images() throws {
        var ci = try loadShippedPolicy("ci.toml")
        ci.mode = .audit
        let entries = [try recorded("POST", "/v1.41/containers/create", body: #"{"Image":"busybox"}"#, under: ci, line: 1),
                       try recorded("POST", "/v1.41/images/abc/tag?repo=busybox&tag=latest", under: ci, line: 2),
                       try recorded("POST", "/v1.41/build?t=app%3A1", under: ci, line: 3)]
        let s = try suggest(entries)
        #expect(s.notAllowed.isEmpty, "\(s.notAllowed)")
        #expect(s.policy.bodyRules.images == ["docker.io/library/busybox:latest"])
        #expect(s.policy.bodyRules.imageNames == ["docker.io/library/app:1", "docker.io/library/busybox:latest"])
        #expect(s.text.contains("CAUTION: also in images (docker.io/library/busybox:latest)"))
        #expect(!allows(s.policy, "POST", "/v1.41/build?t=app%3A2"))
    }

    @Test("nothing to learn is an error that says what to do")
    func nothing() {
        guard case .failure(let error) = PolicySuggestion.suggest(entries: [], source: "x", base: nil) else {
            Issue.record("succeeded")
            return
        }
        #expect(error.description.contains("record a session first"))
    }

    @Test("log lines: request records are read, result and other events and the socket's own tags skipped, broken lines reported",
          arguments: [
            (#"{"event":"request","method":"GET","route":"system.ping","decision":"allow","facts":null}"#, "entry"),
            (#"{"method":"GET","route":"system.ping","decision":"allow"}"#, "entry"),
            (#"{"event":"result","method":"GET","route":"system.ping","decision":"allow","status":200}"#, "other"),
            (#"{"event":"start","policy":"ci.toml"}"#, "other"),
            // A name a job socket gave a build's image itself: not the job's request.
            (#"{"event":"request","method":"POST","route":"image.tag","decision":"allow","tagged_for":{"req":3},"facts":null}"#, "other"),
            (#"{"method":"GET","decision":"allow","facts":{"privileged":[{"field":"x"}]}}"#, "invalid"),
            // Facts cut short by the audit cap are not learned from (not all there).
            (#"{"method":"POST","decision":"allow","facts":{"capability_add":[{"field":"HostConfig.CapAdd[0]","value":"A","capability":"CAP_A"}],"omitted":{"capability_add":9}}}"#, "invalid"),
            (#"{"method":"POST","decision":"allow","facts":{"capability_add":[{"field":"HostConfig.CapAdd[0]","value":"A","capability":"CAP_A"}]}}"#, "entry"),
            (#"{"method":"GET""#, "invalid"),
            (#"[1]"#, "invalid"),
          ])
    func lines(_ line: String, _ kind: String) {
        switch AuditEntry.parse(Array(line.utf8), number: 1) {
        case .entry: #expect(kind == "entry")
        case .other: #expect(kind == "other")
        case .invalid: #expect(kind == "invalid")
        }
    }
}

@Test("a session that attached by websocket learns a rule that loads (a GET-only rule may not hold it)")
func suggestLearnsTheWebsocketAttach() throws {
    var observe = try loadShippedPolicy("observe.toml")
    observe.mode = .audit
    let entries = [try recorded("GET", "/v1.41/containers/json", under: observe, line: 1),
                   try recorded("GET", "/v1.41/containers/abc/attach/ws?stream=1&stdin=1", under: observe, line: 2)]
    let suggestion = try suggest(entries)
    #expect(allows(suggestion.policy, "GET", "/v1.41/containers/json"))
    #expect(!allows(suggestion.policy, "POST", "/v1.41/containers/abc/kill"))
}

@Suite("Policies as text (what suggest prints)")
struct PolicyRenderingTests {
    @Test("a learned value with a line break stays in its comment and its string",
          arguments: ["x\nprivileged = true\n#", "x\r\nprivileged = true\n#", "x\u{2028}privileged = true"])
    func learnedValueCannotEndItsComment(_ driver: String) throws {
        var ci = try loadShippedPolicy("ci.toml")
        ci.mode = .audit
        var body = Array(#"{"Image":"busybox","HostConfig":{"NetworkMode":"none","LogConfig":{"Type":"#.utf8)
        JSONText.appendString(driver, to: &body)
        body += #","Config":{}}}}"#.utf8
        let entry = try recorded("POST", "/v1.41/containers/create", body: String(decoding: body, as: UTF8.self), under: ci, line: 1)
        let suggestion = try suggest([entry], base: try loadShippedPolicy("ci.toml"))
        #expect(suggestion.policy.bodyRules.privileged == false)
        #expect(suggestion.policy.bodyRules.logDrivers.contains(driver))
        let lines = suggestion.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!lines.contains { $0.hasPrefix("privileged") })
        let back = try Policy.parse(source: suggestion.text, fileName: "suggested.toml")
        #expect(back.bodyRules == suggestion.policy.bodyRules)
    }

    @Test("comment text is one line, every character visible", arguments: [
        ("plain text", "plain text"),
        ("line\nbreak", "line\\nbreak"),
        ("carriage\rreturn", "carriage\\rreturn"),
        ("back\\slash", "back\\\\slash"),
        ("escape \u{1B}[2J", "escape \\u001B[2J"),
        ("nel \u{85} ls \u{2028} ps \u{2029}", "nel \\u0085 ls \\u2028 ps \\u2029"),
        ("bidi \u{202E}txet\u{202C} \u{2066}i\u{2069}", "bidi \\u202Etxet\\u202C \\u2066i\\u2069"),
        ("invisible \u{200B}\u{FEFF}\u{2060}\u{AD}", "invisible \\u200B\\uFEFF\\u2060\\u00AD"),
        ("tag \u{E0041}\u{E007F}", "tag \\U000E0041\\U000E007F"),
        ("unicode é ü 中", "unicode é ü 中"),
    ])
    func commentRows(_ row: (String, String)) {
        #expect(PolicyDraft.comment(row.0) == row.1)
    }

    @Test("a string with characters that mislead a reader is escaped and reads back the same",
          arguments: ["a\u{202E}b", "a\u{2028}b", "a\u{85}b", "a\u{7F}b", "a\u{1}b", "é",
                      "a\u{200B}b", "\u{FEFF}a", "a\u{2064}b", "a\u{E0041}b"])
    func stringRoundTrip(_ value: String) throws {
        let rendered = PolicyDraft.string(value)
        #expect(!rendered.unicodeScalars.contains { PolicyDraft.misleads($0) || $0.properties.generalCategory == .format })
        let table = try TOMLParser.parse("k = " + rendered)
        #expect(table["k"]?.node.string == value)
    }

    @Test("the renderer writes every body setting the loader reads")
    func coversEveryKey() {
        var rules = BodyRules()
        rules.maxMemory = 1
        rules.maxNanoCPUs = 1_000_000_000
        rules.maxPids = 1
        rules.jobMaxContainers = 1
        rules.jobMaxMemory = 1
        rules.jobMaxNanoCPUs = 1_000_000_000
        let rendered = Set(PolicyDraft.settings(rules).map { "\($0.section).\($0.key)" })
        let loaded = Set(PolicyLoader.sectionKeys.flatMap { section, keys in keys.map { "\(section).\($0)" } })
        #expect(rendered == loaded)
    }

    @Test("a shipped policy, rendered, loads back the same", arguments: ["observe.toml", "read-only.toml", "ci.toml"])
    func shipped(_ name: String) throws {
        let policy = try loadShippedPolicy(name)
        let text = PolicyDraft(policy).render()
        let back = try Policy.parse(source: text, fileName: name)
        #expect(back.rules.map(\.id) == policy.rules.map(\.id))
        for (a, b) in zip(back.rules, policy.rules) {
            #expect(a.action == b.action && a.routes == b.routes && a.groups == b.groups && a.methods == b.methods && a.description == b.description)
        }
        #expect(back.bodyRules == policy.bodyRules)
        #expect(back.mode == policy.mode && back.description == policy.description)
    }

    @Test("every body setting away from its default renders and loads back")
    func everySetting() throws {
        let source = """
            [policy]
            mode = "warn"
            description = "tab\\there \\"quoted\\""
            [[rules]]
            id = "all"
            action = "allow"
            groups = ["*"]
            [api]
            min-version = "1.30"
            [containers]
            privileged = true
            host-namespaces = ["pid", "network"]
            join-namespaces = true
            capabilities = ["NET_ADMIN", "CAP_SYS_TIME"]
            devices = true
            sysctls = ["net.ipv4.*", "kernel.x"]
            runtimes = ["runsc"]
            cgroup-parent = true
            annotations = true
            images = ["registry.example.com/ci/*"]
            non-root = true
            no-new-privileges = true
            [security-options]
            seccomp-unconfined = true
            seccomp-profiles = true
            apparmor-unconfined = true
            apparmor-profiles = ["p"]
            selinux-labels = true
            system-paths-unconfined = true
            [host-paths]
            allow = ["/srv"]
            read-only = true
            shared-propagation = true
            [volumes]
            drivers = ["d"]
            driver-options = true
            volumes-from = true
            [networks]
            drivers = ["macvlan"]
            driver-options = true
            subnets = true
            [host-ports]
            allow = true
            addresses = ["0.0.0.0"]
            ports = "80-90"
            publish-all = true
            [builds]
            remote-contexts = true
            buildkit = true
            [swarm]
            addresses = ["10.0.0.1"]
            join = ["m:2377"]
            [resources]
            max-memory = "2g"
            max-cpus = 2
            max-pids = 100
            require = ["memory", "cpus", "pids"]
            """
        let policy = try Policy.parse(source: source, fileName: "all.toml")
        #expect(policy.bodyRules != BodyRules())
        let back = try Policy.parse(source: PolicyDraft(policy).render(), fileName: "all.toml")
        #expect(back.bodyRules == policy.bodyRules)
        #expect(back.description == policy.description && back.mode == .warn)
    }
}
