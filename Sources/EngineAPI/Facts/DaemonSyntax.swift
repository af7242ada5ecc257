/// Small parsers that reproduce how dockerd reads strings in a request body
/// (moby v20.10.24 / v28.5.2). Each cites its source.

/// Namespace modes (`api/types/container/host_config.go`): `host` is the
/// host's namespace, `container:<id>` joins another container's. Anything
/// else that is not a known private value is classified as unrecognised and
/// never allowed (the daemon accepts e.g. `host:x` as valid UTS/userns modes;
/// we refuse them rather than reason about them).
enum NamespaceMode {
    enum Class: Equatable {
        case privateMode
        case host
        case join
        case unrecognised
    }

    static func classify(_ value: String, _ namespace: Namespace) -> Class {
        if value.bytesEqual("host") { return .host }
        if value.bytesHavePrefix("host:") { return .unrecognised }
        if value.bytesHavePrefix("container:") || value.bytesHavePrefix("ns:") { return .join }
        switch namespace {
        case .network:
            // Any other value names a network (bridge, none, a user network).
            // A name that is not plain ASCII is not judged.
            return value.isASCII ? .privateMode : .unrecognised
        case .ipc:
            return value.isOneOf(["", "private", "shareable", "none"]) ? .privateMode : .unrecognised
        case .cgroupns:
            return value.isOneOf(["", "private"]) ? .privateMode : .unrecognised
        case .pid, .uts, .userns, .cgroup:
            return value.utf8.isEmpty ? .privateMode : .unrecognised
        }
    }
}

/// `--security-opt` values as `parseSecurityOpt` in daemon/daemon_unix.go
/// reads them: `no-new-privileges` and `disable` alone; otherwise split on the
/// first "=" if there is one, else on the first ":" (deprecated form).
enum SecurityOption: Equatable {
    case noNewPrivileges(Bool)
    case label(String)
    case apparmor(String)
    case seccomp(String)
    /// The daemon refuses it (or a later version may read it differently).
    case invalid

    static func parse(_ opt: String) -> SecurityOption {
        if opt.bytesEqual("no-new-privileges") { return .noNewPrivileges(true) }
        if opt.bytesEqual("disable") { return .label("disable") }
        let separator: UInt8
        if opt.bytesContain(UInt8(ascii: "=")) {
            separator = UInt8(ascii: "=")
        } else if opt.bytesContain(UInt8(ascii: ":")) {
            separator = UInt8(ascii: ":")
        } else {
            return .invalid
        }
        let parts = opt.bytesSplit(separator, maxSplits: 1)
        let key = parts[0]
        let value = parts[1]
        if key.bytesEqual("label") { return .label(value) }
        if key.bytesEqual("apparmor") { return .apparmor(value) }
        if key.bytesEqual("seccomp") { return .seccomp(value) }
        if key.bytesEqual("no-new-privileges") {
            guard let b = goParseBool(value) else { return .invalid }
            return .noNewPrivileges(b)
        }
        return .invalid
    }

    /// Go's strconv.ParseBool.
    static func goParseBool(_ s: String) -> Bool? {
        if s.isOneOf(["1", "t", "T", "TRUE", "true", "True"]) { return true }
        if s.isOneOf(["0", "f", "F", "FALSE", "false", "False"]) { return false }
        return nil
    }
}

/// Capability names as the daemon normalises them
/// (`oci/caps.NormalizeLegacyCapabilities`): upper case, `CAP_` prefixed,
/// except `ALL`.
public enum Capability {
    /// A name that is not plain ASCII is kept as written: it matches no
    /// known capability (byte-wise), so it is judged as an added one.
    public static func normalise(_ name: String) -> String {
        guard name.isASCII else { return name }
        let upper = name.asciiUppercased
        if upper.bytesEqual("ALL") || upper.bytesHavePrefix("CAP_") { return upper }
        return "CAP_" + upper
    }

    public static func isDefault(_ name: String) -> Bool {
        name.isASCII && defaults.contains(name)
    }

    /// The daemon's default set (`oci/caps/defaults.go`), which `--cap-add`
    /// of these does not widen.
    public static let defaults: Set<String> = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]
}

/// A `HostConfig.Binds` entry as `linuxParser.ParseMountRaw`
/// (volume/mounts/linux_parser.go) reads it: at most two ':' separators;
/// `src:dst`, `src:dst:mode`; an absolute `src` is a host path (cleaned with
/// path.Clean), otherwise a volume name.
public struct BindSpec: Equatable, Sendable {
    public enum Source: Equatable, Sendable {
        case hostPath(String)
        case volume(String)
        case anonymous
    }

    public let source: Source
    public let target: String
    public let readOnly: Bool
    public let sharedPropagation: Bool

    /// nil when the daemon would refuse the spec.
    public static func parse(_ raw: String) -> BindSpec? {
        let parts = raw.bytesSplit(UInt8(ascii: ":"))
        guard parts.count <= 3, let first = parts.first, !first.utf8.isEmpty else { return nil }
        var mode = ""
        let source: String?
        let target: String
        switch parts.count {
        case 1:
            source = nil
            target = parts[0]
        case 2:
            if validMode(parts[1]) { return nil }  // "/foo:rw" is refused
            source = parts[0]
            target = parts[1]
        default:
            source = parts[0]
            target = parts[1]
            mode = parts[2]
        }
        guard validMode(mode) else { return nil }
        let options = mode.bytesSplit(UInt8(ascii: ","))
        let readOnly = options.contains { $0.bytesEqual("ro") }
        let shared = options.contains { $0.isOneOf(["shared", "rshared", "slave", "rslave"]) }
        let kind: Source
        if let source {
            kind = source.bytesHavePrefix("/") ? .hostPath(PathClean.clean(source)) : .volume(source)
        } else {
            kind = .anonymous
        }
        return BindSpec(source: kind, target: target, readOnly: readOnly, sharedPropagation: shared)
    }

    /// linuxValidMountMode: each option from one family, at most once per family.
    static func validMode(_ mode: String) -> Bool {
        if mode.utf8.isEmpty { return true }
        let families: [[String]] = [
            ["rw", "ro"], ["z", "Z"], ["private", "rprivate", "slave", "rslave", "shared", "rshared"],
            ["nocopy"], ["consistent", "cached", "delegated"],
        ]
        var counts = [0, 0, 0, 0, 0]
        for option in mode.bytesSplit(UInt8(ascii: ",")) {
            guard let family = families.firstIndex(where: { option.isOneOf($0) }) else { return false }
            counts[family] += 1
        }
        return counts.allSatisfy { $0 <= 1 }
    }
}

/// Go's path.Clean for absolute slash-separated paths.
enum PathClean {
    static func clean(_ path: String) -> String {
        let rooted = path.bytesHavePrefix("/")
        var out: [String] = []
        for part in path.bytesSplit(UInt8(ascii: "/")) where !part.utf8.isEmpty {
            if part.bytesEqual(".") { continue }
            if part.bytesEqual("..") {
                if let last = out.last, !last.bytesEqual("..") {
                    out.removeLast()
                } else if !rooted {
                    out.append(part)
                }
                continue
            }
            out.append(part)
        }
        let joined = out.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.utf8.isEmpty ? "." : joined
    }
}
