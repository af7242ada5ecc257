/// The Dockerfile's lines as buildkit v0.8's `parser.Parse` (vendored in
/// dockerd 20.10) reads them: directives, comments, line continuation, the
/// instruction word and its `--flags`, and the per-instruction argument
/// splitting. Go's regular expressions and `unicode` predicates are written
/// out by hand; where Go's byte-level quirks would need mirroring byte for
/// byte (non-ASCII bytes inside `--flags`), the reader gives up instead.

typealias Scalars = [Unicode.Scalar]

/// Something the daemon refuses, or that sockwarden cannot decide.
struct DockerfileError: Error {
    let reason: String
    let line: Int
}

/// One instruction as the parser hands it on (a `Node` with its flags).
struct DockerfileNode {
    /// The instruction word, lower-cased as Go's `strings.ToLower` does.
    let command: String
    /// Builder flags (`--from=x`) with quotes and `\` escapes removed.
    let flags: [String]
    /// What follows the flags, trimmed.
    let rest: Scalars
    /// The whole (joined) line, as `Node.Original`.
    let original: Scalars
    /// 1-based line of the instruction's start.
    let line: Int
}

enum DockerfileSyntax {
    static let knownCommands: Set<String> = [
        "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck",
        "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir",
    ]

    // MARK: character classes

