import GoJSON

/// Facts of a container's configuration: what `container.create` (and the
/// task template of a service, and `container.update` for the resource
/// part) asks for. Reads the *effective* HostConfig, i.e. after the daemon's
/// merge of old-API top-level fields (see `ContainerCreateBody`).
public enum ContainerFacts {
    /// - Parameters:
    ///   - config: `container.Config` (nil when absent).
    ///   - hostConfig: the effective `container.HostConfig` (nil when absent).
    ///   - endpoints: `NetworkingConfig.EndpointsConfig` keys.
    public static func extract(config: GoValue?, hostConfig: GoValue?, endpoints: [GoMapEntry]) -> RequestFacts {
        var facts = RequestFacts()
        facts.asks.reserveCapacity(16) // a docker run's six, without growing
        if let config { configFacts(config, into: &facts) }
        hostConfigFacts(hostConfig ?? .structure([]), prefix: "HostConfig", into: &facts)
        for endpoint in endpoints {
            let field = "NetworkingConfig.EndpointsConfig[\(endpoint.key)]"
            classify(endpoint.key, .network, field: field, into: &facts)
            endpointNetworkID(endpoint.value, field: field, into: &facts)
            // 28.x reads interface sysctls from an endpoint's DriverOpts
            // ("com.docker.network.endpoint.sysctls"): not judged yet.
            let options = endpoint.value.at("DriverOpts")?.entries ?? []
            if !options.isEmpty {
                facts.add(.unjudged("network endpoint driver options"), "\(field).DriverOpts",
                          options.map { "\($0.key)=\($0.value.text ?? "")" }.joined(separator: ","))
            }
        }
        return facts
    }

    /// An endpoint's `NetworkID`: dockerd 20.10 joins the network it names
    /// (a name, ID or ID prefix), not the one the endpoint's key or a
    /// connect's path names, whenever that key is a user-defined name
    /// (`getNetworkID` in `findAndAttachNetwork`), so `{"x": {"NetworkID":
    /// "<an operator's macvlan network>"}}` joins that network while only
    /// the missing "x" was looked up. Judged as a network joined by name
    /// (whatever the key: clients leave it empty).
    static func endpointNetworkID(_ settings: GoValue, field: String, into facts: inout RequestFacts) {
        let id = settings.at("NetworkID")?.text ?? ""
        if !id.utf8.isEmpty { classify(id, .network, field: "\(field).NetworkID", into: &facts) }
    }

    static func configFacts(_ config: GoValue, into facts: inout RequestFacts) {
        let image = config.at("Image")?.text ?? "", user = config.at("User")?.text ?? ""
        facts.add(.image(image), "Image", image)
        facts.add(.user(user), "User", user)
    }

    /// `OomScoreAdj` below 0 and `OomKillDisable` (HostConfig; a service's
    /// `OomScoreAdj`, 28.x). Not an update's: `UpdateContainer` (20.10.24,
    /// 28.x) applies neither, nor `Ulimits`.
    static func oomFacts(_ value: GoValue, prefix p: String, into facts: inout RequestFacts) {
        let field = p.isEmpty ? "" : p + "."
        if let adjust = value.at("OomScoreAdj")?.integer, adjust < 0 {
            facts.add(.oomProtection, "\(field)OomScoreAdj", String(adjust))
        }
        if value.at("OomKillDisable")?.flag == true {
            facts.add(.oomProtection, "\(field)OomKillDisable", "true")
        }
    }

    /// `Ulimits` entries (`units.Ulimit`): HostConfig's, a service's, a build's.
    /// `field` is only built when there is an entry.
    static func ulimitFacts(_ ulimits: [GoValue], field: @autoclosure () -> String, into facts: inout RequestFacts) {
        guard !ulimits.isEmpty else { return }
        let field = field()
        for (i, ulimit) in ulimits.enumerated() {
            let name = ulimit.at("Name")?.text ?? ""
            let soft = ulimit.at("Soft")?.integer ?? 0, hard = ulimit.at("Hard")?.integer ?? 0
            facts.add(.ulimit(name), "\(field)[\(i)]", "\(name)=\(soft):\(hard)")
        }
    }

