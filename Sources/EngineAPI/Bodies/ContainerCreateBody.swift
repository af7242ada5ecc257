import GoJSON

/// The body of POST /containers/create (and of POST /commit, and of the
/// pre-1.24 POST /containers/{id}/start on 20.10), and where each key lands.
///
/// ## What the daemons decode into
///
/// 20.10.24, `runconfig.ContainerConfigWrapper` (runconfig/config_unix.go):
/// ```go
/// type ContainerConfigWrapper struct {
///     *container.Config
///     InnerHostConfig  *container.HostConfig          `json:"HostConfig,omitempty"`
///     Cpuset           string                         `json:",omitempty"` // Deprecated
///     NetworkingConfig *networktypes.NetworkingConfig `json:"NetworkingConfig,omitempty"`
///     *container.HostConfig // Deprecated: old-API HostConfig fields at the top level
/// }
/// ```
/// 28.x, `container.CreateRequest` (api/types/container/create_request.go,
/// decoded by runconfig.decodeContainerConfig via loadJSON):
/// ```go
/// type CreateRequest struct {
///     *Config
///     HostConfig       *HostConfig               `json:"HostConfig,omitempty"`
///     NetworkingConfig *network.NetworkingConfig `json:"NetworkingConfig,omitempty"`
/// }
/// ```
///
/// ## Key resolution (encoding/json embedding rules)
///
/// Depth 0: "HostConfig" (20.10 InnerHostConfig / 28.x HostConfig),
/// "Cpuset" (20.10 only), "NetworkingConfig".
/// Depth 1: every container.Config field ("Hostname" … "Shell"); in 20.10 also
/// every container.HostConfig field ("Binds" … "Init").
/// Depth 2 (20.10 only): HostConfig's embedded Resources ("CpuShares" … "IOMaximumBandwidth").
///
/// No JSON name occurs twice (not even case-insensitively) among these, in
/// either version, so NOTHING is cancelled and no shallower field hides a
/// deeper one: Config and HostConfig no longer share a field name in 20.10
/// (Memory, MemorySwap, CpuShares, Cpuset, VolumeDriver left Config long
/// ago — that is why getHostConfig merges exactly those). Keys match field
/// names case-insensitively (exact match first, then Unicode simple folding,
/// so "privileged" or "Lin\u{212A}s" reach Privileged / Links).
///
/// The embedded pointers are allocated as soon as a key routed through them
/// is present (even with a `null` value): a top-level HostConfig key makes the
/// 20.10 wrapper's embedded `*HostConfig` non-nil.
///
/// ## Which HostConfig the daemon uses
///
/// 20.10 `getHostConfig()` (top = embedded HostConfig, inner = "HostConfig"):
/// - only top-level HostConfig keys → the top-level HostConfig is used WHOLE
///   (so `{"Image":"x","Privileged":true,"Binds":["/:/host"]}` creates a
///   privileged container with / mounted);
/// - "HostConfig" present (non-null) → it is used; from the top level only
///   Memory, MemorySwap, CpuShares, CpusetCpus and VolumeDriver are copied in,
///   each only when the inner value is zero; every other top-level HostConfig
///   key (Privileged, Binds, CapAdd, …) is silently DROPPED;
/// - `"HostConfig": null` counts as absent (null sets the pointer to nil);
/// - then, if a HostConfig exists, "Cpuset" fills CpusetCpus when that is
///   empty (Cpuset is ignored when there is no HostConfig at all), and an
///   empty NetworkMode becomes "default".
///
/// (All of the above checked against dockerd 20.10.24+dfsg1: top-level
/// Privileged+Binds applied when alone, dropped next to "HostConfig" while
/// Memory and Cpuset were merged; lower-case keys and trailing garbage accepted.)
///
/// 28.x: only "HostConfig" is read; top-level HostConfig keys and "Cpuset" are
/// unknown fields and ignored. NetworkMode "" becomes "default", then the
/// handler maps "default" to "bridge" (renaming an EndpointsConfig "default" key too).
///
/// Both lines, for a top-level Config key: the embedded *Config is allocated;
/// with no Config key at all Config is nil and create fails ("config cannot be empty").
///
/// ## Version-gated adjustments in postContainersCreate
///
/// (`version` = the /vX.Y prefix, or the daemon default 1.41 / 1.51.)
/// Both lines:
/// - API < 1.25: HostConfig.AutoRemove = false.
/// - API < 1.40: Mounts[].BindOptions.NonRecursive = false; KernelMemoryTCP = 0;
///   empty IpcMode becomes "shareable".
/// - API < 1.41 on a cgroup v1 host: empty CgroupnsMode becomes "host".
/// - API >= 1.41: query `platform` is parsed (before: ignored).
/// - PidsLimit <= 0 becomes nil (unlimited).
/// 20.10 only:
/// - API < 1.19: AdjustCPUShares (CpuShares clamped to [2, 262144]).
/// 28.x only:
/// - API < 1.42: Mounts[].BindOptions.CreateMountpoint = false; VolumeOptions /
///   TmpfsOptions dropped when Type does not match; ConsoleSize = [0,0].
/// - API >= 1.42: KernelMemory = 0; VolumeOptions/BindOptions/TmpfsOptions on
///   a mount of another type → 400.
/// - API < 1.43: HostConfig.Annotations = nil.
/// - API < 1.44: Healthcheck.StartInterval = 0; mounts default to
///   ReadOnlyNonRecursive; BindOptions.ReadOnlyForceRecursive → 400; more than
///   one EndpointsConfig entry → 400; Config.MacAddress is moved to the
///   endpoint (and endpoint MacAddresses are discarded when it is empty).
/// - API >= 1.44: a non-empty Config.MacAddress is migrated to the main
///   network's endpoint (must match it) and cleared, with a warning.
/// - API < 1.45: VolumeOptions.Subpath → 400.
/// - API < 1.48: EndpointsConfig[].GwPriority = 0; mount Type "image" → 400.
/// - API >= 1.48: VolumeDriver with driver-less volume mounts → warning only.
/// - HostConfig.Sysctls "net.*.*.ethN.*" are moved into the main endpoint's
///   DriverOpts["com.docker.network.endpoint.sysctls"] (API <= 1.47; 400 for
///   API >= 1.48; any interface but eth0 → 400).
public enum ContainerCreateBody {
    /// The flattened body struct (union of both lines). Field order = Go's
    /// encoding order of the 20.10 wrapper.
    public static let wrapper = GoStruct("runconfig.ContainerConfigWrapper", configFields + [
        GoField("HostConfig", .pointer(.structure(BodySchemas.Container.hostConfig)), omitEmpty: true),
        GoField("Cpuset", .string, omitEmpty: true), // 20.10 only
        GoField("NetworkingConfig", .pointer(.structure(BodySchemas.Network.networkingConfig)), omitEmpty: true),
    ] + topLevelHostConfigFields)

