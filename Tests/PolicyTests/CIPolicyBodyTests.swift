import EngineAPI
import GoJSON
import Testing
@testable import Policy

/// Golden cases for policies/ci.toml: a request in, the decision and (for
/// allowed bodies) the forwarded body out. Each row is one way a request can
/// ask for something; `expect` is nil for allowed requests, else the rule
/// (policy section) that must refuse it.
struct BodyCase: CustomStringConvertible, Sendable {
    let name: String
    var route = "container.create"
    var version: String? = "1.41"
    var query: String?
    let body: String
    var contentType: String? = "application/json"
    /// nil: allowed. Otherwise the deciding rule ("containers", "host-paths", "body", …).
    let expect: String?
    /// A fragment the denial reason must contain.
    var says: String = ""
    var description: String { name }

    /// Judges the case with `policy` and checks the decision (and the rule
    /// and reason of a denial).
    func check(_ policy: Policy) throws {
        let route = try #require(Catalogue.route(named: self.route))
        let input = PolicyInput(method: route.method, route: route, apiVersion: version, rawQuery: query,
                                body: .complete(Array(body.utf8), contentType: contentType), contentType: contentType)
        let decision = policy.evaluate(input)
        if let expected = expect {
            #expect(!decision.allowed, "\(name): allowed")
            #expect(decision.rule == expected, "\(name): \(decision.rule): \(decision.reason)")
            if !says.isEmpty { #expect(decision.reason.contains(says), "\(decision.reason)") }
        } else {
            #expect(decision.allowed, "\(name): \(decision.reason)")
        }
    }
}

let ciBodyCases: [BodyCase] = [
    // Ordinary CI work.
    .init(name: "plain run", body: #"{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}"#, expect: nil),
    .init(name: "named volume and tmpfs", body: #"{"Image":"b","HostConfig":{"Binds":["cache:/cache"],"Tmpfs":{"/t":""},"Mounts":[{"Type":"volume","Source":"v","Target":"/v"},{"Type":"tmpfs","Target":"/tt"}]}}"#, expect: nil),
    .init(name: "tmpfs with size, mode and mount flags is the container's own", body: #"{"Image":"b","HostConfig":{"Tmpfs":{"/t":"size=1m,mode=1777,exec,suid,dev,rshared"}}}"#, expect: nil),
    .init(name: "tmpfs with rbind is a bind mount of <bundle>/tmpfs", body: #"{"Image":"b","HostConfig":{"Tmpfs":{"/t":"rbind"}}}"#, expect: "host-paths", says: "without the bind, rbind or remount option"),
    .init(name: "tmpfs with remount remounts what is mounted there (/sys read-write)", body: #"{"Image":"b","HostConfig":{"Tmpfs":{"/sys/":"remount"}}}"#, expect: "host-paths", says: "remount"),
    .init(name: "tmpfs with remount among other options, lower-case key", body: #"{"Image":"b","HostConfig":{"tmpfs":{"/etc/hosts/":"rw,remount,size=1m"}}}"#, expect: "host-paths"),
    .init(name: "tmpfs with bind among other options", body: #"{"Image":"b","HostConfig":{"Tmpfs":{"/t":"size=1m,bind,rw"}}}"#, expect: "host-paths"),
    .init(name: "tmpfs with bind, lower-case key", body: #"{"Image":"b","HostConfig":{"tmpfs":{"/t":"bind"}}}"#, expect: "host-paths"),
    .init(name: "tmpfs with bind in a duplicate Tmpfs merged with the next", body: #"{"Image":"b","HostConfig":{"Tmpfs":{"/t":"bind"},"Tmpfs":{"/u":""}}}"#, expect: "host-paths"),
    .init(name: "default capabilities may be re-added", body: #"{"Image":"b","HostConfig":{"CapAdd":["chown","CAP_KILL"],"CapDrop":["ALL"]}}"#, expect: nil),
    .init(name: "no-new-privileges is fine", body: #"{"Image":"b","HostConfig":{"SecurityOpt":["no-new-privileges"]}}"#, expect: nil),
    .init(name: "exec", route: "exec.create", body: #"{"Cmd":["sh"],"AttachStdout":true}"#, expect: nil),
    .init(name: "plain volume", route: "volume.create", body: #"{"Name":"v","Labels":{"a":"b"}}"#, expect: nil),
    .init(name: "update memory", route: "container.update", body: #"{"Memory":104857600}"#, expect: nil),
    .init(name: "classic build", route: "build.image", query: "t=x&networkmode=none&q=1", body: "", contentType: "application/x-tar", expect: nil),

    // Privileges.
    .init(name: "privileged", body: #"{"Image":"b","HostConfig":{"Privileged":true}}"#, expect: "containers", says: "privileged"),
    .init(name: "privileged, lower-case key", body: #"{"Image":"b","HostConfig":{"privileged":true}}"#, expect: "containers"),
    .init(name: "privileged, HostConfig key in upper case", body: #"{"Image":"b","HOSTCONFIG":{"PRIVILEGED":true}}"#, expect: "containers"),
    .init(name: "privileged in a duplicate HostConfig merged with the next", body: #"{"Image":"b","HostConfig":{"Privileged":true},"HostConfig":{"NetworkMode":"none"}}"#, expect: "containers"),
    .init(name: "privileged false then true", body: #"{"Image":"b","HostConfig":{"Privileged":false,"Privileged":true}}"#, expect: "containers"),
    .init(name: "privileged exec", route: "exec.create", body: #"{"Cmd":["sh"],"privileged":true}"#, expect: "containers"),
    .init(name: "old API top-level HostConfig", body: #"{"Image":"b","Privileged":true}"#, expect: "body", says: "top level"),
    .init(name: "old API top-level Binds", body: #"{"Image":"b","Binds":["/:/h"]}"#, expect: "body"),
    .init(name: "old API Cpuset", body: #"{"Image":"b","Cpuset":"0"}"#, expect: "body"),
    // Namespaces.
    .init(name: "host network", body: #"{"Image":"b","HostConfig":{"NetworkMode":"host"}}"#, expect: "containers", says: "network"),
    .init(name: "host pid", body: #"{"Image":"b","HostConfig":{"PidMode":"host"}}"#, expect: "containers", says: #"add "pid" to host-namespaces in [containers] to allow it"#),
    .init(name: "host ipc", body: #"{"Image":"b","HostConfig":{"IpcMode":"host"}}"#, expect: "containers"),
    .init(name: "host uts", body: #"{"Image":"b","HostConfig":{"UTSMode":"host"}}"#, expect: "containers"),
    .init(name: "host userns", body: #"{"Image":"b","HostConfig":{"UsernsMode":"host"}}"#, expect: "containers", says: #"allowed host namespaces: none; add "userns" to host-namespaces in [containers]"#),
    .init(name: "host cgroupns", body: #"{"Image":"b","HostConfig":{"CgroupnsMode":"host"}}"#, expect: "containers"),
    .init(name: "join another container's pid namespace", body: #"{"Image":"b","HostConfig":{"PidMode":"container:abc"}}"#, expect: "containers", says: "joins"),
    .init(name: "uts host with a suffix", body: #"{"Image":"b","HostConfig":{"UTSMode":"host:x"}}"#, expect: "containers"),
    .init(name: "host network through an endpoint key", body: #"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"host":{}}}}"#, expect: "containers"),
    // Capabilities.
    .init(name: "cap-add SYS_ADMIN", body: #"{"Image":"b","HostConfig":{"CapAdd":["SYS_ADMIN"]}}"#, expect: "containers", says: #"adds capability CAP_SYS_ADMIN; allowed beyond the defaults: none; add "SYS_ADMIN" to capabilities in [containers] to allow it"#),
    .init(name: "cap-add lower case with prefix", body: #"{"Image":"b","HostConfig":{"CapAdd":["cap_sys_ptrace"]}}"#, expect: "containers"),
    .init(name: "cap-add ALL", body: #"{"Image":"b","HostConfig":{"CapAdd":["all"]}}"#, expect: "containers", says: "add only the capabilities it needs, one by one"),
    .init(name: "cap-add as a bare string", body: #"{"Image":"b","HostConfig":{"CapAdd":"NET_ADMIN"}}"#, expect: "containers", says: #"add "NET_ADMIN" to capabilities"#),
    // Devices.
    .init(name: "device", body: #"{"Image":"b","HostConfig":{"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda","CgroupPermissions":"rwm"}]}}"#, expect: "containers"),
    .init(name: "device cgroup rule", body: #"{"Image":"b","HostConfig":{"DeviceCgroupRules":["b 8:* rmw"]}}"#, expect: "containers"),
    .init(name: "a read limit names a host path the daemon stats at start", body: #"{"Image":"b","HostConfig":{"BlkioDeviceReadBps":[{"Path":"/root/.ssh","Rate":1024}]}}"#, expect: "containers", says: "whose I/O it limits"),
    .init(name: "a write IOps limit, lower-case keys", body: #"{"Image":"b","hostconfig":{"blkiodevicewriteiops":[{"path":"/dev/vda","rate":10}]}}"#, expect: "containers"),
    .init(name: "a weight device", body: #"{"Image":"b","HostConfig":{"BlkioWeightDevice":[{"Path":"/dev/vda","Weight":100}]}}"#, expect: "containers"),
    .init(name: "a null throttle entry is still a device limit", body: #"{"Image":"b","HostConfig":{"BlkioDeviceWriteBps":[null]}}"#, expect: "containers"),
    .init(name: "an empty list of limits names nothing", body: #"{"Image":"b","HostConfig":{"BlkioDeviceReadIOps":[],"BlkioWeight":300}}"#, expect: nil),
    .init(name: "gpus", body: #"{"Image":"b","HostConfig":{"DeviceRequests":[{"Driver":"nvidia","Count":-1}]}}"#, expect: "containers"),
    // Security options.
    .init(name: "seccomp unconfined", body: #"{"Image":"b","HostConfig":{"SecurityOpt":["seccomp=unconfined"]}}"#, expect: "security-options", says: "turns seccomp off; set seccomp-unconfined = true in [security-options] to allow it"),
    .init(name: "seccomp unconfined, colon form", body: #"{"Image":"b","HostConfig":{"SecurityOpt":["seccomp:unconfined"]}}"#, expect: "security-options"),
    .init(name: "custom seccomp profile", body: #"{"Image":"b","HostConfig":{"SecurityOpt":["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}"]}}"#, expect: "security-options"),
    .init(name: "apparmor unconfined", body: #"{"Image":"b","HostConfig":{"SecurityOpt":["apparmor=unconfined"]}}"#, expect: "security-options", says: "set apparmor-unconfined = true in [security-options]"),
    .init(name: "apparmor profile", body: #"{"Image":"b","HostConfig":{"SecurityOpt":["apparmor=ci-prof"]}}"#, expect: "security-options", says: #"add "ci-prof" to apparmor-profiles in [security-options] to allow it"#),
    .init(name: "selinux disable", body: #"{"Image":"b","HostConfig":{"SecurityOpt":["label=disable"]}}"#, expect: "security-options"),
    .init(name: "selinux disable, legacy form", body: #"{"Image":"b","HostConfig":{"SecurityOpt":["disable"]}}"#, expect: "security-options"),
    .init(name: "unknown security option", body: #"{"Image":"b","HostConfig":{"SecurityOpt":["systempaths=unconfined"]}}"#, expect: "security-options"),
    .init(name: "empty masked paths", body: #"{"Image":"b","HostConfig":{"MaskedPaths":[]}}"#, expect: "security-options", says: "systempaths"),
    .init(name: "empty read-only paths", body: #"{"Image":"b","HostConfig":{"ReadonlyPaths":[]}}"#, expect: "security-options"),
    // Sysctls, runtime, cgroup parent.
    .init(name: "sysctl", body: #"{"Image":"b","HostConfig":{"Sysctls":{"kernel.shm_rmid_forced":"1"}}}"#, expect: "containers", says: #"sets sysctl kernel.shm_rmid_forced; allowed: none; add "kernel.shm_rmid_forced" to sysctls in [containers] to allow it"#),
    .init(name: "runtime", body: #"{"Image":"b","HostConfig":{"Runtime":"runsc"}}"#, expect: "containers", says: #"(leave --runtime out for the daemon's default); add "runsc" to runtimes in [containers] to allow it"#),
    .init(name: "cgroup parent", body: #"{"Image":"b","HostConfig":{"CgroupParent":"/"}}"#, expect: "containers"),
    // OOM killer.
    .init(name: "a positive OOM score adjustment", body: #"{"Image":"b","HostConfig":{"OomScoreAdj":500}}"#, expect: nil),
    .init(name: "a negative OOM score adjustment", body: #"{"Image":"b","HostConfig":{"OomScoreAdj":-1000}}"#, expect: "containers", says: "OOM killer"),
    .init(name: "OOM kill disabled", body: #"{"Image":"b","HostConfig":{"OomKillDisable":true}}"#, expect: "containers", says: "HostConfig.OomKillDisable"),
    .init(name: "an update's OomKillDisable, which the daemon does not apply", route: "container.update", body: #"{"OomKillDisable":true}"#, expect: nil),
    .init(name: "OOM kill explicitly enabled", body: #"{"Image":"b","HostConfig":{"OomKillDisable":false,"OomScoreAdj":0}}"#, expect: nil),
    // Resource limits (--ulimit).
    .init(name: "ulimit nofile", body: #"{"Image":"b","HostConfig":{"Ulimits":[{"Name":"nofile","Soft":65536,"Hard":65536}]}}"#, expect: nil),
    .init(name: "ulimit memlock", body: #"{"Image":"b","HostConfig":{"Ulimits":[{"Name":"nofile","Soft":1,"Hard":2},{"Name":"memlock","Soft":-1,"Hard":-1}]}}"#,
          expect: "containers", says: "HostConfig.Ulimits[1]"),
    .init(name: "ulimit rtprio, keys in lower case", body: #"{"Image":"b","HostConfig":{"ulimits":[{"name":"rtprio","soft":99,"hard":99}]}}"#, expect: "containers", says: "rtprio"),
    .init(name: "ulimit with a name in upper case", body: #"{"Image":"b","HostConfig":{"Ulimits":[{"Name":"NOFILE","Soft":1,"Hard":1}]}}"#, expect: "containers"),
    .init(name: "build with ulimits nofile", route: "build.image", query: "ulimits=%5B%7B%22Name%22%3A%22nofile%22%2C%22Hard%22%3A2%2C%22Soft%22%3A1%7D%5D",
          body: "", contentType: "application/x-tar", expect: nil),
    .init(name: "build with ulimits memlock", route: "build.image", query: "ulimits=%5B%7B%22name%22%3A%22memlock%22%2C%22Hard%22%3A-1%2C%22Soft%22%3A-1%7D%5D",
          body: "", contentType: "application/x-tar", expect: "containers", says: "ulimits[0]"),
    .init(name: "build with ulimits that are not JSON", route: "build.image", query: "ulimits=%5B%7B",
          body: "", contentType: "application/x-tar", expect: "body"),
    // Registries: a pull, push, search or login makes the daemon contact one.
    .init(name: "a pull from Docker Hub", route: "image.create", query: "fromImage=busybox&tag=latest", body: "", expect: nil),
    .init(name: "a pull from a registry on this host's loopback", route: "image.create", query: "fromImage=127.0.0.1%3A5000%2Fsecret&tag=x", body: "",
          expect: "registries", says: "registry 127.0.0.1:5000, an address of this host itself"),
    .init(name: "a pull from localhost", route: "image.create", query: "fromImage=localhost%3A5000%2Fx", body: "", expect: "registries"),
    .init(name: "a search on a registry on this host", route: "image.search", query: "term=localhost%3A5000%2Fx", body: "", expect: "registries"),
    .init(name: "a search on Docker Hub", route: "image.search", query: "term=busybox", body: "", expect: nil),
    .init(name: "a search term with user info before a host of this machine", route: "image.search", query: "term=u%40127.0.0.1%3A5000%2Fx", body: "",
          expect: "body", says: "search term"),
    // docker start --checkpoint (a daemon run with --experimental): the checkpoint's name is a path
    // joined under the container's checkpoint directory, unchecked (found 2026-12-01).
    .init(name: "docker start", route: "container.start", query: nil, body: "", expect: nil),
    .init(name: "docker start with an unrelated query", route: "container.start", query: "detachKeys=ctrl-x", body: "", expect: nil),
    .init(name: "docker start from a checkpoint", route: "container.start", query: "checkpoint=c1", body: "", expect: "body", says: "checkpoint=c1"),
    .init(name: "docker start from a checkpoint named by a host path", route: "container.start",
          query: "checkpoint=..%2F..%2F..%2F..%2F..%2F..%2Fetc", body: "", expect: "body", says: "host directory"),
    .init(name: "docker start from a checkpoint, percent-encoded key", route: "container.start",
          query: "check%70oint=x", body: "", expect: "body", says: "checkpoint=x"),
    .init(name: "docker start from a checkpoint in a second value", route: "container.start",
          query: "checkpoint=&checkpoint=x", body: "", expect: "body"),
    .init(name: "docker start with a checkpoint directory", route: "container.start",
          query: "checkpoint-dir=%2Ftmp", body: "", expect: "body", says: "checkpoint-dir"),
    .init(name: "docker start with a query Go refuses", route: "container.start", query: "checkpoint=x;y", body: "", expect: "body"),
    .init(name: "docker start with an empty checkpoint", route: "container.start", query: "checkpoint=", body: "", expect: nil),
    // docker top: dockerd runs the host's ps, and without -q when procps refuses -q (found 2026-11-30).
    .init(name: "docker top with no options", route: "container.top", body: "", expect: nil),
    .init(name: "docker top aux", route: "container.top", query: "ps_args=aux", body: "", expect: nil),
    .init(name: "docker top -eo pid,comm", route: "container.top", query: "ps_args=-eo+pid%2Ccomm", body: "", expect: nil),
    .init(name: "docker top with a column renamed PID at the start and a forest (the host's processes)", route: "container.top",
          query: "ps_args=-oargs%3DPID+axf", body: "", expect: "body", says: "ps_args"),
    .init(name: "docker top with a header of several words and a selection", route: "container.top",
          query: "ps_args=-ouid%3DA%0CA%0CPID%2Cargs%3D+e+-C+sleep", body: "", expect: "body", says: "ps_args"),
    .init(name: "docker top, first ps_args wins", route: "container.top", query: "ps_args=-oargs%3DPID+axf&ps_args=aux", body: "",
          expect: "body"),
    .init(name: "a login to a registry on this host", route: "system.auth", body: #"{"username":"u","password":"p","serveraddress":"http://127.0.0.1:5000"}"#,
          expect: "registries", says: "127.0.0.1:5000"),
    .init(name: "a login to Docker Hub", route: "system.auth", body: #"{"username":"u","password":"p","serveraddress":"https://index.docker.io/v1/"}"#, expect: nil),
    .init(name: "a login address with user info", route: "system.auth", body: #"{"serveraddress":"https://x@127.0.0.1:5000"}"#, expect: "body"),
    .init(name: "a login key in upper case", route: "system.auth", body: #"{"SERVERADDRESS":"localhost:5000"}"#, expect: "registries"),
    // Log drivers and options: a driver that ships logs makes the daemon
    // send the container's output from the host's network.
    .init(name: "the daemon's default log driver, as the CLI sends it", body: #"{"Image":"b","HostConfig":{"LogConfig":{"Type":"","Config":{}}}}"#, expect: nil),
    .init(name: "json-file with a size cap", body: #"{"Image":"b","HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"10m","max-file":"3"}}}}"#, expect: nil),
    .init(name: "local and none", body: #"{"Image":"b","HostConfig":{"LogConfig":{"Type":"local","Config":{"compress":"true"}}}}"#, expect: nil),
    .init(name: "syslog to a host address", body: #"{"Image":"b","HostConfig":{"LogConfig":{"Type":"syslog","Config":{"syslog-address":"tcp://127.0.0.1:6379"}}}}"#,
          expect: "containers", says: "uses log driver syslog"),
    .init(name: "gelf", body: #"{"Image":"b","HostConfig":{"LogConfig":{"Type":"gelf"}}}"#, expect: "containers", says: "HostConfig.LogConfig.Type"),
    .init(name: "journald", body: #"{"Image":"b","HostConfig":{"LogConfig":{"Type":"journald"}}}"#, expect: "containers"),
    .init(name: "a driver name in another case is another driver", body: #"{"Image":"b","HostConfig":{"LogConfig":{"Type":"JSON-FILE"}}}"#, expect: "containers"),
    .init(name: "an address option with the daemon's default driver", body: #"{"Image":"b","HostConfig":{"LogConfig":{"Config":{"syslog-address":"udp://127.0.0.1:514"}}}}"#,
          expect: "containers", says: "sets log option syslog-address"),
    .init(name: "log keys in lower case, options key duplicated", body: #"{"Image":"b","hostconfig":{"logconfig":{"type":"json-file","config":{"max-size":"1m"},"CONFIG":{"fluentd-address":"x"}}}}"#,
          expect: "containers", says: "fluentd-address"),
    .init(name: "max-buffer-size (the daemon's memory)", body: #"{"Image":"b","HostConfig":{"LogConfig":{"Config":{"mode":"non-blocking","max-buffer-size":"64g"}}}}"#,
          expect: "containers", says: "max-buffer-size"),
    // Host paths.
    .init(name: "bind /etc", body: #"{"Image":"b","HostConfig":{"Binds":["/etc:/x"]}}"#, expect: "host-paths", says: "allowed: none"),
    // A never-mountable path's denial says what it exposes and what to use instead.
    .init(name: "bind / ", body: #"{"Image":"b","HostConfig":{"Binds":["/:/host"]}}"#, expect: "host-paths",
          says: "mounts host path /, which is the host's root directory; the Docker and containerd sockets"),
    .init(name: "bind docker socket", body: #"{"Image":"b","HostConfig":{"Binds":["/var/run/docker.sock:/var/run/docker.sock"]}}"#, expect: "host-paths",
          says: "which is the daemon socket /var/run/docker.sock; the Docker and containerd sockets, the directories above them, / and /proc are never allowed as mounts, whatever [host-paths] says (use a named volume, a tmpfs or docker cp instead)"),
    .init(name: "bind the socket's directory", body: #"{"Image":"b","HostConfig":{"Binds":["/var/run:/r:ro"]}}"#, expect: "host-paths",
          says: "mounts host path /var/run, which contains the daemon socket /var/run/docker.sock;"),
    .init(name: "bind /proc/1", body: #"{"Image":"b","HostConfig":{"Mounts":[{"Type":"bind","Source":"/proc/1","Target":"/p"}]}}"#, expect: "host-paths",
          says: "mounts host path /proc/1, which is in /proc, from which the host's file system can be reached;"),
    .init(name: "bind an unclean path", body: #"{"Image":"b","HostConfig":{"Binds":["/tmp/../etc:/x"]}}"#, expect: "host-paths"),
    .init(name: "bind read-only", body: #"{"Image":"b","HostConfig":{"Binds":["/srv:/x:ro"]}}"#, expect: "host-paths"),
    .init(name: "bind key with long s", body: "{\"Image\":\"b\",\"HostConfig\":{\"Bind\u{17F}\":[\"/etc:/x\"]}}", expect: "host-paths"),
    .init(name: "mount type bind", body: #"{"Image":"b","HostConfig":{"Mounts":[{"Type":"bind","Source":"/etc","Target":"/x"}]}}"#, expect: "host-paths"),
    .init(name: "mount type in another case", body: #"{"Image":"b","HostConfig":{"Mounts":[{"type":"bind","source":"/etc","target":"/x"}]}}"#, expect: "host-paths"),
    .init(name: "volume mount with bind driver options", body: #"{"Image":"b","HostConfig":{"Mounts":[{"Type":"volume","Target":"/x","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/etc"}}}}]}}"#, expect: "volumes"),
    .init(name: "unknown mount type", body: #"{"Image":"b","HostConfig":{"Mounts":[{"Type":"npipe","Source":"x","Target":"/x"}]}}"#, expect: "host-paths"),
    .init(name: "volumes from", body: #"{"Image":"b","HostConfig":{"VolumesFrom":["other"]}}"#, expect: "volumes"),
    .init(name: "volume driver", body: #"{"Image":"b","HostConfig":{"VolumeDriver":"rexray","Binds":["v:/v"]}}"#, expect: "volumes"),
    .init(name: "volume create with host bind options", route: "volume.create", body: #"{"Name":"v","DriverOpts":{"type":"none","o":"bind","device":"/etc"}}"#, expect: "volumes"),
    .init(name: "volume create with a plugin driver", route: "volume.create", body: #"{"Name":"v","Driver":"sshfs"}"#, expect: "volumes"),
    // Ports.
    .init(name: "publish a port", body: #"{"Image":"b","HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}}}"#, expect: "host-ports"),
    .init(name: "publish all", body: #"{"Image":"b","HostConfig":{"PublishAllPorts":true}}"#, expect: "host-ports"),
    // Builds.
    .init(name: "build on the host network", route: "build.image", query: "networkmode=host", body: "", contentType: "application/x-tar", expect: "containers"),
    .init(name: "build with a cgroup parent", route: "build.image", query: "cgroupparent=%2F", body: "", contentType: "application/x-tar", expect: "containers"),
    .init(name: "build with a semicolon in the query", route: "build.image", query: "t=x;networkmode=host", body: "", contentType: "application/x-tar", expect: "body"),
    .init(name: "build from a remote context", route: "build.image", query: "remote=https://example.invalid/x.git", body: "", contentType: nil, expect: "builds"),
    .init(name: "image import from a URL", route: "image.create", query: "fromSrc=http%3A%2F%2F169.254.169.254%2Fx&repo=x", body: "", contentType: nil, expect: "builds"),
    .init(name: "image import from the body", route: "image.create", query: "fromSrc=-&repo=x", body: "", contentType: "application/x-tar", expect: nil),
    .init(name: "image pull", route: "image.create", query: "fromImage=busybox&tag=latest", body: "", contentType: nil, expect: nil),
    .init(name: "BuildKit build", route: "build.image", query: "version=2", body: "", contentType: nil, expect: "builds"),
    // What Debian's 20.10 CLI sends when the daemon advertises BuildKit: told to build without it, not to allow remote contexts.
    .init(name: "BuildKit build of the 20.10 CLI (client-session context)", route: "build.image",
          query: "remote=client-session&session=abc&version=2", body: "", contentType: nil, expect: "builds", says: "DOCKER_BUILDKIT=0"),
    .init(name: "a client-session context without version=2 is BuildKit's too", route: "build.image",
          query: "remote=client-session", body: "", contentType: nil, expect: "builds", says: "asks for a BuildKit build"),
    // Checkpoints (--experimental daemons) name host directories (dir, CheckpointDir).
    .init(name: "checkpoint delete in a host directory", route: "container.checkpoint.delete", query: "dir=/etc", body: "", contentType: nil, expect: "body"),
    .init(name: "checkpoint create into a host directory", route: "container.checkpoint.create", body: #"{"CheckpointID":"c","CheckpointDir":"/tmp/x"}"#, expect: "body"),
    .init(name: "checkpoint list of a host directory", route: "container.checkpoint.list", query: "dir=/etc", body: "", contentType: nil, expect: "body"),
    .init(name: "form-encoded body", route: "build.image", query: "t=x", body: "networkmode=host", contentType: "application/x-www-form-urlencoded", expect: "body"),
    .init(name: "form-encoded body, media type in capitals with parameters", route: "build.image", query: "t=x", body: "networkmode=host", contentType: " Application/X-WWW-Form-URLEncoded ; charset=utf-8", expect: "body"),
    .init(name: "multipart form body on a build (dockerd reads its parts as build parameters)", route: "build.image", query: "t=x", body: "--XX\r\nContent-Disposition: form-data; name=\"networkmode\"\r\n\r\nhost\r\n--XX--\r\n", contentType: "multipart/form-data; boundary=XX", expect: "body"),
    .init(name: "multipart form body, media type in capitals", route: "build.image", query: "t=x", body: "", contentType: "\tMultipart/Form-Data;boundary=XX", expect: "body"),
    .init(name: "no media type before the first semicolon: Go reads no form", route: "build.image", query: "t=x", body: "", contentType: ";application/x-www-form-urlencoded", expect: nil),
    // Go cuts at the ";" byte, lowercases with Unicode mappings and trims Unicode white space:
    // each of these is a form to the daemon (found by review; they were allowed).
    .init(name: "form: dotted capital I, which Go lowers to i", route: "image.create", query: "fromImage=alpine", body: "fromImage=evil", contentType: "appl\u{130}cation/x-www-form-urlencoded", expect: "body"),
    .init(name: "form: a combining mark after the semicolon", route: "image.create", query: "fromImage=alpine", body: "fromImage=evil", contentType: "application/x-www-form-urlencoded;\u{301}", expect: "body"),
    .init(name: "form: a trailing no-break space", route: "image.create", query: "fromImage=alpine", body: "fromImage=evil", contentType: "application/x-www-form-urlencoded\u{A0}", expect: "body"),
    .init(name: "form: a next-line before the parameters", route: "image.create", query: "fromImage=alpine", body: "fromImage=evil", contentType: "application/x-www-form-urlencoded\u{85}; charset=utf-8", expect: "body"),
    .init(name: "form: ASCII white space Go trims", route: "image.create", query: "fromImage=alpine", body: "fromImage=evil", contentType: "\u{0B}application/x-www-form-urlencoded\u{0C}", expect: "body"),
    .init(name: "not a form: non-ASCII only in a parameter", route: "build.image", query: "t=x", body: "", contentType: "application/x-tar; name=caf\u{E9}", expect: nil),
    .init(name: "endpoint driver options (28.x interface sysctls)", body: #"{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"n":{"DriverOpts":{"com.docker.network.endpoint.sysctls":"net.ipv4.conf.IFNAME.forwarding=1"}}}}}"#, expect: "body"),
    .init(name: "build outputs", route: "build.image", query: "outputs=%5B%7B%22Type%22%3A%22local%22%7D%5D", body: "", contentType: nil, expect: "body"),
    .init(name: "Capabilities is not a daemon field: dropped, allowed", body: #"{"Image":"b","HostConfig":{"Capabilities":["CAP_SYS_ADMIN"]}}"#, expect: nil),
    .init(name: "CpuQuota near Int64.max does not trap (found by fuzzing)", body: #"{"Image":"b","HostConfig":{"CpuQuota":9223372036854775807,"CpuPeriod":1}}"#, expect: nil),
    // Bodies that cannot be decided.
    .init(name: "not JSON", body: "{", expect: "body"),
    .init(name: "empty body", body: "", expect: "body"),
    .init(name: "wrong type", body: #"{"Image":"b","HostConfig":{"Privileged":"yes"}}"#, expect: "body"),
    .init(name: "wrong content type", body: #"{"Image":"b"}"#, contentType: "text/plain", expect: "body"),
    .init(name: "API version below the minimum", version: "1.23", body: #"{"Image":"b"}"#, expect: "api"),
    .init(name: "start with a HostConfig body", route: "container.start", body: #"{"Privileged":true}"#, expect: "body"),
    .init(name: "compose-style bridge network", route: "network.create", body: #"{"Name":"p_default","CheckDuplicate":true,"Driver":"bridge","Labels":{"com.docker.compose.project":"p"},"IPAM":{"Driver":"default","Config":[]}}"#, expect: nil),
    .init(name: "host network driver", route: "network.create", body: #"{"Name":"n","Driver":"host"}"#, expect: "networks"),
    .init(name: "macvlan on a host interface", route: "network.create", body: #"{"Name":"n","driver":"macvlan","Options":{"parent":"eth0"}}"#, expect: "networks"),
    .init(name: "bridge with a chosen bridge name", route: "network.create", body: #"{"Name":"n","Options":{"com.docker.network.bridge.name":"docker0"}}"#, expect: "networks"),
    .init(name: "network with a chosen subnet", route: "network.create", body: #"{"Name":"n","IPAM":{"Config":[{"Subnet":"10.0.0.0/8"}]}}"#, expect: "networks"),
    .init(name: "ingress network", route: "network.create", body: #"{"Name":"n","Ingress":true}"#, expect: "body"),
    .init(name: "connect to a network", route: "network.connect", body: #"{"Container":"c","EndpointConfig":{"Aliases":["a"]}}"#, expect: nil),
    .init(name: "service create is a cluster route ci.toml denies", route: "service.create", body: #"{"Name":"s"}"#, expect: "no-cluster-or-plugins"),
    .init(name: "commit with the daemon's empty body", route: "container.commit", query: "container=c&repo=out", body: "", contentType: nil, expect: nil),
    .init(name: "commit with a config", route: "container.commit", query: "container=c&repo=out&changes=CMD%20x", body: #"{"Cmd":["x"],"Env":["A=1"]}"#, expect: nil),
    .init(name: "commit with a body that is not JSON", route: "container.commit", query: "container=c", body: "{", expect: "body"),
    .init(name: "tag", route: "image.tag", query: "repo=x&tag=y", body: "", contentType: nil, expect: nil),
    .init(name: "load", route: "image.load", query: "quiet=1", body: "", contentType: "application/x-tar", expect: nil),
]

@Suite("ci.toml judges request bodies")
struct CIPolicyBodyTests {
    @Test("each way of asking is decided as the daemon would read it", arguments: ciBodyCases)
    func decide(_ c: BodyCase) throws {
        let policy = try loadShippedPolicy("ci.toml")
        try c.check(policy)
    }

    @Test("an allowed body is forwarded as a canonical re-encoding that decodes to the same value")
    func canonicalForwarding() throws {
        let policy = try loadShippedPolicy("ci.toml")
        let route = try #require(Catalogue.route(named: "container.create"))
        let body = #"{"image":"busybox","Image":"busybox:1","HostConfig":{"NetworkMode":"none"},"hostconfig":{"Memory":1024},"Unknown":1} trailing"#
        let decision = judgeJSON(policy, route: route, body: body)
        let forwarded = try #require(decision.forwardBody)
        let text = String(decoding: forwarded, as: UTF8.self)
        #expect(text.contains("\"Image\":\"busybox:1\""), "\(text)")
        #expect(text.contains("\"NetworkMode\":\"none\""), "duplicate HostConfig keys merge: \(text)")
        #expect(text.contains("\"Memory\":1024"), "\(text)")
        #expect(!text.contains("Unknown") && !text.contains("trailing") && !text.contains("\"image\""), "\(text)")
        let schema = GoType.structure(ContainerCreateBody.wrapper)
        let original = try GoDecoder.decodeFirstValue(Array(body.utf8), as: schema).get().value
        let again = try GoDecoder.decodeFirstValue(forwarded, as: schema).get().value
        #expect(original == again)
    }

    @Test("connecting a container to the host network is judged by the network in the path")
    func connectHost() throws {
        let policy = try loadShippedPolicy("ci.toml")
        let route = try #require(Catalogue.route(named: "network.connect"))
        var input = PolicyInput(method: "POST", route: route, apiVersion: "1.41",
                                body: .complete(Array(#"{"Container":"c"}"#.utf8), contentType: "application/json"),
                                contentType: "application/json")
        input.parameters = ["id": "host"]
        let decision = policy.evaluate(input)
        #expect(!decision.allowed)
        #expect(decision.rule == "containers", "\(decision.reason)")
        input.parameters = ["id": "ci-net"]
        #expect(policy.evaluate(input).allowed)
    }

    @Test("observe.toml trusts bodies and ci.toml does not")
    func trust() throws {
        let observe = try loadShippedPolicy("observe.toml")
        let route = try #require(Catalogue.route(named: "container.create"))
        let input = PolicyInput(method: "POST", route: route, apiVersion: "1.41",
                                body: .complete(Array(#"{"Image":"b","HostConfig":{"Privileged":true}}"#.utf8), contentType: "application/json"),
                                contentType: "application/json")
        #expect(observe.evaluate(input).allowed)
        #expect(!observe.inspectsBody(route))
        #expect(try loadShippedPolicy("ci.toml").inspectsBody(route))
    }
}
