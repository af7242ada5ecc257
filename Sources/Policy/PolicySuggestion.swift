import EngineAPI
import GoJSON

/// One audit record as `sockwarden suggest` reads it (a line of the audit
/// log; unknown fields are ignored).
public struct AuditEntry: Sendable {
    /// 1-based line in the log.
    public var line: Int
    public var time: String?
    public var method: String
    public var target: String?
    public var route: String?
    public var apiVersion: String?
    /// "allow" or "deny".
    public var decision: String
    public var rule: String?
    public var reason: String?
    public var mode: String?
    public var wouldDeny = false
    /// The facts the request asked for, when the record has them (for an
    /// exec, attach or copy whose record has `target_container`, the host
    /// access of the container it acts in too).
    public var facts: RequestFacts?
    /// For an exec, attach or copy: the container it acted in, full ID and
    /// name, when the record says (records before 2026-12 do not; then the
    /// container's facts are not in `facts`).
    public var targetContainer: (id: String, name: String)?

    public init(line: Int, method: String, route: String?, decision: String) {
        self.line = line
        self.method = method
        self.route = route
        self.decision = decision
    }

    public enum ParseOutcome {
        case entry(AuditEntry)
        /// Valid JSON, but not a request record (no method or decision).
        case other
        /// Not a JSON object, or its facts could not be read.
        case invalid(String)
    }

    /// Reads one line of the audit log.
    public static func parse(_ line: [UInt8], number: Int) -> ParseOutcome {
        guard case .success(let value) = JSONParser.parse(line) else { return .invalid("not JSON") }
        guard case .object(let members) = value else { return .invalid("not a JSON object") }
        func member(_ key: String) -> JSONValue? { members.last { $0.key == key }?.value }
        func string(_ key: String) -> String? { if case .string(let s)? = member(key) { return s } else { return nil } }
        // A log with two records per request (`event` "request" when judged,
        // "result" when done) is read from its request records, which carry
        // the facts; other events (start, reload, …) are not requests.
        if let event = string("event"), event != "request" { return .other }
        guard let method = string("method"), let decision = string("decision") else { return .other }
        // A name a job socket gave a build's image at its end (`tagged_for`):
        // sockwarden's own tag, judged by the job scope, not sent by the
        // client; the build it belongs to is what a policy must allow.
        if member("tagged_for") != nil { return .other }
        var entry = AuditEntry(line: number, method: method, route: string("route"), decision: decision)
        entry.time = string("time")
        entry.target = string("target")
        entry.apiVersion = string("api_version")
        entry.rule = string("rule")
        entry.reason = string("reason")
        entry.mode = string("mode")
        if case .bool(let b)? = member("would_deny") { entry.wouldDeny = b }
        if case .object(let target)? = member("target_container"),
           case .string(let id)? = target.last(where: { $0.key == "id" })?.value {
            var name = ""
            if case .string(let n)? = target.last(where: { $0.key == "name" })?.value { name = n }
            entry.targetContainer = (id, name)
        }
        switch member("facts") {
        case nil, .null?: break
        case let facts?:
            if FactsJSON.wasCut(facts) { return .invalid("its facts were cut short in the log (\"omitted\" or \"cut\"), so what it asked for is not all there") }
            guard let parsed = FactsJSON.parse(facts) else { return .invalid("its facts are not in the form sockwarden writes") }
            entry.facts = parsed
        }
        return .entry(entry)
    }
}

