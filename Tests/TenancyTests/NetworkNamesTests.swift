import EngineAPI
import GoJSON
import Testing
@testable import Tenancy

@Suite("Network names on a job socket")
struct NetworkNamesTests {
    @Test("a name of lower-case hex digits reads as an ID prefix and is refused", arguments: [
        ("f83", true), ("0", true), ("0123456789abcdef", true), (String(repeating: "e", count: 64), true),
        ("F83", false), ("f83-net", false), ("g83", false), ("", false), ("f83\u{301}", false), ("ｆ83", false),
    ])
    func hexNames(_ c: (String, Bool)) {
        #expect(NetworkNames.readsAsID(c.0) == c.1, "\(c.0)")
        let refusal = NetworkNames.checkCreate(name: c.0)
        #expect((refusal != nil) == c.1, "\(c.0)")
        if let refusal {
            #expect(refusal.status == 403)
            #expect(refusal.message.contains("ID prefix") && refusal.message.contains("\(c.0)-net"), "\(refusal.message)")
        }
    }

    @Test("a create body always asks the daemon to refuse a name that exists", arguments: [
        #"{"Name":"n"}"#, #"{"Name":"n","CheckDuplicate":false}"#, #"{"Name":"n","checkduplicate":null}"#,
        #"{"Name":"n","CheckDuplicate":true}"#,
    ])
    func checkDuplicate(_ body: String) throws {
        let schema = GoType.structure(BodySchemas.Network.createRequest)
        let value = try GoDecoder.decodeFirstValue(Array(body.utf8), as: schema).get().value
        let text = String(decoding: try GoEncoder.encodeChecked(NetworkNames.requiringUniqueName(value), as: schema).get(), as: UTF8.self)
        #expect(text.contains(#""CheckDuplicate":true"#) && !text.contains("false"), "\(text)")
        #expect(text.contains(#""Name":"n""#), "\(text)")
    }

    @Test("the networks a start resolves again: user networks of the mode and of the endpoints, once each", arguments: [
        ("jobnet", ["jobnet"], ["jobnet"]),
        ("jobnet", ["jobnet", "other"], ["jobnet", "other"]),
        ("none", ["none"], []),
        ("default", ["bridge"], []),
        ("host", [], []),
        ("container:web", [], []),
        ("", ["f83"], ["f83"]),
    ])
    func joined(_ c: (String, [String], [String])) {
        #expect(NetworkNames.joined(networkMode: c.0, networks: c.1) == c.2)
    }

    @Test("a stored reference can resolve to a network by exact name or ID prefix", arguments: [
        ("net", true), ("f8a3", true), ("f8a3c0ffee", true), ("f8a4", false), ("ne", false), ("", false), ("NET", false),
    ])
    func refers(_ c: (String, Bool)) {
        #expect(NetworkNames.refers(c.0, id: "f8a3c0ffee", name: "net") == c.1, "\(c.0)")
    }

    /// (containers as name, network mode, endpoint keys; the network named and the container, or nil)
    static let stillNamedCases: [(String, [(String, String, [String])], NetworkNames.StillNamed?)] = [
        ("no containers", [], nil),
        ("a stopped container by its network mode", [("c", "jobnet", [])], .init(network: "jobnet", container: "c")),
        ("by an endpoint key", [("c", "none", ["otherjobnet"])], .init(network: "otherjobnet", container: "c")),
        ("by the network's ID prefix", [("c", "f8a3", [])], .init(network: "jobnet", container: "c")),
        ("by the full ID", [("c", "bridge", ["f8a3c0ffee"])], .init(network: "jobnet", container: "c")),
        ("predefined networks only", [("c", "none", []), ("d", "bridge", ["bridge"]), ("e", "host", [])], nil),
        ("another container's namespace", [("c", "container:jobnet", [])], nil),
        ("a name that only starts like it", [("c", "jobnet2", ["jobne"])], nil),
        ("the first network in order, the first container naming it", [("c", "otherjobnet", []), ("d", "jobnet", [])],
         .init(network: "jobnet", container: "d")),
    ]

