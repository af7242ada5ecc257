/// What a Dockerfile makes the daemon resolve or fetch, as dockerd 20.10's
/// classic builder (buildkit v0.8 parser and instructions vendored in it)
/// reads it. Pure.
///
/// Mirrored from dockerd v20.10.24: `builder/dockerfile` (builder.go,
/// dispatchers.go, evaluator.go, buildargs.go) and the vendored
/// `frontend/dockerfile/{parser,instructions,shell}`:
/// - every stage runs (the proxy never passes `target` on, so this is a
///   superset of a targeted build);
/// - `FROM` expands with the meta ARGs only (declared before the first
///   `FROM`; a build arg overrides a declared one; the proxy build args
///   `HTTP_PROXY` & co. apply undeclared); an unset variable is empty;
///   `scratch` and names of stages already built are no images;
/// - `COPY --from` is never expanded; a name of a stage already built or an
///   index is no image; anything else is an image reference;
/// - an `ADD` source is expanded with the base image's ENV (unknown here):
///   any variable in it is undecidable; `http://` and `https://` sources are
///   downloaded;
/// - `ONBUILD` triggers are reported with `onBuild` (they run in builds
///   `FROM` the image); a later stage `FROM` an earlier one runs that
///   stage's triggers in this very build: reported again without `onBuild`.
///
/// Not known from the Dockerfile: the `ONBUILD` triggers of the base images
/// themselves (they are in the images' configs).
public enum Dockerfile {
    /// - Parameters:
    ///   - text: the Dockerfile's bytes.
    ///   - buildArgs: the build's `buildargs` query parameter (JSON object of
    ///     string or null values), decoded; they override ARG defaults.
    public static func references(_ text: [UInt8], buildArgs: [String: String?]) -> DockerfileParse {
        do {
            var build = try ClassicBuild(text, buildArgs: buildArgs)
            try build.run()
            return .parsed(build.references)
        } catch {
            return .undecidable(reason: error.reason, line: error.line)
        }
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
