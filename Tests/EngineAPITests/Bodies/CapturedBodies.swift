import Testing

// Request bodies captured from real clients against a fake daemon on a Unix
// socket (tests only; see the Bodies tests). Kept byte for byte, including the
// trailing newline the docker CLI's json.Encoder writes.

struct CapturedBody: Sendable, CustomTestStringConvertible {
    let route: String
    let client: String
    let body: String

    var testDescription: String { "\(route): \(client)" }
}

enum CapturedBodies {
    static let all: [CapturedBody] = [
        CapturedBody(
            route: "container.update",
            client: "docker CLI 28.2.2 (API 1.50): docker update --memory 128m --cpus 2 --restart always --pids-limit 50 web",
            body: #"{"CpuShares":0,"Memory":134217728,"NanoCpus":2000000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":null,"BlkioDeviceReadBps":null,"BlkioDeviceWriteBps":null,"BlkioDeviceReadIOps":null,"BlkioDeviceWriteIOps":null,"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":null,"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":null,"OomKillDisable":null,"PidsLimit":50,"Ulimits":null,"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"RestartPolicy":{"Name":"always","MaximumRetryCount":0}}"# + "\n"),
        CapturedBody(
            route: "network.create",
            client: "docker CLI 28.2.2 (API 1.50): docker network create -d bridge --subnet 10.9.0.0/24 --gateway 10.9.0.1 --ipv6 --internal --attachable -o com.docker.network.bridge.name=br9 --label l=v net9",
            body: #"{"Driver":"bridge","Scope":"","EnableIPv6":true,"IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.9.0.0/24","Gateway":"10.9.0.1"}]},"Internal":true,"Attachable":true,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,"Options":{"com.docker.network.bridge.name":"br9"},"Labels":{"l":"v"},"Name":"net9"}"# + "\n"),
        CapturedBody(
            route: "network.connect",
            client: "docker CLI 28.2.2 (API 1.50): docker network connect --ip 10.9.0.5 --alias a1 --driver-opt o=v net9 web",
            body: #"{"Container":"web","EndpointConfig":{"IPAMConfig":{"IPv4Address":"10.9.0.5"},"Links":null,"Aliases":["a1"],"MacAddress":"","DriverOpts":{"o":"v"},"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}"# + "\n"),
        CapturedBody(
            route: "volume.create",
            client: "docker CLI 28.2.2 (API 1.50): docker volume create -d local -o type=none -o o=bind -o device=/srv --label l=v vol1",
            body: #"{"Driver":"local","DriverOpts":{"device":"/srv","o":"bind","type":"none"},"Labels":{"l":"v"},"Name":"vol1"}"# + "\n"),
        CapturedBody(
            route: "swarm.init",
            client: "docker CLI 28.2.2 (API 1.50): docker swarm init --advertise-addr 127.0.0.1 --default-addr-pool 10.20.0.0/16 --data-path-port 4790 --autolock",
            body: #"{"ListenAddr":"0.0.0.0:2377","AdvertiseAddr":"127.0.0.1","DataPathAddr":"","DataPathPort":4790,"ForceNewCluster":false,"Spec":{"Labels":null,"Orchestration":{},"Raft":{"ElectionTick":0,"HeartbeatTick":0},"Dispatcher":{},"CAConfig":{},"TaskDefaults":{},"EncryptionConfig":{"AutoLockManagers":true}},"AutoLockManagers":true,"Availability":"","DefaultAddrPool":["10.20.0.0/16"],"SubnetSize":24}"# + "\n"),
        CapturedBody(
            route: "swarm.join",
            client: "docker CLI 28.2.2 (API 1.50): docker swarm join --token SWMTKN-1-xxx --advertise-addr 127.0.0.1 --availability drain 10.0.0.1:2377",
            body: #"{"ListenAddr":"0.0.0.0:2377","AdvertiseAddr":"127.0.0.1","DataPathAddr":"","RemoteAddrs":["10.0.0.1:2377"],"JoinToken":"SWMTKN-1-xxx","Availability":"drain"}"# + "\n"),
        CapturedBody(
            route: "plugin.set",
            client: "docker CLI 28.2.2 (API 1.50): docker plugin set myplug DEBUG=1 mnt.source=/x",
            body: #"["DEBUG=1","mnt.source=/x"]"# + "\n"),
        CapturedBody(
            route: "container.create",
            client: "docker CLI 28.2.2 (API 1.50): docker run -d --name web -p 8080:80 -p 127.0.0.1:9000:9000/udp -e A=1 busybox sleep 100",
            body: #"{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"ExposedPorts":{"80/tcp":{},"9000/udp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["A=1"],"Cmd":["sleep","100"],"Image":"busybox","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}],"9000/udp":[{"HostIp":"127.0.0.1","HostPort":"9000"}]},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}"# + "\n"),
        CapturedBody(
            route: "container.create",
            client: "docker CLI 28.2.2 (API 1.50): docker create -v /srv/data:/data:ro -v named:/named --cap-add NET_ADMIN --cap-drop ALL --privileged --security-opt seccomp=unconfined --device /dev/fuse --network host --pid host --ulimit nofile=1024:2048 --memory 64m --cpus 1.5 --pids-limit 100 --sysctl … --tmpfs … --mount type=bind,… --restart on-failure:3 --health-cmd true --entrypoint /bin/sh --init --gpus all …",
            body: #"{"Hostname":"","Domainname":"","User":"0:0","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["-c","echo hi"],"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":5000000000},"Image":"busybox","Volumes":{},"WorkingDir":"/w","Entrypoint":["/bin/sh"],"OnBuild":null,"Labels":{"k":"v"},"HostConfig":{"Binds":["/srv/data:/data:ro","named:/named"],"ContainerIDFile":"","LogConfig":{"Type":"json-file","Config":{"max-size":"1m"}},"NetworkMode":"host","PortBindings":{},"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":["CAP_NET_ADMIN"],"CapDrop":["ALL"],"CgroupnsMode":"","Dns":["8.8.8.8"],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":["h:1.2.3.4"],"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"host","Privileged":true,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":["seccomp=unconfined"],"Tmpfs":{"/run":"size=64m"},"UTSMode":"","UsernsMode":"","ShmSize":0,"Sysctls":{"net.ipv4.ip_forward":"1"},"Isolation":"","CpuShares":0,"Memory":67108864,"NanoCpus":1500000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[{"PathOnHost":"/dev/fuse","PathInContainer":"/dev/fuse","CgroupPermissions":"rwm"}],"DeviceCgroupRules":null,"DeviceRequests":[{"Driver":"","Count":-1,"DeviceIDs":null,"Capabilities":[["gpu"]],"Options":{}}],"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":100,"Ulimits":[{"Name":"nofile","Hard":2048,"Soft":1024}],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"Mounts":[{"Type":"bind","Source":"/etc","Target":"/hostetc","ReadOnly":true}],"MaskedPaths":null,"ReadonlyPaths":null,"Init":true},"NetworkingConfig":{"EndpointsConfig":{}}}"# + "\n"),
        CapturedBody(
            route: "exec.create",
            client: "docker CLI 28.2.2 (API 1.50): docker exec -e X=1 -u root -w /tmp --privileged web sh -c id",
            body: #"{"User":"root","Privileged":true,"Tty":false,"AttachStdin":false,"AttachStderr":true,"AttachStdout":true,"Detach":false,"DetachKeys":"","Env":["X=1"],"WorkingDir":"/tmp","Cmd":["sh","-c","id"]}"# + "\n"),
        CapturedBody(
            route: "service.create",
            client: "docker CLI 28.2.2 (API 1.50): docker service create --mount type=bind,src=/var/run/docker.sock,… --cap-add SYS_ADMIN --sysctl … --publish 8081:80 --ulimit … --read-only --init …",
            body: #"{"Name":"s1","Labels":{},"TaskTemplate":{"ContainerSpec":{"Image":"busybox:latest","Args":["sleep","1"],"Env":["A=1"],"Init":true,"ReadOnly":true,"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/var/run/docker.sock"}],"Healthcheck":{"Test":["CMD-SHELL","true"]},"Hosts":["1.2.3.4 h"],"DNSConfig":{"Nameservers":["1.1.1.1"]},"Sysctls":{"net.core.somaxconn":"1024"},"CapabilityAdd":["CAP_SYS_ADMIN"],"Ulimits":[{"Name":"nofile","Hard":20,"Soft":10}]},"Resources":{"Limits":{"MemoryBytes":67108864},"Reservations":{"NanoCPUs":500000000}},"RestartPolicy":{"Condition":"on-failure","Delay":5000000000,"MaxAttempts":0},"Placement":{"Constraints":["node.role==manager"]},"ForceUpdate":0},"Mode":{"Replicated":{"Replicas":2}},"UpdateConfig":{"Parallelism":2,"FailureAction":"pause","Monitor":5000000000,"MaxFailureRatio":0,"Order":"stop-first"},"EndpointSpec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8081,"PublishMode":"ingress"}]}}"# + "\n"),
        CapturedBody(
            route: "plugin.upgrade",
            client: "docker CLI 28.2.2 (API 1.50): docker plugin upgrade --grant-all-permissions myplug vieux/sshfs:latest",
            body: #"[{"Name":"network","Description":"","Value":["host"]},{"Name":"mount","Description":"","Value":["/var/lib/docker/plugins/"]},{"Name":"capabilities","Description":"","Value":["CAP_SYS_ADMIN"]}]"# + "\n"),
        CapturedBody(
            route: "plugin.pull",
            client: "docker CLI 28.2.2 (API 1.50): docker plugin install --grant-all-permissions vieux/sshfs",
            body: #"[{"Name":"network","Description":"","Value":["host"]},{"Name":"mount","Description":"","Value":["/var/lib/docker/plugins/"]},{"Name":"capabilities","Description":"","Value":["CAP_SYS_ADMIN"]}]"# + "\n"),
        CapturedBody(
            route: "swarm.update",
            client: "docker CLI 28.2.2 (API 1.50): docker swarm update --autolock=false --task-history-limit 3",
            body: #"{"Name":"default","Labels":{},"Orchestration":{"TaskHistoryRetentionLimit":3},"Raft":{"SnapshotInterval":10000,"KeepOldSnapshots":0,"LogEntriesForSlowFollowers":500,"ElectionTick":10,"HeartbeatTick":1},"Dispatcher":{"HeartbeatPeriod":5000000000},"CAConfig":{"NodeCertExpiry":7776000000000000},"TaskDefaults":{},"EncryptionConfig":{"AutoLockManagers":false}}"# + "\n"),
        CapturedBody(
            route: "service.update",
            client: "docker CLI 28.2.2 (API 1.50): docker service update --image busybox:2 --cap-add NET_RAW --mount-add type=volume,src=v,dst=/v s1",
            body: #"{"Name":"s1","Labels":{},"TaskTemplate":{"ContainerSpec":{"Image":"busybox:2","Args":["sleep","1"],"Init":true,"Mounts":[{"Type":"volume","Source":"v","Target":"/v"}],"CapabilityAdd":["CAP_NET_RAW"]},"ForceUpdate":0},"Mode":{"Replicated":{"Replicas":2}},"EndpointSpec":{"Mode":"vip"}}"# + "\n"),
        CapturedBody(
            route: "container.create",
            client: "Python docker SDK 7.1.0 (API 1.41): create_container(host_config=create_host_config(privileged, binds, port_bindings, devices, ulimits, mounts, device_requests, …), networking_config=…)",
            body: #"{"ExposedPorts": {"80/tcp": {}, "53/udp": {}}, "User": "root", "Tty": false, "OpenStdin": false, "StdinOnce": false, "AttachStdin": false, "AttachStdout": true, "AttachStderr": true, "Env": ["A=1"], "Cmd": ["sh", "-c", "id"], "Image": "busybox", "Volumes": {"/data": {}}, "NetworkDisabled": false, "Entrypoint": ["/bin/sh"], "WorkingDir": "/w", "HostConfig": {"Memory": 67108864, "PidMode": "host", "Privileged": true, "NetworkMode": "default", "RestartPolicy": {"Name": "always"}, "CapAdd": ["SYS_ADMIN"], "CapDrop": ["MKNOD"], "Devices": [{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"}], "SecurityOpt": ["apparmor=unconfined"], "Sysctls": {"net.ipv4.ip_forward": "1"}, "Binds": ["/srv:/data:ro"], "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}]}, "ExtraHosts": ["h:1.2.3.4"], "Ulimits": [{"Name": "nofile", "Soft": 1, "Hard": 2}], "LogConfig": {"Type": "json-file", "Config": {"max-size": "1m"}}, "Tmpfs": {"/run": "size=1m"}, "UsernsMode": "host", "PidsLimit": 10, "Init": true, "Mounts": [{"Target": "/t", "Source": "/etc", "Type": "bind", "ReadOnly": true}], "DeviceRequests": [{"Driver": "", "Count": -1, "DeviceIDs": [], "Capabilities": [["gpu"]], "Options": {}}]}, "NetworkingConfig": {"EndpointsConfig": {"n1": {"Aliases": ["x"], "IPAMConfig": {"IPv4Address": "10.0.0.5"}}}}, "Labels": {"a": "b"}, "StopSignal": "SIGTERM", "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1000000000, "Timeout": null, "Retries": null, "StartPeriod": null}}"#),
        CapturedBody(
            route: "exec.create",
            client: "Python docker SDK 7.1.0 (API 1.41): exec_create(privileged=True, user='root', environment, workdir)",
            body: #"{"Container": "web", "User": "root", "Privileged": true, "Tty": false, "AttachStdin": false, "AttachStdout": true, "AttachStderr": true, "Cmd": ["sh", "-c", "id"], "Env": ["X=1"], "WorkingDir": "/tmp"}"#),
        CapturedBody(
            route: "container.update",
            client: "Python docker SDK 7.1.0 (API 1.41): update_container(mem_limit, cpu_shares, restart_policy)",
            body: #"{"CpuShares": 512, "Memory": 134217728, "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2}}"#),
        CapturedBody(
            route: "network.create",
            client: "Python docker SDK 7.1.0 (API 1.41): create_network(ipam=IPAMConfig(pool_configs=[…]), internal, attachable, options, labels)",
            body: #"{"Name": "n9", "Driver": "bridge", "Options": {"com.docker.network.bridge.enable_icc": "false"}, "IPAM": {"Driver": "default", "Config": [{"Subnet": "10.8.0.0/24", "IPRange": null, "Gateway": "10.8.0.1", "AuxiliaryAddresses": null}]}, "Labels": {"l": "v"}, "Internal": true, "Attachable": true}"#),
        CapturedBody(
            route: "network.connect",
            client: "Python docker SDK 7.1.0 (API 1.41): connect_container_to_network(ipv4_address, aliases)",
            body: #"{"Container": "web", "EndpointConfig": {"Aliases": ["w"], "IPAMConfig": {"IPv4Address": "10.8.0.4"}}}"#),
        CapturedBody(
            route: "volume.create",
            client: "Python docker SDK 7.1.0 (API 1.41): create_volume(driver='local', driver_opts={type: tmpfs, …})",
            body: #"{"Name": "v9", "Driver": "local", "DriverOpts": {"type": "tmpfs", "device": "tmpfs", "o": "size=100m"}, "Labels": {"a": "b"}}"#),
        CapturedBody(
            route: "container.commit",
            client: "Python docker SDK 7.1.0 (API 1.41): commit(conf={'Cmd': ['sh'], 'Env': ['X=1']})",
            body: #"{"Cmd": ["sh"], "Env": ["X=1"]}"#),
        CapturedBody(
            route: "swarm.init",
            client: "Python docker SDK 7.1.0 (API 1.41): init_swarm(default_addr_pool, subnet_size, swarm_spec=create_swarm_spec(…))",
            body: #"{"AdvertiseAddr": "127.0.0.1", "ListenAddr": "0.0.0.0:2377", "DefaultAddrPool": ["10.30.0.0/16"], "SubnetSize": 24, "ForceNewCluster": false, "Spec": {"Orchestration": {"TaskHistoryRetentionLimit": 4}, "EncryptionConfig": {"AutoLockManagers": true}}}"#),
        CapturedBody(
            route: "swarm.join",
            client: "Python docker SDK 7.1.0 (API 1.41): join_swarm(['10.0.0.1:2377'], token, advertise_addr)",
            body: #"{"RemoteAddrs": ["10.0.0.1:2377"], "ListenAddr": "0.0.0.0:2377", "JoinToken": "SWMTKN-1-xxx", "AdvertiseAddr": "127.0.0.1"}"#),
        CapturedBody(
            route: "service.create",
            client: "Python docker SDK 7.1.0 (API 1.41): create_service(TaskTemplate(ContainerSpec(mounts, cap_add, sysctls, privileges, healthcheck), …), mode=ServiceMode('replicated'), endpoint_spec)",
            body: #"{"Name": "svc", "Labels": {"x": "y"}, "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Command": ["sleep", "1"], "Args": null, "Env": ["A=1"], "Mounts": [{"Target": "/var/run/docker.sock", "Source": "/var/run/docker.sock", "Type": "bind", "ReadOnly": false}], "Privileges": {"SELinuxContext": {"Disable": true, "User": null, "Role": null, "Type": null, "Level": null}}, "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1000000000, "Timeout": null, "Retries": null, "StartPeriod": null}, "Init": true, "CapabilityAdd": ["CAP_SYS_ADMIN"], "Sysctls": {"net.core.somaxconn": "1"}}, "Resources": {"Limits": {"MemoryBytes": 67108864}}, "RestartPolicy": {"Condition": "on-failure", "Delay": 0, "MaxAttempts": 0, "Window": 0}, "Placement": {"Constraints": ["node.role==manager"]}, "Networks": [{"Target": "n1"}]}, "Mode": {"replicated": {"Replicas": 2}}, "EndpointSpec": {"Ports": [{"Protocol": "tcp", "PublishedPort": 8080, "TargetPort": 80}]}}"#),
        CapturedBody(
            route: "plugin.set",
            client: "Python docker SDK 7.1.0 (API 1.41): configure_plugin('myplug', {'DEBUG': '1'})",
            body: #"["DEBUG=1"]"#),
        CapturedBody(
            route: "container.create",
            client: "docker CLI 28.2.2 (API 1.41, daemon 20.10): docker create -v /srv/data:/data:ro --cap-add NET_ADMIN --memory 64m --network n1 --ip 10.1.0.5 -t busybox sh",
            body: #"{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":true,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["sh"],"Image":"busybox","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":["/srv/data:/data:ro"],"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"n1","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":["CAP_NET_ADMIN"],"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":67108864,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"n1":{"IPAMConfig":{"IPv4Address":"10.1.0.5"},"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}"# + "\n"),
    ]
}
