import GoJSON

/// An existing container as the daemon describes it (`GET
/// /containers/{id}/json`), for the routes that act inside it: an exec runs,
/// an attach types and a copy reads and writes with the container's own
/// privileges, namespaces and mounts. Its stored `HostConfig` is the create
/// request's, filled in by the daemon, so the same facts are read from it as
/// from a create (`ContainerFacts`), then `hostAccess` keeps those that reach
/// the host.
public enum InspectedContainer {
    static let schema = GoStruct("types.ContainerJSON", [
        GoField("Id", .string),
        GoField("HostConfig", .pointer(.structure(BodySchemas.Container.hostConfig))),
    ])

    /// The container's full ID and the facts of its HostConfig; nil when the
    /// answer is not an inspect of one container.
    public static func facts(inspect bytes: [UInt8]) -> (id: String, facts: RequestFacts)? {
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
        return (id, access)
    }

    /// The asks that reach the host or weaken the container's confinement.
    /// Left out are what the daemon fills in for every container or what
    /// gives no access beyond the container itself: its runtime (`runc`),
    /// log settings, resources, ulimits, namespaced sysctls, the cgroup
    /// namespace (`host` is the default on cgroup v1 hosts) and joined
    /// namespaces of other containers. Masked and read-only paths are
    /// judged by `facts(inspect:)` itself: the daemon stores its defaults in
    /// full for every container, so only a list missing one of them counts.
    static func hostAccess(_ facts: RequestFacts) -> RequestFacts {
        RequestFacts(facts.asks.filter { ask in
            switch ask.kind {
            case .privileged, .capabilityAdd, .device, .seccompUnconfined, .seccompCustomProfile, .apparmorUnconfined,
                 .apparmorProfile, .selinuxLabel, .hostPath, .volumeDriver, .volumeDriverOptions, .namedVolume,
                 .volumesFrom, .unrecognisedMount:
                return true
            case .hostNamespace(let namespace):
                return namespace != .cgroupns && namespace != .cgroup
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
