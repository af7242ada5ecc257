import GoJSON

extension ContainerFacts {
    /// `container.update` (UpdateConfig): devices and cgroup parent as at
    /// create; resource values only when set (zero means "unchanged" here).
    static func updateFacts(_ update: GoValue) -> RequestFacts {
        var facts = RequestFacts()
        for (i, device) in (update.at("Devices")?.elements ?? []).enumerated() {
            facts.add(.device, "Devices[\(i)]", device.at("PathOnHost")?.text ?? "")
        }
        for (i, rule) in (update.at("DeviceCgroupRules")?.elements ?? []).enumerated() {
            facts.add(.device, "DeviceCgroupRules[\(i)]", rule.text ?? "")
        }
        for (i, request) in (update.at("DeviceRequests")?.elements ?? []).enumerated() {
            facts.add(.device, "DeviceRequests[\(i)]", request.at("Driver")?.text ?? "")
        }
        if let parent = update.at("CgroupParent")?.text, !parent.isEmpty {
            facts.add(.cgroupParent(parent), "CgroupParent", parent)
        }
        if let memory = update.at("Memory")?.integer, memory != 0 {
            facts.add(.memory(memory), "Memory", String(memory))
        }
        if let nano = update.at("NanoCpus")?.integer, nano != 0 {
            facts.add(.nanoCPUs(nano), "NanoCpus", String(nano))
        }
        if let pids = update.at("PidsLimit"), !pids.isNull {
            let n = pids.integer ?? 0
            facts.add(.pidsLimit(n), "PidsLimit", String(n))
        }
        return facts
    }

    /// `exec.create` (ExecConfig): privileged exec and the user.
    static func execFacts(_ exec: GoValue) -> RequestFacts {
        var facts = RequestFacts()
        if exec.at("Privileged")?.flag == true { facts.add(.privileged, "Privileged", "true") }
        let user = exec.at("User")?.text ?? ""
        if !user.isEmpty { facts.add(.user(user), "User", user) }
        return facts
    }
}

/// `volume.create`: the driver and its options. With the local driver,
/// DriverOpts are mount(8) arguments (`type=none,o=bind,device=/host/path`
/// bind-mounts any host path; nfs/cifs mount remote file systems).
public enum VolumeFacts {
    static func extract(_ volume: GoValue) -> RequestFacts {
        var facts = RequestFacts()
        let driver = volume.at("Driver")?.text ?? ""
        if !driver.isEmpty && driver != "local" { facts.add(.volumeDriver(driver), "Driver", driver) }
        let options = volume.at("DriverOpts")?.entries ?? []
        if !options.isEmpty {
            let shown = options.map { "\($0.key)=\($0.value.text ?? "")" }.joined(separator: ",")
            facts.add(.volumeDriverOptions, "DriverOpts", shown)
        }
        if let cluster = volume.at("ClusterVolumeSpec"), !cluster.isNull {
            facts.add(.volumeDriver("cluster (CSI)"), "ClusterVolumeSpec", "…")
        }
        return facts
    }
}
