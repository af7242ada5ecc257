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
/// The `ONBUILD` triggers of the base images themselves are in the images'
/// configs: `baseImage` gives them (the proxy asks the daemon); each runs at
/// its `FROM` as dockerd runs it (parsed on its own with `\`, its words
/// expanded with the Dockerfile's escape token, in this build's stages).
public enum Dockerfile {
    /// - Parameters:
    ///   - text: the Dockerfile's bytes.
    ///   - buildArgs: the build's `buildargs` query parameter (JSON object of
    ///     string or null values), decoded; they override ARG defaults.
    ///   - baseImage: what the daemon has for a base image `FROM` names.
    public static func references(_ text: [UInt8], buildArgs: BuildArgs,
                                  baseImage: @escaping (String) -> BaseImageLookup = { _ in .absent }) -> DockerfileParse {
        var stageBases: [Int] = []
        return references(text, buildArgs: buildArgs, baseImage: baseImage, stageBases: &stageBases)
    }

    /// `references`, and in `stageBases` the lines of the `FROM`s that take
    /// a stage already built as their base. That stage's image is its last
    /// step's, and the build cache can give a step any image on the daemon
    /// with the right parent and config (or, from `cachefrom`, history),
    /// with `ONBUILD` triggers nobody read: they run at such a `FROM`.
    public static func references(_ text: [UInt8], buildArgs: BuildArgs,
                                  baseImage: @escaping (String) -> BaseImageLookup,
                                  stageBases: inout [Int]) -> DockerfileParse {
        do {
            var build = try ClassicBuild(text, buildArgs: buildArgs, baseImage: baseImage)
            try build.run()
            stageBases = build.stageBases
            return .parsed(build.references)
        } catch {
            return .undecidable(reason: error.reason, line: error.line)
        }
    }
}

/// A base image as the daemon has it, for its `ONBUILD` triggers.
public enum BaseImageLookup: Sendable, Equatable {
    /// Not on the daemon (it pulls the image during the build, with triggers
    /// nobody read), or not to be read (another job's image: refused later).
    case absent
    /// Its `Config.OnBuild`, in order.
    case triggers([String])
    /// The daemon could not say: the build is refused with this reason.
    case refused(String)
}

extension Dockerfile {
    /// What stored `ONBUILD` triggers (an image config's `OnBuild`, as a
    /// commit body sets it) resolve or fetch in a child build: each parsed
    /// on its own as dockerd parses a trigger, read with either escape token
    /// (the child's is unknown), any `COPY --from` but an index an image.
    public static func triggerReferences(_ triggers: [String]) -> DockerfileParse {
        var references: [DockerfileReference] = []
        do {
            for (i, trigger) in triggers.enumerated() {
                if trigger.utf8.contains(10) || trigger.utf8.contains(13) {
                    return .undecidable(reason: "OnBuild[\(i)] spans lines (the daemon refuses such a trigger when it runs)", line: 0)
                }
                references += try ClassicBuild.childReferences(Array(trigger.unicodeScalars), line: 0)
                guard references.count <= ClassicBuild.maxReferences else {
                    return .undecidable(reason: "more than \(ClassicBuild.maxReferences) images and URLs, more than sockwarden reads", line: 0)
                }
            }
        } catch {
            return .undecidable(reason: error.reason, line: 0)
        }
        return .parsed(references.map { DockerfileReference(kind: $0.kind, value: $0.value, line: 0, onBuild: true) })
    }

    /// What the `changes` of a commit or an import resolve or fetch:
    /// dockerd joins them with line breaks and parses them as a Dockerfile
    /// of their own (`BuildFromConfig`: parser directives such as `# escape=`
    /// at its top included), allowing only the commands a commit may set;
    /// their `ONBUILD` triggers are stored and run in builds `FROM` the image.
    public static func changeReferences(_ changes: [String]) -> DockerfileParse {
        guard !changes.isEmpty else { return .parsed([]) }
        var references: [DockerfileReference] = []
        do {
            let (nodes, escape) = try DockerfileSyntax.parse(Array(changes.joined(separator: "\n").utf8))
            for node in nodes {
                guard validCommitCommands.contains(node.command) else {
                    return .undecidable(reason: "\(node.command) is not a valid change command (the daemon refuses it too)", line: node.line)
                }
                if case .onbuild(let expression) = try DockerfileInstruction.parse(node, escape: escape) {
                    references += try ClassicBuild.childReferences(expression, line: node.line)
                    guard references.count <= ClassicBuild.maxReferences else {
                        return .undecidable(reason: "more than \(ClassicBuild.maxReferences) images and URLs, more than sockwarden reads", line: node.line)
                    }
                }
            }
        } catch {
            return .undecidable(reason: error.reason, line: error.line)
        }
        return .parsed(references)
    }

    /// `validCommitCommands` (builder/dockerfile/builder.go).
    static let validCommitCommands: Set<String> = ["cmd", "entrypoint", "healthcheck", "env", "expose", "label",
                                                   "onbuild", "user", "volume", "workdir"]

    /// The facts of Dockerfile references, for judging and the audit record:
    /// images as `image` asks, URLs as `remote_context` asks. `origin` names
    /// where they come from ("Dockerfile", "changes", "OnBuild").
    public static func facts(_ references: [DockerfileReference], origin: String = "Dockerfile") -> RequestFacts {
        RequestFacts(references.flatMap { reference -> [Ask] in
            let instruction: String
            switch reference.kind {
            case .from: instruction = "FROM"
            case .copyFrom: instruction = "COPY --from"
            case .addURL: instruction = "ADD"
            }
            let at = reference.line > 0 ? "\(origin) line \(reference.line)" : origin
            let field = "\(at)\(reference.via.map { " (\($0))" } ?? "") \(reference.onBuild ? "ONBUILD " : "")\(instruction)"
            switch reference.kind {
            case .from, .copyFrom:
                // Pulled when absent (or with pull=1): the registry is contacted.
                return [Ask(.image(reference.value), field: field, value: reference.value),
                        Ask(.registry(RegistryHost.of(reference: reference.value)), field: field, value: reference.value)]
            case .addURL: return [Ask(.remoteContext, field: field, value: reference.value)]
            }
        })
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
    /// Run in this build by a trigger, e.g. "ONBUILD trigger "…" of the base
    /// image x" (nil: a line of the Dockerfile itself).
    public let via: String?

    public init(kind: Kind, value: String, line: Int, onBuild: Bool = false, via: String? = nil) {
        self.kind = kind
        self.value = value
        self.line = line
        self.onBuild = onBuild
        self.via = via
    }

    /// What is resolved or fetched, and where: `via` only words a message.
    public static func == (a: DockerfileReference, b: DockerfileReference) -> Bool {
        a.kind == b.kind && a.value == b.value && a.line == b.line && a.onBuild == b.onBuild
    }
}
