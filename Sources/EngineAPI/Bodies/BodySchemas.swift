import GoJSON

/// The Go types dockerd decodes request bodies into, written as `GoType`s so
/// that GoJSON can decode a body exactly as the daemon's `encoding/json` does.
///
/// Source of truth: moby v20.10.24 (API 1.41) and v28.5.2 (API 1.51; 28.3+
/// all serve 1.51). Each schema is the UNION of both lines' fields: a field
/// only one line has is listed and commented "20.10 only" / "28.x only".
/// Only `strslice.StrSlice` has a custom UnmarshalJSON among these types (see
/// ``StrSlice``); `filters.Args`, `types.PluginInterfaceType` and
/// `registry.NetIPNet` have one too but appear in no request body here, and no
/// type involved implements `encoding.TextUnmarshaler`.
///
/// Pure value descriptions; immutable, `Sendable`, safe from any thread.
public enum BodySchemas {
    /// POST /containers/create. See ``ContainerCreateBody`` for how each key
    /// reaches the daemon.
    public static let containerCreate: GoType = .structure(ContainerCreateBody.wrapper)
    /// POST /containers/{id}/start: 20.10 only, API < 1.24, non-trivial body:
    /// the same wrapper as create, reduced to a HostConfig. See ``ContainerStartBody``.
    public static let containerStart: GoType = .structure(ContainerCreateBody.wrapper)
    /// POST /containers/{id}/update: container.UpdateConfig.
    public static let containerUpdate: GoType = .structure(Container.updateConfig)
    /// POST /commit: decoded with the SAME decoder as create (DecodeConfig:
    /// 20.10 ContainerConfigWrapper, 28.x CreateRequest), so HostConfig keys
    /// are accepted and validated, but only the Config part is used (as the
    /// new image's config). The rest is in the query: container, repo, tag,
    /// author, comment, pause (bool; default true), changes (repeated;
    /// Dockerfile instructions applied to the image config).
    public static let containerCommit: GoType = .structure(ContainerCreateBody.wrapper)
    /// POST /containers/{id}/exec.
    public static let execCreate: GoType = .structure(Exec.options)
    /// POST /volumes/create.
    public static let volumeCreate: GoType = .structure(Volume.createOptions)
    /// POST /networks/create.
    public static let networkCreate: GoType = .structure(Network.createRequest)
    /// POST /networks/{id}/connect.
    public static let networkConnect: GoType = .structure(Network.connectOptions)
    /// POST /swarm/init.
    public static let swarmInit: GoType = .structure(Swarm.initRequest)
    /// POST /swarm/join.
    public static let swarmJoin: GoType = .structure(Swarm.joinRequest)
    /// POST /swarm/update (query: version (uint64, required), rotateWorkerToken,
    /// rotateManagerToken, rotateManagerUnlockKey (strconv.ParseBool)).
    public static let swarmUpdate: GoType = .structure(Swarm.spec)
    /// POST /services/create (header X-Registry-Auth).
    public static let serviceCreate: GoType = .structure(Swarm.serviceSpec)
    /// POST /services/{id}/update (query: version (uint64, required),
    /// registryAuthFrom, rollback; header X-Registry-Auth).
    public static let serviceUpdate: GoType = .structure(Swarm.serviceSpec)
    /// POST /plugins/{name}/set.
    public static let pluginSet: GoType = Plugin.setArgs
    /// POST /plugins/pull (query: remote, name; header X-Registry-Auth).
    public static let pluginPull: GoType = Plugin.privileges
    /// POST /plugins/{name}/upgrade (query: remote; header X-Registry-Auth).
    public static let pluginUpgrade: GoType = Plugin.privileges

