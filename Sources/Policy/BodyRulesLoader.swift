import EngineAPI

/// The body-level sections of a policy file: `[api]`, `[containers]`,
/// `[security-options]`, `[host-paths]`, `[volumes]`, `[host-ports]`,
/// `[resources]` (and `trust-bodies` in `[policy]`).
extension PolicyLoader {
    static let bodySections = ["api", "containers", "registries", "security-options", "host-paths", "volumes", "networks", "host-ports", "builds", "swarm", "jobs", "resources"]

    func loadBodySection(_ entry: TOMLEntry, into rules: inout BodyRules) throws(PolicyError) {
        guard case .table(let table) = entry.node.value else {
            throw fail(entry.node.position, "[\(entry.key)] must be a table, found \(entry.node.value.kindDescription)")
        }
        let section = entry.key
        for item in table.entries {
            let key = item.key
            switch (section, key) {
            case ("api", "min-version"):
                let text = try string(item, in: section)
                guard APIVersion.isPlainMajorMinor(text) else {
                    throw fail(item.node.position, "min-version must look like \"1.24\" (two numbers of ASCII digits and one dot), found \"\(text)\"")
                }
                rules.minAPIVersion = APIVersion(parsing: text)
            case ("containers", "privileged"): rules.privileged = try bool(item)
            case ("containers", "host-namespaces"):
                rules.hostNamespaces = Set(try names(item, allowed: Namespace.allCases.map(\.rawValue)).compactMap(Namespace.init(rawValue:)))
            case ("containers", "join-namespaces"): rules.joinNamespaces = try bool(item)
            case ("containers", "capabilities"):
                rules.capabilities = Set(try strings(item).map { Capability.normalise($0) })
                if rules.capabilities.contains("ALL") {
                    throw fail(item.node.position, "capabilities = [\"ALL\"] is privileged in all but name; list the capabilities you need")
                }
            case ("containers", "devices"): rules.devices = try bool(item)
            case ("containers", "sysctls"): rules.sysctls = try strings(item)
            case ("containers", "runtimes"): rules.runtimes = Set(try strings(item))
            case ("containers", "log-drivers"): rules.logDrivers = Set(try strings(item))
            case ("containers", "log-options"): rules.logOptions = Set(try strings(item))
            case ("containers", "cgroup-parent"): rules.cgroupParent = try bool(item)
            case ("containers", "oom-protection"): rules.oomProtection = try bool(item)
            case ("containers", "ulimits"): rules.ulimits = Set(try strings(item))
            case ("containers", "annotations"): rules.annotations = try bool(item)
            case ("containers", "images"): rules.images = try imagePatterns(item)
            case ("containers", "image-names"): rules.imageNames = try imagePatterns(item)
            case ("containers", "non-root"): rules.nonRootUser = try bool(item)
            case ("containers", "no-new-privileges"): rules.requireNoNewPrivileges = try bool(item)
            case ("registries", "allow"):
                var entries: [String] = []
                for entry in try strings(item) {
                    if let problem = Self.registryProblem(entry) { throw fail(item.node.position, problem) }
                    entries.append(entry.asciiLowercased)
                }
                rules.registries = entries
            case ("security-options", "seccomp-unconfined"): rules.seccompUnconfined = try bool(item)
            case ("security-options", "seccomp-profiles"): rules.seccompProfiles = try bool(item)
            case ("security-options", "apparmor-unconfined"): rules.apparmorUnconfined = try bool(item)
            case ("security-options", "apparmor-profiles"): rules.apparmorProfiles = Set(try strings(item))
            case ("security-options", "selinux-labels"): rules.selinuxLabels = try bool(item)
            case ("security-options", "system-paths-unconfined"): rules.systemPathsUnconfined = try bool(item)
            case ("host-paths", "allow"):
                let paths = try strings(item)
                for path in paths {
                    if let problem = Self.hostPathProblem(path) { throw fail(item.node.position, problem) }
                }
                rules.hostPaths = paths
            case ("host-paths", "read-only"): rules.hostPathsReadOnly = try bool(item)
            case ("host-paths", "shared-propagation"): rules.sharedPropagation = try bool(item)
            case ("volumes", "drivers"): rules.volumeDrivers = Set(try strings(item))
            case ("volumes", "driver-options"): rules.volumeDriverOptions = try bool(item)
            case ("volumes", "volumes-from"): rules.volumesFrom = try bool(item)
            case ("networks", "drivers"): rules.networkDrivers = Set(try strings(item))
            case ("networks", "driver-options"): rules.networkDriverOptions = try bool(item)
            case ("networks", "subnets"): rules.networkSubnets = try bool(item)
            case ("host-ports", "allow"): rules.publishPorts = try bool(item)
            case ("host-ports", "addresses"): rules.portAddresses = try strings(item)
            case ("host-ports", "publish-all"): rules.publishAll = try bool(item)
            case ("host-ports", "ports"):
                let text = try string(item, in: section)
                guard let range = HostPort.policyRange(text) else {
                    throw fail(item.node.position, "ports must be a range like \"1024-65535\" (two port numbers of ASCII digits, the first not above the second), found \"\(text)\"")
                }
                rules.portRange = range
            case ("builds", "remote-contexts"): rules.remoteContexts = try bool(item)
            case ("builds", "buildkit"): rules.buildKit = try bool(item)
            case ("jobs", "max-containers"):
                guard let n = item.node.integer, n > 0 else { throw fail(item.node.position, "max-containers must be a positive integer") }
                rules.jobMaxContainers = Int(n)
            case ("jobs", "max-memory"):
                guard let bytes = ByteSize.parse(item.node) else {
                    throw fail(item.node.position, "max-memory must be bytes or a size like \"8g\", \"512m\"")
                }
                rules.jobMaxMemory = bytes
            case ("jobs", "max-cpus"):
                rules.jobMaxNanoCPUs = try nanoCPUs(item)
            case ("jobs", "reap-images"): rules.jobReapImages = try bool(item)
            case ("swarm", "addresses"): rules.swarmAddresses = try strings(item)
            case ("swarm", "join"): rules.swarmRemotes = try strings(item)
            case ("resources", "max-memory"):
                guard let bytes = ByteSize.parse(item.node) else {
                    throw fail(item.node.position, "max-memory must be bytes or a size like \"2g\", \"512m\"")
                }
                rules.maxMemory = bytes
            case ("resources", "max-cpus"):
                rules.maxNanoCPUs = try nanoCPUs(item)
            case ("resources", "max-pids"):
                guard let n = item.node.integer, n > 0 else { throw fail(item.node.position, "max-pids must be a positive integer") }
                rules.maxPids = n
            case ("resources", "require"):
                for name in try names(item, allowed: ["memory", "cpus", "pids"]) {
                    switch name {
                    case "memory": rules.requireMemory = true
                    case "cpus": rules.requireCPUs = true
                    default: rules.requirePids = true
                    }
                }
            default:
                throw unknownKey(item, in: "[\(section)]", allowed: Self.sectionKeys[section] ?? [])
            }
        }
    }

