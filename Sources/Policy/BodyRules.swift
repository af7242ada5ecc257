import EngineAPI

/// What a policy allows inside request bodies: the body-level rules.
///
/// Secure by default: a policy that allows `container.create` but says
/// nothing about, say, `[host-paths]` allows no host path. Only
/// `[policy] trust-bodies = true` (observe.toml) turns body judging off.
public struct BodyRules: Sendable, Hashable {
    /// `[policy] trust-bodies`: forward bodies of allowed routes unjudged.
    public var trustBodies = false
    /// `[api] min-version`: requests with an older `/vX.Y` are denied.
    public var minAPIVersion = APIVersion(1, 24)

    // [containers]
    public var privileged = false
    public var hostNamespaces: Set<Namespace> = []
    public var joinNamespaces = false
    /// Added capabilities allowed beyond the daemon's defaults (CAP_ form).
    public var capabilities: Set<String> = []
    public var devices = false
    /// Sysctl names; a trailing `*` matches a prefix (`net.ipv4.*`).
    public var sysctls: [String] = []
    /// Runtimes allowed besides the daemon's default.
    public var runtimes: Set<String> = []
    /// Log drivers a request may name (`--log-driver`); the daemon's
    /// default (no driver named) is always allowed. `*`: any. The default
    /// keeps logs on the host: not syslog, fluentd, gelf, splunk, awslogs,
    /// … (the daemon would send a job's output to an address the job
    /// chooses, from the host's network), nor journald (the job's tag and
    /// labels would become fields of the host's journal).
    public var logDrivers: Set<String> = ["json-file", "local", "none"]
    /// Log option keys a request may set (`--log-opt key=…`), with any
    /// driver including the daemon's default. `*`: any. The default: the
    /// options of json-file and local; no address (`syslog-address`,
    /// `fluentd-address`, …), no `max-buffer-size` (memory of the daemon).
    public var logOptions: Set<String> = BodyRules.hostLogOptions
    public static let hostLogOptions: Set<String> = [
        "max-size", "max-file", "compress", "labels", "labels-regex", "env", "env-regex", "tag", "mode",
    ]
    public var cgroupParent = false
    /// `--ulimit` names a request may set. The default leaves out those
    /// that reach past the container: `memlock` (host memory that cannot
    /// be swapped), `rtprio` and `rttime` (real-time scheduling can starve
    /// the host's CPUs), `msgqueue` and `sigpending` (kernel memory counted
    /// per user across containers) and `nice`.
    public var ulimits: Set<String> = BodyRules.plainUlimits
    public static let plainUlimits: Set<String> = ["core", "cpu", "data", "fsize", "locks", "nofile", "nproc", "rss", "stack"]
    /// A negative `--oom-score-adj` or `--oom-kill-disable`.
    public var oomProtection = false
    public var annotations = false
    /// Image patterns in normalised form (see `ImageReference`): `*` any;
    /// a reference (`docker.io/library/busybox:latest`); or a prefix that
    /// starts with its domain and ends in `*` (`registry.example.com/ci/*`).
    /// Applies to the images containers and services run.
    public var images: [String] = ["*"]
    /// Names images may be given (commit, tag, build `-t`, import; load
    /// needs `*`), same pattern syntax. With a narrowed `images`, keep the
    /// trusted names out of this list, or a job can tag its own image as a
    /// trusted one and run it.
    public var imageNames: [String] = ["*"]
    public var nonRootUser = false
    public var requireNoNewPrivileges = false

    // [registries]
    /// Registries the daemon may contact for a request (`allow`): `*` any
    /// but this host's own addresses (`RegistryHost.isThisHost`), which must
    /// be listed as they are written (`localhost:5000`); `*.example.com`
    /// any name under it; else `host[:port]`, lower-cased.
    public var registries: [String] = ["*"]

    // [security-options]
    public var seccompUnconfined = false
    public var seccompProfiles = false
    public var apparmorUnconfined = false
    public var apparmorProfiles: Set<String> = []
    public var selinuxLabels = false
    public var systemPathsUnconfined = false