/// `sockwarden suggest`: the narrowest policy that would have allowed what
/// an audit log recorded.
///
/// - Routes: one allow rule per group, listing exactly the routes (with
///   their methods) of requests that were allowed or would have been
///   (`would_deny`, warn/audit mode). With a base policy, only routes the
///   base does not allow are added, in rules placed before the base's.
///   Requests denied in enforce mode are not learned (the client never got
///   them); they are counted in a comment.
/// - Body rules: start from the base's (or the secure defaults) and loosen
///   each setting only as far as a recorded fact needs, with a comment
///   citing how often and when. Without a base, `images` and `image-names`
///   are narrowed from "*" to exactly the names recorded. Records without
///   facts (a policy that trusted bodies, or an older log) teach routes
///   only; the output says so.
/// - The result is parsed back and every learned record replayed against
///   it; records it still would not allow are listed (`notAllowed`).
public struct PolicySuggestion: Sendable {
    public let text: String
    /// The suggested policy, parsed back.
    public let policy: Policy
    /// Requests learned from (allowed or would-deny, on a known route).
    public let learned: Int
    /// Recorded requests the suggestion still does not allow, and why.
    public let notAllowed: [String]
    /// Exec, attach and copy requests denied for the container they act in:
    /// not checked against the suggestion (their records lack its settings:
    /// logs written before records named the container).
    public let unchecked: [String]
    /// Exec, attach and copy requests whose container needed settings the
    /// base (or the secure defaults) does not allow, and which ones: learned
    /// from the container's facts in their records.
    public let containerNeeds: [String]
    /// Things the operator should know (also in the text as comments).
    public let notes: [String]

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// - Parameters:
    ///   - entries: the log's request records, in order.
    ///   - source: the log's name, for the header comment.
    ///   - base: the policy to start from; nil: deny by default, secure body rules.
    ///   - environment: how host paths resolve (the proxy's view of the host).
    public static func suggest(entries: [AuditEntry], source: String, skippedLines: Int = 0, base: Policy?,
                               environment: HostEnvironment = LiteralHostEnvironment()) -> Result<PolicySuggestion, Failure> {
        var learner = Learner(base: base, environment: environment)
        for entry in entries { learner.take(entry) }
        learner.narrowImages()
        guard learner.learnable > 0 else {
            return .failure(Failure(description: "the log has no allowed request on a known route to learn from (\(entries.count) request records); record a session first, e.g. with `serve --mode audit`"))
        }
        var draft = learner.draft(source: source, entries: entries, skippedLines: skippedLines)
        var text = draft.render()
        let policy: Policy
        do {
            policy = try Policy.parse(source: text, fileName: "suggested.toml")
        } catch {
            return .failure(Failure(description: "internal error: the suggested policy does not load (\(error)); please report it with the log"))
        }
        let notAllowed = learner.replay(policy)
        if !notAllowed.isEmpty {
            draft.header += ["", "NOT ALLOWED by this suggestion (\(notAllowed.count) recorded request(s)):"] + notAllowed.prefix(20).map { "  \($0)" }
            if notAllowed.count > 20 { draft.header.append("  … and \(notAllowed.count - 20) more") }
            text = draft.render()
        }
        if !learner.containerNeeds.isEmpty {
            draft.header += ["", "Learned for the containers exec, attach and copy acted in (allowing the route allows "
                             + "what such a container has; consider exec and copy only in containers the job made):"]
                + learner.containerNeeds.prefix(20).map { "  \($0)" }
            if learner.containerNeeds.count > 20 { draft.header.append("  … and \(learner.containerNeeds.count - 20) more") }
            text = draft.render()
        }
        let unchecked = learner.judgedByTheirContainer()
        if !unchecked.isEmpty {
            draft.header += ["", "NOT CHECKED: denied for the container they act in, whose settings the log does not record "
                             + "(allowed only if this policy allows what that container has; exec and copy only in "
                             + "containers the job made, or allow it by hand):"] + unchecked.prefix(20).map { "  \($0)" }
            if unchecked.count > 20 { draft.header.append("  … and \(unchecked.count - 20) more") }
            text = draft.render()
        }
        // The text as printed, header included, must be the policy replayed (a value from the log
        // that escaped its comment would make it another).
        guard let printed = try? Policy.parse(source: text, fileName: "suggested.toml"),
              printed.rules.count == policy.rules.count, zip(printed.rules, policy.rules).allSatisfy({ $0.sameMeaning($1) }),
              printed.bodyRules == policy.bodyRules,
              printed.mode == policy.mode else {
            return .failure(Failure(description: "internal error: the suggested policy as printed is not the policy checked; please report it with the log"))
        }
        return .success(PolicySuggestion(text: text, policy: policy, learned: learner.learnable, notAllowed: notAllowed,
                                         unchecked: unchecked, containerNeeds: learner.containerNeeds, notes: learner.notes))
    }
}

/// Occurrences of one learned thing: how many requests, when, on which routes.
struct Occurrences {
    var count = 0
    var first: String?
    var last: String?
    var routes: [String] = []

    mutating func add(_ entry: AuditEntry) {
        count += 1
        if let time = entry.time {
            if first == nil || time < first! { first = time }
            if last == nil || time > last! { last = time }
        }
        if let route = entry.route, !routes.contains(route) { routes.append(route) }
    }

