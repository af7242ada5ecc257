import EngineAPI
import GoJSON

/// Network names on a job socket. dockerd keeps a container's networks by
/// NAME and looks each up again at every start (`FindNetwork`: exact ID,
/// exact name, then ID prefix), so what a name meant at create is not what
/// it means at start. A job socket therefore keeps names unambiguous: a new
/// network may not take a name that exists (`CheckDuplicate`) nor one that
/// reads as an ID prefix (lower-case hex), and a start re-checks what each
/// name resolves to (`JobScope.checkJoined`).
public enum NetworkNames {
    /// A network name a job may not create, with why and what to do.
    public static func checkCreate(name: String) -> TenancyRefusal? {
        guard readsAsID(name) else { return nil }
        return TenancyRefusal(status: 403, message: "sockwarden: network name \(name) is all lower-case hex digits, so the daemon can read it as the ID prefix of another network when it resolves the name again at a container's start; on a job socket choose a name with another character (such as \(name)-net)")
    }

    /// Whether the daemon could take `name` for an ID or an ID prefix.
    public static func readsAsID(_ name: String) -> Bool {
        !name.utf8.isEmpty && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The create body with `CheckDuplicate: true`: the daemon refuses a
    /// name that exists (409), so a job cannot shadow another job's network
    /// name (which also makes the other job's own lookups by name fail).
    public static func requiringUniqueName(_ value: GoValue) -> GoValue {
        guard case .structure(var fields) = value else { return value }
        fields.removeAll { $0.name == "CheckDuplicate" }
        fields.append(GoFieldValue("CheckDuplicate", .pointer(.bool(true))))
        return .structure(fields)
    }

    /// The network references a start resolves again: `HostConfig.NetworkMode`
    /// when it names a user network, and the keys of
    /// `NetworkSettings.Networks`, in order, without repeats. Predefined
    /// networks cannot be created by anyone, so their names stay theirs.
    public static func joined(networkMode: String, networks: [String]) -> [String] {
        var out: [String] = []
        for name in [networkMode] + networks where isUserNetwork(name) && !out.contains(where: { $0.utf8.elementsEqual(name.utf8) }) {
            out.append(name)
        }
        return out
    }

    /// A network mode or endpoint key that names a user network.
    public static func isUserNetwork(_ name: String) -> Bool {
        !name.isEmpty && !name.isOneOf(OwnerReferences.predefinedNetworks) && name.dropPrefix("container:") == nil
    }

    /// Whether a stored reference can resolve to the network with this ID and
    /// name (exact ID, exact name or ID prefix, as the daemon looks it up).
    public static func refers(_ reference: String, id: String, name: String) -> Bool {
        guard !reference.utf8.isEmpty else { return false }
        return reference.utf8.elementsEqual(name.utf8) || id.utf8.starts(with: reference.utf8)
    }

    /// A network one of the job's containers still names, and that container.
    public struct StillNamed: Sendable, Equatable {
        public let network: String
        public let container: String

        public init(network: String, container: String) {
            self.network = network
            self.container = container
        }
    }

    /// The first of `networks` that one of `containers` (in any state) still
    /// names, by its network mode or an endpoint key, by exact name, exact ID
    /// or ID prefix (`refers`). Such a network must stay: removed, its name
    /// would be free to resolve to another network at that container's
    /// next start. Nil when none is named.
    public static func stillNamed(networks: [(id: String, name: String)],
                                  containers: [(name: String, networkMode: String, networks: [String])]) -> StillNamed? {
        for network in networks {
            for container in containers {
                for reference in joined(networkMode: container.networkMode, networks: container.networks)
                where refers(reference, id: network.id, name: network.name) {
                    return StillNamed(network: network.name, container: container.name)
                }
            }
        }
        return nil
    }

    /// The answer to a `network prune` on a job socket while `named` holds.
    public static func pruneRefusal(_ named: StillNamed, job: String) -> TenancyRefusal {
        TenancyRefusal(status: 409, message: "sockwarden: network prune on job \(job)'s socket could remove network \(named.network), which container \(named.container) of the job still names (the daemon looks the name up again at the container's next start, and on a job socket it must not find another network by then); remove container \(named.container) first (docker rm \(named.container)), then prune or remove the network (docker network rm \(named.network))")
    }
}