    /// Go's `unicode.IsSpace`.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `reWhitespace`: `[\t\v\f\r ]`.
    static func isRegexWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || c == "\u{0B}" || c == "\u{0C}" || c == "\r" || c == " "
    }

    /// RE2's `\s`: `[\t\n\f\r ]`.
    static func isPerlSpace(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || c == "\n" || c == "\u{0C}" || c == "\r" || c == " "
    }

    static func trimLeft(_ s: Scalars) -> Scalars {
        Scalars(s.drop(while: isSpace))
    }

    /// Go's `strings.TrimSpace`.
    static func trim(_ s: Scalars) -> Scalars {
        var lo = s.startIndex, hi = s.endIndex
        while lo < hi, isSpace(s[lo]) { lo += 1 }
        while hi > lo, isSpace(s[hi - 1]) { hi -= 1 }
        return Scalars(s[lo..<hi])
    }

    /// Go's `strings.ToLower` where the result can be ASCII (`İ` → `i`,
    /// Kelvin sign → `k`); other non-ASCII scalars are kept (they can never
    /// equal an instruction word or a stage name).
    static func goLower(_ s: Scalars) -> String {
        var out = String.UnicodeScalarView()
        for c in s {
            switch c.value {
            case 0x41...0x5A: out.append(Unicode.Scalar(c.value + 0x20)!)
            case 0x130: out.append("i")
            case 0x212A: out.append("k")
            default: out.append(c)
            }
        }
        return String(out)
    }

    static func string(_ s: some Sequence<Unicode.Scalar>) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: s)
        return String(v)
    }

    // MARK: lines

    /// `bufio.Scanner` with `ScanLines`, decoded: lines without their `\n`
    /// (and one trailing `\r`).
    static func lines(_ text: [UInt8]) throws(DockerfileError) -> [Scalars] {
        var result: [Scalars] = []
        var start = 0
        var index = 0
        func take(_ end: Int) throws(DockerfileError) {
            var stop = end
            if stop > start, text[stop - 1] == 0x0D { stop -= 1 }
            if end - start > 65535 {
                throw DockerfileError(reason: "line \(result.count + 1): longer than the daemon reads (64 KiB); shorten it", line: result.count + 1)
            }
            var decoded = Scalars()
            var iterator = text[start..<stop].makeIterator()
            var utf8 = UTF8()
            decoding: while true {
                switch utf8.decode(&iterator) {
                case .scalarValue(let c): decoded.append(c)
                case .emptyInput: break decoding
                case .error:
                    throw DockerfileError(reason: "line \(result.count + 1): not valid UTF-8; save the Dockerfile as UTF-8", line: result.count + 1)
                }
            }
            result.append(decoded)
        }
        while index < text.count {
            if text[index] == 0x0A {
                try take(index)
                start = index + 1
            }
            index += 1
        }
        if start < text.count { try take(text.count) }
        return result
    }

    struct Directives {
        var escape: Unicode.Scalar = "\\"
        var done = false
        var seen: Set<String> = []

        /// `possibleParserDirective`.
        mutating func consider(_ line: Scalars, lineNumber: Int) throws(DockerfileError) {
            if done { return }
            guard let (key, value) = DockerfileSyntax.directive(line) else {
                done = true
                return
            }
            let k = key.lowercased()
            guard k == "escape" || k == "syntax" else {
                done = true
                return
            }
            if seen.contains(k) {
                throw DockerfileError(reason: "line \(lineNumber): only one \(k) parser directive can be used", line: lineNumber)
            }
            seen.insert(k)
            if k == "escape" {
                if value == ["`"] || value == ["\\"] {
                    escape = value[0]
                } else {
                    throw DockerfileError(reason: "line \(lineNumber): invalid escape token '\(DockerfileSyntax.string(value))' does not match ` or \\", line: lineNumber)
                }
            }
        }
    }

    /// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
    static func directive(_ s: Scalars) -> (String, Scalars)? {
        var i = 0
        guard i < s.count, s[i] == "#" else { return nil }
        i += 1
        while i < s.count, isPerlSpace(s[i]) { i += 1 }
        func isAlpha(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        guard i < s.count, isAlpha(s[i]) else { return nil }
        let keyStart = i
        while i < s.count, isAlpha(s[i]) || ("0"..."9").contains(s[i]) { i += 1 }
        let key = string(s[keyStart..<i])
        while i < s.count, isPerlSpace(s[i]) { i += 1 }
        guard i < s.count, s[i] == "=" else { return nil }
        i += 1
        let remainder = s[i...]
        guard !remainder.isEmpty else { return nil }
        var value = remainder.drop(while: isPerlSpace)
        if value.isEmpty {
            // `\s*` gives back one character for `.+?`.
            return (key, [remainder.last!])
        }
        while let last = value.last, isPerlSpace(last) { value = value.dropLast() }
        return (key, Scalars(value))
    }

    /// `trimContinuationCharacter`: the line without its continuation token,
    /// and whether the instruction ends here.
    static func trimContinuation(_ s: Scalars, escape: Unicode.Scalar) -> (Scalars, Bool) {
        var end = s.count
        while end > 0, s[end - 1] == " " || s[end - 1] == "\t" { end -= 1 }
        guard end > 0, s[end - 1] == escape else { return (s, true) }
        if end == 1 { return ([], false) }
        if s[end - 2] == escape { return (s, true) }
        return (Scalars(s[..<(end - 1)]), false)
    }

    static func isComment(_ s: Scalars) -> Bool {
        trimLeft(s).first == "#"
    }

    /// `parser.Parse`: the instructions, each with its start line.
    static func parse(_ text: [UInt8]) throws(DockerfileError) -> (nodes: [DockerfileNode], escape: Unicode.Scalar) {
        var all = try lines(text)
        if let first = all.first, first.first == "\u{FEFF}" { all[0].removeFirst() }
        return try parse(lines: all)
    }

    static func parse(lines all: [Scalars]) throws(DockerfileError) -> (nodes: [DockerfileNode], escape: Unicode.Scalar) {
        var d = Directives()
        var nodes: [DockerfileNode] = []
        var index = 0
        var currentLine = 0

        func processLine(_ raw: Scalars, stripLeft: Bool, lineNumber: Int) throws(DockerfileError) -> Scalars {
            let token = stripLeft ? trimLeft(raw) : raw
            try d.consider(token, lineNumber: lineNumber)
            return token.first == "#" ? [] : token
        }

        while index < all.count {
            let first = all[index]
            index += 1
            let processed = try processLine(first, stripLeft: true, lineNumber: currentLine + 1)
            currentLine += 1
            let startLine = currentLine
            var (line, endOfLine) = trimContinuation(processed, escape: d.escape)
            if endOfLine && line.isEmpty { continue }
            while !endOfLine && index < all.count {
                let raw = all[index]
                index += 1
                let next = try processLine(raw, stripLeft: false, lineNumber: currentLine + 1)
                currentLine += 1
                if isComment(raw) { continue }
                if next.allSatisfy(isSpace) { continue }
                let (continuation, end) = trimContinuation(next, escape: d.escape)
                endOfLine = end
                line += continuation
            }
            nodes.append(try node(line, lineNumber: startLine))
        }
        if nodes.isEmpty {
            throw DockerfileError(reason: "line \(currentLine): the Dockerfile has no instructions (the daemon refuses it too)", line: currentLine)
        }
        return (nodes, d.escape)
    }

    /// `splitCommand` (the parse functions run later, per instruction).
    static func node(_ line: Scalars, lineNumber: Int) throws(DockerfileError) -> DockerfileNode {
        let trimmed = trim(line)
        var cut = 0
        while cut < trimmed.count, !isRegexWhitespace(trimmed[cut]) { cut += 1 }
        let command = goLower(Scalars(trimmed[..<cut]))
        var flags: [String] = []
        var rest = Scalars()
        if cut < trimmed.count {
            var after = cut
            while after < trimmed.count, isRegexWhitespace(trimmed[after]) { after += 1 }
            (rest, flags) = try extractBuilderFlags(Scalars(trimmed[after...]), lineNumber: lineNumber)
        }
        return DockerfileNode(command: command, flags: flags, rest: trim(rest), original: line, line: lineNumber)
    }

    /// `extractBuilderFlags`. Go walks the bytes here (`\` always escapes,
    /// whatever the escape directive says); a non-ASCII byte inside a flag
    /// word would be mangled byte by byte, so that is not decided.
    static func extractBuilderFlags(_ line: Scalars, lineNumber: Int) throws(DockerfileError) -> (Scalars, [String]) {
        enum Phase { case spaces, word, quote }
        var words: [String] = []
        var phase = Phase.spaces
        var word = Scalars()
        var quote: Unicode.Scalar = "\0"
        var blankOK = false
        var pos = 0
        func asciiSpace(_ c: Unicode.Scalar) -> Bool { c.value < 0x80 && isSpace(c) }
        func refuseNonASCII(_ c: Unicode.Scalar) throws(DockerfileError) {
            if c.value >= 0x80 {
                throw DockerfileError(reason: "line \(lineNumber): non-ASCII characters in the instruction's --flags; write the flags in ASCII", line: lineNumber)
            }
        }
        while pos <= line.count {
            let ch: Unicode.Scalar = pos < line.count ? line[pos] : "\0"
            if phase == .spaces {
                if pos == line.count { break }
                if asciiSpace(ch) {
                    pos += 1
                    continue
                }
                if ch != "-" || pos + 1 == line.count || line[pos + 1] != "-" {
                    return (Scalars(line[pos...]), words)
                }
                phase = .word
            }
            if phase != .spaces && pos == line.count {
                if string(word) != "--" && (blankOK || !word.isEmpty) { words.append(string(word)) }
                break
            }
            try refuseNonASCII(ch)
            if phase == .word {
                if asciiSpace(ch) {
                    phase = .spaces
                    if string(word) == "--" { return (Scalars(line[pos...]), words) }
                    if blankOK || !word.isEmpty { words.append(string(word)) }
                    word = []
                    blankOK = false
                    pos += 1
                    continue
                }
                if ch == "'" || ch == "\"" {
                    quote = ch
                    blankOK = true
                    phase = .quote
                    pos += 1
                    continue
                }
                var c = ch
                if c == "\\" {
                    if pos + 1 == line.count {
                        pos += 1
                        continue
                    }
                    pos += 1
                    c = line[pos]
                    try refuseNonASCII(c)
                }
                word.append(c)
                pos += 1
                continue
            }
            // quote
            if ch == quote {
                phase = .word
                pos += 1
                continue
            }
            var c = ch
            if c == "\\" {
                if pos + 1 == line.count {
                    phase = .word
                    pos += 1
                    continue
                }
                pos += 1
                c = line[pos]
                try refuseNonASCII(c)
            }
            word.append(c)
            pos += 1
        }
        return ([], words)
    }

    // MARK: argument splitting

    /// `parseStringsWhitespaceDelimited`.
    static func whitespaceDelimited(_ rest: Scalars) -> [Scalars] {
        if rest.isEmpty { return [] }
        return rest.split(omittingEmptySubsequences: true, whereSeparator: isRegexWhitespace).map(Scalars.init)
    }

    /// `parseMaybeJSONToList` (ADD, COPY): the arguments, or a parse error.
    static func maybeJSONToList(_ rest: Scalars, lineNumber: Int, instruction: String) throws(DockerfileError) -> [Scalars] {
        switch GoJSONArray.parse(trimLeft(rest)) {
        case .strings(let values):
            return values
        case .notStringArray:
            throw DockerfileError(reason: "line \(lineNumber): \(instruction): when using JSON array syntax, arrays must be comprised of strings only (the daemon refuses it too)", line: lineNumber)
        case .notJSON:
            return whitespaceDelimited(rest)
        }
    }

    /// `parseWords` (ARG): words with quotes and escapes kept.
    static func words(_ rest: Scalars, escape: Unicode.Scalar) -> [Scalars] {
        enum Phase { case spaces, word, quote }
        var words: [Scalars] = []
        var phase = Phase.spaces
        var word = Scalars()
        var quote: Unicode.Scalar = "\0"
        var blankOK = false
        var pos = 0
        while pos <= rest.count {
            let ch: Unicode.Scalar = pos < rest.count ? rest[pos] : "\0"
            if phase == .spaces {
                if pos == rest.count { break }
                if isSpace(ch) {
                    pos += 1
                    continue
                }
                phase = .word
            }
            if phase != .spaces && pos == rest.count {
                if blankOK || !word.isEmpty { words.append(word) }
                break
            }
            if phase == .word {
                if isSpace(ch) {
                    phase = .spaces
                    if blankOK || !word.isEmpty { words.append(word) }
                    word = []
                    blankOK = false
                    pos += 1
                    continue
                }
                if ch == "'" || ch == "\"" {
                    quote = ch
                    blankOK = true
                    phase = .quote
                }
                var c = ch
                if c == escape {
                    if pos + 1 == rest.count {
                        pos += 1
                        continue
                    }
                    word.append(c)
                    pos += 1
                    c = rest[pos]
                }
                word.append(c)
                pos += 1
                continue
            }
            // quote
            if ch == quote { phase = .word }
            var c = ch
            if c == escape && quote != "'" {
                if pos + 1 == rest.count {
                    phase = .word
                    pos += 1
                    continue
                }
                pos += 1
                word.append(c)
                c = rest[pos]
            }
            word.append(c)
            pos += 1
        }
        return words
    }

    /// `BFlags.Parse` for string flags: the values given, by name.
    static func parseFlags(_ flags: [String], allowed: Set<String>, lineNumber: Int, instruction: String) throws(DockerfileError) -> [String: String] {
        var values: [String: String] = [:]
        func fail(_ message: String) -> DockerfileError {
            DockerfileError(reason: "line \(lineNumber): \(instruction): \(message) (the daemon refuses it too)", line: lineNumber)
        }
        for flag in flags {
            guard flag.hasPrefix("--") else { throw fail("Arg should start with -- : \(flag)") }
            if flag == "--" { break }
            let body = flag.dropFirst(2)
            guard let equals = body.firstIndex(of: "=") else {
                if allowed.contains(String(body)) { throw fail("Missing a value on flag: \(body)") }
                throw fail("Unknown flag: \(body)")
            }
            let name = String(body[..<equals])
            guard allowed.contains(name) else { throw fail("Unknown flag: \(name)") }
            guard values[name] == nil else { throw fail("Duplicate flag specified: \(name)") }
            values[name] = String(body[body.index(after: equals)...])
        }
        return values
    }
}
