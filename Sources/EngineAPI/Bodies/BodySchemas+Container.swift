import GoJSON

// api/types/container (Config, HostConfig, Resources, UpdateConfig ...),
// vendored go-connections/nat and go-units, api/types/blkiodev.
// Union of v20.10.24 and v28.5.2 (API 1.41 / 1.51).

extension BodySchemas {
    public enum Container {
        // MARK: small types

        /// container.HealthConfig (20.10) / dockerspec.HealthcheckConfig (28.x).
        public static let healthConfig = GoStruct("container.HealthConfig", [
            GoField("Test", GT.strings, omitEmpty: true),
            GoField("Interval", GT.duration, omitEmpty: true),
            GoField("Timeout", GT.duration, omitEmpty: true),
            GoField("StartPeriod", GT.duration, omitEmpty: true),
            GoField("StartInterval", GT.duration, omitEmpty: true), // 28.x only (API 1.44+)
            GoField("Retries", GT.int, omitEmpty: true),
        ])

        /// nat.PortSet = map[nat.Port]struct{} (Port is a string type).
        public static let portSet: GoType = GT.stringKeyMap(GT.emptyStruct)

        /// nat.PortBinding.
        public static let portBinding = GoStruct("nat.PortBinding", [
            GoField("HostIp", GT.string),
            GoField("HostPort", GT.string),
        ])

        /// nat.PortMap = map[nat.Port][]nat.PortBinding.
        public static let portMap: GoType = GT.stringKeyMap(GT.slice(.structure(portBinding)))

        public static let logConfig = GoStruct("container.LogConfig", [
            GoField("Type", GT.string),
            GoField("Config", GT.stringMap),
        ])

        /// Name is `string` (20.10) / `RestartPolicyMode` string type (28.x).
        public static let restartPolicy = GoStruct("container.RestartPolicy", [
            GoField("Name", GT.string),
            GoField("MaximumRetryCount", GT.int),
        ])

        public static let deviceMapping = GoStruct("container.DeviceMapping", [
            GoField("PathOnHost", GT.string),
            GoField("PathInContainer", GT.string),
            GoField("CgroupPermissions", GT.string),
        ])

        public static let deviceRequest = GoStruct("container.DeviceRequest", [
            GoField("Driver", GT.string),
            GoField("Count", GT.int),
            GoField("DeviceIDs", GT.strings),
            GoField("Capabilities", GT.slice(GT.strings)),
            GoField("Options", GT.stringMap),
        ])

        public static let weightDevice = GoStruct("blkiodev.WeightDevice", [
            GoField("Path", GT.string),
            GoField("Weight", GT.uint16),
        ])

        public static let throttleDevice = GoStruct("blkiodev.ThrottleDevice", [
            GoField("Path", GT.string),
            GoField("Rate", GT.uint64),
        ])

        /// units.Ulimit (go-units; 28.x aliases it as container.Ulimit). Plain
        /// struct, no custom JSON methods in either version.
        public static let ulimit = GoStruct("units.Ulimit", [
            GoField("Name", GT.string),
            GoField("Hard", GT.int64),
            GoField("Soft", GT.int64),
        ])

        // MARK: Resources

        /// Go names of Resources fields whose JSON key differs (for goPath).
        static let resourcesGoNames: [String: String] = [
            "CpuShares": "CPUShares", "NanoCpus": "NanoCPUs", "CpuPeriod": "CPUPeriod",
            "CpuQuota": "CPUQuota", "CpuRealtimePeriod": "CPURealtimePeriod",
            "CpuRealtimeRuntime": "CPURealtimeRuntime", "CpuCount": "CPUCount",
            "CpuPercent": "CPUPercent",
        ]

        /// container.Resources (embedded in HostConfig and UpdateConfig).
        public static let resources = GoStruct("container.Resources", [
            GoField("CpuShares", GT.int64),
            GoField("Memory", GT.int64),
            GoField("NanoCpus", GT.int64),
            GoField("CgroupParent", GT.string),
            GoField("BlkioWeight", GT.uint16),
            GoField("BlkioWeightDevice", GT.slice(GT.ptr(.structure(weightDevice)))),
            GoField("BlkioDeviceReadBps", GT.slice(GT.ptr(.structure(throttleDevice)))),
            GoField("BlkioDeviceWriteBps", GT.slice(GT.ptr(.structure(throttleDevice)))),
            GoField("BlkioDeviceReadIOps", GT.slice(GT.ptr(.structure(throttleDevice)))),
            GoField("BlkioDeviceWriteIOps", GT.slice(GT.ptr(.structure(throttleDevice)))),
            GoField("CpuPeriod", GT.int64),
            GoField("CpuQuota", GT.int64),
            GoField("CpuRealtimePeriod", GT.int64),
            GoField("CpuRealtimeRuntime", GT.int64),
            GoField("CpusetCpus", GT.string),
            GoField("CpusetMems", GT.string),
            GoField("Devices", GT.slice(.structure(deviceMapping))),
            GoField("DeviceCgroupRules", GT.strings),
            GoField("DeviceRequests", GT.slice(.structure(deviceRequest))),
            GoField("KernelMemory", GT.int64),      // omitempty in 28.x only; zeroed by 28.x for API >= 1.42
            GoField("KernelMemoryTCP", GT.int64),   // omitempty in 28.x only; zeroed for API < 1.40
            GoField("MemoryReservation", GT.int64),
            GoField("MemorySwap", GT.int64),
            GoField("MemorySwappiness", GT.ptr(GT.int64)),
            GoField("OomKillDisable", GT.ptr(GT.bool)),
            GoField("PidsLimit", GT.ptr(GT.int64)),
            GoField("Ulimits", GT.slice(GT.ptr(.structure(ulimit)))),
            GoField("CpuCount", GT.int64),
            GoField("CpuPercent", GT.int64),
            GoField("IOMaximumIOps", GT.uint64),
            GoField("IOMaximumBandwidth", GT.uint64),
        ])