    /// `field` is only built when there is a fact to add.
    static func classify(_ value: String, _ namespace: Namespace, field: @autoclosure () -> String, into facts: inout RequestFacts) {
        // The default mode (what clients send for each namespace they do not
        // set): private in every namespace, and no network to look up.
        if value.utf8.isEmpty { return }
        switch NamespaceMode.classify(value, namespace) {
        case .privateMode:
            // A network by name or ID (the predefined ones by name need no look-up).
            if namespace == .network, !value.isOneOf(["", "default", "bridge", "none"]) {
                facts.add(.namedNetwork(value), field(), value)
            }
        case .host: facts.add(.hostNamespace(namespace), field(), value)
        case .join: facts.add(.joinNamespace(namespace), field(), value)
        case .unrecognised: facts.add(.unrecognisedMode(namespace), field(), value)
        }
    }

    /// HostConfig, or the same fields of a service's container spec mapped by the caller.
    static func hostConfigFacts(_ hostConfig: GoValue, prefix p: String, into facts: inout RequestFacts) {
        // Some fifty look-ups by name below: indexed once (see FieldTable).
        let hc = FieldTable(hostConfig)
        if hc.at("Privileged")?.flag == true { facts.add(.privileged, "\(p).Privileged", "true") }

        let modes: [(String, Namespace)] = [
            ("NetworkMode", .network), ("PidMode", .pid), ("IpcMode", .ipc), ("UTSMode", .uts),
            ("UsernsMode", .userns), ("CgroupnsMode", .cgroupns), ("Cgroup", .cgroup),
        ]
        for (field, namespace) in modes {
            if let value = hc.at(field)?.text { classify(value, namespace, field: "\(p).\(field)", into: &facts) }
        }

        for (i, cap) in (hc.at("CapAdd")?.elements ?? []).enumerated() {
            let raw = cap.text ?? ""
            let name = Capability.normalise(raw)
            if !Capability.isDefault(name) {
                facts.add(.capabilityAdd(name), "\(p).CapAdd[\(i)]", raw)
            }
        }

        for (i, device) in (hc.at("Devices")?.elements ?? []).enumerated() {
            facts.add(.device, "\(p).Devices[\(i)]", device.at("PathOnHost")?.text ?? "")
        }
        for (i, rule) in (hc.at("DeviceCgroupRules")?.elements ?? []).enumerated() {
            facts.add(.device, "\(p).DeviceCgroupRules[\(i)]", rule.text ?? "")
        }
        for (i, request) in (hc.at("DeviceRequests")?.elements ?? []).enumerated() {
            facts.add(.device, "\(p).DeviceRequests[\(i)]", request.at("Driver")?.text ?? "")
        }
        // Block I/O limits name a host path that the daemon stat()s as root
        // when the container starts (getBlkioWeightDevices,
        // getBlkioThrottleDevices): "stat /root/.ssh: no such file or
        // directory" against a start that succeeds tells a job what exists
        // on the host. A host device, judged as one. (container.update
        // keeps only BlkioWeight, so it has none of these.)
        for field in ["BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
                      "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps"] {
            for (i, entry) in (hc.at(field)?.elements ?? []).enumerated() {
                facts.add(.device, "\(p).\(field)[\(i)]", entry.at("Path")?.text ?? "")
            }
        }

        var noNewPrivileges = false
        for (i, option) in (hc.at("SecurityOpt")?.elements ?? []).enumerated() {
            let raw = option.text ?? ""
            let field = "\(p).SecurityOpt[\(i)]"
            switch SecurityOption.parse(raw) {
            case .noNewPrivileges(let on): noNewPrivileges = on
            case .label: facts.add(.selinuxLabel, field, raw)
            case .apparmor(let profile):
                facts.add(profile.bytesEqual("unconfined") ? .apparmorUnconfined : .apparmorProfile(profile), field, raw)
            case .seccomp(let profile):
                if profile.bytesEqual("unconfined") {
                    facts.add(.seccompUnconfined, field, raw)
                } else if !profile.bytesEqual("builtin") {
                    facts.add(.seccompCustomProfile, field, raw)
                }
            case .invalid: facts.add(.unrecognisedSecurityOption, field, raw)
            }
        }
        facts.add(.noNewPrivileges(noNewPrivileges), "\(p).SecurityOpt", noNewPrivileges ? "no-new-privileges" : "")

        for field in ["MaskedPaths", "ReadonlyPaths"] {
            if let value = hc.at(field), value.isNonNilSlice {
                let shown = value.elements.compactMap(\.text).joined(separator: ",")
                facts.add(.systemPathsUnconfined, "\(p).\(field)", "[\(shown)]")
            }
        }

        for entry in hc.at("Sysctls")?.entries ?? [] {
            facts.add(.sysctl(name: entry.key), "\(p).Sysctls[\(entry.key)]", entry.value.text ?? "")
        }
        if let runtime = hc.at("Runtime")?.text, !runtime.isEmpty {
            facts.add(.runtime(runtime), "\(p).Runtime", runtime)
        }
        if let parent = hc.at("CgroupParent")?.text, !parent.isEmpty {
            facts.add(.cgroupParent(parent), "\(p).CgroupParent", parent)
        }

        oomFacts(hc.value, prefix: p, into: &facts)
        ulimitFacts(hc.at("Ulimits")?.elements ?? [], field: "\(p).Ulimits", into: &facts)
        if let log = hc.at("LogConfig") {
            LogFacts.extract(driver: log.at("Type")?.text ?? "", options: log.at("Config")?.entries ?? [],
                             driverField: "\(p).LogConfig.Type", optionsField: "\(p).LogConfig.Config", into: &facts)
        }
        if let driver = hc.at("VolumeDriver")?.text, !driver.utf8.isEmpty, !driver.bytesEqual("local") {
            facts.add(.volumeDriver(driver), "\(p).VolumeDriver", driver)
        }
        for (i, bind) in (hc.at("Binds")?.elements ?? []).enumerated() {
            let raw = bind.text ?? ""
            let field = "\(p).Binds[\(i)]"
            guard let spec = BindSpec.parse(raw) else {
                facts.add(.unrecognisedMount, field, raw)
                continue
            }
            switch spec.source {
            case .hostPath(let path):
                facts.add(.hostPath(path: path, readOnly: spec.readOnly, sharedPropagation: spec.sharedPropagation), field, raw)
            case .volume(let name):
                facts.add(.namedVolume(name), field, raw)
            case .anonymous:
                break
            }
        }
        for (i, mount) in (hc.at("Mounts")?.elements ?? []).enumerated() {
            MountFacts.extract(mount, field: "\(p).Mounts[\(i)]", into: &facts)
        }
        tmpfsFacts(hc.at("Tmpfs")?.entries ?? [], prefix: p, into: &facts)
        for (i, source) in (hc.at("VolumesFrom")?.elements ?? []).enumerated() {
            let raw = source.text ?? ""
            facts.add(.volumesFrom(container: raw), "\(p).VolumesFrom[\(i)]", raw)
        }

        for entry in hc.at("PortBindings")?.entries ?? [] {
            for (i, binding) in entry.value.elements.enumerated() {
                let address = binding.at("HostIp")?.text ?? ""
                let port = binding.at("HostPort")?.text ?? ""
                facts.add(.hostPort(address: address, port: port), "\(p).PortBindings[\(entry.key)][\(i)]", "\(address):\(port)->\(entry.key)")
            }
        }
        if hc.at("PublishAllPorts")?.flag == true {
            facts.add(.publishAllPorts, "\(p).PublishAllPorts", "true")
        }

        facts.add(.memory(hc.at("Memory")?.integer ?? 0), "\(p).Memory", String(hc.at("Memory")?.integer ?? 0))
        let nano = hc.at("NanoCpus")?.integer ?? 0
        let quota = hc.at("CpuQuota")?.integer ?? 0
        let period = hc.at("CpuPeriod")?.integer ?? 0
        // --cpus is NanoCpus; --cpu-quota/--cpu-period express the same limit.
        let effectiveNano = nano > 0 ? nano : (quota > 0 && period > 0 ? CPUQuota.nanoCPUs(quota: quota, period: period) : 0)
        facts.add(.nanoCPUs(effectiveNano), "\(p).NanoCpus", String(effectiveNano))
        let pids = hc.at("PidsLimit")?.integer
        facts.add(.pidsLimit(pids), "\(p).PidsLimit", pids.map(String.init) ?? "")

        for entry in hc.at("Annotations")?.entries ?? [] {
            facts.add(.annotation(entry.key), "\(p).Annotations[\(entry.key)]", entry.value.text ?? "")
        }
    }
}

