import EngineAPI
import Foundation
import GoJSON
import Testing
@testable import Policy

/// `GET /containers/{id}/json` of `docker create --network none swtest/busybox true`,
/// captured from dockerd 20.10 (cgroup v1 host: `CgroupnsMode` "host",
/// `Runtime` "runc", the default masked and read-only paths all stored).
let inspectedPlainContainer = #"""
{"Id":"5fd973355df784629bce97dd2afb503d323ee9d5d7f099ad924f5df7c8782c15","Created":"2026-11-30T12:56:17.174414431Z","Path":"true","Args":[],"State":{"Status":"created","Running":false,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":0,"ExitCode":0,"Error":"","StartedAt":"0001-01-01T00:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"},"Image":"sha256:7b7416c108500a316fcdee820ad1e063a0abe838630665b67652fe94502f2108","ResolvConfPath":"","HostnamePath":"","HostsPath":"","LogPath":"","Name":"/i-plain","RestartCount":0,"Driver":"overlay2","Platform":"linux","MountLabel":"","ProcessLabel":"","AppArmorProfile":"","ExecIDs":null,"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"json-file","Config":{}},"NetworkMode":"none","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"CapAdd":null,"CapDrop":null,"CgroupnsMode":"host","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"private","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":67108864,"Runtime":"runc","ConsoleSize":[0,0],"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"KernelMemory":0,"KernelMemoryTCP":0,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":null,"OomKillDisable":false,"PidsLimit":null,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":["/proc/asound","/proc/acpi","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/proc/scsi","/sys/firmware"],"ReadonlyPaths":["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]},"GraphDriver":{"Data":{"LowerDir":"/tmp/swtc/data/overlay2/1afc98b8effb3d6cbfc0d8ef34ef9efefd591ddf86a12d5aed5b443964ae30c6-init/diff:/tmp/swtc/data/overlay2/78925b00f8022e05935596fa9b32c115f87c7e5308fa023131cf99b043f7c9d6/diff","MergedDir":"/tmp/swtc/data/overlay2/1afc98b8effb3d6cbfc0d8ef34ef9efefd591ddf86a12d5aed5b443964ae30c6/merged","UpperDir":"/tmp/swtc/data/overlay2/1afc98b8effb3d6cbfc0d8ef34ef9efefd591ddf86a12d5aed5b443964ae30c6/diff","WorkDir":"/tmp/swtc/data/overlay2/1afc98b8effb3d6cbfc0d8ef34ef9efefd591ddf86a12d5aed5b443964ae30c6/work"},"Name":"overlay2"},"Mounts":[],"Config":{"Hostname":"5fd973355df7","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["true"],"Image":"swtest/busybox","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{}},"NetworkSettings":{"Bridge":"","SandboxID":"","HairpinMode":false,"LinkLocalIPv6Address":"","LinkLocalIPv6PrefixLen":0,"Ports":{},"SandboxKey":"","SecondaryIPAddresses":null,"SecondaryIPv6Addresses":null,"EndpointID":"","Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","MacAddress":"","Networks":{"none":{"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"","DriverOpts":null}}}}
"""#

/// The captured inspect with HostConfig members replaced (and its `Mounts`, when given).
func inspected(_ hostConfig: [String: Any], mounts: [[String: Any]]? = nil, networks: [String: String]? = nil) throws -> [UInt8] {
    var value = try #require(try JSONSerialization.jsonObject(with: Data(inspectedPlainContainer.utf8)) as? [String: Any])
    var hc = try #require(value["HostConfig"] as? [String: Any])
    for (key, member) in hostConfig { hc[key] = member }
    value["HostConfig"] = hc
    if let mounts { value["Mounts"] = mounts }
    if let networks {
        // NetworkSettings.Networks: name → endpoint (its NetworkID; "" before the first start).
        var settings = try #require(value["NetworkSettings"] as? [String: Any])
        settings["Networks"] = networks.mapValues { ["NetworkID": $0, "EndpointID": "", "IPAddress": ""] as [String: Any] }
        value["NetworkSettings"] = settings
    }
    return Array(try JSONSerialization.data(withJSONObject: value))
}

/// A `Mounts` entry as dockerd 20.10 reports one (`types.MountPoint`).
func mountPoint(_ type: String, source: String = "", name: String? = nil, destination: String = "/x", rw: Bool = true,
                propagation: String = "") -> [String: Any] {
    var mount: [String: Any] = ["Type": type, "Source": source, "Destination": destination, "Mode": "", "RW": rw,
                                "Propagation": propagation]
    if let name { mount["Name"] = name; mount["Driver"] = "local" }
    return mount
}

nonisolated(unsafe) let inspectedCases: [(name: String, hostConfig: [String: Any], kinds: [String])] = [
    ("an ordinary container: nothing the daemon fills in counts", [:], []),
    ("privileged", ["Privileged": true, "MaskedPaths": NSNull(), "ReadonlyPaths": NSNull()], ["privileged"]),
    ("the Docker socket bind-mounted", ["Binds": ["/var/run/docker.sock:/var/run/docker.sock"]], ["host_path"]),
    ("a named volume", ["Binds": ["cache:/cache"]], ["named_volume"]),
    ("the host's pid namespace and SYS_ADMIN", ["PidMode": "host", "CapAdd": ["SYS_ADMIN"]], ["host_namespace", "capability_add"]),
    ("system paths unmasked (an empty list)", ["MaskedPaths": [String]()], ["system_paths_unconfined"]),
    ("a masked list missing /proc/kcore", ["MaskedPaths": ["/proc/asound", "/proc/acpi", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]], ["system_paths_unconfined"]),
    ("a masked list of more than the defaults", ["MaskedPaths": InspectedContainer.defaultMaskedPaths + ["/proc/extra"]], []),
    ("a default path hidden in one entry with commas", ["MaskedPaths": [InspectedContainer.defaultMaskedPaths.joined(separator: ",")]],
     ["system_paths_unconfined"]),
    ("seccomp unconfined", ["SecurityOpt": ["seccomp=unconfined"]], ["seccomp_unconfined"]),
    ("a device", ["Devices": [["PathOnHost": "/dev/sda", "PathInContainer": "/dev/sda", "CgroupPermissions": "rwm"]]], ["device"]),
    ("resources, log settings, the default runtime and sysctls do not count",
     ["Memory": 1 << 30, "LogConfig": ["Type": "syslog", "Config": [:]], "Runtime": "runc", "Sysctls": ["net.ipv4.ip_forward": "1"]], []),
    ("another runtime counts: what it adds (the nvidia runtime's GPUs) is not in HostConfig, and an exec runs under it",
     ["Runtime": "nvidia"], ["runtime"]),
    ("a stricter runtime counts too: sockwarden cannot tell one from the other", ["Runtime": "runsc"], ["runtime"]),
    ("another container's namespace counts: it may be the host's (an agent's --pid host)",
     ["PidMode": "container:" + String(repeating: "a", count: 64)], ["join_namespace"]),
    ("another container's network namespace counts", ["NetworkMode": "container:" + String(repeating: "a", count: 64)],
     ["join_namespace"]),
    ("a namespace mode sockwarden does not recognise counts", ["IpcMode": "weird"], ["unrecognised_mode"]),
    ("a network joined by name counts: its driver is looked up (an operator's macvlan is the host's LAN)",
     ["NetworkMode": "lan"], ["named_network"]),
]

/// What the container has mounted (`Mounts`), whatever its HostConfig says:
/// VolumesFrom lends the source's mounts at create, so the borrower's
/// HostConfig names only the source, by a name that may since name another.
nonisolated(unsafe) let inspectedMountCases: [(name: String, mounts: [[String: Any]], kinds: [String], shows: String?)] = [
    ("a bind lent by VolumesFrom is the host path it mounts",
     [mountPoint("bind", source: "/srv/secrets", destination: "/host", propagation: "rprivate")], ["host_path"], "/srv/secrets:/host"),
    ("a read-only bind is still a host path", [mountPoint("bind", source: "/etc", rw: false)], ["host_path"], "/etc:/x"),
    ("a volume is judged by its name (looked up: driver, options)",
     [mountPoint("volume", source: "/var/lib/docker/volumes/v/_data", name: "v")], ["named_volume"], "v:/x"),
    ("an anonymous volume of an image's VOLUME is a named volume too",
     [mountPoint("volume", name: String(repeating: "e", count: 64))], ["named_volume"], nil),
    ("a tmpfs is the container's own", [mountPoint("tmpfs", destination: "/run")], [], nil),
    ("a mount type sockwarden does not judge", [mountPoint("npipe", source: "x")], ["unrecognised_mount"], nil),
    ("no mounts", [], [], nil),
]

@Suite("An existing container's host access, read from the daemon's inspect answer")
struct InspectedContainerTests {
    @Test("facts", arguments: inspectedCases.indices)
    func facts(_ index: Int) throws {
        let c = inspectedCases[index]
        let read = try #require(InspectedContainer.facts(inspect: try inspected(c.hostConfig)), "\(c.name)")
        #expect(read.id.utf8.count == 64)
        let kinds = read.facts.asks.map { FactsJSON.render(RequestFacts([$0])) }
            .map { String(decoding: $0, as: UTF8.self) }
            .map { String($0.dropFirst(2).prefix { $0 != "\"" }) }
        #expect(kinds == c.kinds, "\(c.name): \(read.facts.asks)")
    }

    @Test("mounts", arguments: inspectedMountCases.indices)
    func mounts(_ index: Int) throws {
        let c = inspectedMountCases[index]
        let read = try #require(InspectedContainer.facts(inspect: try inspected([:], mounts: c.mounts)), "\(c.name)")
        let kinds = read.facts.asks.map { FactsJSON.render(RequestFacts([$0])) }
            .map { String(decoding: $0, as: UTF8.self) }
            .map { String($0.dropFirst(2).prefix { $0 != "\"" }) }
        #expect(kinds == c.kinds, "\(c.name): \(read.facts.asks)")
        if let shows = c.shows { #expect(read.facts.asks.contains { $0.value == shows }, "\(c.name): \(read.facts.asks)") }
    }

    /// `docker network connect` after the create leaves HostConfig alone:
    /// only `NetworkSettings.Networks` says the container is on the network.
    @Test("the networks it is connected to, by the ID the daemon joined",
          arguments: [(["none": ""], []), (["lan": ""], ["lan"]), (["ci_default": "n1", "lan": "n2"], ["n1", "n2"]),
                      (["bridge": "b0", "host": "h0", "default": ""], [])] as [([String: String], [String])])
    func networks(_ c: (networks: [String: String], lookedUp: [String])) throws {
        let read = try #require(InspectedContainer.facts(inspect: try inspected([:], networks: c.networks)))
        let names = read.facts.asks.compactMap { ask -> String? in
            if case .namedNetwork(let reference) = ask.kind { return reference } else { return nil }
        }
        #expect(names.sorted() == c.lookedUp, "\(read.facts.asks)")
    }

    @Test("its user is read from Config.User (docker cp -a looks it up on the host)")
    func user() throws {
        #expect(try #require(InspectedContainer.facts(inspect: try inspected([:]))).user == "")
        var value = try #require(try JSONSerialization.jsonObject(with: Data(inspectedPlainContainer.utf8)) as? [String: Any])
        var config = try #require(value["Config"] as? [String: Any])
        config["User"] = "1000:1000"
        value["Config"] = config
        let read = try #require(InspectedContainer.facts(inspect: Array(try JSONSerialization.data(withJSONObject: value))))
        #expect(read.user == "1000:1000")
    }

    @Test("an answer that is not one container's is not read", arguments: ["[]", "{}", #"{"Id":"abc"}"#, "not json"])
    func notAContainer(_ text: String) {
        #expect(InspectedContainer.facts(inspect: Array(text.utf8)) == nil)
    }
}

/// Exec, attach and copy through ci.toml, judged by the container they name
/// (`FakeDaemon`'s containers).
let targetContainerCases: [(name: String, method: String, path: String, body: String?, expect: String?, says: String?, pinned: String?)] = [
    ("exec in a job's own container, pinned to its ID", "POST", "/v1.41/containers/job-1/exec", #"{"Cmd":["ls"]}"#, nil, nil,
     String(repeating: "1", count: 64)),
    ("exec in the runner container that mounts the Docker socket", "POST", "/v1.41/containers/runner/exec", #"{"Cmd":["sh"]}"#,
     "containers", "docker.sock", nil),
    ("exec in a privileged container", "POST", "/v1.41/containers/agent/exec", #"{"Cmd":["sh"]}"#, "containers", "privileged", nil),
    ("exec start of an exec in a privileged container", "POST", "/v1.41/exec/e2/start", #"{"Detach":false}"#, "containers", "privileged", nil),
    ("exec start of an exec in a job's container (an exec ID needs no pin)", "POST", "/v1.41/exec/e1/start", #"{"Detach":false}"#, nil, nil, nil),
    ("attach to a privileged container", "POST", "/v1.41/containers/agent/attach?stream=1&stdin=1", nil, "containers", "privileged", nil),
    ("attach over a websocket to the runner", "GET", "/v1.41/containers/runner/attach/ws", nil, "containers", "docker.sock", nil),
    ("copy into the runner", "PUT", "/v1.41/containers/runner/archive?path=/", nil, "containers", "docker.sock", nil),
    ("copy out of a container with a host-binding volume", "GET", "/v1.41/containers/opsvol/archive?path=/x", nil,
     "containers", "device=/etc", nil),
    ("stat in a job's container, pinned", "HEAD", "/v1.41/containers/job-1/archive?path=/", nil, nil, nil, String(repeating: "1", count: 64)),
    ("copy into a job's container, pinned", "PUT", "/v1.41/containers/job-1/archive?path=/tmp&copyUIDGID=0", nil, nil, nil,
     String(repeating: "1", count: 64)),
    // `docker cp -a`: dockerd looks the container's User up in the host's passwd database (getent
    // as root); a container with no User is looked up nowhere.
    ("docker cp -a into a container with a user", "PUT", "/v1.41/containers/withuser/archive?path=/tmp&copyUIDGID=1", nil,
     "containers", "whose user is \"daemon\"", nil),
    ("copyUIDGID spelt True", "PUT", "/v1.41/containers/withuser/archive?path=/tmp&copyUIDGID=%20True", nil,
     "containers", "host's passwd database", nil),
    ("copyUIDGID, first value wins", "PUT", "/v1.41/containers/withuser/archive?copyUIDGID=yes&copyUIDGID=0&path=/tmp", nil,
     "containers", "copyUIDGID", nil),
    ("copy without -a into a container with a user, pinned", "PUT", "/v1.41/containers/withuser/archive?path=/tmp&copyUIDGID=0", nil,
     nil, nil, String(repeating: "9", count: 64)),
    ("docker cp -a into a job's container with no user, pinned", "PUT", "/v1.41/containers/job-1/archive?path=/tmp&copyUIDGID=1", nil,
     nil, nil, String(repeating: "1", count: 64)),
    ("a container the daemon does not know", "POST", "/v1.41/containers/ghost/exec", #"{"Cmd":["ls"]}"#, "containers", "No such container", nil),
    ("a container that cannot be looked up", "POST", "/v1.41/containers/flaky/exec", #"{"Cmd":["ls"]}"#, "containers", "could not be looked up", nil),
    ("a privileged exec is refused for itself first", "POST", "/v1.41/containers/job-1/exec", #"{"Cmd":["sh"],"Privileged":true}"#,
     "containers", "[containers]: Privileged \"true\"", nil),
    // docker update: the daemon starts the container by a policy it sets (at its own restart), or by the container's
    // own after new limits end it (out of memory), as a start would.
    ("docker update --restart always of the runner", "POST", "/v1.41/containers/runner/update", #"{"RestartPolicy":{"Name":"always"}}"#,
     "containers", "by a restart policy it sets", nil),
    ("docker update --restart on-failure of a privileged container", "POST", "/v1.41/containers/agent/update",
     #"{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}}"#, "containers", "privileged", nil),
    ("docker update --restart, lower-case keys", "POST", "/v1.41/containers/runner/update", #"{"restartpolicy":{"name":"unless-stopped"}}"#,
     "containers", "docker.sock", nil),
    ("docker update --restart of a job's own container, pinned", "POST", "/v1.41/containers/job-1/update",
     #"{"RestartPolicy":{"Name":"always"}}"#, nil, nil, String(repeating: "1", count: 64)),
    ("docker update --memory of the runner (out of memory, its own restart policy starts it again)", "POST",
     "/v1.41/containers/runner/update", #"{"Memory":6291456,"MemorySwap":6291456}"#, "containers", "out of memory", nil),
    ("docker update --restart no of the runner", "POST", "/v1.41/containers/runner/update", #"{"RestartPolicy":{"Name":"no"}}"#,
     "containers", "docker.sock", nil),
    ("docker update --memory of a job's own container, pinned", "POST", "/v1.41/containers/job-1/update", #"{"Memory":104857600}"#,
     nil, nil, String(repeating: "1", count: 64)),
    // docker kill: a signal other than the stop signal leaves the restart policy armed (the daemon restarts it).
    ("docker kill -s TERM of the runner", "POST", "/v1.41/containers/runner/kill?signal=TERM", nil,
     "containers", "a kill would have the daemon start it again", nil),
    ("docker kill of a privileged container", "POST", "/v1.41/containers/agent/kill", nil, "containers", "privileged", nil),
    ("docker kill of a job's own container, pinned", "POST", "/v1.41/containers/job-1/kill?signal=TERM", nil, nil, nil,
     String(repeating: "1", count: 64)),
    // docker stop -s (API 1.42+): the same kill, then SIGKILL; on a daemon that reads `signal` the restart follows.
    ("docker stop -s TERM of the runner (API 1.42)", "POST", "/v1.42/containers/runner/stop?signal=TERM", nil,
     "containers", "a stop would have the daemon start it again", nil),
    ("docker stop of a privileged container", "POST", "/v1.41/containers/agent/stop", nil, "containers", "privileged", nil),
    ("docker stop of a job's own container, pinned", "POST", "/v1.41/containers/job-1/stop?t=1", nil, nil, nil,
     String(repeating: "1", count: 64)),
]

@Suite("Exec, attach and copy are judged by the container they act in")
struct TargetContainerTests {
    @Test("decisions", arguments: targetContainerCases.indices)
    func decide(_ index: Int) throws {
        let c = targetContainerCases[index]
        let policy = try loadShippedPolicy("ci.toml")
        guard case .matched(let match) = Catalogue.resolve(method: c.method, target: c.path) else {
            Issue.record("\(c.name): no route")
            return
        }
        var input = PolicyInput(method: c.method, route: match.route, apiVersion: match.apiVersion, rawQuery: match.rawQuery,
                                body: c.body.map { .complete(Array($0.utf8), contentType: "application/json") },
                                contentType: c.body == nil ? nil : "application/json")
        input.parameters = match.parameters
        let decision = policy.evaluate(input, environment: FakeDaemon())
        if let expected = c.expect {
            #expect(!decision.allowed, "\(c.name)")
            #expect(decision.rule == expected, "\(c.name): \(decision.reason)")
            if let says = c.says { #expect(decision.reason.contains(says), "\(c.name): \(decision.reason)") }
        } else {
            #expect(decision.allowed, "\(c.name): \(decision.reason)")
            #expect(decision.pinnedParameters == (c.pinned.map { ["id": $0] } ?? [:]), "\(c.name)")
        }
    }

    @Test("the old copy route (API < 1.24) is judged by its container where min-version lets it through",
          arguments: [("runner", "docker.sock", nil), ("job-1", nil, String(repeating: "1", count: 64))] as [(String, String?, String?)])
    func oldCopy(_ c: (container: String, says: String?, pinned: String?)) throws {
        let text = try String(contentsOfFile: repositoryRoot() + "/policies/ci.toml", encoding: .utf8)
            .replacingOccurrences(of: #"min-version = "1.24""#, with: #"min-version = "1.23""#)
        let policy = try Policy.parse(source: text, fileName: "ci+old-api.toml")
        let body = #"{"Resource":"/host/secret"}"#
        guard case .matched(let match) = Catalogue.resolve(method: "POST", target: "/v1.23/containers/\(c.container)/copy") else {
            Issue.record("no route")
            return
        }
        var input = PolicyInput(method: "POST", route: match.route, apiVersion: match.apiVersion, rawQuery: match.rawQuery,
                                body: .complete(Array(body.utf8), contentType: "application/json"), contentType: "application/json")
        input.parameters = match.parameters
        let decision = policy.evaluate(input, environment: FakeDaemon())
        if let says = c.says {
            #expect(!decision.allowed && decision.reason.contains(says), "\(decision.reason)")
        } else {
            #expect(decision.allowed, "\(decision.reason)")
            #expect(decision.pinnedParameters == (c.pinned.map { ["id": $0] } ?? [:]))
        }
    }

    @Test("a container or exec the daemon does not have: denied, with the daemon's own 404 message to answer", arguments: [
        ("POST", "/v1.41/containers/ghost/exec", #"{"Cmd":["ls"]}"#, "No such container: ghost"),
        ("POST", "/v1.41/containers/ghost/start", "", "No such container: ghost"),
        ("POST", "/v1.41/containers/ghost/kill", nil, "Cannot kill container: ghost: No such container: ghost"),
        ("GET", "/v1.41/containers/ghost/archive?path=/x", nil, "No such container: ghost"),
        ("POST", "/v1.41/containers/flaky/exec", #"{"Cmd":["ls"]}"#, nil),
    ] as [(String, String, String?, String?)])
    func missing(_ c: (String, String, String?, String?)) throws {
        let policy = try loadShippedPolicy("ci.toml")
        guard case .matched(let match) = Catalogue.resolve(method: c.0, target: c.1) else {
            Issue.record("no route")
            return
        }
        var input = PolicyInput(method: c.0, route: match.route, apiVersion: match.apiVersion, rawQuery: match.rawQuery,
                                body: c.2.map { .complete(Array($0.utf8), contentType: "application/json") },
                                contentType: c.2 == nil ? nil : "application/json")
        input.parameters = match.parameters
        let decision = policy.evaluate(input, environment: FakeDaemon())
        #expect(!decision.allowed)
        #expect(decision.missingAnswer == c.3, "\(c.1): \(decision.rule) \(decision.reason)")
    }

    @Test("a what-if without a daemon judges the request alone (sockwarden test, explain)")
    func withoutDaemon() throws {
        let policy = try loadShippedPolicy("ci.toml")
        let route = try #require(Catalogue.route(named: "exec.create"))
        var input = PolicyInput(method: "POST", route: route, apiVersion: "1.41",
                                body: .complete(Array(#"{"Cmd":["ls"]}"#.utf8), contentType: "application/json"), contentType: "application/json")
        input.parameters = ["id": "anything"]
        let decision = policy.evaluate(input)
        #expect(decision.allowed, "\(decision.reason)")
        #expect(decision.pinnedParameters.isEmpty)
    }

    @Test("a what-if without a daemon refuses docker cp -a: whether the container has a user is not known")
    func copyUIDGIDWithoutDaemon() throws {
        let policy = try loadShippedPolicy("ci.toml")
        guard case .matched(let match) = Catalogue.resolve(method: "PUT", target: "/v1.41/containers/c/archive?path=/tmp&copyUIDGID=1") else {
            Issue.record("no route")
            return
        }
        var input = PolicyInput(method: "PUT", route: match.route, apiVersion: match.apiVersion, rawQuery: match.rawQuery)
        input.parameters = match.parameters
        let decision = policy.evaluate(input)
        #expect(!decision.allowed && decision.reason.contains("was not looked up"), "\(decision.reason)")
    }
}

/// FakeDaemon whose every container is the one inspect answer given, read as
/// the proxy reads it (`InspectedContainer.facts`).
struct InspectingDaemon: HostEnvironment {
    let inspect: [UInt8]
    let base = FakeDaemon()
    func resolve(hostPath: String) -> ResolvedHostPath { base.resolve(hostPath: hostPath) }
    func namesThisHost(_ name: String) -> Bool { base.namesThisHost(name) }
    func volume(_ name: String) -> VolumeLookup { base.volume(name) }
    func network(_ reference: String) -> NetworkLookup { base.network(reference) }
    func container(_ reference: String) -> ContainerLookup { base.container(reference) }
    func grantsSocket(_ path: String) -> Bool { base.grantsSocket(path) }
    func targetContainer(_ reference: TargetReference) -> TargetContainerLookup {
        guard let read = InspectedContainer.facts(inspect: inspect) else { return .unavailable("not a container") }
        return .found(id: read.id, user: read.user, facts: read.facts)
    }
}

nonisolated(unsafe) let inspectedJudgedCases: [(name: String, hostConfig: [String: Any], mounts: [[String: Any]], says: String?)] = [
    ("an ordinary container", [:], [], nil),
    ("a sidecar in the pid namespace of another container (an agent's, the host's)",
     ["PidMode": "container:" + String(repeating: "a", count: 64)], [], "PidMode"),
    ("a borrower whose VolumesFrom source was renamed and replaced: judged by what it mounts",
     ["VolumesFrom": ["cache"]], [mountPoint("bind", source: "/srv/secrets", destination: "/host", propagation: "rprivate")],
     "Mounts[0]"),
    ("a volume mounted that binds /etc", [:], [mountPoint("volume", name: "hostetc")], "device=/etc"),
    ("a plain local volume and a tmpfs", [:], [mountPoint("volume", name: "cachevol"), mountPoint("tmpfs", destination: "/run")], nil),
]

@Suite("An inspected container judged through ci.toml, as the proxy reads the daemon's answer")
struct InspectedContainerJudgedTests {
    struct NoRoute: Error {}

    /// `docker exec c ls` judged by `policy` against the one container `daemon` knows.
    static func exec(_ policy: Policy, in daemon: InspectingDaemon) throws -> Decision {
        guard case .matched(let match) = Catalogue.resolve(method: "POST", target: "/v1.41/containers/c/exec") else {
            throw NoRoute()
        }
        var input = PolicyInput(method: "POST", route: match.route, apiVersion: match.apiVersion, rawQuery: match.rawQuery,
                                body: .complete(Array(#"{"Cmd":["ls"]}"#.utf8), contentType: "application/json"),
                                contentType: "application/json")
        input.parameters = match.parameters
        return policy.evaluate(input, environment: daemon)
    }

    /// An operator's container on a macvlan network (the host's LAN), which
    /// ci.toml's `[networks] drivers = []` would not let a job create or
    /// connect: an exec in it reaches the LAN all the same.
    @Test("exec in a container on a network whose driver the policy refuses",
          arguments: [(["lan": ""], "macvlan"), (["ci_default": ""], nil), (["none": ""], nil)] as [([String: String], String?)])
    func network(_ c: (networks: [String: String], says: String?)) throws {
        let policy = try loadShippedPolicy("ci.toml")
        let decision = try Self.exec(policy, in: InspectingDaemon(inspect: try inspected([:], networks: c.networks)))
        if let says = c.says {
            #expect(!decision.allowed, "\(c.networks)")
            #expect(decision.rule == "containers" && decision.reason.contains(says), "\(decision.rule): \(decision.reason)")
        } else {
            #expect(decision.allowed, "\(c.networks): \(decision.reason)")
        }
    }

    @Test("exec.create", arguments: inspectedJudgedCases.indices)
    func judged(_ index: Int) throws {
        let c = inspectedJudgedCases[index]
        // VolumesFrom itself allowed, so what the borrower mounts is what decides.
        let policy = try ciWithVolumesFrom()
        let decision = try Self.exec(policy, in: InspectingDaemon(inspect: try inspected(c.hostConfig, mounts: c.mounts)))
        if let says = c.says {
            #expect(!decision.allowed, "\(c.name)")
            #expect(decision.reason.contains(says), "\(c.name): \(decision.reason)")
        } else {
            #expect(decision.allowed, "\(c.name): \(decision.reason)")
        }
    }
}

/// With `join-namespaces = true`: the namespace joined is the other
/// container's, looked up (`FakeDaemon`: hostpid has `--pid host`, sidecar
/// joins hostpid's pid namespace, job-1 is plain).
let joinedNamespaceCases: [(name: String, path: String, body: String, says: String?)] = [
    ("a create joining the pid namespace of a container in the host's", "/v1.41/containers/create",
     #"{"Image":"busybox","HostConfig":{"PidMode":"container:hostpid"}}"#, "which is the host's"),
    ("a create joining the network namespace of that container (its own, not the host's)", "/v1.41/containers/create",
     #"{"Image":"busybox","HostConfig":{"NetworkMode":"container:hostpid"}}"#, nil),
    ("a create joining a container that joined the host's pid namespace", "/v1.41/containers/create",
     #"{"Image":"busybox","HostConfig":{"PidMode":"container:sidecar"}}"#, "which is the host's"),
    ("a create joining a job's own container", "/v1.41/containers/create",
     #"{"Image":"busybox","HostConfig":{"PidMode":"container:job-1","IpcMode":"container:job-1"}}"#, nil),
    ("a create joining a container the daemon does not know", "/v1.41/containers/create",
     #"{"Image":"busybox","HostConfig":{"PidMode":"container:ghost"}}"#, "does not know"),
    ("a create joining a container that cannot be looked up", "/v1.41/containers/create",
     #"{"Image":"busybox","HostConfig":{"PidMode":"container:flaky"}}"#, "could not be looked up"),
    ("an exec in a sidecar that joined the host's pid namespace", "/v1.41/containers/sidecar/exec", #"{"Cmd":["ls"]}"#,
     "which is the host's"),
    ("a create joining the network namespace of a container on a macvlan network (the host's LAN)", "/v1.41/containers/create",
     #"{"Image":"busybox","HostConfig":{"NetworkMode":"container:lanbox"}}"#, "macvlan"),
    ("a create joining the pid namespace of that container (its network is not joined)", "/v1.41/containers/create",
     #"{"Image":"busybox","HostConfig":{"PidMode":"container:lanbox"}}"#, nil),
]

/// What an allowed create with `container:` joins forwards (join-namespaces = true).
let pinnedJoinCases: [(name: String, hostConfig: String, forwards: [String], pins: Bool)] = [
    ("a join by name is forwarded by the full ID judged", #""PidMode":"container:job-1","IpcMode":"container:job-1""#,
     [#""IpcMode":"container:1111111111111111111111111111111111111111111111111111111111111111""#,
      #""PidMode":"container:1111111111111111111111111111111111111111111111111111111111111111""#], true),
    ("a join already by full ID is forwarded as written", #""NetworkMode":"container:6666666666666666666666666666666666666666666666666666666666666666""#,
     [#""NetworkMode":"container:6666666666666666666666666666666666666666666666666666666666666666""#], false),
    ("no join, no pin", #""NetworkMode":"none""#, [#""NetworkMode":"none""#], false),
]

@Suite("Namespace joins are forwarded by the full ID of the container judged")
struct PinnedJoinTests {
    @Test("forwarded bodies", arguments: pinnedJoinCases.indices)
    func forwarded(_ index: Int) throws {
        let c = pinnedJoinCases[index]
        let policy = try ciWith("join-namespaces = false", replacedBy: "join-namespaces = true")
        let route = try #require(Catalogue.route(named: "container.create"))
        let body = #"{"Image":"busybox","HostConfig":{\#(c.hostConfig)}}"#
        let decision = judgeJSON(policy, route: route, body: body, environment: FakeDaemon())
        #expect(decision.allowed, "\(c.name): \(decision.reason)")
        let forwarded = String(decoding: try #require(decision.forwardBody), as: UTF8.self)
        for part in c.forwards { #expect(forwarded.contains(part), "\(c.name): \(forwarded)") }
        #expect(decision.pinsBody == c.pins, "\(c.name)")
    }
}

@Suite("Joined namespaces are judged by the namespace joined (join-namespaces = true)")
struct JoinedNamespaceTests {
    @Test("decisions", arguments: joinedNamespaceCases.indices)
    func decide(_ index: Int) throws {
        let c = joinedNamespaceCases[index]
        let policy = try ciWith("join-namespaces = false", replacedBy: "join-namespaces = true")
        guard case .matched(let match) = Catalogue.resolve(method: "POST", target: c.path) else {
            Issue.record("\(c.name): no route")
            return
        }
        var input = PolicyInput(method: "POST", route: match.route, apiVersion: match.apiVersion, rawQuery: match.rawQuery,
                                body: .complete(Array(c.body.utf8), contentType: "application/json"), contentType: "application/json")
        input.parameters = match.parameters
        let decision = policy.evaluate(input, environment: FakeDaemon())
        if let says = c.says {
            #expect(!decision.allowed, "\(c.name)")
            #expect(decision.reason.contains(says), "\(c.name): \(decision.reason)")
        } else {
            #expect(decision.allowed, "\(c.name): \(decision.reason)")
        }
    }
}
