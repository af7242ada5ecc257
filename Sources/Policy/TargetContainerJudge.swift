import EngineAPI

/// Exec, attach and copy act inside an existing container with its own
/// access: an exec in a privileged container, or in one that mounts the
/// Docker socket or `/`, is root on the host, however the exec itself is
/// written; a start or restart runs its command with that access. On a socket shared by jobs (the main socket) any container the
/// daemon has can be named, the CI runner's own among them. So these routes
/// are judged by the container they name: it must be one the policy would
/// let a job create (its privileges, host namespaces, capabilities,
/// devices, security options and mounts, as the daemon stored them), and
/// the request is forwarded with the container's full ID in place of the
/// name, so a rename after the check cannot swap it.
public enum TargetContainer {
    /// Words every denial for the container acted in carries (`suggest`
    /// finds such denials in a log by them).
    public static let deniedForContainer = "a container a job may not create"

    /// Route → the path parameter naming the container (or the exec).
    public static let routes: [String: String] = [
        "exec.create": "id", "exec.start": "id",
        "container.attach": "id", "container.attach.websocket": "id",
        "container.archive.get": "id", "container.archive.put": "id", "container.archive.head": "id",
        // `POST /containers/{id}/copy` (API < 1.24, 20.10 only): reads a path out, through its binds.
        "container.copy": "id",
        // A start or restart runs the container's own command with its access: an operator's
        // stopped privileged container whose command reads a volume the job can write.
        "container.start": "id", "container.restart": "id",
        // A kill with a signal other than the container's stop signal (`StopSignal`; any
        // signal but SIGKILL) leaves its restart policy armed: dockerd 20.10.24 starts it
        // again when the process dies (an operator's `--restart always` agent whose
        // restart was refused restarted after `kill -s TERM`).
        "container.kill": "id",
        // A stop with a `signal` (API 1.42+, Docker 23 and later; 20.10 ignores it) is a kill
        // with that signal followed by SIGKILL: dockerd 28.5 arms `ExitOnNext` only for the
        // container's own stop signal, so the same restart as a kill's follows. Judged whether
        // or not the query has a signal: a stop of a container a job may not create is refused.
        "container.stop": "id",
        // An update: a restart policy it sets is acted on (a container stopped by hand with
        // `always` starts again at the daemon's restart), and its limits can end the process
        // (out of memory), which the container's own policy then restarts (both shown against
        // dockerd 20.10.24 on an operator's container whose start and restart were refused).
        "container.update": "id",
    ]
}

extension TargetContainer {
    /// dockerd 20.10's 404 message on `route` for a container (or exec) it
    /// does not have: kill wraps it (`Cannot kill container: X: …`).
    public static func missingMessage(route: String, reference: String) -> String {
        if route == "exec.start" { return "No such exec instance: \(reference)" }
        if route == "container.kill" { return "Cannot kill container: \(reference): No such container: \(reference)" }
        return "No such container: \(reference)"
    }

    /// Whether a `PUT /containers/{id}/archive` asks for `copyUIDGID` as dockerd reads it
    /// (`httputils.BoolValue(r, "copyUIDGID")`: the first value, trimmed and lower-cased; false
    /// only for "", "0", "no", "false", "none"). A query Go might read differently (one that does
    /// not parse, a value with bytes outside printable ASCII) counts as asking.
    public static func copiesUIDGID(rawQuery: String?) -> Bool {
        guard let raw = rawQuery else { return false }
        guard let query = GoQuery.parse(raw) else { return true }
        guard let value = query.first("copyUIDGID") else { return false }
        let bytes = Array(value.utf8)
        if bytes.contains(where: { $0 >= 0x7F || ($0 < 0x20 && !(0x09...0x0D).contains($0)) }) { return true }
        var text = bytes
        while let f = text.first, f == 0x20 || (0x09...0x0D).contains(f) { text.removeFirst() }
        while let l = text.last, l == 0x20 || (0x09...0x0D).contains(l) { text.removeLast() }
        let lower = String(decoding: text.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
        return !["", "0", "no", "false", "none"].contains(lower)
    }
}

/// The container an exec, attach or copy acts in, as the check found it:
/// what the audit record's `target_container` names and the facts it adds
/// to the record's `facts` (what `suggest` learns the container's needs from).
public struct JudgedContainer: Sendable, Hashable {
    /// The full ID (64 hex digits).
    public var id: String
    /// Its name, as the daemon answered (without the leading "/"; empty when not known).
    public var name: String
    /// The facts of its host access that were judged (`InspectedContainer.facts`).
    public var facts: RequestFacts
    /// Its `Config.User` ("" when none): not recorded, read by the
    /// `copyUIDGID` check (a copy with `-a` looks it up on the host).
    public var user: String

    public init(id: String, name: String, facts: RequestFacts, user: String = "") {
        self.id = id
        self.name = name
        self.facts = facts
        self.user = user
    }
}

extension BodyRules {
    /// What judging the container an exec, attach or copy acts in gave:
    /// the full ID to forward in place of the name (nil: no pin, an exec's
    /// ID or a what-if) or the violation, and the container found (nil
    /// when it was not looked up or not found).
    struct TargetJudgement {
        var result: Result<String?, BodyViolation>
        var container: JudgedContainer?
        /// The daemon's 404 message when it does not have what the request names.
        var missing: String?
    }

