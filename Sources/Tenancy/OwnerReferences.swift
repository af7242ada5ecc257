import EngineAPI
import GoJSON

/// Objects a request body names that must be the job's own: another
/// container's namespaces, mounts or links, a named volume, a network.
/// Predefined networks (`none`, `bridge`, `host`, `default`) belong to no job
/// and are left to the policy.
public struct OwnedReference: Sendable, Hashable {
    public let kind: ObjectKind
    public let reference: String
    /// Where in the body, for the audit log.
    public let field: String
    /// For a volume named by a `HostConfig.Mounts` entry: its
    /// `VolumeOptions.Labels`, in body order. dockerd gives a volume it
    /// creates for that mount these labels, so a job socket that creates the
    /// volume first (to stamp the owner label) must give them too.
    public let volumeLabels: [VolumeLabel]

    public init(_ kind: ObjectKind, _ reference: String, field: String, volumeLabels: [VolumeLabel] = []) {
        self.kind = kind
        self.reference = reference
        self.field = field
        self.volumeLabels = volumeLabels
    }
}

/// One label of a volume a container create makes (`VolumeOptions.Labels`).
public struct VolumeLabel: Sendable, Hashable {
    public let key: String
    public let value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

public enum OwnerReferences {
    static let predefinedNetworks = ["none", "bridge", "host", "default"]

    /// For `container.create` (the decoded create body) and
    /// `network.connect` (its `Container`).
    public static func referenced(route: String, body: GoValue) -> [OwnedReference] {
        switch route {
        case "container.create": return containerCreate(body)
        case "network.connect", "network.disconnect":
            let container = body[field: "Container"]?.stringValue ?? ""
            return container.isEmpty ? [] : [OwnedReference(.container, container, field: "Container")]
        default: return []
        }
    }

    /// What a container's start resolves again, from the daemon's inspect of
    /// it: the user networks it joins (`NetworkNames.joined`), the stored
    /// `NetworkID` of each endpoint with a user network's key (`networkIDs`:
    /// key and `NetworkID` of each `NetworkSettings.Networks` entry; dockerd
    /// 20.10 looks that up instead of the key, `getNetworkID`), and the
    /// containers whose namespaces it joins (`container:` in `NetworkMode`,
    /// `PidMode`, `IpcMode`), which the daemon also looks up by name or ID
    /// prefix at every start.
    public static func resolvedAtStart(modes: [(field: String, value: String)], networks: [String],
                                       networkIDs: [(key: String, id: String)] = []) -> [OwnedReference] {
        var out: [OwnedReference] = []
        let networkMode = modes.first { $0.field == "NetworkMode" }?.value ?? ""
        for name in NetworkNames.joined(networkMode: networkMode, networks: networks) {
            out.append(OwnedReference(.network, name, field: name == networkMode ? "HostConfig.NetworkMode" : "NetworkSettings.Networks[\(name)]"))
        }
        for endpoint in networkIDs where NetworkNames.isUserNetwork(endpoint.key) && !endpoint.id.utf8.isEmpty {
            out.append(OwnedReference(.network, endpoint.id, field: "NetworkSettings.Networks[\(endpoint.key)].NetworkID"))
        }
        for mode in modes where namespaceModes.contains(mode.field) {
            if let target = mode.value.dropPrefix("container:") {
                out.append(OwnedReference(.container, target, field: "HostConfig.\(mode.field)"))
            }
        }
        return out
    }

    /// An endpoint's `NetworkID` in a container create
    /// (`NetworkingConfig.EndpointsConfig[*]`) or a network connect
    /// (`EndpointConfig`). dockerd 20.10 joins the network it names (a name,
    /// ID or ID prefix) instead of the key or the path's network, for a
    /// user-defined key (`getNetworkID` in `findAndAttachNetwork`), so a job
    /// could name its own network and join another job's. On a job socket it
    /// must be left empty (null or absent).
    public static func checkEndpointNetworkIDs(route: String, body: GoValue) -> TenancyRefusal? {
        var endpoints: [(field: String, settings: GoValue?)] = []
        switch route {
        case "container.create":
            for entry in body[field: "NetworkingConfig"]?[field: "EndpointsConfig"]?.mapEntries ?? [] {
                endpoints.append(("NetworkingConfig.EndpointsConfig[\(entry.key)].NetworkID", entry.value))
            }
        case "network.connect":
            endpoints.append(("EndpointConfig.NetworkID", body[field: "EndpointConfig"]))
        default:
            return nil
        }
        for endpoint in endpoints {
            let id = endpoint.settings?[field: "NetworkID"]?.stringValue ?? ""
            if !id.utf8.isEmpty {
                return TenancyRefusal(status: 403, message: "sockwarden: \(endpoint.field) must be left empty on a job socket (it is \(id); the daemon would join the network it names instead of the one the request names); name the network only by the endpoint's key or the path")
            }
        }
        return nil
    }