    @Test("a network prune or remove is held by any container of the job that names the network", arguments: stillNamedCases.indices)
    func stillNamed(_ i: Int) {
        let c = Self.stillNamedCases[i]
        let networks = [(id: "f8a3c0ffee", name: "jobnet"), (id: "0badc0de", name: "otherjobnet")]
        let containers = c.1.map { (name: $0.0, networkMode: $0.1, networks: $0.2) }
        #expect(NetworkNames.stillNamed(networks: networks, containers: containers) == c.2, "\(c.0)")
    }

    @Test("a refused prune says which network, which container, and what to do")
    func pruneRefusal() {
        let refusal = NetworkNames.pruneRefusal(.init(network: "jobnet", container: "web"), job: "build-42")
        #expect(refusal.status == 409)
        #expect(refusal.message.hasPrefix("sockwarden: network prune on job build-42's socket could remove network jobnet, which container web of the job still names"))
        #expect(refusal.message.contains("remove container web first (docker rm web), then prune or remove the network (docker network rm jobnet)"))
    }

    @Test("a start also joins the namespaces of the containers its modes name")
    func resolvedAtStart() {
        let modes = [(field: "NetworkMode", value: "container:web"), (field: "PidMode", value: "container:db"), (field: "IpcMode", value: "shareable")]
        let refs = OwnerReferences.resolvedAtStart(modes: modes, networks: ["jobnet"]).map { "\($0.kind.rawValue) \($0.reference) \($0.field)" }
        #expect(refs == ["network jobnet NetworkSettings.Networks[jobnet]", "container web HostConfig.NetworkMode", "container db HostConfig.PidMode"])
    }
}

