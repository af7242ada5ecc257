import GoJSON

/// `service.create` / `service.update` (swarm.ServiceSpec): what the tasks'
/// containers ask for. A swarm task has no privileged flag, devices or host
/// pid/ipc, but it has mounts, capabilities, sysctls, security options, the
/// host network and published ports, and a plugin runtime. The swarm
/// executor turns these into a container on a node, so they are judged like
/// container create.
public enum ServiceFacts {
    static func extract(_ spec: GoValue) -> RequestFacts {
        var facts = RequestFacts()
        let task = spec.at("TaskTemplate")
        let t = "TaskTemplate"
        if let container = task?.at("ContainerSpec"), !container.isNull {
            containerSpec(container, prefix: "\(t).ContainerSpec", into: &facts)
        }
        if let plugin = task?.at("PluginSpec"), !plugin.isNull {
            facts.add(.unjudged("a plugin service (it installs a plugin with privileges on every node)"),
                      "\(t).PluginSpec", plugin.at("remote")?.text ?? plugin.at("name")?.text ?? "")
        }
        if let attachment = task?.at("NetworkAttachmentSpec"), !attachment.isNull {
            facts.add(.unjudged("a network attachment task"), "\(t).NetworkAttachmentSpec", attachment.at("ContainerID")?.text ?? "")
        }
        if let runtime = task?.at("Runtime")?.text, !runtime.isOneOf(["", "container"]) {
            facts.add(.unjudged("task runtime \(runtime)"), "\(t).Runtime", runtime)
        }
        resources(task?.at("Resources"), prefix: "\(t).Resources", into: &facts)
        SwarmFacts.logDriver(task?.at("LogDriver"), field: "\(t).LogDriver", into: &facts)
        // The daemon prefers TaskTemplate.Networks and falls back to the
        // deprecated top-level Networks: both are judged.
        for (i, network) in (task?.at("Networks")?.elements ?? []).enumerated() {
            attachment(network, field: "\(t).Networks[\(i)]", into: &facts)
        }
        for (i, network) in (spec.at("Networks")?.elements ?? []).enumerated() {
            attachment(network, field: "Networks[\(i)]", into: &facts)
        }
        for (i, port) in (spec.at("EndpointSpec")?.at("Ports")?.elements ?? []).enumerated() {
            // Ingress (the default) and host mode both listen on every
            // interface of the node; 0 means a port the swarm picks.
            let published = port.at("PublishedPort")?.integer ?? 0
            let target = port.at("TargetPort")?.integer ?? 0
            facts.add(.hostPort(address: "", port: published == 0 ? "" : String(published)),
                      "EndpointSpec.Ports[\(i)]", "\(published == 0 ? "" : String(published))->\(target)")
        }
        return facts
    }

    static func containerSpec(_ cs: GoValue, prefix p: String, into facts: inout RequestFacts) {
        let image = cs.at("Image")?.text ?? ""
        facts.add(.image(image), "\(p).Image", image)
        // The manager may resolve it on the registry; every node pulls it.
        facts.add(.registry(RegistryHost.of(reference: image)), "\(p).Image", image)
        let user = cs.at("User")?.text ?? ""
        facts.add(.user(user), "\(p).User", user)

        let privileges = cs.at("Privileges")
        if let credential = privileges?.at("CredentialSpec"), !credential.isNull {
            facts.add(.unjudged("a credential spec"), "\(p).Privileges.CredentialSpec",
                      credential.at("File")?.text ?? credential.at("Registry")?.text ?? credential.at("Config")?.text ?? "")
        }
        if let selinux = privileges?.at("SELinuxContext"), !selinux.isNull {
            facts.add(.selinuxLabel, "\(p).Privileges.SELinuxContext",
                      selinux.at("Disable")?.flag == true ? "disable" : selinux.at("Type")?.text ?? "")
        }
        let seccomp = privileges?.at("Seccomp")?.at("Mode")?.text ?? ""
        let seccompField = "\(p).Privileges.Seccomp.Mode"
        if seccomp.bytesEqual("unconfined") {
            facts.add(.seccompUnconfined, seccompField, seccomp)
        } else if seccomp.bytesEqual("custom") {
            facts.add(.seccompCustomProfile, seccompField, seccomp)
        } else if !seccomp.isOneOf(["", "default"]) {
            facts.add(.unrecognisedSecurityOption, seccompField, seccomp)
        }
        let apparmor = privileges?.at("AppArmor")?.at("Mode")?.text ?? ""
        if apparmor.bytesEqual("disabled") {
            facts.add(.apparmorUnconfined, "\(p).Privileges.AppArmor.Mode", apparmor)
        } else if !apparmor.isOneOf(["", "default"]) {
            facts.add(.unrecognisedSecurityOption, "\(p).Privileges.AppArmor.Mode", apparmor)
        }
        ContainerFacts.oomFacts(cs, prefix: p, into: &facts)
        ContainerFacts.ulimitFacts(cs.at("Ulimits")?.elements ?? [], field: "\(p).Ulimits", into: &facts)
        let noNewPrivileges = privileges?.at("NoNewPrivileges")?.flag ?? false
        facts.add(.noNewPrivileges(noNewPrivileges), "\(p).Privileges.NoNewPrivileges", noNewPrivileges ? "true" : "")

        for (i, mount) in (cs.at("Mounts")?.elements ?? []).enumerated() {
            MountFacts.extract(mount, field: "\(p).Mounts[\(i)]", into: &facts)
        }
        for (i, cap) in (cs.at("CapabilityAdd")?.elements ?? []).enumerated() {
            let raw = cap.text ?? ""
            let name = Capability.normalise(raw)
            if !Capability.isDefault(name) { facts.add(.capabilityAdd(name), "\(p).CapabilityAdd[\(i)]", raw) }
        }
        for entry in cs.at("Sysctls")?.entries ?? [] {
            facts.add(.sysctl(name: entry.key), "\(p).Sysctls[\(entry.key)]", entry.value.text ?? "")
        }
        if let isolation = cs.at("Isolation")?.text, !isolation.isOneOf(["", "default"]) {
            facts.add(.unjudged("isolation \(isolation)"), "\(p).Isolation", isolation)
        }
    }

