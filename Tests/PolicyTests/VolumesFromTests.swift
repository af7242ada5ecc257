import EngineAPI
import Foundation
import GoJSON
import Testing
@testable import Policy

/// A daemon with three containers, for judging VolumesFrom without one.
struct FakeDaemon: HostEnvironment {
    let literal = LiteralHostEnvironment()
    func resolve(hostPath: String) -> ResolvedHostPath { literal.resolve(hostPath: hostPath) }
    func namesThisHost(_ name: String) -> Bool { name == "ci-runner-7" }
    func targetContainer(_ reference: TargetReference) -> TargetContainerLookup {
        let id = { (c: Character) in String(repeating: c, count: 64) }
        // A full ID finds its container, as dockerd resolves a full ID first.
        let byID: [Character: String] = ["1": "job-1", "2": "runner", "3": "agent", "4": "opsvol", "5": "lender",
                                         "6": "hostpid", "7": "sidecar", "8": "lanbox", "9": "withuser"]
        if case .container(let ref) = reference, ref.count == 64, let first = ref.first, ref.allSatisfy({ $0 == first }),
           let name = byID[first] {
            return targetContainer(.container(name))
        }
        var facts = RequestFacts()
        switch reference {
        case .container("job-1"), .exec("e1"): return .found(id: id("1"), name: "job-1", facts: facts)
        case .container("runner"):
            facts.asks = [Ask(.hostPath(path: "/var/run/docker.sock", readOnly: false, sharedPropagation: false),
                              field: "HostConfig.Binds[0]", value: "/var/run/docker.sock:/var/run/docker.sock")]
            return .found(id: id("2"), name: "runner", facts: facts)
        case .container("agent"), .exec("e2"):
            facts.asks = [Ask(.privileged, field: "HostConfig.Privileged", value: "true")]
            return .found(id: id("3"), name: "agent", facts: facts)
        case .container("opsvol"):
            facts.asks = [Ask(.namedVolume("hostetc"), field: "HostConfig.Binds[0]", value: "hostetc:/x")]
            return .found(id: id("4"), name: "opsvol", facts: facts)
        case .container("lender"):
            facts.asks = [Ask(.volumesFrom(container: "ops"), field: "HostConfig.VolumesFrom[0]", value: "ops")]
            return .found(id: id("5"), name: "lender", facts: facts)
        case .container("hostpid"):
            facts.asks = [Ask(.hostNamespace(.pid), field: "HostConfig.PidMode", value: "host")]
            return .found(id: id("6"), name: "hostpid", facts: facts)
        case .container("sidecar"):
            facts.asks = [Ask(.joinNamespace(.pid), field: "HostConfig.PidMode", value: "container:hostpid")]
            return .found(id: id("7"), name: "sidecar", facts: facts)
        case .container("lanbox"):
            facts.asks = [Ask(.namedNetwork("lan"), field: "NetworkSettings.Networks[lan]", value: "lan")]
            return .found(id: id("8"), name: "lanbox", facts: facts)
        case .container("withuser"): return .found(id: id("9"), name: "withuser", user: "daemon", facts: facts)
        case .container("flaky"): return .unavailable("the daemon answered 500")
        default: return .notFound
        }
    }

    func network(_ reference: String) -> NetworkLookup {
        switch reference {
        case "ci_default": return .found(driver: "bridge")
        case "lan": return .found(driver: "macvlan")
        case "l3": return .found(driver: "ipvlan")
        case String(repeating: "b", count: 64): return .found(driver: "host")
        case String(repeating: "0", count: 64): return .found(driver: "null")
        case "flakynet": return .unavailable("the daemon answered 500")
        default: return .notFound
        }
    }