    /// Every body this file describes, keyed by catalogue route name.
    public static let all: [BodySpec] = [
        BodySpec("container.create", .json(containerCreate),
                 v20_10: .init(contentType: .mustBeJSON, trailingData: .ignored, emptyBody: .error),
                 v28: .init(contentType: .mustBeJSON, trailingData: .rejected, emptyBody: .error)),
        BodySpec("container.start", .json(containerStart),
                 v20_10: .init(contentType: .mustBeJSON, trailingData: .ignored, emptyBody: .error),
                 v28: nil),
        BodySpec("container.update", .json(containerUpdate),
                 v20_10: .init(contentType: .mustBeJSON, trailingData: .ignored, emptyBody: .error),
                 v28: .readJSON),
        BodySpec("container.commit", .json(containerCommit),
                 v20_10: .init(contentType: .mustBeJSON, trailingData: .ignored, emptyBody: .zeroValue),
                 v28: .init(contentType: .mustBeJSON, trailingData: .rejected, emptyBody: .zeroValue)),
        BodySpec("exec.create", .json(execCreate),
                 v20_10: .init(contentType: .mustBeJSON, trailingData: .ignored, emptyBody: .error),
                 v28: .readJSON),
        BodySpec("volume.create", .json(volumeCreate),
                 v20_10: .init(contentType: .mustBeJSON, trailingData: .ignored, emptyBody: .error),
                 v28: .readJSON),
        BodySpec("network.create", .json(networkCreate),
                 v20_10: .init(contentType: .mustBeJSON, trailingData: .ignored, emptyBody: .error),
                 v28: .readJSON),
        BodySpec("network.connect", .json(networkConnect),
                 v20_10: .init(contentType: .mustBeJSON, trailingData: .ignored, emptyBody: .error),
                 v28: .readJSON),
        BodySpec("swarm.init", .json(swarmInit), v20_10: .plainDecode, v28: .readJSON),
        BodySpec("swarm.join", .json(swarmJoin), v20_10: .plainDecode, v28: .readJSON),
        BodySpec("swarm.update", .json(swarmUpdate), v20_10: .plainDecode, v28: .readJSON),
        BodySpec("service.create", .json(serviceCreate), v20_10: .plainDecode, v28: .readJSON),
        BodySpec("service.update", .json(serviceUpdate), v20_10: .plainDecode, v28: .readJSON),
        BodySpec("plugin.set", .json(pluginSet), v20_10: .plainDecode, v28: .readJSON),
        BodySpec("plugin.pull", .json(pluginPull),
                 v20_10: .init(contentType: .any, trailingData: .rejected, emptyBody: .error),
                 v28: .readJSON),
        BodySpec("plugin.upgrade", .json(pluginUpgrade),
                 v20_10: .init(contentType: .any, trailingData: .rejected, emptyBody: .error),
                 v28: .readJSON),
        // A tar stream: the plugin's rootfs/ plus config.json (which declares the
        // plugin's mounts, devices, capabilities, network/ipc/pid host modes...).
        // Query: name. Creating a plugin is equivalent to root on the host.
        BodySpec("plugin.create", .tar, v20_10: nil, v28: nil),
        // A tar (or gzip/bzip2/xz) build context, or a plain Dockerfile, or empty
        // with ?remote=. Everything the daemon judges is in the query: ``BuildQuery``.
        BodySpec("build.image", .tar, v20_10: nil, v28: nil),
    ]

    /// The body description for a catalogue route name, if this folder has one.
    public static func spec(forRoute name: String) -> BodySpec? {
        all.first { $0.route == name }
    }
}

/// The two daemon lines whose behaviour the schemas reproduce.
public enum DaemonLine: Sendable, Hashable, CaseIterable {
    /// Docker 20.10.24 (API 1.12 … 1.41).
    case docker20_10
    /// Docker 28.x (API 1.24 … 1.51 at 28.3+).
    case docker28
}

/// What a route's body is and how each daemon line reads it.
public struct BodySpec: Sendable {
    public enum Kind: Sendable {
        /// JSON decoded with encoding/json into this type (zero value first).
        case json(GoType)
        /// Not JSON: an archive/stream the daemon does not decode as JSON.
        case tar
    }

    /// Catalogue route name, e.g. "container.create".
    public let route: String
    public let kind: Kind
    /// How 20.10.24 reads the body; nil when it does not decode it as JSON.
    public let v20_10: BodyReading?
    /// How 28.x reads the body; nil when it does not decode it as JSON
    /// (container.start: any body > 7 bytes is refused with 400).
    public let v28: BodyReading?

    init(_ route: String, _ kind: Kind, v20_10: BodyReading?, v28: BodyReading?) {
        self.route = route
        self.kind = kind
        self.v20_10 = v20_10
        self.v28 = v28
    }

    public func reading(for daemon: DaemonLine) -> BodyReading? {
        switch daemon {
        case .docker20_10: v20_10
        case .docker28: v28
        }
    }
}

/// The HTTP-level rules around the JSON decode, per route and daemon line.
public struct BodyReading: Sendable, Hashable {
    public enum ContentType: Sendable, Hashable {
        /// httputils.CheckForJSON: passes when Content-Type is absent AND the
        /// body is empty (ContentLength == 0); otherwise the media type (params
        /// allowed, e.g. "; charset=utf-8") must be exactly application/json.
        case mustBeJSON
        /// Not checked.
        case any
    }

    public enum TrailingData: Sendable, Hashable {
        /// One `json.Decoder.Decode`: bytes after the first JSON value are
        /// never read or validated.
        case ignored
        /// `dec.More()` after Decode: refused unless only whitespace follows.
        /// Quirk: More() is false when the next non-space byte is ']' or '}',
        /// so `{…}}` or `{…}]` is still accepted.
        case rejected
    }

    public enum EmptyBody: Sendable, Hashable {
        /// io.EOF is an error (400, or 500 where 20.10 returns the raw error).
        case error
        /// An empty body is accepted and means the zero value.
        case zeroValue
        /// 28.x httputils.ReadJSON: a body with ContentLength == 0 is accepted
        /// as the zero value; an empty chunked body is "invalid JSON: got EOF".
        case zeroValueIfContentLengthZero
    }

    public let contentType: ContentType
    public let trailingData: TrailingData
    public let emptyBody: EmptyBody

    public init(contentType: ContentType, trailingData: TrailingData, emptyBody: EmptyBody) {
        self.contentType = contentType
        self.trailingData = trailingData
        self.emptyBody = emptyBody
    }

    /// 28.x `httputils.ReadJSON`.
    public static let readJSON = BodyReading(contentType: .mustBeJSON, trailingData: .rejected,
                                             emptyBody: .zeroValueIfContentLengthZero)
    /// 20.10 `json.NewDecoder(r.Body).Decode(&v)` with no Content-Type check.
    public static let plainDecode = BodyReading(contentType: .any, trailingData: .ignored, emptyBody: .error)
}
