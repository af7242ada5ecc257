/// The classic builder's run over a parsed Dockerfile
/// (`dispatchDockerfileWithCancellation`), keeping only what decides which
/// images are resolved and which URLs are fetched.
struct ClassicBuild {
    /// `builtinAllowedBuildArgs`: usable without an ARG when given.
    static let builtinArgs: Set<String> = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy"]

    struct Stage {
        var name: String?
        var commands: [(DockerfileInstruction, Int)] = []
        let base: Scalars
        let platform: Scalars?
        let line: Int
    }

    struct Built {
        let name: String?
        /// The image's `OnBuild`: trigger text and the line of its `ONBUILD`.
        var triggers: [(Scalars, Int)]
    }

    /// Most images one Dockerfile may name, and most stages: far beyond any
    /// real build; past them the build is refused rather than judged slowly
    /// (every base image is also looked up on the daemon).
    static let maxReferences = 1000
    static let maxStages = 1000
    /// What one meta ARG or FROM word may expand to, and all of them
    /// together (UTF-8 bytes of variable values): a Dockerfile of a few
    /// hundred bytes whose ARGs double a value line by line otherwise takes
    /// a judging thread exponential time and memory (24 lines: 2.9 s, 40:
    /// a TiB). Build args arrive in the request head (256 KiB at most), so
    /// a real word is far below this.
    static let maxExpandedWordBytes = 1 << 20
    static let maxExpandedBytes = 16 << 20

    let escape: Unicode.Scalar
    let buildArgs: BuildArgs
    /// What the daemon has for a base image (its `ONBUILD` triggers run at
    /// `FROM`, parsed and dispatched as the build's own lines).
    let baseImage: (String) -> BaseImageLookup
    /// Index in `built` of each stage name (lower-cased), for stage lookups
    /// in constant time.
    var builtNames: [String: Int] = [:]
    var metaArgs: [(DockerfileInstruction, Int)] = []
    var stages: [Stage] = []
    /// Declared meta ARGs and their (expanded) defaults, by the name's
    /// bytes (Go's map: canonically equivalent spellings are two names).
    var meta: [[UInt8]: String?] = [:]
    var built: [Built] = []
    var references: [DockerfileReference] = []
    /// Lines of the `FROM`s that name a stage already built: that stage's
    /// image (its last step's, which the build cache may give from any
    /// image on the daemon) is the base, and its `ONBUILD` triggers run.
    var stageBases: [Int] = []
    /// What is left of `maxExpandedBytes`.
    var expansionBudget = ClassicBuild.maxExpandedBytes

    init(_ text: [UInt8], buildArgs: BuildArgs, baseImage: @escaping (String) -> BaseImageLookup = { _ in .absent }) throws(DockerfileError) {
        let (nodes, escape) = try DockerfileSyntax.parse(text)
        self.escape = escape
        self.buildArgs = buildArgs
        self.baseImage = baseImage
        // instructions.Parse: all of it is checked before anything runs.
        for node in nodes {
            let instruction = try DockerfileInstruction.parse(node, escape: escape)
            switch instruction {
            case .from(let base, let name, let platform):
                stages.append(Stage(name: name, base: base, platform: platform, line: node.line))
                if stages.count > Self.maxStages {
                    throw DockerfileError(reason: "line \(node.line): more than \(Self.maxStages) build stages, more than sockwarden reads", line: node.line)
                }
            case .arg where stages.isEmpty:
                metaArgs.append((instruction, node.line))
            default:
                guard !stages.isEmpty else {
                    throw DockerfileError(reason: "line \(node.line): \(node.command.uppercased()) before the first FROM: no build stage in current context (the daemon refuses it too)", line: node.line)
                }
                stages[stages.count - 1].commands.append((instruction, node.line))
            }
        }
    }

    /// `GetAllMeta` (also `GetAllAllowed` while only meta ARGs are known).
    func metaValue(_ name: String) -> String? {
        if let declared = meta[Array(name.utf8)] {
            if case .some(.some(let given)) = buildArgs[name] { return given }
            return declared
        }
        if Self.builtinArgs.contains(name), case .some(.some(let given)) = buildArgs[name] { return given }
        return nil
    }

