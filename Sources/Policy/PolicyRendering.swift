import EngineAPI

/// A policy as text: what `sockwarden suggest` prints. Built from a policy
/// model (rules and body rules) plus comments; the text always loads back
/// into the same model (`Policy.parse`), which the unit tests check.
///
/// Body settings at their default value are left out (the file says so in
/// a comment), so the output shows exactly where it departs from the secure
/// defaults.
struct PolicyDraft {
    struct DraftRule {
        var id: String
        var action: Rule.Action
        var description: String?
        var routes: Selection<String>?
        var groups: Selection<RouteGroup>?
        var methods: Set<String>?
        /// Comment lines above the rule.
        var comments: [String] = []
        /// A trailing comment per listed route.
        var routeComments: [String: String] = [:]
    }

    var header: [String] = []
    var description: String?
    var mode: PolicyMode = .enforce
    var rules: [DraftRule] = []
    var bodyRules = BodyRules()
    /// Comment lines above a body setting, keyed "section.key" (e.g.
    /// "containers.capabilities", "policy.trust-bodies").
    var settingNotes: [String: [String]] = [:]

    init() {}

    /// The draft of an existing policy (rules in order, body rules as loaded).
    init(_ policy: Policy) {
        description = policy.description
        mode = policy.mode
        bodyRules = policy.bodyRules
        rules = policy.rules.map {
            DraftRule(id: $0.id, action: $0.action, description: $0.description, routes: $0.routes, groups: $0.groups, methods: $0.methods)
        }
    }

