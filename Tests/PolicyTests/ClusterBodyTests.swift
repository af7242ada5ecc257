import EngineAPI
import Foundation
import GoJSON
import Testing
@testable import Policy

/// ci.toml with swarm, services and plugins allowed by route, so that their
/// bodies are what decides: the body rules stay exactly ci.toml's.
func ciWithClusterRoutes() throws -> Policy {
    let path = repositoryRoot() + "/policies/ci.toml"
    var text = try String(contentsOfFile: path, encoding: .utf8)
    text = text.replacingOccurrences(of: #"groups = ["swarm", "services", "nodes", "tasks", "secrets", "configs", "plugins"]"#,
                                     with: #"groups = ["nodes", "tasks", "secrets", "configs"]"#)
    text = text.replacingOccurrences(of: #""events", "distribution"]"#, with: #""events", "distribution", "swarm", "services", "plugins"]"#)
    return try Policy.parse(source: text, fileName: "ci+cluster.toml")
}

let clusterBodyCases: [BodyCase] = [
    // Services: what a swarm stack in CI sends.
    .init(name: "plain service", route: "service.create",
          body: #"{"Name":"web","TaskTemplate":{"ContainerSpec":{"Image":"busybox","Args":["sleep","60"],"Mounts":[{"Type":"volume","Source":"data","Target":"/d"},{"Type":"tmpfs","Target":"/t"}]},"Networks":[{"Target":"ci-overlay"}]},"Mode":{"Replicated":{"Replicas":1}}}"#,
          expect: nil),
    .init(name: "service update, same shape", route: "service.update", query: "version=5",
          body: #"{"Name":"web","TaskTemplate":{"ContainerSpec":{"Image":"busybox:1"}}}"#, expect: nil),
    .init(name: "service bind-mounting the host root", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","Mounts":[{"Type":"bind","Source":"/","Target":"/host"}]}}}"#,
          expect: "host-paths", says: "TaskTemplate.ContainerSpec.Mounts[0].Source"),
    .init(name: "service mount keys in lower case", route: "service.create",
          body: #"{"tasktemplate":{"containerspec":{"image":"b","mounts":[{"type":"bind","source":"/etc","target":"/x"}]}}}"#,
          expect: "host-paths"),
    .init(name: "service mounting the docker socket", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/s"}]}}}"#,
          expect: "host-paths", says: "never allowed"),
    .init(name: "service volume with bind driver options", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","Mounts":[{"Type":"volume","Target":"/x","VolumeOptions":{"DriverConfig":{"Options":{"type":"none","o":"bind","device":"/etc"}}}}]}}}"#,
          expect: "volumes"),
    .init(name: "service cluster volume", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","Mounts":[{"Type":"cluster","Source":"v","Target":"/x"}]}}}"#,
          expect: "host-paths"),
    .init(name: "service logging to json-file", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"},"LogDriver":{"Name":"json-file","Options":{"max-size":"1m"}}}}"#, expect: nil),
    .init(name: "service logging to a host address", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"},"LogDriver":{"Name":"fluentd","Options":{"fluentd-address":"127.0.0.1:24224"}}}}"#,
          expect: "containers", says: "TaskTemplate.LogDriver.Name"),
    .init(name: "service with an address option for the default driver", route: "service.update", query: "version=5",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"},"LogDriver":{"Options":{"gelf-address":"udp://127.0.0.1:12201"}}}}"#,
          expect: "containers", says: "TaskTemplate.LogDriver.Options[gelf-address]"),
    .init(name: "service adding SYS_ADMIN", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","CapabilityAdd":["CAP_SYS_ADMIN"]}}}"#,
          expect: "containers", says: "CAP_SYS_ADMIN"),
    .init(name: "service adding ALL capabilities", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","CapabilityAdd":["all"]}}}"#, expect: "containers"),
    .init(name: "service re-adding a default capability", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","CapabilityAdd":["CHOWN"]}}}"#, expect: nil),
    .init(name: "service sysctl", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","Sysctls":{"net.ipv4.ip_forward":"1"}}}}"#, expect: "containers"),
    .init(name: "service with SELinux disabled", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","Privileges":{"SELinuxContext":{"Disable":true}}}}}"#,
          expect: "security-options"),
    .init(name: "service with seccomp unconfined (28.x)", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","Privileges":{"Seccomp":{"Mode":"unconfined"}}}}}"#,
          expect: "security-options"),
    .init(name: "service with AppArmor disabled (28.x)", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","Privileges":{"AppArmor":{"Mode":"disabled"}}}}}"#,
          expect: "security-options"),
    .init(name: "service with a credential spec", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","Privileges":{"CredentialSpec":{"File":"x.json"}}}}}"#,
          expect: "body"),
    .init(name: "service on the host network", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"},"Networks":[{"Target":"host"}]}}"#,
          expect: "containers", says: "network"),
    .init(name: "service on the host network, deprecated top-level Networks", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"}},"Networks":[{"Target":"host"}]}"#,
          expect: "containers"),
    .init(name: "service on a network named by an ID prefix", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"},"Networks":[{"Target":"3f2a"}]}}"#,
          expect: "body", says: "ID"),
    .init(name: "service publishing a port", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"}},"EndpointSpec":{"Ports":[{"TargetPort":80,"PublishedPort":8080,"PublishMode":"host"}]}}"#,
          expect: "host-ports"),
    .init(name: "service publishing through the routing mesh on a port the swarm picks", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"}},"EndpointSpec":{"Ports":[{"TargetPort":80}]}}"#,
          expect: "host-ports"),
    .init(name: "plugin service", route: "service.create",
          body: #"{"TaskTemplate":{"Runtime":"plugin","PluginSpec":{"name":"p","remote":"x/p","privileges":[{"name":"mount","value":["/"]}]}}}"#,
          expect: "body"),
    .init(name: "service reserving GPUs", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"},"Resources":{"Reservations":{"GenericResources":[{"DiscreteResourceSpec":{"Kind":"gpu","Value":1}}]}}}}"#,
          expect: "containers"),
    .init(name: "service rollback to a spec not in the request", route: "service.update", query: "version=5&rollback=previous",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"}}}"#, expect: "body", says: "rollback"),
    .init(name: "service with a string where a list is expected", route: "service.create",
          body: #"{"TaskTemplate":{"ContainerSpec":{"Image":"b","CapabilityAdd":"SYS_ADMIN"}}}"#, expect: "body"),

    // Swarm init, join and update.
    .init(name: "single-node swarm on loopback", route: "swarm.init",
          body: #"{"ListenAddr":"127.0.0.1:2377","AdvertiseAddr":"127.0.0.1"}"#, expect: nil),
    .init(name: "swarm listening on every interface", route: "swarm.init",
          body: #"{"ListenAddr":"0.0.0.0:2377","AdvertiseAddr":"127.0.0.1"}"#, expect: "swarm", says: "0.0.0.0"),
    .init(name: "swarm advertising an address the daemon picks", route: "swarm.init",
          body: #"{"ListenAddr":"127.0.0.1:2377"}"#, expect: "swarm", says: "choose"),
    .init(name: "swarm on an interface name", route: "swarm.init",
          body: #"{"ListenAddr":"eth0:2377","AdvertiseAddr":"127.0.0.1"}"#, expect: "swarm"),
    .init(name: "swarm data path on a public address", route: "swarm.init",
          body: #"{"ListenAddr":"127.0.0.1:2377","AdvertiseAddr":"127.0.0.1","DataPathAddr":"192.0.2.1"}"#, expect: "swarm"),
    .init(name: "swarm IPv6 loopback", route: "swarm.init",
          body: #"{"ListenAddr":"[::1]:2377","AdvertiseAddr":"[::1]:2377"}"#, expect: nil),
    .init(name: "swarm whose tasks log to a host address by default", route: "swarm.init",
          body: #"{"ListenAddr":"127.0.0.1:2377","AdvertiseAddr":"127.0.0.1","Spec":{"TaskDefaults":{"LogDriver":{"Name":"syslog","Options":{"syslog-address":"tcp://127.0.0.1:514"}}}}}"#,
          expect: "containers", says: "Spec.TaskDefaults.LogDriver.Name"),
    .init(name: "swarm with an external CA", route: "swarm.init",
          body: #"{"ListenAddr":"127.0.0.1:2377","AdvertiseAddr":"127.0.0.1","Spec":{"CAConfig":{"ExternalCAs":[{"Protocol":"cfssl","URL":"http://169.254.169.254/"}]}}}"#,
          expect: "body"),
    .init(name: "joining another swarm", route: "swarm.join",
          body: #"{"ListenAddr":"127.0.0.1:2377","AdvertiseAddr":"127.0.0.1","RemoteAddrs":["192.0.2.10:2377"],"JoinToken":"SWMTKN-1-x"}"#,
          expect: "swarm", says: "192.0.2.10:2377"),
    .init(name: "swarm update of the raft settings", route: "swarm.update", query: "version=10",
          body: #"{"Raft":{"SnapshotInterval":10000}}"#, expect: nil),

    // Plugins.
    .init(name: "plugin without privileges", route: "plugin.pull", query: "remote=vieux/sshfs",
          body: "[]", expect: nil),
    .init(name: "plugin asking for a host mount", route: "plugin.pull", query: "remote=x/p",
          body: #"[{"Name":"mount","Description":"","Value":["/var/lib/docker/plugins/"]}]"#, expect: "host-paths"),
    .init(name: "plugin asking for the host network", route: "plugin.pull", query: "remote=x/p",
          body: #"[{"Name":"network","Value":["host"]}]"#, expect: "containers"),
    .init(name: "plugin asking for CAP_SYS_ADMIN", route: "plugin.upgrade", query: "remote=x/p",
          body: #"[{"name":"capabilities","value":["CAP_SYS_ADMIN"]}]"#, expect: "containers"),
    .init(name: "plugin asking for all devices", route: "plugin.pull", query: "remote=x/p",
          body: #"[{"Name":"allow-all-devices","Value":["true"]}]"#, expect: "containers"),
    .init(name: "plugin asking for the host pid namespace", route: "plugin.pull", query: "remote=x/p",
          body: #"[{"Name":"host pid namespace","Value":["true"]}]"#, expect: "containers"),
    .init(name: "plugin with an unknown privilege", route: "plugin.pull", query: "remote=x/p",
          body: #"[{"Name":"something new","Value":["x"]}]"#, expect: "body"),
    .init(name: "plugin setting an environment variable", route: "plugin.set", body: #"["DEBUG=1"]"#, expect: nil),
    .init(name: "plugin setting a mount source", route: "plugin.set", body: #"["state.source=/etc"]"#, expect: "host-paths"),
    .init(name: "plugin setting a device path", route: "plugin.set", body: #"["dev.path=/dev/sda"]"#, expect: "containers"),
    .init(name: "plugin setting an unnamed field to a path", route: "plugin.set", body: #"["state=/etc"]"#, expect: "body"),
    .init(name: "plugin setting an unnamed field to the bundle's parent", route: "plugin.set", body: #"["state=.."]"#, expect: "body"),
    .init(name: "plugin setting an unnamed field to a relative dot path", route: "plugin.set", body: #"["state=.hidden"]"#, expect: "body"),
    .init(name: "plugin setting a mount source to a relative path", route: "plugin.set", body: #"["state.source=.."]"#, expect: "host-paths"),
    .init(name: "plugin create from a tar", route: "plugin.create", query: "name=p", body: "", contentType: "application/x-tar", expect: "body"),
]

@Suite("Service, swarm and plugin bodies are judged with ci.toml's body rules")
struct ClusterBodyTests {
    @Test("each way of asking is decided as the daemon would read it", arguments: clusterBodyCases)
    func decide(_ c: BodyCase) throws {
        let policy = try ciWithClusterRoutes()
        try c.check(policy)
    }

    @Test("ci.toml itself still denies the cluster routes by rule", arguments: ["service.create", "swarm.init", "plugin.pull"])
    func shippedDenies(_ name: String) throws {
        let policy = try loadShippedPolicy("ci.toml")
        let route = try #require(Catalogue.route(named: name))
        let decision = policy.evaluate(PolicyInput(method: "POST", route: route, apiVersion: "1.41",
                                                   body: .complete(Array("{}".utf8), contentType: "application/json"),
                                                   contentType: "application/json"))
        #expect(!decision.allowed)
        #expect(decision.rule == "no-cluster-or-plugins")
    }

    @Test("an allowed service spec is forwarded canonically: a lower-case duplicate cannot hide a mount")
    func canonicalService() throws {
        let policy = try ciWithClusterRoutes()
        let route = try #require(Catalogue.route(named: "service.create"))
        let body = #"{"TaskTemplate":{"ContainerSpec":{"Image":"b"}},"tasktemplate":{"ContainerSpec":{"Image":"c"}}}"#
        let decision = judgeJSON(policy, route: route, body: body)
        #expect(decision.allowed, "\(decision.reason)")
        let forwarded = String(decoding: try #require(decision.forwardBody), as: UTF8.self)
        #expect(forwarded.contains(#""Image":"c""#) && !forwarded.contains(#""Image":"b""#), "\(forwarded)")
        #expect(!forwarded.contains("tasktemplate"), "\(forwarded)")
    }
}

/// ci.toml with the image allow list narrowed to one repository.
func ciWithNarrowImages() throws -> Policy {
    let path = repositoryRoot() + "/policies/ci.toml"
    var text = try String(contentsOfFile: path, encoding: .utf8)
    let images = try #require(text.range(of: #"images = ["*"]"#))
    text.replaceSubrange(images, with: #"images = ["docker.io/library/busybox:*", "registry.example.com/ci/*"]"#)
    let names = try #require(text.range(of: #"image-names = ["*"]"#))
    text.replaceSubrange(names, with: #"image-names = ["registry.example.com/ci/*"]"#)
    return try Policy.parse(source: text, fileName: "ci+images.toml")
}

let imageCases: [BodyCase] = [
    .init(name: "run an allowed image by short name", body: #"{"Image":"busybox"}"#, expect: nil),
    .init(name: "run an allowed image by full name", body: #"{"Image":"registry.example.com/ci/app:1"}"#, expect: nil),
    .init(name: "run an image from elsewhere", body: #"{"Image":"alpine"}"#, expect: "containers", says: "docker.io/library/alpine:latest"),
    .init(name: "run a look-alike prefix", body: #"{"Image":"busybox.evil.example/x"}"#, expect: "containers"),
    .init(name: "run an image by ID prefix", body: #"{"Image":"0123abc"}"#, expect: "containers", says: "ID"),
    .init(name: "run an image by full ID", body: #"{"Image":"sha256:"# + String(repeating: "a", count: 64) + #""}"#, expect: "containers"),
    .init(name: "commit to an allowed name", route: "container.commit", query: "container=c&repo=busybox&tag=mine", body: "", contentType: nil, expect: "containers"),
    .init(name: "commit to the job's own registry path", route: "container.commit", query: "container=c&repo=registry.example.com/ci/out", body: "null", expect: nil),
    .init(name: "commit with a body that hides a name? no, the name is the query", route: "container.commit", query: "container=c&repo=alpine", body: #"{"Cmd":["x"]}"#, expect: "containers"),
    .init(name: "tag something as an allowed image", route: "image.tag", query: "repo=busybox&tag=latest", body: "", contentType: nil, expect: "containers", says: "names an image outside"),
    .init(name: "tag into the job's registry path", route: "image.tag", query: "repo=registry.example.com/ci/app&tag=1", body: "", contentType: nil, expect: nil),
    .init(name: "build tagged with an allowed name", route: "build.image", query: "t=registry.example.com/ci/x&t=busybox", body: "", contentType: "application/x-tar", expect: "containers"),
    .init(name: "import named like an allowed image", route: "image.create", query: "fromSrc=-&repo=busybox", body: "", contentType: "application/x-tar", expect: "containers"),
    .init(name: "load an archive of unknown names", route: "image.load", body: "", contentType: "application/x-tar", expect: "containers", says: "cannot see"),
]

@Suite("A narrowed image allow list covers running and naming images")
struct ImageAllowListTests {
    @Test("decisions", arguments: imageCases)
    func decide(_ c: BodyCase) throws {
        let policy = try ciWithNarrowImages()
        try c.check(policy)
    }

    @Test("a wildcard pattern without its registry is a policy error")
    func badPattern() throws {
        #expect(throws: PolicyError.self) {
            try Policy.parse(source: "[containers]\nimages = [\"busybox*\"]\n", fileName: "p.toml")
        }
    }
}