    /// Modes whose `container:` target a start joins. dockerd 20.10 stores
    /// the target's full ID at create only when it finds it then, so a job
    /// socket forwards the full ID (`pinningNamespaces`) and a start refuses
    /// any other stored target (`unpinnedNamespace`).
    public static let namespaceModes = ["NetworkMode", "PidMode", "IpcMode"]

    static func containerCreate(_ body: GoValue) -> [OwnedReference] {
        var out: [OwnedReference] = []
        if let image = body[field: "Image"]?.stringValue, !image.isEmpty {
            out.append(OwnedReference(.image, image, field: "Image"))
        }
        let hc = body[field: "HostConfig"]
        for field in namespaceModes + ["UTSMode", "UsernsMode", "CgroupnsMode", "Cgroup"] {
            let value = hc?[field: field]?.stringValue ?? ""
            if let target = value.dropPrefix("container:") {
                out.append(OwnedReference(.container, target, field: "HostConfig.\(field)"))
            } else if field == "NetworkMode", !value.isEmpty, !value.isOneOf(predefinedNetworks) {
                out.append(OwnedReference(.network, value, field: "HostConfig.NetworkMode"))
            }
        }
        for (i, entry) in (hc?[field: "VolumesFrom"]?.arrayValues ?? []).enumerated() {
            let name = beforeFirstColon(entry.stringValue ?? "")
            out.append(OwnedReference(.container, name, field: "HostConfig.VolumesFrom[\(i)]"))
        }
        for (i, link) in (hc?[field: "Links"]?.arrayValues ?? []).enumerated() {
            let name = beforeFirstColon(link.stringValue ?? "")
            out.append(OwnedReference(.container, name.dropPrefix("/") ?? name, field: "HostConfig.Links[\(i)]"))
        }
        for (i, bind) in (hc?[field: "Binds"]?.arrayValues ?? []).enumerated() {
            if let spec = BindSpec.parse(bind.stringValue ?? ""), case .volume(let name) = spec.source {
                out.append(OwnedReference(.volume, name, field: "HostConfig.Binds[\(i)]"))
            }
        }
        for (i, mount) in (hc?[field: "Mounts"]?.arrayValues ?? []).enumerated() {
            let source = mount[field: "Source"]?.stringValue ?? ""
            if mount[field: "Type"]?.stringEquals("volume") == true, !source.isEmpty {
                let labels = (mount[field: "VolumeOptions"]?[field: "Labels"]?.mapEntries ?? []).map {
                    VolumeLabel($0.key, $0.value.stringValue ?? "")
                }
                out.append(OwnedReference(.volume, source, field: "HostConfig.Mounts[\(i)].Source", volumeLabels: labels))
            }
        }
        for entry in body[field: "NetworkingConfig"]?[field: "EndpointsConfig"]?.mapEntries ?? [] where !entry.key.isOneOf(predefinedNetworks) {
            out.append(OwnedReference(.network, entry.key, field: "NetworkingConfig.EndpointsConfig[\(entry.key)]"))
        }
        return out
    }
}

extension OwnerReferences {
    /// What comes before the first ":" byte, as dockerd splits a
    /// `VolumesFrom` entry (`ParseVolumesFrom`: `strings.SplitN(spec, ":", 2)`)
    /// and a link (`opts.ParseLink`: `strings.Split(val, ":")`). Not on Swift
    /// Characters, which join ":" with a combining mark after it or a
    /// prepended mark before it.
    static func beforeFirstColon(_ text: String) -> String {
        let first = text.utf8.split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false).first
        return String(decoding: first ?? text.utf8.prefix(0), as: UTF8.self)
    }
}

extension String {
    func dropPrefix(_ prefix: String) -> String? {
        utf8.starts(with: prefix.utf8) ? String(decoding: utf8.dropFirst(prefix.utf8.count), as: UTF8.self) : nil
    }
}
