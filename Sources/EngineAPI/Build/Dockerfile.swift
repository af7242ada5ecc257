/// What a Dockerfile makes the daemon resolve or fetch, as dockerd 20.10's
/// classic builder (buildkit v0.8 parser and instructions vendored in it)
/// reads it. Pure.
///
/// STUB: the interface the proxy codes against; the parser is being written
/// (it finds nothing decidable until then).
public enum Dockerfile {
    /// - Parameters:
    ///   - text: the Dockerfile's bytes.
    ///   - buildArgs: the build's `buildargs` query parameter (JSON object of
    ///     string or null values), decoded; they override ARG defaults.
    public static func references(_ text: [UInt8], buildArgs: [String: String?]) -> DockerfileParse {
        .undecidable(reason: "sockwarden cannot read Dockerfiles yet", line: 0)
    }
}

public enum DockerfileParse: Sendable, Equatable {
    case parsed([DockerfileReference])
    /// Something sockwarden cannot decide the way the daemon would (a
    /// variable it cannot expand where the value matters, an unknown
    /// construct): the build is refused with this reason.
    case undecidable(reason: String, line: Int)
}

public struct DockerfileReference: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// `FROM <image>`: an image the daemon resolves (and pulls if missing).
        case from
        /// `COPY --from=<image>` naming an image, not a stage.
        case copyFrom
        /// An `ADD` source the daemon downloads (`http://`, `https://`).
        case addURL
    }

    public let kind: Kind
    /// The image reference or URL after variable expansion, as the daemon uses it.
    public let value: String
    /// 1-based line of the instruction's first line.
    public let line: Int
    /// Inside `ONBUILD`: runs in builds `FROM` the resulting image.
    public let onBuild: Bool

    public init(kind: Kind, value: String, line: Int, onBuild: Bool = false) {
        self.kind = kind
        self.value = value
        self.line = line
        self.onBuild = onBuild
    }
}