    func volume(_ name: String) -> VolumeLookup {
        switch name {
        case "cachevol": return .found(driver: "local", options: [:])
        case "hostetc": return .found(driver: "local", options: ["type": "none", "o": "bind", "device": "/etc"])
        case "nfs": return .found(driver: "local", options: ["type": "nfs", "o": "addr=127.0.0.1", "device": ":/export"])
        case "rexray": return .found(driver: "rexray", options: [:])
        case "flaky": return .unavailable("the daemon answered 500")
        default: return .notFound
        }
    }
    func container(_ reference: String) -> ContainerLookup {
        switch reference {
        case "cache": return .found(id: String(repeating: "c", count: 64), mounts: [
            ContainerMount(type: "volume", name: "cachevol", source: "/var/lib/docker/volumes/cachevol/_data", driver: "local", volumeOptions: [:])])
        case "ops": return .found(id: String(repeating: "0", count: 64), mounts: [
            ContainerMount(type: "bind", source: "/etc", readWrite: false)])
        case "sneaky": return .found(id: String(repeating: "5", count: 64), mounts: [
            ContainerMount(type: "volume", name: "v", driver: "local", volumeOptions: ["type": "none", "o": "bind", "device": "/etc"])])
        case "plugin": return .found(id: String(repeating: "p", count: 64), mounts: [
            ContainerMount(type: "volume", name: "v", driver: "rexray", volumeOptions: [:])])
        default: return .notFound
        }
    }
}

func ciWithVolumesFrom() throws -> Policy {
    let path = repositoryRoot() + "/policies/ci.toml"
    let text = try String(contentsOfFile: path, encoding: .utf8)
        .replacingOccurrences(of: "volumes-from = false", with: "volumes-from = true")
    return try Policy.parse(source: text, fileName: "ci+volumes-from.toml")
}

let volumesFromCases: [(name: String, entry: String, expect: String?, pinned: String?)] = [
    ("a cache container's local volume", "cache", nil, String(repeating: "c", count: 64)),
    ("read-only mode is kept when pinned", "cache:ro", nil, String(repeating: "c", count: 64) + ":ro"),
    ("a container lending a host bind", "ops", "host-paths", nil),
    ("a container lending a volume that binds a host path", "sneaky", "volumes", nil),
    ("a container lending a plugin volume", "plugin", "volumes", nil),
    ("a container the daemon does not know", "ghost", "volumes", nil),
    ("a propagation mode the daemon refuses", "cache:rshared", "volumes", nil),
    ("an empty container name", ":ro", "volumes", nil),
]