    static let sectionKeys: [String: [String]] = [
        "api": ["min-version"],
        "containers": ["privileged", "host-namespaces", "join-namespaces", "capabilities", "devices", "sysctls",
                       "runtimes", "log-drivers", "log-options", "cgroup-parent", "oom-protection", "ulimits", "annotations", "images", "image-names", "non-root", "no-new-privileges"],
        "registries": ["allow"],
        "security-options": ["seccomp-unconfined", "seccomp-profiles", "apparmor-unconfined", "apparmor-profiles",
                             "selinux-labels", "system-paths-unconfined"],
        "host-paths": ["allow", "read-only", "shared-propagation"],
        "volumes": ["drivers", "driver-options", "volumes-from"],
        "networks": ["drivers", "driver-options", "subnets"],
        "host-ports": ["allow", "addresses", "ports", "publish-all"],
        "builds": ["remote-contexts", "buildkit"],
        "swarm": ["addresses", "join"],
        "jobs": ["max-containers", "max-memory", "max-cpus", "reap-images"],
        "resources": ["max-memory", "max-cpus", "max-pids", "require"],
    ]

    /// Why `entry` cannot be in allow of [registries]; nil when it can.
    static func registryProblem(_ entry: String) -> String? {
        let lowered = entry.asciiLowercased
        let host = lowered.bytesHavePrefix("*.") ? String(lowered.utf8.dropFirst(2))! : lowered
        guard lowered.bytesEqual("*") || (!host.utf8.isEmpty && ImageReference.isRegistryHost(Array(host.utf8))) else {
            return "registry \"\(entry)\" must be *, *.domain or host[:port] (e.g. \"registry.example.com\", \"localhost:5000\")"
        }
        return nil
    }

