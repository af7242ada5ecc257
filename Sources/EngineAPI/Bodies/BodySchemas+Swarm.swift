import GoJSON

// api/types/swarm: cluster Spec, Init/Join requests, ServiceSpec.
// The swarm package declares no UnmarshalJSON in either version; durations are
// int64 nanoseconds, os.FileMode a uint32, []byte base64.

extension BodySchemas {
    public enum Swarm {
        static let annotationsFields: [GoField] = [
            GoField("Name", GT.string, omitEmpty: true, goPath: "Annotations.Name"),
            GoField("Labels", GT.stringMap, goPath: "Annotations.Labels"),
        ]

        public static let driver = GoStruct("swarm.Driver", [
            GoField("Name", GT.string, omitEmpty: true),
            GoField("Options", GT.stringMap, omitEmpty: true),
        ])

        // MARK: cluster Spec (identical in 20.10 and 28.x)

        public static let externalCA = GoStruct("swarm.ExternalCA", [
            GoField("Protocol", GT.string),
            GoField("URL", GT.string),
            GoField("Options", GT.stringMap, omitEmpty: true),
            GoField("CACert", GT.string),
        ])

        /// swarm.Spec { Annotations (embedded); Orchestration; Raft; Dispatcher;
        /// CAConfig; TaskDefaults; EncryptionConfig }. Body of POST /swarm/update.
        public static let spec = GoStruct("swarm.Spec", annotationsFields + [
            GoField("Orchestration", .structure(GoStruct("swarm.OrchestrationConfig", [
                GoField("TaskHistoryRetentionLimit", GT.ptr(GT.int64), omitEmpty: true),
            ])), omitEmpty: true),
            GoField("Raft", .structure(GoStruct("swarm.RaftConfig", [
                GoField("SnapshotInterval", GT.uint64, omitEmpty: true),
                GoField("KeepOldSnapshots", GT.ptr(GT.uint64), omitEmpty: true),
                GoField("LogEntriesForSlowFollowers", GT.uint64, omitEmpty: true),
                GoField("ElectionTick", GT.int),
                GoField("HeartbeatTick", GT.int),
            ])), omitEmpty: true),
            GoField("Dispatcher", .structure(GoStruct("swarm.DispatcherConfig", [
                GoField("HeartbeatPeriod", GT.duration, omitEmpty: true),
            ])), omitEmpty: true),
            GoField("CAConfig", .structure(GoStruct("swarm.CAConfig", [
                GoField("NodeCertExpiry", GT.duration, omitEmpty: true),
                GoField("ExternalCAs", GT.slice(GT.ptr(.structure(externalCA))), omitEmpty: true),
                GoField("SigningCACert", GT.string, omitEmpty: true),
                GoField("SigningCAKey", GT.string, omitEmpty: true),
                GoField("ForceRotate", GT.uint64, omitEmpty: true),
            ])), omitEmpty: true),
            GoField("TaskDefaults", .structure(GoStruct("swarm.TaskDefaults", [
                GoField("LogDriver", GT.ptr(.structure(driver)), omitEmpty: true),
            ])), omitEmpty: true),
            GoField("EncryptionConfig", .structure(GoStruct("swarm.EncryptionConfig", [
                GoField("AutoLockManagers", GT.bool),
            ])), omitEmpty: true),
        ])

        /// swarm.InitRequest. DefaultAddrPool/SubnetSize are reset for API < 1.39,
        /// DataPathPort for API < 1.40 (both lines).
        public static let initRequest = GoStruct("swarm.InitRequest", [
            GoField("ListenAddr", GT.string),
            GoField("AdvertiseAddr", GT.string),
            GoField("DataPathAddr", GT.string),
            GoField("DataPathPort", GT.uint32),
            GoField("ForceNewCluster", GT.bool),
            GoField("Spec", .structure(spec)),
            GoField("AutoLockManagers", GT.bool),
            GoField("Availability", GT.string),
            GoField("DefaultAddrPool", GT.strings),
            GoField("SubnetSize", GT.uint32),
        ])

        public static let joinRequest = GoStruct("swarm.JoinRequest", [
            GoField("ListenAddr", GT.string),
            GoField("AdvertiseAddr", GT.string),
            GoField("DataPathAddr", GT.string),
            GoField("RemoteAddrs", GT.strings),
            GoField("JoinToken", GT.string),
            GoField("Availability", GT.string),
        ])