    /// container.Config promoted through the embedded `*Config`.
    static let configFields = promoted(BodySchemas.Container.config, through: "Config")

    /// 20.10 only: container.HostConfig promoted through the embedded
    /// `*HostConfig` (goPath "HostConfig.X" / "HostConfig.Resources.X").
    static let topLevelHostConfigFields = promoted(
        BodySchemas.Container.hostConfig20_10, through: "HostConfig",
        goNames: BodySchemas.Container.hostConfigGoNames)

    /// Top-level keys that 20.10 routes into the embedded (deprecated) HostConfig.
    public static let topLevelHostConfigKeys: Set<String> = Set(topLevelHostConfigFields.map(\.name))

    /// `topLevelHostConfigKeys.contains(name)` or `name == "Cpuset"`: the
    /// old-API keys a create is refused for. Compared by length first
    /// instead of hashed: every create asks this of each of its ~20
    /// top-level keys, and hashing them was ~1% of a create's CPU.
    /// (A name that is not ASCII can be `==` to one of a different length,
    /// "Lin\u{212A}s" to "Links": the set decides those.)
    public static func isOldAPITopLevelKey(_ name: String) -> Bool {
        let length = name.utf8.count
        if length < oldAPIKeysByLength.count, oldAPIKeysByLength[length].contains(where: { $0 == name }) { return true }
        guard name.utf8.contains(where: { $0 >= 0x80 }) else { return false }
        return topLevelHostConfigKeys.contains(name) || name == "Cpuset"
    }

