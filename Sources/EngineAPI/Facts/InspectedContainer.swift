import GoJSON

/// An existing container as the daemon describes it (`GET
/// /containers/{id}/json`), for the routes that act inside it: an exec runs,
/// an attach types and a copy reads and writes with the container's own
/// privileges, namespaces and mounts. Its stored `HostConfig` is the create
/// request's, filled in by the daemon, so the same facts are read from it as
/// from a create (`ContainerFacts`), then `hostAccess` keeps those that reach
/// the host. Its `Mounts` are what the daemon really mounted, those lent by
/// `VolumesFrom` among them: judged as they are, not by what the source's
/// name names now (a source renamed and replaced changes nothing mounted).
public enum InspectedContainer {
    static let mountPoint = GoStruct("types.MountPoint", [
        GoField("Type", .string),
        GoField("Name", .string),
        GoField("Source", .string),
        GoField("Destination", .string),
        GoField("Driver", .string),
        GoField("Mode", .string),
        GoField("RW", .bool),
        GoField("Propagation", .string),
    ])

    static let networkSettings = GoStruct("types.NetworkSettings", [
        GoField("Networks", .map(key: .string, value: .pointer(.structure(BodySchemas.Network.endpointSettings)))),
    ])

    /// Of the container's `Config`, its `User` only: `docker cp -a` makes
    /// the daemon look it up on the host (`copyUIDGID`, Policy+Content).
    static let config = GoStruct("container.Config", [
        GoField("User", .string),
    ])

    static let schema = GoStruct("types.ContainerJSON", [
        GoField("Id", .string),
        GoField("Name", .string),
        GoField("Config", .pointer(.structure(config))),
        GoField("HostConfig", .pointer(.structure(BodySchemas.Container.hostConfig))),
        GoField("Mounts", .slice(.structure(mountPoint))),
        GoField("NetworkSettings", .pointer(.structure(networkSettings))),
    ])

    /// The container's full ID, its name (without the leading "/"), its
    /// `Config.User` ("" when none) and the facts of its host access; nil
    /// when the answer is not an inspect of one container.
    public static func facts(inspect bytes: [UInt8]) -> (id: String, name: String, user: String, facts: RequestFacts)? {
        guard case .success(let decoded) = GoDecoder.decodeFirstValue(bytes, as: .structure(schema)) else { return nil }
        guard let id = decoded.value.at("Id")?.text, id.utf8.count == 64 else { return nil }
        let hostConfig = decoded.value.at("HostConfig") ?? .structure([])
        var facts = RequestFacts()
        ContainerFacts.hostConfigFacts(hostConfig, prefix: "HostConfig", into: &facts)
        var access = hostAccess(facts)
        for (field, defaults) in [("MaskedPaths", defaultMaskedPaths), ("ReadonlyPaths", defaultReadonlyPaths)] {
            guard let list = hostConfig.at(field), list.isNonNilSlice else { continue }
            let paths = list.elements.compactMap(\.text)
            if !defaults.allSatisfy({ path in paths.contains { $0.utf8.elementsEqual(path.utf8) } }) {
                access.add(.systemPathsUnconfined, "HostConfig.\(field)", "[\(paths.joined(separator: ","))]")
            }
        }
        mountFacts(decoded.value.at("Mounts")?.elements ?? [], into: &access)
        networkFacts(decoded.value.at("NetworkSettings")?.at("Networks")?.entries ?? [], into: &access)
        var name = decoded.value.at("Name")?.text ?? ""
        if name.bytesHavePrefix("/") { name = String(name.dropFirst()) }
        return (id, name, decoded.value.at("Config")?.at("User")?.text ?? "", access)
    }

    /// The networks the container is on (`NetworkSettings.Networks`: those
    /// connected after the create too, which HostConfig does not list), each
    /// by the ID the daemon joined (its name before the first start), so its
    /// driver is looked up and judged as a network joined by name is: an
    /// operator's macvlan or ipvlan network is the host's LAN. The
    /// predefined ones are judged by HostConfig's `NetworkMode`.
    static func networkFacts(_ networks: [GoMapEntry], into facts: inout RequestFacts) {
        for network in networks where !network.key.isOneOf(["", "default", "bridge", "none", "host"]) {
            let id = network.value.at("NetworkID")?.text ?? ""
            facts.add(.namedNetwork(id.utf8.isEmpty ? network.key : id), "NetworkSettings.Networks[\(network.key)]", network.key)
        }
    }

    /// The container's `Mounts` (`types.MountPoint`): a bind by its host
    /// path, a volume by its name (looked up when judged: its driver and
    /// options), a tmpfs is the container's own; any other type is not judged.
    static func mountFacts(_ mounts: [GoValue], into facts: inout RequestFacts) {
        for (i, mount) in mounts.enumerated() {
            let type = mount.at("Type")?.text ?? ""
            let destination = mount.at("Destination")?.text ?? ""
            let field = "Mounts[\(i)]"
            if type.bytesEqual("bind") {
                let source = mount.at("Source")?.text ?? ""
                let propagation = mount.at("Propagation")?.text ?? ""
                facts.add(.hostPath(path: source, readOnly: mount.at("RW")?.flag != true,
                                    sharedPropagation: propagation.isOneOf(["shared", "rshared", "slave", "rslave"])),
                          field, "\(source):\(destination)")
            } else if type.bytesEqual("volume") {
                let name = mount.at("Name")?.text ?? ""
                facts.add(.namedVolume(name), field, "\(name):\(destination)")
            } else if !type.bytesEqual("tmpfs") {
                facts.add(.unrecognisedMount, field, "\(type):\(destination)")
            }
        }
    }

    /// The asks that reach the host or weaken the container's confinement.
    /// Left out are what the daemon fills in for every container or what
    /// gives no access beyond the container itself: the runtime `runc`
    /// (the daemon's own default), log settings, resources, ulimits,
    /// namespaced sysctls and the cgroup namespace (`host` is the default on
    /// cgroup v1 hosts). Any other runtime counts: what it gives the
    /// container is not in HostConfig (the nvidia runtime's hook adds the
    /// host's GPUs, another may confine less), and an exec runs under it; a
    /// daemon whose default runtime is another needs it in `runtimes`. A namespace
    /// joined from another container counts (`join-namespaces`): it is that
    /// container's, which may be the host's (`--pid container:<agent>` of an
    /// agent with `--pid host` sees the host's processes); so does a mode
    /// sockwarden does not recognise. So does a network joined by name (its
    /// driver, looked up: a macvlan network is the host's LAN). Masked and read-only paths are
    /// judged by `facts(inspect:)` itself: the daemon stores its defaults in
    /// full for every container, so only a list missing one of them counts.
    static func hostAccess(_ facts: RequestFacts) -> RequestFacts {
        RequestFacts(facts.asks.filter { ask in
            switch ask.kind {
            case .privileged, .capabilityAdd, .device, .seccompUnconfined, .seccompCustomProfile, .apparmorUnconfined,
                 .apparmorProfile, .selinuxLabel, .hostPath, .volumeDriver, .volumeDriverOptions, .namedVolume,
                 .volumesFrom, .unrecognisedMount, .joinNamespace, .unrecognisedMode, .namedNetwork:
                return true
            case .hostNamespace(let namespace):
                return namespace != .cgroupns && namespace != .cgroup
            case .runtime(let name):
                return name != "runc"
            default:
                return false
            }
        })
    }

    /// dockerd 20.10's default masked and read-only paths
    /// (`oci.DefaultLinuxSpec`); 28.x adds to them.
    public static let defaultMaskedPaths = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                     "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]
    public static let defaultReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
}