    var summary: String {
        var text = "\(count) request\(count == 1 ? "" : "s")"
        if !routes.isEmpty { text += " (\(routes.joined(separator: ", ")))" }
        if let first {
            text += last == first || last == nil ? ", at \(first)" : ", \(first) to \(last!)"
        }
        return text
    }
}

struct Learner {
    let base: Policy?
    let environment: HostEnvironment
    let original: BodyRules
    var rules: BodyRules
    var learnable = 0
    var learnedEntries: [AuditEntry] = []
    /// Per route the base does not allow: occurrences and methods seen.
    var routes: [String: (occurrences: Occurrences, methods: Set<String>)] = [:]
    /// Per body setting ("section.key"), per learned item.
    var settings: [String: [(item: String, occurrences: Occurrences)]] = [:]
    var enforcedDenials: [String: Occurrences] = [:]
    var notRoutes = 0
    var unknownRouteNames: Set<String> = []
    var withoutFacts: [String: Occurrences] = [:]
    var undecodable: [String: Occurrences] = [:]
    var unlearnable: [String: Occurrences] = [:]
    var notes: [String] = []
    /// Per exec, attach or copy whose record names its container: what the
    /// container needed beyond the base's rules (`PolicySuggestion.containerNeeds`).
    var containerNeeds: [String] = []
    /// Images containers ran, and names images were given, normalised; nil
    /// once one could not be normalised (an image ID) or an image load was seen.
    var imagesSeen: [String: Occurrences]? = [:]
    var imageNamesSeen: [String: Occurrences]? = [:]

    init(base: Policy?, environment: HostEnvironment) {
        self.base = base
        self.environment = environment
        self.original = base?.bodyRules ?? BodyRules()
        self.rules = original
    }

    mutating func take(_ entry: AuditEntry) {
        guard let name = entry.route else { notRoutes += 1; return }
        guard let route = Catalogue.route(named: name) else { unknownRouteNames.insert(name); return }
        guard entry.decision == "allow" else {
            enforcedDenials[name, default: Occurrences()].add(entry)
            return
        }
        learnable += 1
        learnedEntries.append(entry)
        let input = PolicyInput(method: entry.method, route: route)
        if base?.evaluateRoute(input).allowed != true {
            var current = routes[name] ?? (Occurrences(), [])
            current.occurrences.add(entry)
            current.methods.insert(entry.method)
            routes[name] = current
        }
        guard !original.trustBodies else { return }
        if let version = entry.apiVersion, APIVersion(parsing: version) < rules.minAPIVersion {
            let parts = version.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count == 2, parts.allSatisfy({ Int($0) != nil }) {
                rules.minAPIVersion = APIVersion(parsing: version)
            } else {
                unlearnable["API version \(version)", default: Occurrences()].add(entry)
            }
        }
        if let version = entry.apiVersion, APIVersion(parsing: version) < original.minAPIVersion {
            note("api.min-version", item: version, entry)
        }
        if RequestInterpreter.unjudgeable.contains(name) {
            unlearnable["\(name): sockwarden cannot judge what it asks for, so it is denied whenever bodies are judged", default: Occurrences()].add(entry)
            return
        }
        let interprets = RequestInterpreter.judgedBodies.contains(name) || RequestInterpreter.judgedQueries.contains(name)
        // An exec, attach or copy whose record names its container carries that container's facts
        // (learned as a create's are: the policy must allow what the container has).
        guard interprets || entry.targetContainer != nil else { return }
        guard let facts = entry.facts else {
            if entry.wouldDeny && entry.rule == "body" {
                undecodable[name, default: Occurrences()].add(entry)
            } else {
                withoutFacts[name, default: Occurrences()].add(entry)
            }
            return
        }
        var needs: [(String, String)] = []
        for ask in facts.asks {
            switch ask.kind {
            case .image(let reference):
                if let normal = ImageReference.normalise(reference) { imagesSeen?[normal, default: Occurrences()].add(entry) } else { imagesSeen = nil }
            case .imageName(let reference):
                if let normal = ImageReference.normalise(reference) { imageNamesSeen?[normal, default: Occurrences()].add(entry) } else { imageNamesSeen = nil }
            case .imageLoad:
                imageNamesSeen = nil
            default:
                break
            }
            if original.judge(RequestFacts([ask]), environment: environment) != nil { needs += learn(ask, entry) }
        }
        if let target = entry.targetContainer, !needs.isEmpty {
            var seen = Set<String>()
            let settings = needs.map { "\($0.0) (\($0.1))" }.filter { seen.insert($0).inserted }
            containerNeeds.append("line \(entry.line): \(entry.method) \(entry.target ?? name) (\(name)) in container "
                                  + "\(target.name.isEmpty ? "" : "\(target.name) ")\(target.id.prefix(12)): needs "
                                  + settings.joined(separator: ", "))
        }
    }