        // MARK: HostConfig

        static let hostConfigGoNames: [String: String] = [
            "Dns": "DNS", "DnsOptions": "DNSOptions", "DnsSearch": "DNSSearch",
        ]

        /// HostConfig fields before `Resources` in 28.x declaration order.
        /// ConsoleSize sits after Runtime in 20.10's declaration (order only
        /// matters for encoding); Annotations is 28.x only.
        private static let hostConfigHead: [GoField] = [
            GoField("Binds", GT.strings),
            GoField("ContainerIDFile", GT.string),
            GoField("LogConfig", .structure(logConfig)),
            GoField("NetworkMode", GT.string),
            GoField("PortBindings", portMap),
            GoField("RestartPolicy", .structure(restartPolicy)),
            GoField("AutoRemove", GT.bool),
            GoField("VolumeDriver", GT.string),
            GoField("VolumesFrom", GT.strings),
            GoField("ConsoleSize", .array(GT.uint, count: 2)),
            GoField("Annotations", GT.stringMap, omitEmpty: true), // 28.x only (API 1.43+)
            GoField("CapAdd", StrSlice.type),
            GoField("CapDrop", StrSlice.type),
            GoField("CgroupnsMode", GT.string),
            GoField("Dns", GT.strings),
            GoField("DnsOptions", GT.strings),
            GoField("DnsSearch", GT.strings),
            GoField("ExtraHosts", GT.strings),
            GoField("GroupAdd", GT.strings),
            GoField("IpcMode", GT.string),
            GoField("Cgroup", GT.string),
            GoField("Links", GT.strings),
            GoField("OomScoreAdj", GT.int),
            GoField("PidMode", GT.string),
            GoField("Privileged", GT.bool),
            GoField("PublishAllPorts", GT.bool),
            GoField("ReadonlyRootfs", GT.bool),
            GoField("SecurityOpt", GT.strings),
            GoField("StorageOpt", GT.stringMap, omitEmpty: true),
            GoField("Tmpfs", GT.stringMap, omitEmpty: true),
            GoField("UTSMode", GT.string),
            GoField("UsernsMode", GT.string),
            GoField("ShmSize", GT.int64),
            GoField("Sysctls", GT.stringMap, omitEmpty: true),
            GoField("Runtime", GT.string, omitEmpty: true),
            GoField("Isolation", GT.string),
        ]

        private static let hostConfigTail: [GoField] = [
            GoField("Mounts", GT.slice(.structure(BodySchemas.Mount.mount)), omitEmpty: true),
            GoField("MaskedPaths", GT.strings),
            GoField("ReadonlyPaths", GT.strings),
            GoField("Init", GT.ptr(GT.bool), omitEmpty: true),
        ]

        /// container.HostConfig, union of both lines, with the embedded
        /// Resources flattened (goPath "Resources.X"). No name collides after
        /// flattening (checked by tests), so every field is decodable.
        public static let hostConfig = GoStruct("container.HostConfig",
            hostConfigHead
            + promoted(resources, through: "Resources", goNames: resourcesGoNames)
            + hostConfigTail)

        /// container.HostConfig exactly as 20.10.24 declares it (no
        /// Annotations): the field set 20.10 promotes to the TOP LEVEL of the
        /// container-create body through runconfig.ContainerConfigWrapper's
        /// embedded `*container.HostConfig`.
        public static let hostConfig20_10 = GoStruct("container.HostConfig(20.10)",
            hostConfig.fields.filter { $0.name != "Annotations" })

        // MARK: Config

        /// container.Config (same field set in 20.10 and 28.x; MacAddress is
        /// deprecated in 28.x and migrated to the endpoint, see ContainerCreate).
        public static let config = GoStruct("container.Config", [
            GoField("Hostname", GT.string),
            GoField("Domainname", GT.string),
            GoField("User", GT.string),
            GoField("AttachStdin", GT.bool),
            GoField("AttachStdout", GT.bool),
            GoField("AttachStderr", GT.bool),
            GoField("ExposedPorts", portSet, omitEmpty: true),
            GoField("Tty", GT.bool),
            GoField("OpenStdin", GT.bool),
            GoField("StdinOnce", GT.bool),
            GoField("Env", GT.strings),
            GoField("Cmd", StrSlice.type),
            GoField("Healthcheck", GT.ptr(.structure(healthConfig)), omitEmpty: true),
            GoField("ArgsEscaped", GT.bool, omitEmpty: true),
            GoField("Image", GT.string),
            GoField("Volumes", GT.stringKeyMap(GT.emptyStruct)),
            GoField("WorkingDir", GT.string),
            GoField("Entrypoint", StrSlice.type),
            GoField("NetworkDisabled", GT.bool, omitEmpty: true),
            GoField("MacAddress", GT.string, omitEmpty: true),
            GoField("OnBuild", GT.strings),
            GoField("Labels", GT.stringMap),
            GoField("StopSignal", GT.string, omitEmpty: true),
            GoField("StopTimeout", GT.ptr(GT.int), omitEmpty: true),
            GoField("Shell", StrSlice.type, omitEmpty: true),
        ])

        // MARK: UpdateConfig

        /// container.UpdateConfig { Resources (embedded); RestartPolicy }.
        public static let updateConfig = GoStruct("container.UpdateConfig",
            promoted(resources, through: "Resources", goNames: resourcesGoNames)
            + [GoField("RestartPolicy", .structure(restartPolicy))])
    }
}
