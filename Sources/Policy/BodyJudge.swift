import EngineAPI

/// Judges the facts of a request against the body rules. Pure; the first
/// refused ask decides.
public struct BodyViolation: Error, Sendable, Hashable {
    /// The policy section that refused, e.g. "host-paths".
    public let section: String
    public let ask: Ask
    /// What is wrong and what would be allowed, e.g.
    /// `mounts host path /etc; allowed: none`.
    public let message: String

    public var reason: String { "[\(section)]: \(ask.field) \"\(ask.value)\" \(message)" }
}

extension BodyRules {
    func judge(_ facts: RequestFacts, environment: HostEnvironment) -> BodyViolation? {
        for ask in facts.asks {
            if let violation = judge(ask, environment: environment) { return violation }
        }
        return nil
    }

    private func judge(_ ask: Ask, environment: HostEnvironment) -> BodyViolation? {
        func refuse(_ section: String, _ message: String) -> BodyViolation {
            BodyViolation(section: section, ask: ask, message: message)
        }
        func list(_ items: [String]) -> String { items.isEmpty ? "none" : items.sorted().joined(separator: ", ") }

        switch ask.kind {
        case .privileged:
            return privileged ? nil : refuse("containers", "asks for a privileged container; set privileged = true in [containers] to allow it")
        case .hostNamespace(let ns):
            return hostNamespaces.contains(ns) ? nil
                : refuse("containers", "shares the host's \(ns.rawValue) namespace; allowed host namespaces: \(list(hostNamespaces.map(\.rawValue))); add \"\(ns.rawValue)\" to host-namespaces in [containers] to allow it")
        case .joinNamespace(let ns):
            return joinNamespaces ? judgeJoinedNamespace(ns, ask: ask, environment: environment)
                : refuse("containers", "joins another \(ns.rawValue) namespace; set join-namespaces = true in [containers] to allow it")
        case .unrecognisedMode(let ns):
            return refuse("containers", "is not a \(ns.rawValue) mode sockwarden can judge; use the default")
        case .capabilityAdd(let cap):
            return cap.isOneOf(Array(capabilities)) ? nil
                : refuse("containers", "adds capability \(cap); allowed beyond the defaults: \(list(capabilities.map { String($0.dropFirst(4)) })); "
                         + (cap.bytesEqual("ALL") || cap.bytesEqual("CAP_ALL") ? "add only the capabilities it needs, one by one"
                            : "add \"\(cap.bytesHavePrefix("CAP_") ? String(cap.dropFirst(4)) : cap)\" to capabilities in [containers] to allow it"))
        case .device:
            return devices ? nil : refuse("containers", "uses a host device (one given to the container, or whose I/O it limits); set devices = true in [containers] to allow it")
        case .seccompUnconfined:
            return seccompUnconfined ? nil : refuse("security-options", "turns seccomp off; set seccomp-unconfined = true in [security-options] to allow it")
        case .seccompCustomProfile:
            return seccompProfiles ? nil : refuse("security-options", "sets a custom seccomp profile; set seccomp-profiles = true to allow it")
        case .apparmorUnconfined:
            return apparmorUnconfined ? nil : refuse("security-options", "turns AppArmor off; set apparmor-unconfined = true in [security-options] to allow it")
        case .apparmorProfile(let profile):
            return profile.isOneOf(Array(apparmorProfiles)) ? nil
                : refuse("security-options", "sets AppArmor profile \(profile); allowed: \(list(Array(apparmorProfiles))); add \"\(profile)\" to apparmor-profiles in [security-options] to allow it")
        case .selinuxLabel:
            return selinuxLabels ? nil : refuse("security-options", "changes the SELinux label; set selinux-labels = true to allow it")
        case .unrecognisedSecurityOption:
            return refuse("security-options", "is not a security option the daemon accepts")
        case .systemPathsUnconfined:
            return systemPathsUnconfined ? nil
                : refuse("security-options", "replaces the masked/read-only system paths (systempaths=unconfined); set system-paths-unconfined = true to allow it")
        case .noNewPrivileges(let on):
            return !requireNoNewPrivileges || on ? nil
                : refuse("containers", "does not set no-new-privileges; add --security-opt no-new-privileges")
        case .sysctl(let name):
            return sysctls.contains { $0.bytesEqual(name) || ($0.utf8.last == UInt8(ascii: "*") && name.bytesHavePrefix(String($0.dropLast()))) } ? nil
                : refuse("containers", "sets sysctl \(name); allowed: \(list(sysctls)); add \"\(name)\" to sysctls in [containers] to allow it")
        case .runtime(let name):
            return name.isOneOf(Array(runtimes)) ? nil : refuse("containers", "uses runtime \(name); allowed besides the default: \(list(Array(runtimes)))"
                                                                      + " (leave --runtime out for the daemon's default); add \"\(name)\" to runtimes in [containers] to allow it")
        case .logDriver(let name):
            return logDrivers.contains("*") || name.isOneOf(Array(logDrivers)) ? nil
                : refuse("containers", "uses log driver \(name); allowed: \(list(Array(logDrivers))) (or leave --log-driver out for the daemon's default). A driver that ships logs elsewhere would send the container's output from the host's network; add it to log-drivers in [containers] only if jobs may do that")
        case .logOption(let key):
            return logOptions.contains("*") || key.isOneOf(Array(logOptions)) ? nil
                : refuse("containers", "sets log option \(key); allowed: \(list(Array(logOptions))). An address option would make the daemon send the container's output there; add the key to log-options in [containers] only if jobs may choose it")
        case .oomProtection:
            return oomProtection ? nil
                : refuse("containers", "shields the container from the OOM killer, which would then kill the host's other processes first; leave --oom-score-adj at 0 or above and --oom-kill-disable out, or set oom-protection = true in [containers]")
        case .ulimit(let name):
            return name.isOneOf(Array(ulimits)) ? nil
                : refuse("containers", "sets resource limit \(name), which the daemon sets as root, past the host's own limits; allowed: \(list(Array(ulimits))); add it to ulimits in [containers] only if jobs may")
        case .cgroupParent:
            return cgroupParent ? nil : refuse("containers", "sets the cgroup parent; set cgroup-parent = true in [containers] to allow it")
        case .annotation:
            return annotations ? nil : refuse("containers", "sets an OCI annotation; set annotations = true in [containers] to allow it")
        case .image(let reference):
            return ImageReference.allowed(reference, by: images) ? nil
                : refuse("containers", "uses an image outside the allowed ones (\(ImagePattern.shown(reference))); allowed: \(list(images)); add a pattern for it to images in [containers] to allow it")
        case .imageName(let reference):
            return ImageReference.allowed(reference, by: imageNames) ? nil
                : refuse("containers", "names an image outside the names jobs may give (\(ImagePattern.shown(reference))); allowed image-names: \(list(imageNames)); use one of those names, or add a pattern for it to image-names in [containers]")
        case .imageLoad:
            return imageNames.contains { $0.bytesEqual("*") } ? nil
                : refuse("containers", "loads images whose names sockwarden cannot see, while image-names = \(list(imageNames)); pull or build them instead")
        case .swarmAddress(let host):
            if swarmAddresses.contains(where: { $0.bytesEqual("*") }) || host.isOneOf(swarmAddresses) { return nil }
            return refuse("swarm", host.isEmpty
                ? "lets the daemon choose the node's address; give an address from the allowed ones: \(list(swarmAddresses))"
                : "makes the node use host address \(host); allowed: \(list(swarmAddresses))")
        case .swarmRemote(let remote):
            return remote.isOneOf(swarmRemotes) ? nil
                : refuse("swarm", "joins the swarm managed at \(remote), whose managers could run any task on this host; allowed: \(list(swarmRemotes))")
        case .user(let user):
            return !nonRootUser || UserSpec.isNonRoot(user) ? nil
                : refuse("containers", "runs as root; run as a non-root user (--user 1000) or set non-root = false")
        case .hostPath(let path, let readOnly, let shared):
            return judgeHostPath(path, readOnly: readOnly, shared: shared, environment: environment, refuse: refuse, list: list)
        case .volumeDriver(let driver):
            return driver.isOneOf(Array(volumeDrivers)) ? nil : refuse("volumes", "uses volume driver \(driver); allowed besides local: \(list(Array(volumeDrivers)))")
        case .volumeDriverOptions:
            return volumeDriverOptions ? nil
                : refuse("volumes", "sets volume driver options, which can mount a host path or device; set driver-options = true in [volumes] to allow it")
        case .namedNetwork(let name):
            switch environment.network(name) {
            case .notFound:
                return nil
            case .unavailable(let why):
                return refuse("networks", "cannot be judged: network \(name) could not be looked up (\(why))")
            case .found(let driver):
                if driver.isOneOf(["bridge", "null"]) || driver.isOneOf(Array(networkDrivers)) { return nil }
                return refuse("networks", "joins existing network \(name), whose driver is \(driver); allowed besides bridge: \(list(Array(networkDrivers)))")
            }
        case .namedVolume(let name):
            return judgeNamedVolume(name, ask: ask, environment: environment)
        case .volumesFrom:
            return volumesFrom ? nil : refuse("volumes", "copies the mounts of another container; set volumes-from = true in [volumes] to allow it")
        case .unrecognisedMount:
            return refuse("host-paths", "is not a mount sockwarden can judge; mount a named volume, a tmpfs (without the bind, rbind or remount option) or an allowed host path instead")
        case .hostPort(let address, let port):
            guard publishPorts else { return refuse("host-ports", "publishes a port on the host; set allow = true in [host-ports] to allow it") }
            let all = address.isOneOf(["", "0.0.0.0", "::"])
            guard address.isOneOf(portAddresses) || (all && "0.0.0.0".isOneOf(portAddresses)) else {
                return refuse("host-ports", "publishes on host address \(address.isEmpty ? "0.0.0.0 (all)" : address); allowed: \(list(portAddresses))")
            }
            guard HostPort.withinRange(port, portRange) else {
                return refuse("host-ports", "publishes host port \(port); allowed: \(portRange.lowerBound)-\(portRange.upperBound)")
            }
            return nil
        case .remoteContext:
            return remoteContexts ? nil : refuse("builds", "makes the daemon fetch a URL from the host's network (a remote build context, an image import or a Dockerfile ADD); send the data from the client (for ADD: put the file in the build context and COPY it), or set remote-contexts = true in [builds]")
        case .registry(let host):
            let local = RegistryHost.isThisHost(host) || environment.namesThisHost(RegistryHost.name(of: host))
            if RegistryHost.allowed(host, by: registries, thisHost: local) { return nil }
            if local && registries.contains("*") {
                return refuse("registries", "makes the daemon contact registry \(host), an address of this host itself (a service only the host can reach); list \"\(host.asciiLowercased)\" in allow of [registries] if jobs may use it")
            }
            return refuse("registries", "makes the daemon contact registry \(host); allowed registries: \(list(registries)) (set allow in [registries])")
        case .buildKit:
            return buildKit ? nil : refuse("builds", "asks for a BuildKit build, whose session streams sockwarden cannot judge; build with DOCKER_BUILDKIT=0, or set buildkit = true in [builds] (its Dockerfile is then not judged)")
        case .networkDriver(let driver):
            return driver.isOneOf(Array(networkDrivers)) ? nil
                : refuse("networks", "uses network driver \(driver); allowed besides bridge: \(list(Array(networkDrivers)))")
        case .networkDriverOptions:
            return networkDriverOptions ? nil : refuse("networks", "sets network driver options; set driver-options = true in [networks] to allow them")
        case .networkSubnet:
            return networkSubnets ? nil : refuse("networks", "chooses a subnet, range or gateway, which can collide with the host's; set subnets = true in [networks] to allow it")
        case .unjudged(let what):
            return refuse("body", "sets \(what), which sockwarden cannot judge yet")
        case .publishAllPorts:
            return publishAll ? nil : refuse("host-ports", "publishes every exposed port; set publish-all = true in [host-ports] to allow it")
        case .memory(let bytes):
            if requireMemory && bytes <= 0 { return refuse("resources", "sets no memory limit; add --memory") }
            if let max = maxMemory, bytes <= 0 || bytes > max {
                return refuse("resources", "asks for \(bytes <= 0 ? "unlimited" : "\(bytes) bytes of") memory; at most \(max) bytes")
            }
            return nil
        case .nanoCPUs(let nano):
            if requireCPUs && nano <= 0 { return refuse("resources", "sets no CPU limit; add --cpus") }
            if let max = maxNanoCPUs, nano <= 0 || nano > max {
                return refuse("resources", "asks for \(nano <= 0 ? "unlimited" : String(Double(nano) / 1e9)) CPUs; at most \(Double(max) / 1e9)")
            }
            return nil
        case .pidsLimit(let pids):
            let limited = (pids ?? 0) > 0
            if requirePids && !limited { return refuse("resources", "sets no pids limit; add --pids-limit") }
            if let max = maxPids, !limited || pids! > max {
                return refuse("resources", "asks for \(limited ? String(pids!) : "unlimited") pids; at most \(max)")
            }
            return nil
        }
    }