        // MARK: ContainerSpec

        public static let credentialSpec = GoStruct("swarm.CredentialSpec", [
            GoField("Config", GT.string),
            GoField("File", GT.string),
            GoField("Registry", GT.string),
        ])

        public static let seLinuxContext = GoStruct("swarm.SELinuxContext", [
            GoField("Disable", GT.bool),
            GoField("User", GT.string),
            GoField("Role", GT.string),
            GoField("Type", GT.string),
            GoField("Level", GT.string),
        ])

        public static let privileges = GoStruct("swarm.Privileges", [
            GoField("CredentialSpec", GT.ptr(.structure(credentialSpec))),
            GoField("SELinuxContext", GT.ptr(.structure(seLinuxContext))),
            GoField("Seccomp", GT.ptr(.structure(GoStruct("swarm.SeccompOpts", [     // 28.x only (API 1.44+)
                GoField("Mode", GT.string, omitEmpty: true),
                GoField("Profile", .bytes, omitEmpty: true),
            ]))), omitEmpty: true),
            GoField("AppArmor", GT.ptr(.structure(GoStruct("swarm.AppArmorOpts", [   // 28.x only (API 1.44+)
                GoField("Mode", GT.string, omitEmpty: true),
            ]))), omitEmpty: true),
            GoField("NoNewPrivileges", GT.bool),                                     // 28.x only (API 1.44+)
        ])

        public static let dnsConfig = GoStruct("swarm.DNSConfig", [
            GoField("Nameservers", GT.strings, omitEmpty: true),
            GoField("Search", GT.strings, omitEmpty: true),
            GoField("Options", GT.strings, omitEmpty: true),
        ])

        /// Secret/Config reference file target (identical shapes).
        static func fileTarget(_ name: String) -> GoStruct {
            GoStruct(name, [
                GoField("Name", GT.string),
                GoField("UID", GT.string),
                GoField("GID", GT.string),
                GoField("Mode", GT.fileMode),
            ])
        }

        public static let secretReference = GoStruct("swarm.SecretReference", [
            GoField("File", GT.ptr(.structure(fileTarget("swarm.SecretReferenceFileTarget")))),
            GoField("SecretID", GT.string),
            GoField("SecretName", GT.string),
        ])

        public static let configReference = GoStruct("swarm.ConfigReference", [
            GoField("File", GT.ptr(.structure(fileTarget("swarm.ConfigReferenceFileTarget"))), omitEmpty: true),
            GoField("Runtime", GT.ptr(GT.emptyStruct), omitEmpty: true),
            GoField("ConfigID", GT.string),
            GoField("ConfigName", GT.string),
        ])

        /// swarm.ContainerSpec. Note Command/Args/CapabilityAdd are plain
        /// []string here (a JSON string is a type error, unlike StrSlice).
        public static let containerSpec = GoStruct("swarm.ContainerSpec", [
            GoField("Image", GT.string, omitEmpty: true),
            GoField("Labels", GT.stringMap, omitEmpty: true),
            GoField("Command", GT.strings, omitEmpty: true),
            GoField("Args", GT.strings, omitEmpty: true),
            GoField("Hostname", GT.string, omitEmpty: true),
            GoField("Env", GT.strings, omitEmpty: true),
            GoField("Dir", GT.string, omitEmpty: true),
            GoField("User", GT.string, omitEmpty: true),
            GoField("Groups", GT.strings, omitEmpty: true),
            GoField("Privileges", GT.ptr(.structure(privileges)), omitEmpty: true),
            GoField("Init", GT.ptr(GT.bool), omitEmpty: true),
            GoField("StopSignal", GT.string, omitEmpty: true),
            GoField("TTY", GT.bool, omitEmpty: true),
            GoField("OpenStdin", GT.bool, omitEmpty: true),
            GoField("ReadOnly", GT.bool, omitEmpty: true),
            GoField("Mounts", GT.slice(.structure(BodySchemas.Mount.mount)), omitEmpty: true),
            GoField("StopGracePeriod", GT.ptr(GT.duration), omitEmpty: true),
            GoField("Healthcheck", GT.ptr(.structure(BodySchemas.Container.healthConfig)), omitEmpty: true),
            GoField("Hosts", GT.strings, omitEmpty: true),
            GoField("DNSConfig", GT.ptr(.structure(dnsConfig)), omitEmpty: true),
            GoField("Secrets", GT.slice(GT.ptr(.structure(secretReference))), omitEmpty: true),
            GoField("Configs", GT.slice(GT.ptr(.structure(configReference))), omitEmpty: true),
            GoField("Isolation", GT.string, omitEmpty: true),
            GoField("Sysctls", GT.stringMap, omitEmpty: true),          // API 1.40+
            GoField("CapabilityAdd", GT.strings, omitEmpty: true),     // API 1.41+
            GoField("CapabilityDrop", GT.strings, omitEmpty: true),    // API 1.41+
            GoField("Ulimits", GT.slice(GT.ptr(.structure(BodySchemas.Container.ulimit))), omitEmpty: true), // API 1.41+
            GoField("OomScoreAdj", GT.int64, omitEmpty: true),         // 28.x only (API 1.46+)
        ])