    // [host-paths]
    /// Host path prefixes, matched component by component.
    public var hostPaths: [String] = []
    public var hostPathsReadOnly = false
    public var sharedPropagation = false

    // [volumes]
    public var volumeDrivers: Set<String> = []
    public var volumeDriverOptions = false
    public var volumesFrom = false

    // [networks]
    /// Network drivers allowed besides bridge.
    public var networkDrivers: Set<String> = []
    public var networkDriverOptions = false
    public var networkSubnets = false

    // [host-ports]
    public var publishPorts = false
    /// Host addresses a port may be published on ("" and 0.0.0.0 mean all interfaces).
    public var portAddresses: [String] = ["127.0.0.1"]
    public var portRange: ClosedRange<Int> = 1024...65535
    public var publishAll = false

    // [builds]
    /// Build contexts the daemon fetches itself (`remote=` git/HTTP URLs).
    public var remoteContexts = false
    /// BuildKit builds (their /session and /grpc streams are not judged).
    public var buildKit = false

    // [swarm]
    /// Host addresses a swarm node may listen on, advertise or carry data
    /// on (init and join). "*" allows any, including addresses the daemon
    /// picks itself.
    public var swarmAddresses: [String] = ["127.0.0.1", "::1"]
    /// Managers of other swarms this host may join (`host:port` as written).
    public var swarmRemotes: [String] = []

    // [jobs] — quotas of one job socket (see docs/tenancy.md)
    /// The job's containers at most (any state).
    public var jobMaxContainers: Int?
    /// Memory limits of the job's containers that are not exited, in sum;
    /// with a quota, each container must set a limit.
    public var jobMaxMemory: Int64?
    public var jobMaxNanoCPUs: Int64?
    /// Whether closing a job removes the images it built, committed or
    /// imported (`[jobs] reap-images`, default true); false keeps them for
    /// the build cache of later jobs. Tags on shared images are always removed.
    public var jobReapImages = true

    // [resources]
    public var maxMemory: Int64?
    public var maxNanoCPUs: Int64?
    public var maxPids: Int64?
    public var requireMemory = false
    public var requireCPUs = false
    public var requirePids = false

    public init() {}
}

/// An API version as the daemon compares them (`api/types/versions`):
/// dot-separated integers, a non-number counting as 0.
public struct APIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let parts: [Int]

    public init(_ major: Int, _ minor: Int) { parts = [major, minor] }

    /// As dockerd 20.10 reads the version of a request (`/v{version:[0-9.]+}`,
    /// compared by `versions.compare`): split on "." bytes, each part read by
    /// `strconv.Atoi` with its error ignored, so a part that is not a number
    /// is 0 and one that overflows is clamped to ±MaxInt64
    /// (`1.99999999999999999999` is newer than any version, as the daemon,
    /// which then answers that the client is too new, reads it).
    public init(parsing text: String) {
        var reader = APIVersionCompare.Parts(text)
        var parts: [Int] = []
        repeat { parts.append(Int(reader.next())) } while !reader.isDone
        self.parts = parts
    }

    public static func < (a: APIVersion, b: APIVersion) -> Bool {
        for i in 0..<max(a.parts.count, b.parts.count) {
            let x = i < a.parts.count ? a.parts[i] : 0
            let y = i < b.parts.count ? b.parts[i] : 0
            if x != y { return x < y }
        }
        return false
    }

    public var description: String { parts.map(String.init).joined(separator: ".") }

    /// A version as a policy writes it: `1.24`, two runs of 1 to 9 ASCII
    /// digits and one dot. Not `.1.24` (0.1.24 to the daemon's comparison:
    /// no floor at all), `1..24`, `+1.24`, `1.24.`, `1.٢٤` or a number too
    /// long to read back as written.
    static func isPlainMajorMinor(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")) else { return false }
        let major = bytes[..<dot], minor = bytes[(dot + 1)...]
        func digits(_ part: ArraySlice<UInt8>) -> Bool {
            (1...9).contains(part.count) && part.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        }
        return digits(major) && digits(minor)
    }
}