    func judgeTargetContainer(route: String, reference: String, environment: HostEnvironment) -> TargetJudgement {
        let isExec = route.bytesEqual("exec.start")
        let what = isExec ? "exec \(reference)" : "container \(reference)"
        let ask = Ask(.unjudged("the container \(route) acts in"), field: isExec ? "exec" : "container", value: reference)
        func refuse(_ message: String, _ container: JudgedContainer? = nil) -> TargetJudgement {
            TargetJudgement(result: .failure(BodyViolation(section: "containers", ask: ask, message: message)), container: container)
        }
        switch environment.targetContainer(isExec ? .exec(reference) : .container(reference)) {
        case .notLookedUp:
            return TargetJudgement(result: .success(nil), container: nil)
        case .notFound:
            var missing = refuse("names no \(isExec ? "exec" : "container") the daemon knows (No such \(isExec ? "exec instance" : "container"): \(reference))")
            missing.missing = TargetContainer.missingMessage(route: route, reference: reference)
            return missing
        case .unavailable(let why):
            return refuse("cannot be judged: \(what) could not be looked up (\(why))")
        case .found(let id, let name, let user, let facts):
            let container = JudgedContainer(id: id, name: name, facts: facts, user: user)
            // What VolumesFrom lent is judged among the container's Mounts as mounted, not by
            // looking up the source's name again: renamed and replaced, it would name another.
            if let violation = judge(facts, environment: environment) {
                let acts = route.bytesEqual("container.update")
                    ? "an update would have the daemon start it again with that access, by a restart policy it sets (at the daemon's next restart) or by its own once new limits end it (out of memory)"
                    : route.bytesEqual("container.kill") || route.bytesEqual("container.stop")
                    ? "a \(route.bytesEqual("container.kill") ? "kill" : "stop") would have the daemon start it again by its restart policy, with that access"
                    : "\(route) would act with that access"
                return refuse("\(isExec ? "runs in" : "is") \(TargetContainer.deniedForContainer): \(violation.ask.field) \"\(violation.ask.value)\" \(violation.message); "
                              + acts, container)
            }
            return TargetJudgement(result: .success(isExec ? nil : id), container: container)
        }
    }
}

/// `container:<id>` with `join-namespaces = true`: the namespace joined is
/// the other container's, which may be the host's (`--pid container:<agent>`
/// of an agent with `--pid host` is the host's pid namespace). The joined
/// container is looked up (dockerd 20.10 stores the join by its full ID at
/// create) and its mode for that namespace judged as `host-namespaces`
/// judges one asked for, following joins of joins.
extension BodyRules {
    func judgeJoinedNamespace(_ namespace: Namespace, ask: Ask, environment: HostEnvironment, depth: Int = 0) -> BodyViolation? {
        func refuse(_ message: String) -> BodyViolation { BodyViolation(section: "containers", ask: ask, message: message) }
        // Only `container:` joins name a container; the cgroup namespace and cgroup are not host access
        // here (`InspectedContainer.hostAccess`); `ns:` paths are left to the daemon, which refuses them.
        guard namespace != .cgroupns, namespace != .cgroup, ask.value.bytesHavePrefix("container:") else { return nil }
        let reference = String(ask.value.dropFirst("container:".count))
        guard depth < 4 else { return refuse("joins a chain of container namespaces too long to judge") }
        switch environment.targetContainer(.container(reference)) {
        case .notLookedUp:
            return nil
        case .notFound:
            return refuse("joins the \(namespace.rawValue) namespace of a container the daemon does not know (\(reference))")
        case .unavailable(let why):
            return refuse("cannot be judged: container \(reference), whose \(namespace.rawValue) namespace it joins, could not be looked up (\(why))")
        case .found(_, _, _, let facts):
            for joined in facts.asks {
                switch joined.kind {
                case .hostNamespace(let other) where other == namespace:
                    if hostNamespaces.contains(namespace) { continue }
                    return refuse("joins the \(namespace.rawValue) namespace of container \(reference), which is the host's "
                                  + "(\(joined.field) \"\(joined.value)\"); allowed host namespaces: "
                                  + (hostNamespaces.isEmpty ? "none" : hostNamespaces.map(\.rawValue).sorted().joined(separator: ", ")))
                case .namedNetwork where namespace == .network:
                    // The network namespace joined is on that container's networks (a macvlan one is the host's LAN).
                    if let violation = judge(RequestFacts([joined]), environment: environment) {
                        return refuse("joins the network namespace of container \(reference), which \(violation.message)")
                    }
                case .joinNamespace(let other) where other == namespace:
                    if let violation = judgeJoinedNamespace(namespace, ask: joined, environment: environment, depth: depth + 1) {
                        return refuse("joins the \(namespace.rawValue) namespace of container \(reference), which "
                                      + "\(violation.message)")
                    }
                default:
                    continue
                }
            }
            return nil
        }
    }
}
