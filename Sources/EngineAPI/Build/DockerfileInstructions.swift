/// The instructions that matter for what a build resolves or fetches, as
/// buildkit v0.8's `instructions.ParseInstruction` reads them (with its
/// errors: the daemon refuses the whole Dockerfile before running anything).
enum DockerfileInstruction {
    case arg([(key: Scalars, value: Scalars?)])
    case from(base: Scalars, name: String?, platform: Scalars?)
    /// The sources (every argument but the destination), not yet expanded.
    case add(sources: [Scalars])
    /// `--from` as written (the classic builder never expands it).
    case copy(from: String?)
    /// The trigger's text, as stored in the image's `OnBuild`.
    case onbuild(expression: Scalars)
    /// The keys of a `LABEL`'s pairs, not yet expanded.
    case label(keys: [Scalars])
    case other

    static func parse(_ node: DockerfileNode, escape: Unicode.Scalar) throws(DockerfileError) -> DockerfileInstruction {
        let line = node.line
        func refused(_ message: String) -> DockerfileError {
            DockerfileError(reason: "line \(line): \(message) (the daemon refuses it too)", line: line)
        }
        switch node.command {
        case "from":
            let args = DockerfileSyntax.whitespaceDelimited(node.rest)
            var name: String?
            if args.count == 3 && isAs(args[1]) {
                let lowered = DockerfileSyntax.goLower(args[2])
                guard isStageName(lowered) else {
                    throw refused("invalid name for build stage: \"\(DockerfileSyntax.string(args[2]))\", name can't start with a number or contain symbols")
                }
                name = lowered
            } else if args.count != 1 {
                throw refused("FROM requires either one or three arguments")
            }
            let flags = try DockerfileSyntax.parseFlags(node.flags, allowed: ["platform"], lineNumber: line, instruction: "FROM")
            return .from(base: args[0], name: name, platform: flags["platform"].map { Array($0.unicodeScalars) })
        case "add", "copy":
            let upper = node.command.uppercased()
            let args = try DockerfileSyntax.maybeJSONToList(node.rest, lineNumber: line, instruction: upper)
            guard args.count >= 2 else {
                throw refused("\(upper) requires at least two arguments, but only one was provided. Destination could not be determined")
            }
            if node.command == "add" {
                _ = try DockerfileSyntax.parseFlags(node.flags, allowed: ["chown", "chmod"], lineNumber: line, instruction: upper)
                return .add(sources: Array(args.dropLast()))
            }
            let flags = try DockerfileSyntax.parseFlags(node.flags, allowed: ["chown", "from", "chmod"], lineNumber: line, instruction: upper)
            return .copy(from: flags["from"])
        case "arg":
            // parseArg never looks at flags.
            let words = DockerfileSyntax.words(node.rest, escape: escape)
            guard !words.isEmpty else { throw refused("ARG requires at least one argument") }
            var pairs: [(key: Scalars, value: Scalars?)] = []
            for word in words {
                if let equals = word.firstIndex(of: "=") {
                    guard equals > 0 else { throw refused("ARG names can not be blank") }
                    pairs.append((Scalars(word[..<equals]), Scalars(word[(equals + 1)...])))
                } else {
                    pairs.append((word, nil))
                }
            }
            return .arg(pairs)
        case "onbuild":
            guard !node.rest.isEmpty else { throw refused("ONBUILD requires at least one argument") }
            // parseSubCommand: the trigger is parsed now (with this file's
            // escape token) and again when it runs.
            let inner = try DockerfileSyntax.node(node.rest, lineNumber: line)
            if inner.command == "add" || inner.command == "copy" {
                _ = try DockerfileSyntax.maybeJSONToList(inner.rest, lineNumber: line, instruction: "ONBUILD \(inner.command.uppercased())")
            }
            _ = try DockerfileSyntax.parseFlags(node.flags, allowed: [], lineNumber: line, instruction: "ONBUILD")
            switch inner.command {
            case "onbuild": throw refused("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
            case "maintainer", "from": throw refused("\(inner.command.uppercased()) isn't allowed as an ONBUILD trigger")
            default: break
            }
            return .onbuild(expression: stripOnbuild(node.original))
        case "label":
            return .label(keys: labelKeys(node.rest, escape: escape))
        default:
            guard DockerfileSyntax.knownCommands.contains(node.command) else {
                throw refused("unknown instruction: \(node.command.uppercased())")
            }
            return .other
        }
    }

    /// `strings.EqualFold(word, "as")` (`ſ` folds to `s`).
    static func isAs(_ word: Scalars) -> Bool {
        word.count == 2 && (word[0] == "a" || word[0] == "A") && (word[1] == "s" || word[1] == "S" || word[1] == "\u{17F}")
    }

    /// `^[a-z][a-z0-9-_\.]*$`.
    static func isStageName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, ("a"..."z").contains(first) else { return false }
        return scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// The original line without `(?i)^\s*ONBUILD\s*`.
    /// `parseNameVal` (LABEL): the key of each `key=value` word, or in the
    /// old form (`LABEL key value`, a first word without "=") the first
    /// whitespace-delimited token. What the daemon refuses is left to it.
    static func labelKeys(_ rest: Scalars, escape: Unicode.Scalar) -> [Scalars] {
        let words = DockerfileSyntax.words(rest, escape: escape)
        guard let first = words.first else { return [] }
        guard first.contains("=") else {
            return DockerfileSyntax.whitespaceDelimited(rest).first.map { [$0] } ?? []
        }
        return words.map { word in
            guard let equals = word.firstIndex(of: "=") else { return word }
            return Scalars(word[..<equals])
        }
    }

    static func stripOnbuild(_ original: Scalars) -> Scalars {
        var i = 0
        while i < original.count, DockerfileSyntax.isPerlSpace(original[i]) { i += 1 }
        let word = Array("onbuild".unicodeScalars)
        guard original.count - i >= word.count else { return original }
        for (k, c) in word.enumerated() {
            let o = original[i + k]
            guard o == c || (o.value >= 0x41 && o.value <= 0x5A && o.value + 0x20 == c.value) else { return original }
        }
        i += word.count
        while i < original.count, DockerfileSyntax.isPerlSpace(original[i]) { i += 1 }
        return Scalars(original[i...])
    }
}