    /// Without a base, `images` and `image-names` ("*" by default) are
    /// narrowed to exactly those recorded, when every judged request had its
    /// facts recorded (otherwise some images are unknown: "*" stays).
    mutating func narrowImages() {
        guard base == nil, !original.trustBodies, withoutFacts.isEmpty, undecodable.isEmpty else { return }
        if let seen = imagesSeen, !seen.isEmpty, rules.images == ["*"] {
            rules.images = seen.keys.sorted()
            settings["containers.images"] = seen.sorted { $0.key < $1.key }.map { (item: $0.key, occurrences: $0.value) }
        }
        if let seen = imageNamesSeen, !seen.isEmpty, rules.imageNames == ["*"] {
            rules.imageNames = seen.keys.sorted()
            settings["containers.image-names"] = seen.sorted { $0.key < $1.key }.map { (item: $0.key, occurrences: $0.value) }
        }
    }

    mutating func note(_ setting: String, item: String, _ entry: AuditEntry) {
        var items = settings[setting] ?? []
        if let i = items.firstIndex(where: { $0.item == item }) {
            items[i].occurrences.add(entry)
        } else {
            var occurrences = Occurrences()
            occurrences.add(entry)
            items.append((item, occurrences))
        }
        settings[setting] = items
    }

    /// Loosens the body rules until `ask` passes. Each request is counted
    /// against every setting it needs, measured from the base's rules (so
    /// the comments count every request, not only the first). Returns
    /// those settings and items (none when no setting allows it).
    @discardableResult
    mutating func learn(_ ask: Ask, _ entry: AuditEntry) -> [(String, String)] {
        var scratch = original
        var needs: [(String, String)] = []
        while scratch.judge(RequestFacts([ask]), environment: environment) != nil {
            let step = needs.count < 6 ? Self.loosen(&scratch, ask, environment: environment) : nil
            guard case .loosened(let setting, let item)? = step else {
                var why = scratch.judge(RequestFacts([ask]), environment: environment)?.reason ?? "\(ask.field) \"\(ask.value)\""
                if case .refused(let refusal)? = step { why += "; not learned: \(refusal)" }
                unlearnable[why, default: Occurrences()].add(entry)
                return []
            }
            needs.append((setting, item))
        }
        for (setting, item) in needs { note(setting, item: item, entry) }
        for _ in 0..<6 where rules.judge(RequestFacts([ask]), environment: environment) != nil {
            _ = Self.loosen(&rules, ask, environment: environment)
        }
        return needs
    }

    /// One step of loosening: the setting changed and what was added, or
    /// why the value asked for may not be learned (`LearnedValue`).
    enum Step {
        case loosened(String, String)
        case refused(String)
    }

