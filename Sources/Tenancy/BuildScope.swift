import EngineAPI

/// What a build's query asks of the daemon that a job socket checks beyond
/// names and cache (docs/tenancy.md): the network its RUN steps join and the
/// limits they run with. The classic builder (dockerd 20.10
/// `hostConfigFromOptions`) gives every RUN container the build's
/// `networkmode`, `memory`, `memswap`, `cpuquota` and `cpuperiod` (no
/// NanoCpus), and those containers carry no owner label.
public enum BuildScope {
    /// The build's `networkmode` (Go reads the first value).
    public enum NetworkMode: Sendable, Equatable {
        /// Empty or predefined (`default`, `none`, `bridge`, `host`): no job's;
        /// forwarded as is, and the policy judges it.
        case unchanged
        /// `container:<reference>`: the RUN steps join that container's
        /// network namespace; it must be the job's own.
        case container(String)
        /// A user network by name, ID or ID prefix; it must be the job's own,
        /// as a container create's `NetworkMode`.
        case network(String)
    }

    public static func networkMode(_ mode: String) -> NetworkMode {
        if mode.utf8.isEmpty || mode.isOneOf(OwnerReferences.predefinedNetworks) { return .unchanged }
        if let target = mode.dropPrefix("container:") { return .container(target) }
        return .network(mode)
    }

    /// A BuildKit build (`version=2`, the first value, as `r.FormValue`
    /// reads it) on a job socket. Sockwarden reads a classic build's
    /// Dockerfile, not one BuildKit's frontend reads: dockerd 20.10's
    /// frontend resolves `FROM`, `COPY --from` and `RUN --mount=from=`
    /// against every image on the daemon (another job's included), and its
    /// `RUN --mount=type=cache` directories are one store for every build
    /// on the daemon. A job socket cannot keep jobs apart there, whatever
    /// `[builds] buildkit` says: refused (its streams, `/session` and
    /// `/grpc`, are refused on a job socket already).
    public static func checkBuilder(_ query: GoQuery, job: String) -> TenancyRefusal? {
        guard (query.first("version") ?? "").bytesEqual("2") else { return nil }
        return TenancyRefusal(status: 403, message: "sockwarden: job \(job): a BuildKit build (version=2) resolves its Dockerfile's images among every image on the daemon, other jobs' too, and shares its cache mounts with every build, so a job socket cannot keep jobs apart in it; build with the classic builder (DOCKER_BUILDKIT=0)")
    }

    /// The longest `platform` a job socket's build may give, in bytes. A job
    /// socket pulls a build's images first (docs/tenancy.md, *The
    /// Dockerfile*), each with the build's platform in its query and so in
    /// its audit record's `target`, written whole; dockerd 20.10 reads a
    /// platform with containerd's `platforms.Parse` (a variant of any length)
    /// and pulls a single-platform image whatever its architecture, so a
    /// 64 KiB platform was written again for every `FROM` (found 2026-12-01
    /// by review15). A real platform (`os/arch/variant`) is some 20 bytes.
    public static let maxPlatformBytes = 256

    /// A build whose `platform` (the first value, as Go's `FormValue`) is
    /// longer than `maxPlatformBytes`: 400, before anything is pulled.
    public static func checkPlatform(_ query: GoQuery, job: String) -> TenancyRefusal? {
        let count = (query.first("platform") ?? "").utf8.count
        guard count > maxPlatformBytes else { return nil }
        return TenancyRefusal(status: 400, message: "sockwarden: job \(job): the build's platform is \(count) bytes long, and no platform (os[/arch[/variant]], such as linux/arm64/v8) is longer than \(maxPlatformBytes); the job socket would pull the build's images with it")
    }

    /// The limits each RUN container gets, as the quotas count a container's:
    /// `memory`, `cpuquota` and `cpuperiod`, each read as
    /// `httputils.Int64ValueOrZero` does (the first value, `strconv.ParseInt`
    /// base 10; a value that does not parse is 0, no limit). `memswap` is not
    /// counted (0 lets the daemon default it to twice `memory`), as a
    /// container's `MemorySwap` is not.
    public static func limits(_ query: GoQuery) -> ResourceLimits {
        func int64OrZero(_ key: String) -> Int64 { Int64(query.first(key) ?? "") ?? 0 }
        return ResourceLimits(memory: int64OrZero("memory"), cpuQuota: int64OrZero("cpuquota"), cpuPeriod: int64OrZero("cpuperiod"))
    }

    /// On a job with a memory or CPU quota a build must limit its RUN steps
    /// (it then counts, while it runs, as one container with those limits):
    /// the refusal says which `docker build` flag to add. A BuildKit build
    /// (`version=2`) does not apply these limits to its steps and is refused.
    public static func checkLimits(_ query: GoQuery, job: String, memoryQuota: Bool, cpuQuota: Bool) -> TenancyRefusal? {
        guard memoryQuota || cpuQuota else { return nil }
        if (query.first("version") ?? "").bytesEqual("2") {
            return TenancyRefusal(status: 403, message: "sockwarden: job \(job) has a memory or CPU quota, and a BuildKit build does not apply --memory or --cpu-quota to its steps; build with the classic builder (DOCKER_BUILDKIT=0) and those flags")
        }
        let limits = limits(query)
        if memoryQuota && limits.effectiveMemory <= 0 {
            return TenancyRefusal(status: 403, message: "sockwarden: job \(job) has a memory quota; set --memory on every build (docker build --memory, the memory parameter: the limit of each RUN step)")
        }
        if cpuQuota && limits.effectiveNanoCPUs <= 0 {
            return TenancyRefusal(status: 403, message: "sockwarden: job \(job) has a CPU quota; set --cpu-quota and --cpu-period on every build (docker build --cpu-quota 50000 --cpu-period 100000 for half a CPU; the cpuquota and cpuperiod parameters: the limit of each RUN step)")
        }
        return nil
    }