        // MARK: TaskSpec

        /// swarm.RuntimeSpec = runtime.PluginSpec (lower-case JSON keys; a
        /// gogo-protobuf struct in 20.10, a plain struct in 28.x). The Engine
        /// API reference documents "Name", "Remote", "Disabled" (these match
        /// case-insensitively) and "PluginPrivilege", which matches NOTHING:
        /// privileges are only read from "privileges".
        public static let pluginSpec = GoStruct("runtime.PluginSpec", [
            GoField("name", GT.string, omitEmpty: true),
            GoField("remote", GT.string, omitEmpty: true),
            GoField("privileges", GT.slice(GT.ptr(.structure(GoStruct("runtime.PluginPrivilege", [
                GoField("name", GT.string, omitEmpty: true),
                GoField("description", GT.string, omitEmpty: true),
                GoField("value", GT.strings, omitEmpty: true),
            ])))), omitEmpty: true),
            GoField("disabled", GT.bool, omitEmpty: true),
            GoField("env", GT.strings, omitEmpty: true),
        ])

        public static let genericResource = GoStruct("swarm.GenericResource", [
            GoField("NamedResourceSpec", GT.ptr(.structure(GoStruct("swarm.NamedGenericResource", [
                GoField("Kind", GT.string, omitEmpty: true),
                GoField("Value", GT.string, omitEmpty: true),
            ]))), omitEmpty: true),
            GoField("DiscreteResourceSpec", GT.ptr(.structure(GoStruct("swarm.DiscreteGenericResource", [
                GoField("Kind", GT.string, omitEmpty: true),
                GoField("Value", GT.int64, omitEmpty: true),
            ]))), omitEmpty: true),
        ])

        public static let resourceRequirements = GoStruct("swarm.ResourceRequirements", [
            GoField("Limits", GT.ptr(.structure(GoStruct("swarm.Limit", [
                GoField("NanoCPUs", GT.int64, omitEmpty: true),
                GoField("MemoryBytes", GT.int64, omitEmpty: true),
                GoField("Pids", GT.int64, omitEmpty: true), // API 1.41+
            ]))), omitEmpty: true),
            GoField("Reservations", GT.ptr(.structure(GoStruct("swarm.Resources", [
                GoField("NanoCPUs", GT.int64, omitEmpty: true),
                GoField("MemoryBytes", GT.int64, omitEmpty: true),
                GoField("GenericResources", GT.slice(.structure(genericResource)), omitEmpty: true),
            ]))), omitEmpty: true),
        ])

        public static let restartPolicy = GoStruct("swarm.RestartPolicy", [
            GoField("Condition", GT.string, omitEmpty: true),
            GoField("Delay", GT.ptr(GT.duration), omitEmpty: true),
            GoField("MaxAttempts", GT.ptr(GT.uint64), omitEmpty: true),
            GoField("Window", GT.ptr(GT.duration), omitEmpty: true),
        ])

        public static let placement = GoStruct("swarm.Placement", [
            GoField("Constraints", GT.strings, omitEmpty: true),
            GoField("Preferences", GT.slice(.structure(GoStruct("swarm.PlacementPreference", [
                GoField("Spread", GT.ptr(.structure(GoStruct("swarm.SpreadOver", [
                    GoField("SpreadDescriptor", GT.string),
                ])))),
            ]))), omitEmpty: true),
            GoField("MaxReplicas", GT.uint64, omitEmpty: true), // API 1.40+
            GoField("Platforms", GT.slice(.structure(GoStruct("swarm.Platform", [
                GoField("Architecture", GT.string, omitEmpty: true),
                GoField("OS", GT.string, omitEmpty: true),
            ]))), omitEmpty: true),
        ])