    func render() -> String {
        var out: [String] = header.map { $0.isEmpty ? "#" : "# " + Self.comment($0) }
        if !out.isEmpty { out.append("") }
        out.append("[policy]")
        if let description { out.append("description = \(Self.string(description))") }
        out.append("mode = \(Self.string(mode.rawValue))")
        if bodyRules.trustBodies {
            out += (settingNotes["policy.trust-bodies"] ?? []).map { "# " + Self.comment($0) }
            out.append("trust-bodies = true")
        }
        for rule in rules {
            out.append("")
            out += rule.comments.map { "# " + Self.comment($0) }
            out.append("[[rules]]")
            out.append("id = \(Self.string(rule.id))")
            out.append("action = \(Self.string(rule.action.rawValue))")
            if let description = rule.description { out.append("description = \(Self.string(description))") }
            if let methods = rule.methods {
                let ordered = PolicyLoader.methods.filter { methods.contains($0) }
                out.append("methods = [\(ordered.map(Self.string).joined(separator: ", "))]")
            }
            if let groups = rule.groups {
                switch groups {
                case .any: out.append("groups = [\"*\"]")
                case .only(let set):
                    let ordered = RouteGroup.allCases.filter { set.contains($0) }.map(\.rawValue)
                    out.append("groups = [\(ordered.map(Self.string).joined(separator: ", "))]")
                }
            }
            if let routes = rule.routes {
                switch routes {
                case .any: out.append("routes = [\"*\"]")
                case .only(let set):
                    let ordered = Catalogue.routes.map(\.name).filter { set.contains($0) }
                    if rule.routeComments.isEmpty && ordered.count <= 3 {
                        out.append("routes = [\(ordered.map(Self.string).joined(separator: ", "))]")
                    } else {
                        out.append("routes = [")
                        let width = (ordered.map { Self.string($0).count }.max() ?? 0) + 1
                        for name in ordered {
                            let item = Self.string(name) + ","
                            if let comment = rule.routeComments[name] {
                                out.append("    " + item + String(repeating: " ", count: max(1, width - item.count + 2)) + "# " + Self.comment(comment))
                            } else {
                                out.append("    " + item)
                            }
                        }
                        out.append("]")
                    }
                }
            }
        }
        let defaults = Self.settings(BodyRules())
        var section = ""
        for setting in Self.settings(bodyRules) {
            let notes = settingNotes["\(setting.section).\(setting.key)"] ?? []
            let isDefault = defaults.contains { $0.section == setting.section && $0.key == setting.key && $0.value == setting.value }
            guard !isDefault || !notes.isEmpty else { continue }
            if setting.section != section {
                section = setting.section
                out.append("")
                out.append("[\(section)]")
            }
            out += notes.map { "# " + Self.comment($0) }
            out.append("\(setting.key) = \(setting.value)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Every body setting a policy file can write, with its TOML value.
    /// `PolicyRenderingTests` checks this covers every key the loader knows.
    static func settings(_ r: BodyRules) -> [(section: String, key: String, value: String)] {
        func bool(_ b: Bool) -> String { b ? "true" : "false" }
        func list(_ items: [String]) -> String { "[\(items.map(string).joined(separator: ", "))]" }
        func sorted(_ items: Set<String>) -> String { list(items.sorted()) }
        var out: [(String, String, String)] = []
        func add(_ section: String, _ key: String, _ value: String) { out.append((section, key, value)) }
        add("api", "min-version", string(r.minAPIVersion.description))
        add("containers", "privileged", bool(r.privileged))
        add("containers", "host-namespaces", list(Namespace.allCases.filter { r.hostNamespaces.contains($0) }.map(\.rawValue)))
        add("containers", "join-namespaces", bool(r.joinNamespaces))
        add("containers", "capabilities", sorted(r.capabilities))
        add("containers", "devices", bool(r.devices))
        add("containers", "sysctls", list(r.sysctls))
        add("containers", "runtimes", sorted(r.runtimes))
        add("containers", "log-drivers", sorted(r.logDrivers))
        add("containers", "log-options", sorted(r.logOptions))
        add("containers", "cgroup-parent", bool(r.cgroupParent))
        add("containers", "oom-protection", bool(r.oomProtection))
        add("containers", "ulimits", sorted(r.ulimits))
        add("containers", "annotations", bool(r.annotations))
        add("containers", "images", list(r.images))
        add("containers", "image-names", list(r.imageNames))
        add("containers", "non-root", bool(r.nonRootUser))
        add("containers", "no-new-privileges", bool(r.requireNoNewPrivileges))
        add("registries", "allow", list(r.registries))
        add("security-options", "seccomp-unconfined", bool(r.seccompUnconfined))
        add("security-options", "seccomp-profiles", bool(r.seccompProfiles))
        add("security-options", "apparmor-unconfined", bool(r.apparmorUnconfined))
        add("security-options", "apparmor-profiles", sorted(r.apparmorProfiles))
        add("security-options", "selinux-labels", bool(r.selinuxLabels))
        add("security-options", "system-paths-unconfined", bool(r.systemPathsUnconfined))
        add("host-paths", "allow", list(r.hostPaths))
        add("host-paths", "read-only", bool(r.hostPathsReadOnly))
        add("host-paths", "shared-propagation", bool(r.sharedPropagation))
        add("volumes", "drivers", sorted(r.volumeDrivers))
        add("volumes", "driver-options", bool(r.volumeDriverOptions))
        add("volumes", "volumes-from", bool(r.volumesFrom))
        add("networks", "drivers", sorted(r.networkDrivers))
        add("networks", "driver-options", bool(r.networkDriverOptions))
        add("networks", "subnets", bool(r.networkSubnets))
        add("host-ports", "allow", bool(r.publishPorts))
        add("host-ports", "addresses", list(r.portAddresses))
        add("host-ports", "ports", string("\(r.portRange.lowerBound)-\(r.portRange.upperBound)"))
        add("host-ports", "publish-all", bool(r.publishAll))
        add("builds", "remote-contexts", bool(r.remoteContexts))
        add("builds", "buildkit", bool(r.buildKit))
        add("swarm", "addresses", list(r.swarmAddresses))
        add("swarm", "join", list(r.swarmRemotes))
        if let max = r.jobMaxContainers { add("jobs", "max-containers", String(max)) }
        if let max = r.jobMaxMemory { add("jobs", "max-memory", String(max)) }
        if let max = r.jobMaxNanoCPUs { add("jobs", "max-cpus", String(wholeCPUs(max))) }
        add("jobs", "reap-images", bool(r.jobReapImages))
        if let max = r.maxMemory { add("resources", "max-memory", String(max)) }
        if let max = r.maxNanoCPUs { add("resources", "max-cpus", String(wholeCPUs(max))) }
        if let max = r.maxPids { add("resources", "max-pids", String(max)) }
        var required: [String] = []
        if r.requireMemory { required.append("memory") }
        if r.requireCPUs { required.append("cpus") }
        if r.requirePids { required.append("pids") }
        add("resources", "require", list(required))
        return out.map { (section: $0.0, key: $0.1, value: $0.2) }
    }

    /// Nano-CPUs as whole CPUs, rounded up, without overflowing near Int64.max
    /// (`(n + 999_999_999) / 1e9` trapped on `max-cpus = 9223372036`; found
    /// by fuzz/ FuzzTOML's render round trip).
    static func wholeCPUs(_ nano: Int64) -> Int64 {
        nano / 1_000_000_000 + (nano % 1_000_000_000 > 0 ? 1 : 0)
    }

    /// A TOML basic string. Control characters, and the characters that
    /// make text look other than it reads (line and paragraph separators,
    /// NEL, bidirectional controls), are escaped: the value is the same, and
    /// a reviewer sees every character of it.
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if misleads(scalar) {
                    out += escaped(scalar)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Comment text, on one line whatever it holds: `suggest` writes values
    /// from the audit log (a log driver, a host path, a reason quoting a
    /// body) into comments, and a line break in one would end the comment
    /// and make the rest policy (`"x\nprivileged = true\n#"` as a
    /// `--log-driver`). Line breaks, other control characters and the
    /// characters `string` escapes are written as escapes, `\\` as `\\\\`.
    static func comment(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if misleads(scalar) { out += escaped(scalar) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// Control characters (not allowed raw in TOML strings and comments) and
    /// characters that change how a line displays: U+0085 NEL, U+2028/U+2029,
    /// and the format characters (Unicode category Cf): bidirectional
    /// embeddings, overrides, isolates and marks, and invisible ones (U+200B,
    /// U+FEFF, U+2060–U+2064, tag characters U+E0000–U+E007F…).
    static func misleads(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 { return true }
        return v > 0x7F && (scalar.properties.generalCategory == .format || scalar.properties.isDefaultIgnorableCodePoint)
    }

    /// `\uXXXX`, or above U+FFFF `\UXXXXXXXX` (TOML has no surrogates).
    static func escaped(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let width = scalar.value > 0xFFFF ? 8 : 4
        return (width == 8 ? "\\U" : "\\u") + String(repeating: "0", count: max(0, width - hex.count)) + hex
    }
}