@Suite("An endpoint's NetworkID on a job socket")
struct EndpointNetworkIDTests {
    // dockerd 20.10 joins the network a user key's NetworkID names instead of the key.
    @Test("a container create may not name a network by an endpoint's NetworkID", arguments: [
        (#"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"neta":{"NetworkID":"netb"}}}}"#, "NetworkingConfig.EndpointsConfig[neta].NetworkID"),
        (#"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"neta":{"networkid":"f83"}}}}"#, "NetworkingConfig.EndpointsConfig[neta].NetworkID"),
        (#"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"neta":{"NetworkID":"neta"}}}}"#, "NetworkingConfig.EndpointsConfig[neta].NetworkID"),
        (#"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"bridge":{},"neta":{"NetworkID":"netb"}}}}"#, "NetworkingConfig.EndpointsConfig[neta].NetworkID"),
        (#"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"bridge":{"NetworkID":"netb"}}}}"#, "NetworkingConfig.EndpointsConfig[bridge].NetworkID"),
        (#"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"neta":{"NetworkID":""}}}}"#, nil),
        (#"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"neta":{"NetworkID":null}}}}"#, nil),
        (#"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"neta":null,"netc":{"Aliases":["x"]}}}}"#, nil),
        (#"{"Image":"b","NetworkingConfig":{}}"#, nil),
        (#"{"Image":"b"}"#, nil),
    ] as [(String, String?)])
    func create(_ c: (String, String?)) throws {
        let value = try GoDecoder.decodeFirstValue(Array(c.0.utf8), as: .structure(ContainerCreateBody.wrapper)).get().value
        let refusal = OwnerReferences.checkEndpointNetworkIDs(route: "container.create", body: value)
        #expect((refusal != nil) == (c.1 != nil), "\(c.0)")
        if let refusal, let field = c.1 {
            #expect(refusal.status == 403)
            #expect(refusal.message.contains("\(field) must be left empty on a job socket"), "\(refusal.message)")
        }
    }

    @Test("a network connect may not name a network by its endpoint's NetworkID", arguments: [
        (#"{"Container":"a-z","EndpointConfig":{"NetworkID":"netb"}}"#, true),
        (#"{"Container":"a-z","endpointconfig":{"NetworkID":"0123abcd"}}"#, true),
        (#"{"EndpointConfig":{"NetworkID":"netb"}}"#, true),
        (#"{"Container":"a-z","EndpointConfig":{"NetworkID":""}}"#, false),
        (#"{"Container":"a-z","EndpointConfig":{"Aliases":["web"]}}"#, false),
        (#"{"Container":"a-z","EndpointConfig":null}"#, false),
        (#"{"Container":"a-z"}"#, false),
    ])
    func connect(_ c: (String, Bool)) throws {
        let value = try GoDecoder.decodeFirstValue(Array(c.0.utf8), as: .structure(BodySchemas.Network.connectOptions)).get().value
        let refusal = OwnerReferences.checkEndpointNetworkIDs(route: "network.connect", body: value)
        #expect((refusal != nil) == c.1, "\(c.0)")
        #expect(refusal.map { $0.message.contains("EndpointConfig.NetworkID must be left empty") } ?? true)
        #expect(OwnerReferences.checkEndpointNetworkIDs(route: "network.disconnect", body: value) == nil)
    }

    @Test("a start also resolves the NetworkID the daemon stored for each user network's endpoint", arguments: [
        ([(key: "neta", id: "netb")], ["network neta NetworkSettings.Networks[neta]", "network netb NetworkSettings.Networks[neta].NetworkID"]),
        ([(key: "neta", id: "")], ["network neta NetworkSettings.Networks[neta]"]),
        ([(key: "bridge", id: "netb")], []),
        ([(key: "none", id: "f83")], []),
    ] as [([(key: String, id: String)], [String])])
    func storedNetworkIDs(_ c: ([(key: String, id: String)], [String])) {
        let refs = OwnerReferences.resolvedAtStart(modes: [(field: "NetworkMode", value: "default")], networks: c.0.map(\.key), networkIDs: c.0)
        #expect(refs.map { "\($0.kind.rawValue) \($0.reference) \($0.field)" } == c.1)
    }
}

@Suite("Container limits as a job's quotas count them")
struct ResourceLimitsTests {
    @Test("CPUs as dockerd enforces them: a non-zero quota or period replaces what NanoCpus set", arguments: [
        (ResourceLimits(nanoCPUs: 1_500_000_000), 1_500_000_000),
        (ResourceLimits(cpuQuota: 50_000, cpuPeriod: 100_000), 500_000_000),
        (ResourceLimits(nanoCPUs: 1_000_000_000, cpuQuota: -1), 0),
        (ResourceLimits(cpuQuota: -1, cpuPeriod: 100_000), 0),
        (ResourceLimits(nanoCPUs: 1_000_000_000, cpuPeriod: 10_000), 10_000_000_000),
        (ResourceLimits(cpuQuota: 50_000), 0),
        (ResourceLimits(), 0),
        (ResourceLimits(nanoCPUs: -5), 0),
        (ResourceLimits(cpuQuota: Int64.max, cpuPeriod: 1_000), Int64.max),
    ] as [(ResourceLimits, Int64)])
    func cpus(_ c: (ResourceLimits, Int64)) {
        #expect(c.0.effectiveNanoCPUs == c.1, "\(c.0)")
    }

    @Test("an update changes only the limits it sets (0 leaves one as it was)", arguments: [
        (ResourceLimits(memory: 4 << 30), ResourceLimits(memory: 4 << 30, nanoCPUs: 500_000_000)),
        (ResourceLimits(), ResourceLimits(memory: 48 << 20, nanoCPUs: 500_000_000)),
        (ResourceLimits(cpuQuota: -1), ResourceLimits(memory: 48 << 20, nanoCPUs: 500_000_000, cpuQuota: -1)),
        (ResourceLimits(memory: -1), ResourceLimits(memory: -1, nanoCPUs: 500_000_000)),
    ])
    func updated(_ c: (ResourceLimits, ResourceLimits)) {
        #expect(ResourceLimits(memory: 48 << 20, nanoCPUs: 500_000_000).updated(by: c.0) == c.1)
    }

    @Test("memory of 0 or less is no limit")
    func memory() {
        #expect(ResourceLimits(memory: -1).effectiveMemory == 0)
        #expect(ResourceLimits(memory: 6 << 20).effectiveMemory == 6 << 20)
    }
}