        public static let networkAttachmentConfig = GoStruct("swarm.NetworkAttachmentConfig", [
            GoField("Target", GT.string, omitEmpty: true),
            GoField("Aliases", GT.strings, omitEmpty: true),
            GoField("DriverOpts", GT.stringMap, omitEmpty: true),
        ])

        public static let taskSpec = GoStruct("swarm.TaskSpec", [
            GoField("ContainerSpec", GT.ptr(.structure(containerSpec)), omitEmpty: true),
            GoField("PluginSpec", GT.ptr(.structure(pluginSpec)), omitEmpty: true),
            GoField("NetworkAttachmentSpec", GT.ptr(.structure(GoStruct("swarm.NetworkAttachmentSpec", [
                GoField("ContainerID", GT.string),
            ]))), omitEmpty: true),
            GoField("Resources", GT.ptr(.structure(resourceRequirements)), omitEmpty: true),
            GoField("RestartPolicy", GT.ptr(.structure(restartPolicy)), omitEmpty: true),
            GoField("Placement", GT.ptr(.structure(placement)), omitEmpty: true),
            GoField("Networks", GT.slice(.structure(networkAttachmentConfig)), omitEmpty: true),
            GoField("LogDriver", GT.ptr(.structure(driver)), omitEmpty: true),
            GoField("ForceUpdate", GT.uint64),
            GoField("Runtime", GT.string, omitEmpty: true),
        ])

        // MARK: ServiceSpec

        public static let serviceMode = GoStruct("swarm.ServiceMode", [
            GoField("Replicated", GT.ptr(.structure(GoStruct("swarm.ReplicatedService", [
                GoField("Replicas", GT.ptr(GT.uint64), omitEmpty: true),
            ]))), omitEmpty: true),
            GoField("Global", GT.ptr(GT.emptyStruct), omitEmpty: true),
            GoField("ReplicatedJob", GT.ptr(.structure(GoStruct("swarm.ReplicatedJob", [ // API 1.41+
                GoField("MaxConcurrent", GT.ptr(GT.uint64), omitEmpty: true),
                GoField("TotalCompletions", GT.ptr(GT.uint64), omitEmpty: true),
            ]))), omitEmpty: true),
            GoField("GlobalJob", GT.ptr(GT.emptyStruct), omitEmpty: true),          // API 1.41+
        ])

        public static let updateConfig = GoStruct("swarm.UpdateConfig", [
            GoField("Parallelism", GT.uint64),
            GoField("Delay", GT.duration, omitEmpty: true),
            GoField("FailureAction", GT.string, omitEmpty: true),
            GoField("Monitor", GT.duration, omitEmpty: true),
            GoField("MaxFailureRatio", GT.float32),
            GoField("Order", GT.string),
        ])

        public static let portConfig = GoStruct("swarm.PortConfig", [
            GoField("Name", GT.string, omitEmpty: true),
            GoField("Protocol", GT.string, omitEmpty: true),
            GoField("TargetPort", GT.uint32, omitEmpty: true),
            GoField("PublishedPort", GT.uint32, omitEmpty: true),
            GoField("PublishMode", GT.string, omitEmpty: true),
        ])

        public static let endpointSpec = GoStruct("swarm.EndpointSpec", [
            GoField("Mode", GT.string, omitEmpty: true),
            GoField("Ports", GT.slice(.structure(portConfig)), omitEmpty: true),
        ])

        /// swarm.ServiceSpec { Annotations (embedded); TaskTemplate; Mode;
        /// UpdateConfig; RollbackConfig; Networks (deprecated); EndpointSpec }.
        public static let serviceSpec = GoStruct("swarm.ServiceSpec", annotationsFields + [
            GoField("TaskTemplate", .structure(taskSpec), omitEmpty: true),
            GoField("Mode", .structure(serviceMode), omitEmpty: true),
            GoField("UpdateConfig", GT.ptr(.structure(updateConfig)), omitEmpty: true),
            GoField("RollbackConfig", GT.ptr(.structure(updateConfig)), omitEmpty: true),
            GoField("Networks", GT.slice(.structure(networkAttachmentConfig)), omitEmpty: true),
            GoField("EndpointSpec", GT.ptr(.structure(endpointSpec)), omitEmpty: true),
        ])
    }
}