extension ContainerFacts {
    /// `HostConfig.Tmpfs` (destination: options). dockerd 20.10 passes the
    /// options through `mount.MergeTmpfsOptions`, which accepts every mount
    /// flag it knows, `bind` and `rbind` among them (they replace the
    /// default `rprivate`), and writes an OCI mount of type tmpfs with
    /// source `tmpfs`. runc reads a mount with MS_BIND as a bind mount
    /// whatever its type, and a relative source as relative to its bundle
    /// directory: `--tmpfs /mnt:rbind` bind-mounts the host path
    /// `<bundle>/tmpfs` into the container (runc 1.1.5; another runtime or
    /// version may resolve it elsewhere, e.g. in the image's root file
    /// system before pivot_root). Not a tmpfs, and not a host path the
    /// policy can judge: refused. `remount` is accepted the same way and
    /// gives runc a mount(2) with MS_REMOUNT on whatever is mounted at the
    /// destination already: `--tmpfs /sys/:remount` (the trailing "/" keeps
    /// the daemon's own /sys mount, which it drops only for a destination
    /// written exactly "/sys") remounts the container's sysfs read-write, so
    /// a job writes the host's /sys (power state, block queues, PCI rescan;
    /// shown against dockerd 20.10.24 with runc 1.1.5), and on a mount of a
    /// host file system (a volume, /etc/hosts) it reconfigures the host's
    /// superblock. Refused too. The daemon splits the options on ","
    /// and compares each exactly (" rbind" is refused by the daemon).
    static func tmpfsFacts(_ entries: [GoMapEntry], prefix p: String, into facts: inout RequestFacts) {
        for entry in entries {
            let options = entry.value.text ?? ""
            if options.bytesSplit(UInt8(ascii: ",")).contains(where: { $0.isOneOf(["bind", "rbind", "remount"]) }) {
                facts.add(.unrecognisedMount, "\(p).Tmpfs[\(entry.key)]", options)
            }
        }
    }
}