    /// Why `path` cannot be in allow of [host-paths]; nil when it can.
    static func hostPathProblem(_ path: String) -> String? {
        if !path.hasPrefix("/") || path.contains("/../") || path.hasSuffix("/..") { return "host path \"\(path)\" must be absolute and clean" }
        // Matched byte by byte against clean, resolved paths: an entry spelt otherwise
        // ("/srv//ci", "/srv/./ci") would never allow anything, silently.
        let clean = "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        if path.utf8.contains(0) { return "host path \(PolicyDraft.string(path)) contains a NUL character, which no path can hold" }
        if path != clean && (path != clean + "/" || clean == "/") {
            return "host path \"\(path)\" would never match: paths are compared clean; write \"\(clean)\""
        }
        return nil
    }

    /// Image patterns, normalised (see `ImageReference.normalisePattern`).
    func imagePatterns(_ item: TOMLEntry) throws(PolicyError) -> [String] {
        var patterns: [String] = []
        for pattern in try strings(item) {
            guard let normal = ImageReference.normalisePattern(pattern) else {
                throw fail(item.node.position, "\(item.key): \"\(pattern)\" is not an image reference or a pattern like \"registry.example.com/team/*\" or \"docker.io/library/busybox:*\" (a wildcard pattern starts with its registry)")
            }
            patterns.append(normal)
        }
        return patterns
    }

    /// `max-cpus`: a positive whole number of CPUs, as nano-CPUs. One that
    /// does not fit in Int64 nano-CPUs is refused (it used to trap; found
    /// while writing fuzz/ FuzzTOML).
    func nanoCPUs(_ entry: TOMLEntry) throws(PolicyError) -> Int64 {
        guard let n = entry.node.integer, n > 0 else { throw fail(entry.node.position, "max-cpus must be a positive integer") }
        let (nano, overflow) = n.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { throw fail(entry.node.position, "max-cpus is too large") }
        return nano
    }

    func bool(_ entry: TOMLEntry) throws(PolicyError) -> Bool {
        guard case .boolean(let b) = entry.node.value else {
            throw fail(entry.node.position, "\(entry.key): expected true or false, found \(entry.node.value.kindDescription)")
        }
        return b
    }

    /// An array of strings, possibly empty.
    func strings(_ entry: TOMLEntry) throws(PolicyError) -> [String] {
        guard case .array(let items) = entry.node.value else {
            throw fail(entry.node.position, "\(entry.key): expected an array of strings, found \(entry.node.value.kindDescription)")
        }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item.value else {
                throw fail(item.position, "\(entry.key): expected an array of strings, found \(item.value.kindDescription) in it")
            }
            out.append(s)
        }
        return out
    }

    func names(_ entry: TOMLEntry, allowed: [String]) throws(PolicyError) -> [String] {
        let values = try strings(entry)
        for value in values where !allowed.contains(value) {
            throw fail(entry.node.position, "\(entry.key): unknown value \"\(value)\"\(Suggest.didYouMean(value, in: allowed)); allowed: \(allowed.joined(separator: ", "))")
        }
        return values
    }
}

/// "512m", "2g", "1024k", or a plain integer of bytes, as `docker run --memory`.
enum ByteSize {
    static func parse(_ node: TOMLNode) -> Int64? {
        if let n = node.integer { return n > 0 ? n : nil }
        guard let text = node.string?.lowercased(), let unit = text.last else { return nil }
        let multipliers: [Character: Int64] = ["b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40]
        if let m = multipliers[unit], let n = Int64(text.dropLast()), n > 0 {
            let (bytes, overflow) = n.multipliedReportingOverflow(by: m)
            return overflow ? nil : bytes
        }
        if let n = Int64(text), n > 0 { return n }
        return nil
    }
}