    /// One step of loosening `rules` for `ask`. nil when no setting can allow it.
    static func loosen(_ rules: inout BodyRules, _ ask: Ask, environment: HostEnvironment) -> Step? {
        let r = rules
        switch ask.kind {
        case .privileged: rules.privileged = true; return .loosened("containers.privileged", "privileged")
        case .hostNamespace(let ns):
            rules.hostNamespaces.insert(ns); return .loosened("containers.host-namespaces", ns.rawValue)
        case .joinNamespace(let ns): rules.joinNamespaces = true; return .loosened("containers.join-namespaces", ns.rawValue)
        case .capabilityAdd(let cap):
            guard cap != "ALL" else { return nil }
            rules.capabilities.insert(cap); return .loosened("containers.capabilities", cap)
        case .device: rules.devices = true; return .loosened("containers.devices", ask.value)
        case .seccompUnconfined: rules.seccompUnconfined = true; return .loosened("security-options.seccomp-unconfined", ask.value)
        case .seccompCustomProfile: rules.seccompProfiles = true; return .loosened("security-options.seccomp-profiles", ask.field)
        case .apparmorUnconfined: rules.apparmorUnconfined = true; return .loosened("security-options.apparmor-unconfined", ask.value)
        case .apparmorProfile(let p): rules.apparmorProfiles.insert(p); return .loosened("security-options.apparmor-profiles", p)
        case .selinuxLabel: rules.selinuxLabels = true; return .loosened("security-options.selinux-labels", ask.value)
        case .systemPathsUnconfined: rules.systemPathsUnconfined = true; return .loosened("security-options.system-paths-unconfined", ask.field)
        case .noNewPrivileges: rules.requireNoNewPrivileges = false; return .loosened("containers.no-new-privileges", "without no-new-privileges")
        case .sysctl(let name):
            if let why = LearnedValue.refusal(name, into: "containers.sysctls") { return .refused(why) }
            rules.sysctls.append(name); return .loosened("containers.sysctls", name)
        case .runtime(let name): rules.runtimes.insert(name); return .loosened("containers.runtimes", name)
        case .registry(let host):
            let entry = host.asciiLowercased
            guard !rules.registries.contains(entry) else { return nil }
            if let why = LearnedValue.refusal(entry, into: "registries.allow") { return .refused(why) }
            rules.registries.append(entry); return .loosened("registries.allow", entry)
        case .logDriver(let name):
            if let why = LearnedValue.refusal(name, into: "containers.log-drivers") { return .refused(why) }
            rules.logDrivers.insert(name); return .loosened("containers.log-drivers", name)
        case .logOption(let key):
            if let why = LearnedValue.refusal(key, into: "containers.log-options") { return .refused(why) }
            rules.logOptions.insert(key); return .loosened("containers.log-options", key)
        case .cgroupParent(let path): rules.cgroupParent = true; return .loosened("containers.cgroup-parent", path)
        case .oomProtection: rules.oomProtection = true; return .loosened("containers.oom-protection", ask.value)
        case .ulimit(let name): rules.ulimits.insert(name); return .loosened("containers.ulimits", name)
        case .annotation(let key): rules.annotations = true; return .loosened("containers.annotations", key)
        case .image(let reference):
            guard let normal = ImageReference.normalise(reference), !rules.images.contains(normal) else { return nil }
            rules.images.append(normal); return .loosened("containers.images", normal)
        case .imageName(let reference):
            guard let normal = ImageReference.normalise(reference), !rules.imageNames.contains(normal) else { return nil }
            rules.imageNames.append(normal); return .loosened("containers.image-names", normal)
        case .imageLoad:
            guard !rules.imageNames.contains("*") else { return nil }
            rules.imageNames = ["*"]; return .loosened("containers.image-names", "* (image load: the names are inside the archive)")
        case .swarmAddress(let host):
            guard !host.isEmpty, !rules.swarmAddresses.contains(host) else { return nil }
            if let why = LearnedValue.refusal(host, into: "swarm.addresses") { return .refused(why) }
            rules.swarmAddresses.append(host); return .loosened("swarm.addresses", host)
        case .swarmRemote(let remote):
            guard !rules.swarmRemotes.contains(remote) else { return nil }
            rules.swarmRemotes.append(remote); return .loosened("swarm.join", remote)
        case .user: rules.nonRootUser = false; return .loosened("containers.non-root", "root user")
        case .hostPath(let path, let readOnly, let shared):
            guard path.hasPrefix("/") else { return nil }
            let resolved = environment.resolve(hostPath: path)
            if resolved.exposesDaemon { return nil }
            if !r.hostPaths.contains(where: { HostPathMatch.isPrefix($0, of: path) }) {
                if let why = LearnedValue.refusal(path, into: "host-paths.allow") { return .refused(why) }
                rules.hostPaths.append(path); return .loosened("host-paths.allow", path)
            }
            if let real = resolved.realPath, !r.hostPaths.contains(where: { HostPathMatch.isPrefix($0, of: real) }) {
                if let why = LearnedValue.refusal(real, into: "host-paths.allow") { return .refused(why) }
                rules.hostPaths.append(real); return .loosened("host-paths.allow", "\(real) (where \(path) leads)")
            }
            if r.hostPathsReadOnly && !readOnly { rules.hostPathsReadOnly = false; return .loosened("host-paths.read-only", "\(path) writable") }
            if shared && !r.sharedPropagation { rules.sharedPropagation = true; return .loosened("host-paths.shared-propagation", path) }
            return nil
        case .volumeDriver(let d): rules.volumeDrivers.insert(d); return .loosened("volumes.drivers", d)
        case .volumeDriverOptions: rules.volumeDriverOptions = true; return .loosened("volumes.driver-options", ask.value)
        case .namedNetwork(let name):
            guard case .found(let driver) = environment.network(name), !driver.isOneOf(["bridge", "null", "host"]),
                  !r.networkDrivers.contains(driver) else { return nil }
            rules.networkDrivers.insert(driver); return .loosened("networks.drivers", "\(driver) (existing network \(name))")
        case .namedVolume(let name):
            guard case .found(let driver, let options) = environment.volume(name) else { return nil }
            if !driver.isEmpty && driver != "local" && !r.volumeDrivers.contains(driver) {
                rules.volumeDrivers.insert(driver); return .loosened("volumes.drivers", "\(driver) (existing volume \(name))")
            }
            if !options.isEmpty && !r.volumeDriverOptions {
                rules.volumeDriverOptions = true; return .loosened("volumes.driver-options", "existing volume \(name)")
            }
            return nil
        case .volumesFrom(let c): rules.volumesFrom = true; return .loosened("volumes.volumes-from", c)
        case .hostPort(let address, let port):
            if !r.publishPorts { rules.publishPorts = true; return .loosened("host-ports.allow", "\(address.isEmpty ? "0.0.0.0" : address):\(port)") }
            let all = address.isEmpty || address == "0.0.0.0" || address == "::"
            let allowedAddress = r.portAddresses.contains(address) || (all && r.portAddresses.contains("0.0.0.0"))
            if !allowedAddress {
                let added = all ? "0.0.0.0" : address
                rules.portAddresses.append(added); return .loosened("host-ports.addresses", added)
            }
            let numbers = port.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard !port.isEmpty, numbers.count <= 2, numbers.allSatisfy({ $0 != nil && $0! >= 1 && $0! <= 65535 }) else { return nil }
            let ports = numbers.map { $0! }
            let low = min(r.portRange.lowerBound, ports.min()!)
            let high = max(r.portRange.upperBound, ports.max()!)
            guard low...high != r.portRange else { return nil }
            rules.portRange = low...high; return .loosened("host-ports.ports", port)
        case .publishAllPorts: rules.publishAll = true; return .loosened("host-ports.publish-all", "publish all")
        case .memory(let bytes):
            if r.requireMemory && bytes <= 0 { rules.requireMemory = false; return .loosened("resources.require", "no memory limit") }
            if r.maxMemory != nil {
                if bytes <= 0 { rules.maxMemory = nil; return .loosened("resources.max-memory", "unlimited memory") }
                rules.maxMemory = bytes; return .loosened("resources.max-memory", "\(bytes) bytes")
            }
            return nil
        case .nanoCPUs(let nano):
            if r.requireCPUs && nano <= 0 { rules.requireCPUs = false; return .loosened("resources.require", "no CPU limit") }
            if r.maxNanoCPUs != nil {
                if nano <= 0 { rules.maxNanoCPUs = nil; return .loosened("resources.max-cpus", "unlimited CPUs") }
                // Whole CPUs, rounded up; the largest whole number of CPUs
                // that fits when that overflows (NanoCpus comes from clients).
                let (rounded, overflow) = PolicyDraft.wholeCPUs(nano).multipliedReportingOverflow(by: 1_000_000_000)
                rules.maxNanoCPUs = overflow ? Int64.max / 1_000_000_000 * 1_000_000_000 : rounded
                return .loosened("resources.max-cpus", "\(Double(nano) / 1e9) CPUs")
            }
            return nil
        case .pidsLimit(let pids):
            let limited = (pids ?? 0) > 0
            if r.requirePids && !limited { rules.requirePids = false; return .loosened("resources.require", "no pids limit") }
            if r.maxPids != nil {
                if !limited { rules.maxPids = nil; return .loosened("resources.max-pids", "unlimited pids") }
                rules.maxPids = pids; return .loosened("resources.max-pids", "\(pids!) pids")
            }
            return nil
        case .remoteContext: rules.remoteContexts = true; return .loosened("builds.remote-contexts", ask.value)
        case .buildKit: rules.buildKit = true; return .loosened("builds.buildkit", "BuildKit build")
        case .networkDriver(let d): rules.networkDrivers.insert(d); return .loosened("networks.drivers", d)
        case .networkDriverOptions: rules.networkDriverOptions = true; return .loosened("networks.driver-options", ask.value)
        case .networkSubnet: rules.networkSubnets = true; return .loosened("networks.subnets", ask.value)
        case .unrecognisedMode, .unrecognisedSecurityOption, .unrecognisedMount, .unjudged:
            return nil
        }
    }

