import EngineAPI
import GoJSON
import Testing
@testable import Policy

/// Facts for each ci.toml golden body case that decodes (reused as a corpus).
func corpusFacts() -> [(String, RequestFacts)] {
    ciBodyCases.compactMap { c in
        guard let route = Catalogue.route(named: c.route) else { return nil }
        let body: [UInt8]? = RequestInterpreter.judgedBodies.contains(c.route) ? Array(c.body.utf8) : nil
        guard case .success(let i) = RequestInterpreter.interpret(route: route, rawQuery: c.query, body: body, contentType: c.contentType)
        else { return nil }
        return (c.name, i.facts)
    }
}

/// The asks in the order the JSON keeps them: grouped by kind, kinds in
/// order of first appearance, request order within a kind.
func grouped(_ facts: RequestFacts) -> RequestFacts {
    var names: [String] = []
    for ask in facts.asks where !names.contains(FactsJSON.describe(ask.kind).name) {
        names.append(FactsJSON.describe(ask.kind).name)
    }
    return RequestFacts(names.flatMap { name in facts.asks.filter { FactsJSON.describe($0.kind).name == name } })
}

@Suite("Facts as JSON (audit log, explain, suggest)")
struct FactsJSONTests {
    @Test("what render writes, parse reads back exactly, for every decodable golden body")
    func roundTrip() throws {
        let corpus = corpusFacts()
        #expect(corpus.count > 40)
        for (name, facts) in corpus {
            let text = FactsJSON.render(facts)
            guard case .success(let value) = JSONParser.parse(text) else {
                Issue.record("\(name): not JSON: \(String(decoding: text, as: UTF8.self))")
                continue
            }
            #expect(FactsJSON.parse(value) == grouped(facts), "\(name)")
        }
    }

    @Test("past maxPerKind a kind's asks are counted in omitted, every kind still listed")
    func cappedPerKind() throws {
        var asks = (0..<10).map { Ask(.capabilityAdd("CAP_A"), field: "HostConfig.CapAdd[\($0)]", value: "A") }
        asks.insert(Ask(.privileged, field: "HostConfig.Privileged", value: "true"), at: 5)
        asks.append(Ask(.hostPath(path: "/", readOnly: false, sharedPropagation: false), field: "HostConfig.Binds[0]", value: "/:/h"))
        let facts = RequestFacts(asks)
        let capped = FactsJSON.render(facts, maxPerKind: 3)
        guard case .success(let value) = JSONParser.parse(capped), case .object(let groups) = value else {
            Issue.record("not a JSON object: \(String(decoding: capped, as: UTF8.self))")
            return
        }
        #expect(groups.map(\.key) == ["capability_add", "privileged", "host_path", "omitted"])
        #expect(groups.last?.value == .object([JSONMember("capability_add", .number("7"))]))
        #expect(FactsJSON.wasCut(value))
        let kept = FactsJSON.parse(value)
        #expect(kept?.asks.count == 5)
        #expect(kept?.asks.contains { $0.kind == .privileged } == true)
        // Without a cap, nothing is omitted (and nothing says so).
        guard case .success(let whole) = JSONParser.parse(FactsJSON.render(facts)) else { return }
        #expect(!FactsJSON.wasCut(whole) && FactsJSON.parse(whole) == grouped(facts))
        // The audit cap keeps a record within a small multiple of its body:
        // 150,000 one-letter capabilities were a 10 MB record from a 750 kB body.
        let flood = RequestFacts((0..<150_000).map { Ask(.capabilityAdd("CAP_A"), field: "HostConfig.CapAdd[\($0)]", value: "A") })
        #expect(FactsJSON.render(flood, maxPerKind: FactsJSON.auditMaxPerKind).count < 64 * 1024)
    }

    @Test("every kind of fact round-trips, escapes and nulls included")
    func everyKind() throws {
        let kinds: [Ask.Kind] = [
            .privileged, .hostNamespace(.pid), .joinNamespace(.ipc), .unrecognisedMode(.uts), .capabilityAdd("CAP_NET_ADMIN"),
            .device, .seccompUnconfined, .seccompCustomProfile, .apparmorUnconfined, .apparmorProfile("p"), .selinuxLabel,
            .unrecognisedSecurityOption, .systemPathsUnconfined, .noNewPrivileges(true), .sysctl(name: "net.core.x"),
            .runtime("runsc"), .logDriver("syslog"), .logOption("syslog-address"), .oomProtection, .ulimit("memlock"), .registry("localhost:5000"), .cgroupParent("/x"), .hostPath(path: "/srv/\"q\"", readOnly: true, sharedPropagation: false),
            .volumeDriver("d"), .volumeDriverOptions, .namedVolume("v"), .namedNetwork("n"), .volumesFrom(container: "c"), .unrecognisedMount,
            .hostPort(address: "", port: "8080"), .publishAllPorts, .image("busybox"), .imageName("x:y"), .imageLoad,
            .swarmAddress(host: "10.0.0.1"), .swarmRemote("m:2377"), .user("0"), .memory(-1), .nanoCPUs(1_500_000_000),
            .pidsLimit(nil), .pidsLimit(100), .annotation("k"), .remoteContext, .buildKit, .networkDriver("macvlan"),
            .networkDriverOptions, .networkSubnet, .unjudged("a thing\nwith a newline"),
        ]
        let facts = RequestFacts(kinds.enumerated().map { Ask($0.element, field: "F[\($0.offset)]", value: "v\u{1}\($0.offset)") })
        guard case .success(let value) = JSONParser.parse(FactsJSON.render(facts)) else {
            Issue.record("not JSON")
            return
        }
        let back = try #require(FactsJSON.parse(value))
        #expect(back == grouped(facts))
        #expect(back.asks.count == kinds.count)
    }

    @Test("asks of one kind are grouped under one key, in request order")
    func grouping() {
        let facts = RequestFacts([
            Ask(.capabilityAdd("CAP_A"), field: "HostConfig.CapAdd[0]", value: "A"),
            Ask(.image("busybox"), field: "Image", value: "busybox"),
            Ask(.capabilityAdd("CAP_B"), field: "HostConfig.CapAdd[1]", value: "B"),
        ])
        #expect(String(decoding: FactsJSON.render(facts), as: UTF8.self) ==
            #"{"capability_add":[{"field":"HostConfig.CapAdd[0]","value":"A","capability":"CAP_A"},{"field":"HostConfig.CapAdd[1]","value":"B","capability":"CAP_B"}],"image":[{"field":"Image","value":"busybox","reference":"busybox"}]}"#)
        #expect(FactsJSON.textLines(facts) == [
            #"capability_add  HostConfig.CapAdd[0] = "A""#,
            #"image           Image = "busybox""#,
            #"capability_add  HostConfig.CapAdd[1] = "B""#,
        ])
    }

    @Test("what is not in the form render writes is refused, never guessed",
          arguments: [#"[]"#, #"{"privileged":{}}"#, #"{"no_such_kind":[{"field":"f","value":"v"}]}"#,
                      #"{"capability_add":[{"field":"f","value":"v"}]}"#, #"{"image":[{"value":"v","reference":"r"}]}"#,
                      #"{"memory":[{"field":"f","value":"v","bytes":"12"}]}"#])
    func refused(_ text: String) throws {
        guard case .success(let value) = JSONParser.parse(Array(text.utf8)) else {
            Issue.record("not JSON")
            return
        }
        #expect(FactsJSON.parse(value) == nil)
    }
}
