import EngineAPI

/// What a learned policy allows beyond its base that amounts to root on
/// the host: `suggest` learns whatever the audit log shows, and one request
/// a job made in audit or warn mode (a privileged container, a writable
/// `/etc` bind) is enough to learn it, with only a "1 request" comment to
/// tell (found 2026-12-02). The operator is told loudly, on stderr and at
/// the head of the policy. That includes a swarm to join and the routes that
/// manage the swarm or plugins (a red team, 2026-12-02, session 23: a job's
/// `POST /swarm/join` was learned without a word).
///
/// Not warned, though learned from one request as well: `volumes-from` (the
/// mounts lent are judged as the request's own), `ulimits` such as memlock
/// and `oom-protection` (they take the host's memory or make the OOM killer
/// pick its other processes: a denial of service, not root on it).
public enum HostEquivalentLoosening {
    /// One line per setting or route, empty when the suggestion gives no
    /// more of the host than `base` (nil: deny by default, the secure body rules).
    public static func of(_ suggested: Policy, beyond base: Policy?) -> [String] {
        of(suggested.bodyRules, beyond: base?.bodyRules ?? BodyRules()) + clusterRoutes(suggested, beyond: base)
    }

    /// One line per setting, empty when the suggestion gives no more of the host than `base`.
    public static func of(_ suggested: BodyRules, beyond base: BodyRules) -> [String] {
        var out: [String] = []
        if suggested.trustBodies && !base.trustBodies { out.append("trust-bodies = true: request bodies are not judged at all") }
        if suggested.privileged && !base.privileged { out.append("privileged = true: a privileged container is root on the host") }
        let namespaces = suggested.hostNamespaces.subtracting(base.hostNamespaces)
        if !namespaces.isEmpty {
            out.append("host-namespaces \(namespaces.map { "\"\($0)\"" }.sorted().joined(separator: ", ")): the host's processes, network or IPC")
        }
        let capabilities = suggested.capabilities.subtracting(base.capabilities)
        if !capabilities.isEmpty {
            out.append("capabilities \(capabilities.sorted().joined(separator: ", ")): kernel privileges beyond Docker's defaults")
        }
        if suggested.devices && !base.devices { out.append("devices = true: host devices in containers") }
        out += hostPaths(suggested, beyond: base)
        if suggested.sharedPropagation && !base.sharedPropagation { out.append("shared-propagation = true: mounts that reach back into the host") }
        if suggested.seccompUnconfined && !base.seccompUnconfined { out.append("seccomp unconfined") }
        if suggested.seccompProfiles && !base.seccompProfiles {
            out.append("seccomp-profiles = true: a custom seccomp profile can allow every system call, as unconfined does")
        }
        if suggested.apparmorUnconfined && !base.apparmorUnconfined { out.append("apparmor unconfined") }
        if suggested.systemPathsUnconfined && !base.systemPathsUnconfined { out.append("system paths unconfined (/proc, /sys writable)") }
        if suggested.cgroupParent && !base.cgroupParent { out.append("cgroup-parent: containers outside Docker's cgroup") }
        if suggested.volumeDriverOptions && !base.volumeDriverOptions { out.append("volume-driver-options: local volumes that bind host paths") }
        if suggested.joinNamespaces && !base.joinNamespaces { out.append("join-namespaces = true: other containers' namespaces, the host's where one has them") }
        let remotes = suggested.swarmRemotes.filter { !$0.isOneOf(base.swarmRemotes) }
        if !remotes.isEmpty {
            out.append("swarm join \(remotes.map { "\"\($0)\"" }.joined(separator: ", ")): the managers of a swarm this host joins can run any task on it")
        }
        return out
    }

    /// New host paths, and the base's made writable by `read-only = false`
    /// (one writable bind of a base path turned it off for every path, with
    /// no word: a red team, 2026-12-02, session 23).
    static func hostPaths(_ suggested: BodyRules, beyond base: BodyRules) -> [String] {
        var out: [String] = []
        let paths = suggested.hostPaths.filter { !base.hostPaths.contains($0) }
        if !paths.isEmpty {
            let writable = !suggested.hostPathsReadOnly
            out.append("host-paths \(paths.map { "\"\($0)\"" }.joined(separator: ", "))\(writable ? ", writable (read-only = false)" : ", read-only"): host files in containers")
        }
        let madeWritable = suggested.hostPaths.filter { base.hostPaths.contains($0) }
        if base.hostPathsReadOnly && !suggested.hostPathsReadOnly && !madeWritable.isEmpty {
            out.append("host-paths read-only = false: \(madeWritable.map { "\"\($0)\"" }.joined(separator: ", ")), read-only in the base, now writable")
        }
        return out
    }

    /// The groups that manage the swarm this host is a node of, and its plugins (ci.toml denies them, with tasks).
    static let clusterGroups: Set<RouteGroup> = [.swarm, .services, .nodes, .tasks, .secrets, .configs, .plugins]
    /// Reads in those groups that give a cluster's keys: its join tokens, its unlock key.
    static let keyReads: Set<String> = ["swarm.inspect", "swarm.unlockkey"]

    /// Routes of the cluster and plugin groups the suggestion allows and the
    /// base does not: a swarm's managers run any task on its nodes, and a
    /// plugin runs as root. Reads of the cluster's state (lists, inspects,
    /// logs) give no hold on it and are not warned, but for its keys.
    static func clusterRoutes(_ suggested: Policy, beyond base: Policy?) -> [String] {
        let names = Catalogue.routes.filter { route in
            guard clusterGroups.contains(route.group), !route.method.isOneOf(["GET", "HEAD"]) || keyReads.contains(route.name) else { return false }
            let input = PolicyInput(method: route.method, route: route)
            return suggested.evaluateRoute(input).allowed && base?.evaluateRoute(input).allowed != true
        }.map(\.name)
        guard !names.isEmpty else { return [] }
        var seen = Set<String>()
        return ["routes \(names.filter { seen.insert($0).inserted }.joined(separator: ", ")) (the swarm and plugins, denied by the base): "
                + "a swarm's managers run any task on this host, a plugin runs as root"]
    }
}
