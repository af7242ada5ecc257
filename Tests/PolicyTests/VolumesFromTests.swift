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
        let decision = policy.evaluate(PolicyInput(method: "POST", route: route, apiVersion: "1.41",
                                                   body: .complete(Array(body.utf8), contentType: "application/json"),
                                                   contentType: "application/json"), environment: FakeDaemon())
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
        let decision = policy.evaluate(PolicyInput(method: "POST", route: route, apiVersion: "1.41",
                                                   body: .complete(Array(body.utf8), contentType: "application/json"),
                                                   contentType: "application/json"))
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