    /// Whether a build on a job socket would have the daemon pull `reference`
    /// (named by `FROM` or `COPY --from`, or by a base image's trigger) while
    /// it runs: every one with `pull` (a build with `pull=1`), an absent one
    /// otherwise. A reference inside the Dockerfile's own `ONBUILD` runs in
    /// later builds, not this one.
    public static func pullsDuringBuild(absent: Bool, pull: Bool, onBuild: Bool) -> Bool {
        !onBuild && (pull || absent)
    }

    /// One image a job socket pulls for a build before forwarding it, as
    /// the classic builder would (`pullForBuilder`: the reference with
    /// `reference.TagNameOnly`, `latest` when it has neither tag nor digest),
    /// and as `docker pull` asks for it: `fromImage` and `tag`, or the whole
    /// reference in `fromImage` when it has a digest.
    public struct PrePull: Sendable, Equatable {
        public let fromImage: String
        public let tag: String
        /// The first Dockerfile line (or trigger) that names it.
        public let line: Int
        public let via: String?

        public init(fromImage: String, tag: String, line: Int, via: String? = nil) {
            self.fromImage = fromImage
            self.tag = tag
            self.line = line
            self.via = via
        }

        /// The reference pulled, as `docker pull` would be given it.
        public var reference: String { tag.utf8.isEmpty ? fromImage : fromImage + ":" + tag }

        /// Where the build names it, for messages.
        public var at: String { "Dockerfile line \(line)" + (via.map { ", \($0)" } ?? "") }
    }

    /// The pulls for the references the daemon would pull while the build
    /// runs (`pullsDuringBuild`), in order, each image once (by its
    /// normalised name, or as written when sockwarden cannot read it).
    public static func prePulls(_ references: [DockerfileReference]) -> [PrePull] {
        var seen: Set<String> = []
        var pulls: [PrePull] = []
        for reference in references where reference.kind != .addURL && !reference.onBuild {
            let pull = prePull(reference)
            guard seen.insert(ImageReference.normalise(pull.reference) ?? pull.reference).inserted else { continue }
            pulls.append(pull)
        }
        return pulls
    }

    static func prePull(_ reference: DockerfileReference) -> PrePull {
        let bytes = Array(reference.value.utf8)
        if bytes.contains(UInt8(ascii: "@")) {
            return PrePull(fromImage: reference.value, tag: "", line: reference.line, via: reference.via)
        }
        let lastSlash = bytes.lastIndex(of: UInt8(ascii: "/")) ?? -1
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")), colon > lastSlash {
            return PrePull(fromImage: String(decoding: bytes[..<colon], as: UTF8.self),
                           tag: String(decoding: bytes[(colon + 1)...], as: UTF8.self), line: reference.line, via: reference.via)
        }
        return PrePull(fromImage: reference.value, tag: "latest", line: reference.line, via: reference.via)
    }

    /// The answer to a build on a job socket that the daemon would pull an
    /// image for, where sockwarden cannot pull it first (`why`). The classic
    /// builder gives a stage's step containers its base image's labels
    /// (`Config.Labels`) and runs its base image's `ONBUILD` triggers; an
    /// image the daemon pulls during the build was never judged, so a
    /// registry image labelled `io.sockwarden.job=<another job>` made the
    /// build's RUN containers that job's while they ran: listed by it,
    /// counted against its quota, open to its exec, copy and kill (found
    /// 2026-12-01, session 13; the Dockerfile `LABEL` of that key was
    /// refused already). A job socket pulls such images itself, through the
    /// job's own judging, before it forwards the build; this answer is for
    /// what it cannot pull that way.
    public static func pullRefusal(_ reference: String, why: String) -> TenancyRefusal {
        TenancyRefusal(status: 409, message: "sockwarden: the daemon would pull \(reference) while the build runs, unjudged, and sockwarden cannot pull it first: \(why); a pulled image's labels and ONBUILD triggers go to the build's step containers, so pull it through this socket first (docker pull \(reference)) and build without --pull")
    }

    /// The pull of `pull` that the job socket made for a build was refused
    /// or failed: the build is answered with the pull's own status and
    /// message, naming the Dockerfile line.
    public static func pullFailure(_ pull: PrePull, status: Int, message: String) -> TenancyRefusal {
        let stripped = message.utf8.starts(with: "sockwarden: ".utf8) ? String(decoding: message.utf8.dropFirst(12), as: UTF8.self) : message
        return TenancyRefusal(status: status, message: "sockwarden: pulling \(pull.reference) for the build (\(pull.at)): \(stripped)")
    }
}