    mutating func expandWithMeta(_ word: Scalars, line: Int, what: String) throws(DockerfileError) -> String {
        let values = self
        var lexer = ShellWordLexer(escape: escape) { values.metaValue($0) }
        lexer.limit = min(Self.maxExpandedWordBytes, expansionBudget)
        do {
            let result = try lexer.process(word)
            expansionBudget -= result.utf8.count
            return result
        } catch {
            if error.overLimit { throw DockerfileError(reason: "line \(line): \(what): \(error.message)", line: line) }
            throw DockerfileError(reason: "line \(line): \(what): \(error.message) (the daemon refuses it too)", line: line)
        }
    }

    mutating func run() throws(DockerfileError) {
        for (instruction, line) in metaArgs {
            guard case .arg(let pairs) = instruction else { continue }
            var expanded: [(String, String?)] = []
            for (key, value) in pairs {
                let k = try expandWithMeta(key, line: line, what: "ARG")
                // The daemon hands meta ARGs to the word lexer as "key=value"
                // strings and splits each at its first "=": a key `A=1` with
                // value `v` is read as `A` = `1=v` (and, beside a real `A`,
                // as whichever comes last in a Go map's order). sockwarden
                // looked `A` up and found nothing, so `FROM ${A:+host/}img`
                // named another image for the daemon (found 2026-12-02,
                // session 20, by a red-team helper).
                if k.utf8.contains(UInt8(ascii: "=")) {
                    throw DockerfileError(reason: "line \(line): ARG \(DockerfileSyntax.string(key)) names a build argument \(k), with \"=\" in its name, which the daemon reads as another argument (\(k.prefix(while: { $0 != "=" }))); name build arguments without \"=\"", line: line)
                }
                var v: String?
                if let value { v = try expandWithMeta(value, line: line, what: "ARG") }
                expanded.append((k, v))
            }
            for (k, v) in expanded { meta[Array(k.utf8)] = .some(v) }
        }
        for stage in stages {
            if let name = stage.name, builtNames[name] != nil {
                throw DockerfileError(reason: "line \(stage.line): \(name) stage name already used (the daemon refuses it too)", line: stage.line)
            }
            if let platform = stage.platform, !platform.isEmpty {
                _ = try expandWithMeta(platform, line: stage.line, what: "FROM --platform")
            }
            let image = try expandWithMeta(stage.base, line: stage.line, what: "FROM")
            if image.isEmpty {
                throw DockerfileError(reason: "line \(stage.line): FROM \(DockerfileSyntax.string(stage.base)): base name should not be blank; give the ARG a default or pass it as a build arg", line: stage.line)
            }
            var current = Built(name: stage.name, triggers: [])
            let lowered = DockerfileSyntax.goLower(Array(image.unicodeScalars))
            if let index = builtNames[lowered] {
                stageBases.append(stage.line)
                // The stage's image carries its ONBUILD triggers: they run now.
                for (trigger, line) in built[index].triggers {
                    try fire(trigger, line: line, context: "ONBUILD trigger run by the FROM on line \(stage.line)", into: &current)
                }
            } else if image != "scratch" {
                try add(DockerfileReference(kind: .from, value: image, line: stage.line))
                // dispatchTriggeredOnBuild: the base image's own triggers run
                // here, each parsed on its own, in this stage of this build.
                switch baseImage(image) {
                case .absent:
                    break
                case .refused(let why):
                    throw DockerfileError(reason: "line \(stage.line): FROM \(image): \(why)", line: stage.line)
                case .triggers(let triggers):
                    for trigger in triggers {
                        try fire(Array(trigger.unicodeScalars), line: stage.line,
                                 context: "ONBUILD trigger \"\(trigger)\" of the base image \(image)", into: &current)
                    }
                }
            }
            for (instruction, line) in stage.commands {
                try dispatch(instruction, line: line, into: &current, trigger: nil)
            }
            if let name = current.name, builtNames[name] == nil { builtNames[name] = built.count }
            built.append(current)
        }
    }

    mutating func add(_ reference: DockerfileReference) throws(DockerfileError) {
        guard references.count < Self.maxReferences else {
            throw DockerfileError(reason: "line \(reference.line): more than \(Self.maxReferences) images and URLs, more than sockwarden reads", line: reference.line)
        }
        references.append(reference)
    }