    /// `topLevelHostConfigKeys` and "Cpuset", by UTF-8 length.
    private static let oldAPIKeysByLength: [[String]] = {
        let names = Array(topLevelHostConfigKeys) + ["Cpuset"]
        var byLength = [[String]](repeating: [], count: (names.map(\.utf8.count).max() ?? 0) + 1)
        for name in names { byLength[name.utf8.count].append(name) }
        return byLength
    }()

    /// Top-level keys that route into the embedded Config (both lines).
    public static let configKeys: Set<String> = Set(configFields.map(\.name))

    /// getHostConfig() copies these from the top level into "HostConfig" when
    /// the inner value is zero (20.10 only).
    public static let mergedTopLevelKeys: [String] = ["Memory", "MemorySwap", "CpuShares", "CpusetCpus", "VolumeDriver"]

    /// The HostConfig the daemon's decoder hands to the create (or old start)
    /// handler, computed from a body decoded against ``wrapper``: a
    /// `.structure` in ``BodySchemas/Container/hostConfig`` field order, or nil
    /// when the daemon gets no HostConfig. Reproduces 20.10's getHostConfig
    /// (incl. the Cpuset copy) and 28.x's plain "HostConfig"; it does not apply
    /// NetworkMode defaulting nor the handler's version-gated adjustments.
    ///
    /// The embedded HostConfig counts as present when any top-level
    /// HostConfig key is present in `body` (GoDecoder leaves out keys whose
    /// value was null on a non-pointer field; the forwarded re-encoding omits
    /// them too, so this matches what the daemon will see from us).
    public static func effectiveHostConfig(of body: GoValue, daemon: DaemonLine) -> GoValue? {
        guard case .structure(let fields) = body else { return nil }
        var inner: [GoFieldValue]?
        var cpuset = ""
        var top: [String: GoValue] = [:]
        for f in fields {
            switch f.name {
            case "HostConfig":
                if case .pointer(.structure(let s)) = f.value { inner = s } else { inner = nil }
            case "Cpuset":
                if case .string(let s) = f.value { cpuset = s }
            default:
                if topLevelHostConfigKeys.contains(f.name) { top[f.name] = f.value }
            }
        }

        if daemon == .docker28 {
            return inner.map { .structure($0) }
        }

        var hc: [String: GoValue]
        if let inner {
            hc = Dictionary(inner.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
            for key in mergedTopLevelKeys {
                if let t = top[key], !isZero(t), isZero(hc[key] ?? .null) { hc[key] = t }
            }
        } else if !top.isEmpty {
            hc = top
        } else {
            return nil
        }
        if !cpuset.isEmpty, isZero(hc["CpusetCpus"] ?? .null) { hc["CpusetCpus"] = .string(cpuset) }

        let ordered = BodySchemas.Container.hostConfig.fields.compactMap { f in
            hc[f.name].map { GoFieldValue(f.name, $0) }
        }
        return .structure(ordered)
    }

    /// Go zero value test for the scalar kinds getHostConfig compares.
    static func isZero(_ v: GoValue) -> Bool {
        switch v {
        case .null: true
        case .int(let i): i == 0
        case .uint(let u): u == 0
        case .string(let s): s.isEmpty
        case .bool(let b): !b
        case .float(let d): d == 0
        default: false
        }
    }
}