/// A log configuration: `HostConfig.LogConfig` (Type, Config) or a swarm
/// `LogDriver` (Name, Options). dockerd takes an empty driver as its own
/// default (`mergeAndVerifyLogConfig`) and merges the daemon's default
/// options under the request's, so the options are judged even then: with
/// a default of syslog, `--log-opt syslog-address=…` alone picks the address.
enum LogFacts {
    /// The field names are only built when there is a fact to add.
    static func extract(driver: String, options: [GoMapEntry], driverField: @autoclosure () -> String,
                        optionsField: @autoclosure () -> String, into facts: inout RequestFacts) {
        if !driver.utf8.isEmpty { facts.add(.logDriver(driver), driverField(), driver) }
        guard !options.isEmpty else { return }
        let optionsField = optionsField()
        for option in options {
            facts.add(.logOption(option.key), "\(optionsField)[\(option.key)]", option.value.text ?? "")
        }
    }
}

/// `HostConfig.Mounts` entries (`mount.Mount`).
enum MountFacts {
    static func extract(_ mount: GoValue, field: String, into facts: inout RequestFacts) {
        let type = mount.at("Type")?.text ?? ""
        let source = mount.at("Source")?.text ?? ""
        let readOnly = mount.at("ReadOnly")?.flag ?? false
        if type.bytesEqual("bind") {
            let propagation = mount.at("BindOptions")?.at("Propagation")?.text ?? ""
            let shared = propagation.isOneOf(["shared", "rshared", "slave", "rslave"])
            let path = source.bytesHavePrefix("/") ? PathClean.clean(source) : source
            facts.add(.hostPath(path: path, readOnly: readOnly, sharedPropagation: shared), "\(field).Source", source)
        } else if type.bytesEqual("volume") {
            if !source.utf8.isEmpty { facts.add(.namedVolume(source), "\(field).Source", source) }
            let driver = mount.at("VolumeOptions")?.at("DriverConfig")
            let name = driver?.at("Name")?.text ?? ""
            if !name.utf8.isEmpty && !name.bytesEqual("local") {
                facts.add(.volumeDriver(name), "\(field).VolumeOptions.DriverConfig.Name", name)
            }
            let options = driver?.at("Options")?.entries ?? []
            if !options.isEmpty {
                let shown = options.map { "\($0.key)=\($0.value.text ?? "")" }.joined(separator: ",")
                facts.add(.volumeDriverOptions, "\(field).VolumeOptions.DriverConfig.Options", shown)
            }
        } else if !type.bytesEqual("tmpfs") {
            facts.add(.unrecognisedMount, "\(field).Type", type)
        }
    }
}

/// `--cpu-quota`/`--cpu-period` as nano-CPUs, without trapping on values a
/// client chose (found by fuzzing: `CpuQuota` near Int64.max trapped the
/// proxy). An overflow is as many CPUs as can be said: Int64.max.
public enum CPUQuota {
    public static func nanoCPUs(quota: Int64, period: Int64) -> Int64 {
        guard quota > 0, period > 0 else { return 0 }
        let (product, overflow) = quota.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : product / period
    }
}