    /// `dispatchTriggeredOnBuild`: the trigger parsed on its own (default
    /// escape token), then dispatched in the stage being started.
    mutating func fire(_ trigger: Scalars, line: Int, context: String, into current: inout Built) throws(DockerfileError) {
        let instruction = try Self.parseTrigger(trigger, line: line, context: context)
        if case .from = instruction {
            throw DockerfileError(reason: "line \(line): \(context): FROM is not a command (the daemon refuses it too)", line: line)
        }
        try dispatch(instruction, line: line, into: &current, trigger: context)
    }

    static func parseTrigger(_ trigger: Scalars, line: Int, context: String) throws(DockerfileError) -> DockerfileInstruction {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: trigger)
        do throws(DockerfileError) {
            let (nodes, _) = try DockerfileSyntax.parse(Array(String(text).utf8))
            guard nodes.count == 1 else {
                throw DockerfileError(reason: "onbuild trigger should be a single expression", line: line)
            }
            return try DockerfileInstruction.parse(nodes[0], escape: "\\")
        } catch {
            var reason = error.reason
            // Drop the trigger's own "line 1: ".
            if reason.hasPrefix("line 1: ") { reason.removeFirst(8) }
            throw DockerfileError(reason: "line \(line): \(context): \(reason)", line: line)
        }
    }

    mutating func dispatch(_ instruction: DockerfileInstruction, line: Int, into current: inout Built, trigger: String?) throws(DockerfileError) {
        let prefix = trigger.map { "line \(line): \($0): " } ?? "line \(line): "
        switch instruction {
        case .add(let sources):
            for source in sources {
                for url in try Self.addURLs(source, escapes: [escape], line: line, prefix: prefix) {
                    try add(DockerfileReference(kind: .addURL, value: url, line: line, via: trigger))
                }
            }
        case .copy(let from):
            guard let from, !from.isEmpty else { return }
            if builtNames[DockerfileSyntax.goLower(Array(from.unicodeScalars))] != nil { return }
            if let index = Int64(from) {
                if index == Int64(built.count) {
                    throw DockerfileError(reason: "\(prefix)COPY --from=\(from) refers to current build stage (the daemon refuses it too)", line: line)
                }
                if index < 0 || index > Int64(built.count) {
                    throw DockerfileError(reason: "\(prefix)COPY --from=\(from): index out of bounds (the daemon refuses it too)", line: line)
                }
                return
            }
            try Self.checkCopyFrom(from, line: line, prefix: prefix)
            try add(DockerfileReference(kind: .copyFrom, value: from, line: line, via: trigger))
        case .onbuild(let expression):
            current.triggers.append((expression, line))
            for reference in try Self.childReferences(expression, line: line) { try add(reference) }
        case .label(let keys):
            for key in keys { try Self.checkLabelKey(key, escape: escape, line: line, prefix: prefix) }
        case .arg, .from, .other:
            break
        }
    }

    /// Labels only sockwarden sets. The classic builder gives a stage's
    /// labels to the containers of its later `RUN` steps (their config is
    /// the image's so far; a build's `labels` are added only at its end), so
    /// `LABEL io.sockwarden.job=<another job>` before a `RUN` made that step's
    /// container the other job's: listed, counted against its quota, and
    /// open to its exec, copy and kill while the build ran (found
    /// 2026-11-30, session 12). The create mark (`io.sockwarden.create`,
    /// `CreateMarks` in Tenancy) is how a job socket tells its unanswered
    /// creates, imports and commits in events and reaps: a job's Dockerfile
    /// gave it to its image and its steps' containers (session 16).
    static let reservedLabelKeys = ["io.sockwarden.job", "io.sockwarden.seal", "io.sockwarden.create"]

    /// A `LABEL` key, as the daemon expands it (`ProcessWord`: quotes and
    /// escapes removed, variables from ENV and build args), must not be one
    /// of `reservedLabelKeys`. A key with a variable is refused: its value
    /// may come from an ENV line, which sockwarden does not follow.
    static func checkLabelKey(_ key: Scalars, escape: Unicode.Scalar, line: Int, prefix: String) throws(DockerfileError) {
        if key.contains("$") {
            throw DockerfileError(reason: "\(prefix)LABEL key \(DockerfileSyntax.string(key)) has a variable, which sockwarden does not expand (it could spell a label only sockwarden sets); write the key out", line: line)
        }
        var lexer = ShellWordLexer(escape: escape) { _ in nil }
        // A key the lexer refuses (an open quote) is refused by the daemon too.
        guard let literal = try? lexer.process(key) else { return }
        if reservedLabelKeys.contains(where: { literal.utf8.elementsEqual($0.utf8) }) {
            throw DockerfileError(reason: "\(prefix)LABEL \(literal) is a label only sockwarden sets (the owner of a job's objects, its seal, or the mark of a job's create); remove it", line: line)
        }
    }

    static func checkCopyFrom(_ from: String, line: Int, prefix: String) throws(DockerfileError) {
        // The byte, as Go sees it: a mark after "$" joins it into one Swift
        // Character, and `contains("$")` then missed it.
        if from.bytesContain(UInt8(ascii: "$")) {
            throw DockerfileError(reason: "\(prefix)COPY --from=\(from): the classic builder does not expand variables in --from; write the stage name or the image out", line: line)
        }
    }

    /// The URLs an ADD source is downloaded from: its expansion (with the
    /// base image's ENV, unknown here: any variable is undecidable) when it
    /// starts with the bytes `http://` or `https://` (`urlutil.IsURL`).
    static func addURLs(_ source: Scalars, escapes: [Unicode.Scalar], line: Int, prefix: String) throws(DockerfileError) -> [String] {
        var urls: [String] = []
        var failure: ShellWordLexer.Failure?
        for escape in escapes {
            var lexer = ShellWordLexer(escape: escape) { _ in nil }
            let value: String
            do {
                value = try lexer.process(source)
            } catch {
                if lexer.readVariable { throw variableInADD(line: line, prefix: prefix) }
                failure = error
                continue
            }
            if lexer.readVariable { throw variableInADD(line: line, prefix: prefix) }
            // `urlutil.IsURL` compares bytes. String's hasPrefix compares
            // characters: a mark that joins the "/" before it (U+FE0F, which
            // Go's IDNA mapping then drops from the host) hid the URL.
            if (value.bytesHavePrefix("http://") || value.bytesHavePrefix("https://"))
                && !urls.contains(where: { $0.bytesEqual(value) }) {
                urls.append(value)
            }
        }
        if let failure, escapes.count == 1 {
            throw DockerfileError(reason: "\(prefix)ADD: \(failure.message) (the daemon refuses it too)", line: line)
        }
        return urls
    }

    static func variableInADD(line: Int, prefix: String) -> DockerfileError {
        DockerfileError(reason: "\(prefix)ADD with a variable in its source (its value can come from the base image's ENV); use COPY for local files, or write the URL out (an ADD URL is refused anyway)", line: line)
    }

    /// What an ONBUILD trigger resolves or fetches in a child build: the
    /// child's escape token and stage names are unknown, so an ADD source is
    /// read with either escape token and any `COPY --from` but an index is
    /// an image.
    static func childReferences(_ expression: Scalars, line: Int) throws(DockerfileError) -> [DockerfileReference] {
        let context = "ONBUILD"
        let instruction = try parseTrigger(expression, line: line, context: context)
        let prefix = "line \(line): \(context) "
        switch instruction {
        case .add(let sources):
            var references: [DockerfileReference] = []
            for source in sources {
                for url in try addURLs(source, escapes: ["\\", "`"], line: line, prefix: prefix) {
                    references.append(DockerfileReference(kind: .addURL, value: url, line: line, onBuild: true))
                }
            }
            return references
        case .label(let keys):
            // Run in a child build, with its escape token: either is checked.
            for key in keys {
                for escape: Unicode.Scalar in ["\\", "`"] { try checkLabelKey(key, escape: escape, line: line, prefix: prefix) }
            }
            return []
        case .copy(let from):
            guard let from, !from.isEmpty, Int64(from) == nil else { return [] }
            try checkCopyFrom(from, line: line, prefix: prefix)
            return [DockerfileReference(kind: .copyFrom, value: from, line: line, onBuild: true)]
        case .onbuild(let inner):
            // A trigger that stores itself again, generation after
            // generation, never runs what it names.
            if inner == expression { return [] }
            // Only reachable through an instruction word Go lower-cases to
            // "onbuild" but the trigger-stripping regex does not match.
            return try childReferences(inner, line: line)
        case .from:
            throw DockerfileError(reason: "line \(line): ONBUILD FROM isn't allowed (the daemon refuses it too)", line: line)
        case .arg, .other:
            return []
        }
    }
}
