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

/// The captured inspect with HostConfig members replaced.
func inspected(_ hostConfig: [String: Any]) throws -> [UInt8] {
    var value = try #require(try JSONSerialization.jsonObject(with: Data(inspectedPlainContainer.utf8)) as? [String: Any])
    var hc = try #require(value["HostConfig"] as? [String: Any])
    for (key, member) in hostConfig { hc[key] = member }
    value["HostConfig"] = hc
    return Array(try JSONSerialization.data(withJSONObject: value))
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
    ("resources, log settings, runtime and sysctls do not count",
     ["Memory": 1 << 30, "LogConfig": ["Type": "syslog", "Config": [:]], "Runtime": "runsc", "Sysctls": ["net.ipv4.ip_forward": "1"]], []),
    ("another container's namespace does not count", ["NetworkMode": "container:" + String(repeating: "a", count: 64)], []),
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
    ("a container the daemon does not know", "POST", "/v1.41/containers/ghost/exec", #"{"Cmd":["ls"]}"#, "containers", "No such container", nil),
    ("a container that cannot be looked up", "POST", "/v1.41/containers/flaky/exec", #"{"Cmd":["ls"]}"#, "containers", "could not be looked up", nil),
    ("a privileged exec is refused for itself first", "POST", "/v1.41/containers/job-1/exec", #"{"Cmd":["sh"],"Privileged":true}"#,
     "containers", "[containers]: Privileged \"true\"", nil),
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
}