    private func judgeHostPath(_ path: String, readOnly: Bool, shared: Bool, environment: HostEnvironment,
                               refuse: (String, String) -> BodyViolation, list: ([String]) -> String) -> BodyViolation? {
        guard path.bytesHavePrefix("/") else { return refuse("host-paths", "is not an absolute host path") }
        if environment.grantsSocket(path) { return nil }
        let resolved = environment.resolve(hostPath: path)
        if let why = resolved.unresolvable {
            return refuse("host-paths", "mounts host path \(path), which sockwarden cannot resolve (\(why)); sockwarden must see the host's paths as the daemon does (run it as root or with CAP_DAC_READ_SEARCH)")
        }
        let again = resolved.exposesDaemon ? resolved : environment.resolve(hostPath: resolved.realPath ?? path)
        if again.exposesDaemon {
            // Say what it exposes: a path above the socket (a checkout under
            // the directory that holds it) is not obviously the socket.
            let what = again.exposure.map { "mounts host path \(path), which \($0)" }
                ?? "mounts host path \(path), which would expose the Docker daemon's socket or the host's file system"
            return refuse("host-paths", what + "; the Docker and containerd sockets, the directories above them, / and /proc "
                + "are never allowed as mounts, whatever [host-paths] says (use a named volume, a tmpfs or docker cp instead)")
        }
        let written = hostPaths.contains { HostPathMatch.isPrefix($0, of: path) }
        let real = resolved.realPath.map { r in hostPaths.contains { HostPathMatch.isPrefix($0, of: r) } } ?? written
        guard written else {
            return refuse("host-paths", "mounts host path \(path); allowed: \(list(hostPaths)) "
                + "(use a named volume, a tmpfs or docker cp instead, or add the directory to allow in [host-paths])")
        }
        guard real else {
            return refuse("host-paths", "mounts host path \(path), which leads to \(resolved.realPath ?? "?") outside the allowed paths (\(list(hostPaths)))")
        }
        if hostPathsReadOnly && !readOnly { return refuse("host-paths", "mounts host path \(path) writable; add :ro (read-only = true)") }
        if shared && !sharedPropagation { return refuse("host-paths", "mounts host path \(path) with shared/slave propagation; use the default") }
        return nil
    }
}

