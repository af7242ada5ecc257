import GoJSON

/// POST /build has no JSON body (the body is the build context: a tar, possibly
/// gzip/bzip2/xz-compressed, or a bare Dockerfile, or nothing when `remote` is
/// set). Everything the daemon configures comes from the query, read by
/// `newImageBuildOptions` (api/server/router/build/build_routes.go), plus the
/// `X-Registry-Config` header (base64url JSON map[string]AuthConfig; decode
/// errors are ignored).
///
/// How values are taken (Go net/http):
/// - `r.FormValue(k)` is the FIRST value of k. It parses the body too: with
///   `Content-Type: application/x-www-form-urlencoded` the body (up to 10 MiB)
///   is read as a form and its values come BEFORE the query's (they win);
///   with `multipart/form-data` the parts' values come after the query's.
///   A proxy that judges only the URL must refuse those content types here.
/// - `r.Form[k]` is every value of k (repeated `k=a&k=b`), same sources.
/// - Keys are case-sensitive; percent-decoding is url.ParseQuery's ('+' is a space).
///
/// Parsing kinds: see ``Parse``. The JSON-valued parameters use
/// `json.Unmarshal`, so trailing data after the value is an error.
///
/// Classic builder (version "1"): RUN steps run in containers whose HostConfig
/// takes NetworkMode (incl. "host" or "container:<id>"), CgroupParent,
/// ShmSize, Ulimits, ExtraHosts, Isolation, CPU/memory limits from here.
/// BuildKit (version "2", needs a /session): networkmode "host"/"none" become
/// force-network-mode and "host" adds the network.host entitlement, which the
/// daemon grants by default; other modes are refused. (BuildKit clients such as
/// buildx more often use POST /grpc + /session, which bypass this endpoint.)
public enum BuildQuery {
    public enum Parse: Sendable {
        /// r.FormValue: first value, "" when absent.
        case string
        /// r.Form[k]: all values in order (nil when the key is absent).
        case stringList
        /// httputils.BoolValue: lower-cased, trimmed; false iff "", "0", "no",
        /// "false" or "none"; anything else is true.
        case bool
        /// httputils.Int64ValueOrZero: strconv.ParseInt(s, 10, 64); a value
        /// that does not parse counts as 0 (no error).
        case int64OrZero
        /// strconv.ParseInt(r.Form.Get(k), 10, 64); a bad value fails the build.
        case int64
        /// json.Unmarshal of the first value into this type; "" means absent;
        /// a bad value fails the build.
        case json(GoType)
        /// One of these exact values (else the build fails).
        case oneOf([String])
    }

    public struct Parameter: Sendable {
        public let name: String
        public let parse: Parse
        /// Minimum API version for the daemon to read it, nil when always read.
        public let since: String?
        /// 20.10-only or 28.x-only, nil when both lines read it.
        public let only: DaemonLine?
        public let securityRelevant: Bool
        public let note: String

        init(_ name: String, _ parse: Parse, since: String? = nil, only: DaemonLine? = nil,
             security: Bool = false, _ note: String) {
            self.name = name
            self.parse = parse
            self.since = since
            self.only = only
            self.securityRelevant = security
            self.note = note
        }
    }

    /// types.ImageBuildOutput (20.10) / build.ImageBuildOutput (28.x).
    public static let imageBuildOutput = GoStruct("build.ImageBuildOutput", [
        GoField("Type", .string),
        GoField("Attrs", .map(key: .string, value: .string)),
    ])

    /// Every query parameter newImageBuildOptions reads, in source order
    /// (identical sets in 20.10.24 and 28.x; version gates noted).
    public static let parameters: [Parameter] = [
        Parameter("dockerfile", .string, "Dockerfile path inside the context (or a URL for remote contexts)"),
        Parameter("q", .bool, "SuppressOutput"),
        Parameter("nocache", .bool, "NoCache"),
        Parameter("forcerm", .bool, "ForceRemove; also forces Remove (20.10: for API >= 1.12)"),
        Parameter("pull", .bool, "PullParent (20.10: only for API >= 1.16)"),
        Parameter("memswap", .int64OrZero, security: true, "MemorySwap of RUN containers"),
        Parameter("memory", .int64OrZero, security: true, "Memory of RUN containers"),
        Parameter("cpushares", .int64OrZero, "CPUShares"),
        Parameter("cpuperiod", .int64OrZero, "CPUPeriod"),
        Parameter("cpuquota", .int64OrZero, "CPUQuota"),
        Parameter("cpusetcpus", .string, "CpusetCpus"),
        Parameter("cpusetmems", .string, "CpusetMems"),
        Parameter("cgroupparent", .string, security: true, "CgroupParent of RUN containers (host cgroup path)"),
        Parameter("networkmode", .string, security: true,
                  "NetworkMode of RUN containers: \"host\", \"none\", \"container:<id>\", a network name; BuildKit accepts only \"\"/default/host/none"),
        Parameter("t", .stringList, "Tags (repeated)"),
        Parameter("extrahosts", .stringList, security: true,
                  "ExtraHosts, repeated \"name:ip\" (NOT JSON); \"host-gateway\" resolves to the host"),
        Parameter("securityopt", .stringList, security: true,
                  "SecurityOpt: on Linux the mere presence of the key (even empty) fails the build"),
        Parameter("squash", .bool, "Squash: fails unless the daemon runs with --experimental"),
        Parameter("target", .string, "Target stage"),
        Parameter("remote", .string, security: true,
                  "RemoteContext: a URL or git repository the DAEMON fetches (server-side request)"),
        Parameter("session", .string, security: true, "SessionID of a /session connection (BuildKit: secrets, ssh, files)"),
        Parameter("buildid", .string, "BuildID (for /build/cancel)"),
        Parameter("rm", .bool,
                  "Remove: true when absent or empty (20.10: for API >= 1.12) or when forcerm is true, else BoolValue(rm)"),
        Parameter("platform", .string, since: "1.32", security: true, "Platform (os/arch[/variant]) of the build"),
        Parameter("outputs", .json(.slice(.structure(imageBuildOutput))), since: "1.40", security: true,
                  "Outputs ([]ImageBuildOutput, BuildKit exporters, e.g. type=local writes on the client via the session)"),
        Parameter("shmsize", .int64, security: true, "ShmSize of RUN containers"),
        Parameter("isolation", .string, security: true,
                  "Isolation: on Linux only \"\" or \"default\" (case-insensitive) are valid, anything else fails"),
        Parameter("ulimits", .json(.slice(.pointer(.structure(BodySchemas.Container.ulimit)))), security: true,
                  "Ulimits: JSON []*Ulimit, e.g. [{\"Name\":\"nofile\",\"Hard\":2,\"Soft\":1}]"),
        Parameter("buildargs", .json(.map(key: .string, value: .pointer(.string))), security: true,
                  "BuildArgs: JSON map[string]*string (null = mentioned without value)"),
        Parameter("labels", .json(.map(key: .string, value: .string)), "Labels: JSON map[string]string"),
        Parameter("cachefrom", .json(.slice(.string)), "CacheFrom: JSON []string of image refs"),
        Parameter("version", .oneOf(["1", "2"]), security: true, "Builder: \"1\" classic (default), \"2\" BuildKit"),
    ]

    public static func parameter(named name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }
}