    // MARK: Output

    func draft(source: String, entries: [AuditEntry], skippedLines: Int) -> PolicyDraft {
        var draft = base.map(PolicyDraft.init) ?? PolicyDraft()
        draft.bodyRules = rules
        if base == nil { draft.description = "Learned from \(source) by sockwarden suggest" }
        let times = learnedEntries.compactMap(\.time).sorted()
        var header = [
            "Suggested by `sockwarden suggest` from \(source)\(base.map { ", starting from \($0.name)" } ?? "").",
            "It allows the \(learnable) recorded request(s) that were allowed or would-deny\(times.isEmpty ? "" : " (\(times.first!) to \(times.last!))"),",
            "and nothing broader: only the routes seen, and body settings loosened only as far",
            "as the recorded facts needed. Review it, roll it out with mode = \"warn\", then enforce.",
        ]
        if base == nil {
            header.append("Every body setting not written below is at its secure default (policies/README.md).")
        } else {
            header.append("Rules and settings come from \(base!.name) (its comments are not carried over).")
        }
        if !enforcedDenials.isEmpty {
            header.append("")
            header.append("Not learned: requests denied in enforce mode (the client never got them):")
            for (name, o) in enforcedDenials.sorted(by: { $0.key < $1.key }) { header.append("  \(name): \(o.summary)") }
        }
        if notRoutes > 0 || !unknownRouteNames.isEmpty || skippedLines > 0 {
            header.append("")
            var parts: [String] = []
            if notRoutes > 0 { parts.append("\(notRoutes) request(s) on no Engine API route (always denied)") }
            if !unknownRouteNames.isEmpty { parts.append("routes this sockwarden does not know: \(unknownRouteNames.sorted().joined(separator: ", "))") }
            if skippedLines > 0 { parts.append("\(skippedLines) unreadable line(s)") }
            header.append("Also not learned: " + parts.joined(separator: "; ") + ".")
        }
        if !withoutFacts.isEmpty {
            header.append("")
            header.append("Route-only learning for these requests: their records carry no facts (the recording")
            header.append("policy trusted bodies, or the log predates facts), so body settings were not learned")
            header.append("for them and stay as written below. Record with a policy that judges bodies (in")
            header.append("audit mode) to learn them:")
            for (name, o) in withoutFacts.sorted(by: { $0.key < $1.key }) { header.append("  \(name): \(o.summary)") }
        }
        if !undecodable.isEmpty {
            header.append("")
            header.append("Bodies sockwarden could not decode as the daemon would (still denied):")
            for (name, o) in undecodable.sorted(by: { $0.key < $1.key }) { header.append("  \(name): \(o.summary)") }
        }
        if !unlearnable.isEmpty {
            header.append("")
            header.append("Asked for, but no policy setting allows it (still denied):")
            for (what, o) in unlearnable.sorted(by: { $0.key < $1.key }) { header.append("  \(what): \(o.summary)") }
        }
        if original.trustBodies {
            header.append("")
            header.append("The base trusts bodies (trust-bodies = true): body settings are not judged, so none were learned.")
        }
        draft.header = header

        // Learned route rules, one per group, before the base's rules.
        var byGroup: [RouteGroup: [String]] = [:]
        for name in routes.keys {
            guard let route = Catalogue.route(named: name) else { continue }
            byGroup[route.group, default: []].append(name)
        }
        var taken = Set(draft.rules.map(\.id))
        var learnedRules: [PolicyDraft.DraftRule] = []
        for group in RouteGroup.allCases {
            guard let names = byGroup[group] else { continue }
            var id = "learned-\(group.rawValue)"
            var n = 2
            while taken.contains(id) { id = "learned-\(group.rawValue)-\(n)"; n += 1 }
            taken.insert(id)
            var methods = Set<String>()
            var comments: [String: String] = [:]
            for name in names {
                let (occurrences, seen) = routes[name]!
                let route = Catalogue.route(named: name)!
                methods.insert(route.method)
                methods.formUnion(seen.filter { PolicyLoader.methods.contains($0) })
                comments[name] = "\(route.method) \(route.template): \(occurrences.summary)"
            }
            // A GET-only rule must not hold a GET that writes (the loader refuses it): the routes are listed anyway.
            let writes = methods.isSubset(of: ["GET", "HEAD"]) && names.contains { PolicyLoader.writingReadRoutes.contains($0) }
            var rule = PolicyDraft.DraftRule(id: id, action: .allow, description: nil, routes: .only(Set(names)), groups: nil,
                                             methods: writes ? nil : methods)
            rule.routeComments = comments
            if let base {
                let overridden = Set(names.compactMap { name -> String? in
                    let route = Catalogue.route(named: name)!
                    let decision = base.evaluateRoute(PolicyInput(method: route.method, route: route))
                    return decision.rule == Decision.defaultDeny ? nil : decision.rule
                })
                if !overridden.isEmpty {
                    rule.comments.append("Placed first: overrides \(overridden.sorted().map { "\"\($0)\"" }.joined(separator: ", ")) of \(base.name) for these routes only.")
                }
            }
            learnedRules.append(rule)
        }
        if let first = learnedRules.indices.first {
            learnedRules[first].comments.insert("Learned routes: exactly the routes of the recorded requests.", at: 0)
        }
        draft.rules = learnedRules + draft.rules