enum ImagePattern {
    /// How a denial shows a reference: its normalised form, or why it has none.
    static func shown(_ reference: String) -> String {
        if let normal = ImageReference.normalise(reference) { return normal }
        return "\"\(reference)\" is an image ID or not a reference sockwarden can normalise; name the image by repository"
    }
}

enum UserSpec {
    /// Root is the user part of user:group (cut at the first ":" byte, as
    /// runc's `GetExecUser` cuts it: a ":" followed by a combining mark is
    /// one Swift Character) when it is "", "root", or a number that Go's
    /// `strconv.Atoi` reads as 0 ("0", "00", "+0", "-0": runc then runs uid
    /// 0). An image may give uid 0 to another name; that is not visible here.
    static func isNonRoot(_ user: String) -> Bool {
        let name = user.utf8.prefix { $0 != UInt8(ascii: ":") }
        if name.isEmpty || name.elementsEqual("root".utf8) { return false }
        var digits = name[...]
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { digits = digits.dropFirst() }
        return digits.isEmpty || !digits.allSatisfy { $0 == UInt8(ascii: "0") }
    }
}

enum HostPort {
    /// A policy's `ports` as written: `1024-65535`, two runs of 1 to 5 ASCII
    /// digits around one "-", 1 ≤ low ≤ high ≤ 65535. Not `1024--65535`,
    /// `-1024-65535`, `+1024-65535`, ` 1024-65535` or a single port (write
    /// `8080-8080`), which a split that dropped empty parts let through.
    static func policyRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let numbers = parts.map { part -> Int? in
            guard (1...5).contains(part.count), part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int(String(decoding: part, as: UTF8.self))
        }
        guard let low = numbers[0], let high = numbers[1], low >= 1, low <= high, high <= 65535 else { return nil }
        return low...high
    }

    /// "8080", "8000-8010", or "" (the daemon picks an ephemeral port).
    /// Read as `nat.ParsePortRange`: split on the "-" byte (not on Swift
    /// Characters, which join "-" with a mark after it), each part as
    /// `strconv.ParseUint(s, 10, 16)`: ASCII digits only (Swift's `Int`
    /// also takes a sign).
    static func withinRange(_ text: String, _ range: ClosedRange<Int>) -> Bool {
        if text.utf8.isEmpty { return true }  // the daemon picks an ephemeral port
        let parts = text.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false).map { part -> Int? in
            guard !part.isEmpty, part.count <= 5, part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int(String(decoding: part, as: UTF8.self))
        }
        guard parts.count <= 2, parts.allSatisfy({ $0 != nil }) else { return false }
        return parts.allSatisfy { range.contains($0!) }
    }
}