    static func resources(_ resources: GoValue?, prefix p: String, into facts: inout RequestFacts) {
        let limits = resources?.at("Limits")
        let memory = limits?.at("MemoryBytes")?.integer ?? 0
        facts.add(.memory(memory), "\(p).Limits.MemoryBytes", String(memory))
        let nano = limits?.at("NanoCPUs")?.integer ?? 0
        facts.add(.nanoCPUs(nano), "\(p).Limits.NanoCPUs", String(nano))
        let pids = limits?.at("Pids")?.integer
        facts.add(.pidsLimit(pids), "\(p).Limits.Pids", pids.map(String.init) ?? "")
        for (i, generic) in (resources?.at("Reservations")?.at("GenericResources")?.elements ?? []).enumerated() {
            let kind = generic.at("NamedResourceSpec")?.at("Kind")?.text ?? generic.at("DiscreteResourceSpec")?.at("Kind")?.text ?? ""
            facts.add(.device, "\(p).Reservations.GenericResources[\(i)]", kind)
        }
    }

    /// A network attachment. Besides "host", the daemon resolves a target
    /// that names the local host network by ID or ID prefix to the swarm's
    /// host network (`populateNetworkID`), so a target that could be an ID
    /// is not judged.
    static func attachment(_ network: GoValue, field: String, into facts: inout RequestFacts) {
        let target = network.at("Target")?.text ?? ""
        if target.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) {
            facts.add(.unjudged("a network named by ID (it may be the host network); name the network"), "\(field).Target", target)
        } else {
            ContainerFacts.classify(target, .network, field: "\(field).Target", into: &facts)
        }
        let options = network.at("DriverOpts")?.entries ?? []
        if !options.isEmpty {
            facts.add(.unjudged("network endpoint driver options"), "\(field).DriverOpts", NetworkFacts.shown(options))
        }
    }
}

/// `swarm.init`, `swarm.join`, `swarm.update`. Initialising or joining makes
/// the host a cluster node: it listens on the addresses given, and a joined
/// cluster's managers can run any task on it. ExternalCAs make the daemon
/// contact a URL.
public enum SwarmFacts {
    static func initRequest(_ request: GoValue) -> RequestFacts {
        var facts = RequestFacts()
        addresses(request, into: &facts)
        spec(request.at("Spec"), prefix: "Spec", into: &facts)
        return facts
    }

    static func joinRequest(_ request: GoValue) -> RequestFacts {
        var facts = RequestFacts()
        addresses(request, into: &facts)
        for (i, remote) in (request.at("RemoteAddrs")?.elements ?? []).enumerated() {
            let text = remote.text ?? ""
            facts.add(.swarmRemote(text), "RemoteAddrs[\(i)]", text)
        }
        return facts
    }

    static func update(_ request: GoValue) -> RequestFacts {
        var facts = RequestFacts()
        spec(request, prefix: "", into: &facts)
        return facts
    }

    /// ListenAddr and AdvertiseAddr: an empty AdvertiseAddr is worked out by
    /// the daemon from the host's interfaces; an empty DataPathAddr follows
    /// AdvertiseAddr.
    static func addresses(_ request: GoValue, into facts: inout RequestFacts) {
        for field in ["ListenAddr", "AdvertiseAddr"] {
            let text = request.at(field)?.text ?? ""
            facts.add(.swarmAddress(host: SwarmAddress.host(text)), field, text)
        }
        if let data = request.at("DataPathAddr")?.text, !data.utf8.isEmpty {
            facts.add(.swarmAddress(host: SwarmAddress.host(data)), "DataPathAddr", data)
        }
    }

    /// A `swarm.Driver` used as a log driver (a task's, or the cluster's
    /// `TaskDefaults`): becomes the task container's `LogConfig`.
    static func logDriver(_ driver: GoValue?, field: String, into facts: inout RequestFacts) {
        guard let driver, !driver.isNull else { return }
        LogFacts.extract(driver: driver.at("Name")?.text ?? "", options: driver.at("Options")?.entries ?? [],
                         driverField: "\(field).Name", optionsField: "\(field).Options", into: &facts)
    }

    static func spec(_ spec: GoValue?, prefix: String, into facts: inout RequestFacts) {
        let p = prefix.isEmpty ? "" : prefix + "."
        logDriver(spec?.at("TaskDefaults")?.at("LogDriver"), field: "\(p)TaskDefaults.LogDriver", into: &facts)
        for (i, ca) in (spec?.at("CAConfig")?.at("ExternalCAs")?.elements ?? []).enumerated() {
            facts.add(.unjudged("an external CA the daemon contacts"), "\(p)CAConfig.ExternalCAs[\(i)].URL", ca.at("URL")?.text ?? "")
        }
    }
}

enum SwarmAddress {
    /// The host part of `host:port`, `[v6]:port`, `host` or `interface:port`;
    /// "" when there is none (the daemon then picks an address itself).
    static func host(_ address: String) -> String {
        var bytes = Array(address.utf8)
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return address }
            return String(decoding: bytes[1..<close], as: UTF8.self)
        }
        let colons = bytes.filter { $0 == UInt8(ascii: ":") }.count
        if colons == 1, let colon = bytes.lastIndex(of: UInt8(ascii: ":")) { bytes = Array(bytes[..<colon]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