        for (setting, items) in settings {
            draft.settingNotes[setting] = items.map { "learned: \($0.item): \($0.occurrences.summary)" }
        }
        let shared = Set(rules.images).intersection(rules.imageNames).subtracting(["*"])
        if !shared.isEmpty {
            draft.settingNotes["containers.image-names", default: []].append(
                "CAUTION: also in images (\(shared.sorted().joined(separator: ", "))): a job may give any image that name, then run it. Keep trusted names out of image-names if you can.")
        }
        for key in ["containers.images", "containers.image-names"] where settings[key] != nil && base == nil {
            draft.settingNotes[key, default: []].insert(
                "Narrowed from \"*\" to exactly the names recorded. Widen with a prefix pattern that starts with its registry, e.g. \"docker.io/library/busybox:*\" or \"registry.example.com/team/*\".", at: 0)
        }
        return draft
    }

    /// Exec, attach and copy requests recorded as denied for the container
    /// they act in by a record that does not carry that container's
    /// settings (written before records named the container), so whether
    /// the suggestion allows them cannot be checked (it does when it allows
    /// what the container has, e.g. a capability its create, also in the
    /// log, was learned for). Records that name it carry its facts, and are
    /// learned from and replayed as a create's.
    func judgedByTheirContainer() -> [String] {
        learnedEntries.compactMap { entry in
            guard let name = entry.route, TargetContainer.routes[name] != nil, entry.targetContainer == nil, entry.wouldDeny,
                  let reason = entry.reason, reason.contains(TargetContainer.deniedForContainer) else { return nil }
            return "line \(entry.line): \(entry.method) \(entry.target ?? name) (\(name)): \(reason)"
        }
    }

    func replay(_ policy: Policy) -> [String] {
        var out: [String] = []
        for entry in learnedEntries {
            guard let name = entry.route, let route = Catalogue.route(named: name) else { continue }
            let what = "line \(entry.line): \(entry.method) \(entry.target ?? name) (\(name))"
            let input = PolicyInput(method: entry.method, route: route, apiVersion: entry.apiVersion)
            let decision = policy.evaluateRoute(input)
            guard decision.allowed else { out.append("\(what): \(decision.reason)"); continue }
            guard !policy.bodyRules.trustBodies else { continue }
            if policy.belowMinVersion(input) { out.append("\(what): API version \(entry.apiVersion ?? "") is older than min-version"); continue }
            if RequestInterpreter.unjudgeable.contains(name) { out.append("\(what): sockwarden cannot judge this route's body"); continue }
            if entry.wouldDeny && entry.rule == "body" && entry.facts == nil {
                out.append("\(what): the body could not be decoded: \(entry.reason ?? "")")
                continue
            }
            if TargetContainer.routes[name] != nil, entry.targetContainer == nil, entry.wouldDeny, let reason = entry.reason,
               reason.contains(TargetContainer.deniedForContainer) {
                // Judged by the container it acts in, whose settings this (older) record does not carry: not checked here.
                continue
            }
            if let facts = entry.facts, let violation = policy.bodyRules.judge(facts, environment: environment) {
                out.append("\(what): \(violation.reason)")
            }
        }
        return out
    }
}

extension Rule {
    /// Says the same as `other`, wherever each was written.
    func sameMeaning(_ other: Rule) -> Bool {
        id == other.id && action == other.action && description == other.description && routes == other.routes
            && groups == other.groups && methods == other.methods
    }
}