@Suite("VolumesFrom is judged by the mounts it would copy, and pinned to the container's ID")
struct VolumesFromTests {
    @Test("decisions", arguments: volumesFromCases.indices)
    func decide(_ index: Int) throws {
        let c = volumesFromCases[index]
        let policy = try ciWithVolumesFrom()
        let route = try #require(Catalogue.route(named: "container.create"))
        let body = #"{"Image":"b","HostConfig":{"NetworkMode":"none","VolumesFrom":["\#(c.entry)"]}}"#
        let decision = judgeJSON(policy, route: route, body: body, environment: FakeDaemon())
        if let expected = c.expect {
            #expect(!decision.allowed, "\(c.name)")
            #expect(decision.rule == expected, "\(c.name): \(decision.reason)")
        } else {
            #expect(decision.allowed, "\(c.name): \(decision.reason)")
            let forwarded = String(decoding: try #require(decision.forwardBody), as: UTF8.self)
            #expect(forwarded.contains(#""VolumesFrom":["\#(c.pinned!)"]"#), "\(forwarded)")
        }
    }

    @Test("without a daemon to ask (explain, check), VolumesFrom is refused even when allowed")
    func noDaemon() throws {
        let policy = try ciWithVolumesFrom()
        let route = try #require(Catalogue.route(named: "container.create"))
        let body = #"{"Image":"b","HostConfig":{"VolumesFrom":["cache"]}}"#
        let decision = judgeJSON(policy, route: route, body: body)
        #expect(!decision.allowed)
        #expect(decision.reason.contains("could not be looked up"), "\(decision.reason)")
    }
}

@Suite("Registries the host environment names as this host's")
struct RegistryEnvironmentTests {
    @Test("a name the environment gives this host is refused by *, and allowed when listed", arguments: [
        ("ci-runner-7:5000/x", false), ("CI-RUNNER-7.:5000/x", false), ("registry.example.com/x", true),
    ])
    func environmentNames(_ reference: String, _ allowed: Bool) throws {
        let policy = try loadShippedPolicy("ci.toml")
        let route = try #require(Catalogue.route(named: "image.create"))
        let query = "fromImage=" + reference.replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: "/", with: "%2F")
        let decision = policy.evaluate(PolicyInput(method: "POST", route: route, apiVersion: "1.41", rawQuery: query), environment: FakeDaemon())
        #expect(decision.allowed == allowed, "\(reference): \(decision.reason)")
        if !allowed { #expect(decision.reason.contains("an address of this host itself"), "\(decision.reason)") }
    }
}

/// Named volumes (`-v name:/dst`, `--mount type=volume,src=name`) through
/// ci.toml against `FakeDaemon`'s volumes.
let namedVolumeCases: [(name: String, hostConfig: String, expect: String?, says: String?)] = [
    ("a plain local volume that exists", #""Binds":["cachevol:/cache"]"#, nil, nil),
    ("a volume that does not exist yet (the daemon creates it from the request)", #""Binds":["fresh:/x"]"#, nil, nil),
    ("an existing volume that binds the host's /etc, by Binds", #""Binds":["hostetc:/x:ro"]"#, "volumes", "device=/etc"),
    ("an existing volume that binds the host's /etc, by Mounts", #""Mounts":[{"Type":"volume","Source":"hostetc","Target":"/x"}]"#, "volumes", "device=/etc"),
    ("an existing NFS volume (the daemon mounts it from the host's network)", #""Binds":["nfs:/x"]"#, "volumes", "type=nfs"),
    ("an existing volume of another driver", #""Mounts":[{"Type":"volume","Source":"rexray","Target":"/x"}]"#, "volumes", "driver rexray"),
    ("a volume the daemon could not be asked about", #""Binds":["flaky:/x"]"#, "volumes", "could not be looked up"),
    ("an anonymous volume (nothing to look up)", #""Mounts":[{"Type":"volume","Target":"/x"}]"#, nil, nil),
    ("a new volume with bind options of its own is refused as before", #""Mounts":[{"Type":"volume","Source":"fresh","Target":"/x","VolumeOptions":{"DriverConfig":{"Options":{"o":"bind","device":"/etc","type":"none"}}}}]"#, "volumes", "driver options"),
]

@Suite("A named volume that exists is judged as it was created")
struct NamedVolumeTests {
    @Test("decisions", arguments: namedVolumeCases.indices)
    func decide(_ index: Int) throws {
        let c = namedVolumeCases[index]
        let policy = try loadShippedPolicy("ci.toml")
        let route = try #require(Catalogue.route(named: "container.create"))
        let body = #"{"Image":"b","HostConfig":{"NetworkMode":"none",\#(c.hostConfig)}}"#
        let decision = judgeJSON(policy, route: route, body: body, environment: FakeDaemon())
        if let expected = c.expect {
            #expect(!decision.allowed, "\(c.name)")
            #expect(decision.rule == expected, "\(c.name): \(decision.reason)")
            if let says = c.says { #expect(decision.reason.contains(says), "\(c.name): \(decision.reason)") }
        } else {
            #expect(decision.allowed, "\(c.name): \(decision.reason)")
        }
    }

    @Test("driver-options = true lets an existing bind volume be mounted")
    func allowedAndSuggested() throws {
        let policy = try ciWith("driver-options = false        # no local driver options", replacedBy: "driver-options = true # ")
        let route = try #require(Catalogue.route(named: "container.create"))
        let body = #"{"Image":"b","HostConfig":{"NetworkMode":"none","Binds":["hostetc:/x"]}}"#
        let decision = judgeJSON(policy, route: route, body: body, environment: FakeDaemon())
        #expect(decision.allowed, "\(decision.reason)")
    }
}

/// Networks joined by name or ID through ci.toml, against `FakeDaemon`'s networks.
let namedNetworkCases: [(name: String, body: String, route: String, network: String?, expect: String?)] = [
    ("a compose network (bridge) by name", #"{"Image":"b","HostConfig":{"NetworkMode":"ci_default"}}"#, "container.create", nil, nil),
    ("an existing macvlan network by name", #"{"Image":"b","HostConfig":{"NetworkMode":"lan"}}"#, "container.create", nil, "networks"),
    ("an existing ipvlan network as an endpoint", #"{"Image":"b","HostConfig":{"NetworkMode":"none"},"NetworkingConfig":{"EndpointsConfig":{"l3":{}}}}"#,
     "container.create", nil, "networks"),
    ("the host network by its ID", #"{"Image":"b","HostConfig":{"NetworkMode":"\#(String(repeating: "b", count: 64))"}}"#, "container.create", nil, "networks"),
    ("the none network by its ID", #"{"Image":"b","HostConfig":{"NetworkMode":"\#(String(repeating: "0", count: 64))"}}"#, "container.create", nil, nil),
    ("a network that does not exist (the daemon refuses it)", #"{"Image":"b","HostConfig":{"NetworkMode":"ghostnet"}}"#, "container.create", nil, nil),
    ("a network that cannot be looked up", #"{"Image":"b","HostConfig":{"NetworkMode":"flakynet"}}"#, "container.create", nil, "networks"),
    ("the predefined none and bridge by name need no look-up", #"{"Image":"b","HostConfig":{"NetworkMode":"bridge"}}"#, "container.create", nil, nil),
    ("docker network connect to a macvlan network", #"{"Container":"c"}"#, "network.connect", "lan", "networks"),
    ("docker network connect to a compose network", #"{"Container":"c"}"#, "network.connect", "ci_default", nil),
    // dockerd 20.10 joins the network an endpoint's NetworkID names, not its key or the path's (getNetworkID).
    ("an endpoint whose NetworkID names a macvlan network, under a key no network has",
     #"{"Image":"b","HostConfig":{"NetworkMode":"none"},"NetworkingConfig":{"EndpointsConfig":{"x":{"NetworkID":"lan"}}}}"#,
     "container.create", nil, "networks"),
    ("an endpoint whose NetworkID names the host network by ID, under a compose network's key",
     #"{"Image":"b","HostConfig":{"NetworkMode":"ci_default"},"NetworkingConfig":{"EndpointsConfig":{"ci_default":{"NetworkID":"\#(String(repeating: "b", count: 64))"}}}}"#,
     "container.create", nil, "networks"),
    ("an endpoint whose NetworkID is spelt host", #"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"x":{"networkid":"host"}}}}"#,
     "container.create", nil, "containers"),
    ("an endpoint whose NetworkID names a compose network", #"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"x":{"NetworkID":"ci_default"}}}}"#,
     "container.create", nil, nil),
    ("an endpoint whose NetworkID cannot be looked up", #"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"x":{"NetworkID":"flakynet"}}}}"#,
     "container.create", nil, "networks"),
    ("docker network connect to a missing network with a NetworkID naming a macvlan network",
     #"{"Container":"c","EndpointConfig":{"NetworkID":"lan"}}"#, "network.connect", "x", "networks"),
    ("docker network connect to a compose network with a NetworkID naming an ipvlan network",
     #"{"Container":"c","EndpointConfig":{"NetworkID":"l3"}}"#, "network.connect", "ci_default", "networks"),
    ("docker network connect with a NetworkID naming the compose network itself",
     #"{"Container":"c","EndpointConfig":{"NetworkID":"ci_default"}}"#, "network.connect", "ci_default", nil),
]

@Suite("A network joined by name is judged by the driver it was created with")
struct NamedNetworkTests {
    @Test("decisions", arguments: namedNetworkCases.indices)
    func decide(_ index: Int) throws {
        let c = namedNetworkCases[index]
        let policy = try loadShippedPolicy("ci.toml")
        let route = try #require(Catalogue.route(named: c.route))
        var input = PolicyInput(method: "POST", route: route, apiVersion: "1.41",
                                body: .complete(Array(c.body.utf8), contentType: "application/json"), contentType: "application/json")
        if let network = c.network { input.parameters = ["id": network] }
        let decision = policy.evaluate(input, environment: FakeDaemon())
        if let expected = c.expect {
            #expect(!decision.allowed, "\(c.name)")
            #expect(decision.rule == expected, "\(c.name): \(decision.reason)")
        } else {
            #expect(decision.allowed, "\(c.name): \(decision.reason)")
        }
    }
}

/// `FakeDaemon`, counting the look-ups the daemon would answer.
final class CountingDaemon: HostEnvironment, @unchecked Sendable {
    let base = FakeDaemon()
    var lookups = 0
    func resolve(hostPath: String) -> ResolvedHostPath { base.resolve(hostPath: hostPath) }
    func namesThisHost(_ name: String) -> Bool { base.namesThisHost(name) }
    func grantsSocket(_ path: String) -> Bool { base.grantsSocket(path) }
    func targetContainer(_ reference: TargetReference) -> TargetContainerLookup { lookups += 1; return base.targetContainer(reference) }
    func network(_ reference: String) -> NetworkLookup { lookups += 1; return base.network(reference) }
    func volume(_ name: String) -> VolumeLookup { lookups += 1; return base.volume(name) }
    func container(_ reference: String) -> ContainerLookup { lookups += 1; return base.container(reference) }
}

@Suite("One request's judging asks the daemon once per object, for at most 256 objects")
struct LookupMemoTests {
    static let cases: [(name: String, entries: [String], lookups: Int, allowed: Bool)] = [
        ("a VolumesFrom entry named a thousand times is looked up once", Array(repeating: "cache", count: 1000), 1, true),
        ("one container named with two modes is looked up once", ["cache", "cache:ro"], 1, true),
        ("a named volume bound a thousand times is looked up once", [], 1, true),
        ("more than 256 objects cannot be judged", (0..<300).map { "c\($0)" }, 256, false),
    ]

    @Test(arguments: cases.indices)
    func lookups(_ i: Int) throws {
        let c = Self.cases[i]
        let policy = try ciWithVolumesFrom()
        let route = try #require(Catalogue.route(named: "container.create"))
        let daemon = CountingDaemon()
        var hostConfig = #""NetworkMode":"none""#
        if c.entries.isEmpty {
            let binds = (0..<1000).map { #""cachevol:/v\#($0)""# }.joined(separator: ",")
            hostConfig += #","Binds":[\#(binds)]"#
        } else if c.name.hasPrefix("more") {
            // Named volumes that do not exist: each a look-up.
            let binds = c.entries.map { #""\#($0):/\#($0)""# }.joined(separator: ",")
            hostConfig += #","Binds":[\#(binds)]"#
        } else {
            hostConfig += #","VolumesFrom":[\#(c.entries.map { #""\#($0)""# }.joined(separator: ","))]"#
        }
        let decision = judgeJSON(policy, route: route, body: #"{"Image":"b","HostConfig":{\#(hostConfig)}}"#, environment: daemon)
        #expect(decision.allowed == c.allowed, "\(c.name): \(decision.reason)")
        #expect(daemon.lookups == c.lookups, "\(c.name)")
        if !c.allowed { #expect(decision.reason.contains("more than 256 objects"), "\(decision.reason)") }
    }
}
