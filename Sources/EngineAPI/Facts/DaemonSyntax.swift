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
        if value == "host" { return .host }
        if value.hasPrefix("host:") { return .unrecognised }
        if value.hasPrefix("container:") || value.hasPrefix("ns:") { return .join }
        switch namespace {
        case .network:
            // Any other value names a network (bridge, none, a user network).
            return .privateMode
        case .ipc:
            return ["", "private", "shareable", "none"].contains(value) ? .privateMode : .unrecognised
        case .cgroupns:
            return ["", "private"].contains(value) ? .privateMode : .unrecognised
        case .pid, .uts, .userns, .cgroup:
            return value.isEmpty ? .privateMode : .unrecognised
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
        if opt == "no-new-privileges" { return .noNewPrivileges(true) }
        if opt == "disable" { return .label("disable") }
        let separator: Character
        if opt.contains("=") {
            separator = "="
        } else if opt.contains(":") {
            separator = ":"
        } else {
            return .invalid
        }
        guard let i = opt.firstIndex(of: separator) else { return .invalid }
        let key = String(opt[..<i])
        let value = String(opt[opt.index(after: i)...])
        switch key {
        case "label": return .label(value)
        case "apparmor": return .apparmor(value)
        case "seccomp": return .seccomp(value)
        case "no-new-privileges":
            guard let b = goParseBool(value) else { return .invalid }
            return .noNewPrivileges(b)
        default: return .invalid
        }
    }

    /// Go's strconv.ParseBool.
    static func goParseBool(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: return nil
        }
    }
}

/// Capability names as the daemon normalises them
/// (`oci/caps.NormalizeLegacyCapabilities`): upper case, `CAP_` prefixed,
/// except `ALL`.
public enum Capability {
    public static func normalise(_ name: String) -> String {
        let upper = name.uppercased()
        if upper == "ALL" || upper.hasPrefix("CAP_") { return upper }
        return "CAP_" + upper
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
struct BindSpec: Equatable {
    enum Source: Equatable {
        case hostPath(String)
        case volume(String)
        case anonymous
    }

    let source: Source
    let target: String
    let readOnly: Bool
    let sharedPropagation: Bool

    /// nil when the daemon would refuse the spec.
    static func parse(_ raw: String) -> BindSpec? {
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 3, let first = parts.first, !first.isEmpty else { return nil }
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
        let options = mode.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let readOnly = options.contains("ro")
        let shared = options.contains("shared") || options.contains("rshared") || options.contains("slave") || options.contains("rslave")
        let kind: Source
        if let source {
            kind = source.hasPrefix("/") ? .hostPath(PathClean.clean(source)) : .volume(source)
        } else {
            kind = .anonymous
        }
        return BindSpec(source: kind, target: target, readOnly: readOnly, sharedPropagation: shared)
    }

    /// linuxValidMountMode: each option from one family, at most once per family.
    static func validMode(_ mode: String) -> Bool {
        if mode.isEmpty { return true }
        var counts = [0, 0, 0, 0, 0]
        for option in mode.split(separator: ",", omittingEmptySubsequences: false) {
            switch option {
            case "rw", "ro": counts[0] += 1
            case "z", "Z": counts[1] += 1
            case "private", "rprivate", "slave", "rslave", "shared", "rshared": counts[2] += 1
            case "nocopy": counts[3] += 1
            case "consistent", "cached", "delegated": counts[4] += 1
            default: return false
            }
        }
        return counts.allSatisfy { $0 <= 1 }
    }
}

/// Go's path.Clean for absolute slash-separated paths.
enum PathClean {
    static func clean(_ path: String) -> String {
        let rooted = path.hasPrefix("/")
        var out: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = out.last, last != ".." {
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
        return joined.isEmpty ? "." : joined
    }
}
