/// buildkit v0.8's `shell.Lex.ProcessWord` (dockerd 20.10's word expansion):
/// quotes, the escape token, `$VAR`, `${VAR}`, `${VAR:-word}`,
/// `${VAR:+word}`, `${VAR?word}`, `${VAR:?word}`. An unset variable expands
/// to the empty string (the daemon's `SkipUnsetEnv` is off).
struct ShellWordLexer {
    struct Failure: Error {
        let message: String
        /// Refused by sockwarden's `limit`, not by the daemon's rules.
        var overLimit = false
    }

    let escape: Unicode.Scalar
    /// The variables; nil: unset. Called for every variable the word reads.
    let lookup: (String) -> String?
    /// Whether the word read any variable (set or not).
    private(set) var readVariable = false
    /// Bytes of variable values a word may expand to, in all: `ARG A=$A$A`
    /// doubles a value at each line, so 30 lines make a GiB (dockerd would
    /// build it too); past this the word is refused instead of built.
    var limit = Int.max
    private var expanded = 0

    private var s: Scalars = []
    private var pos = 0

    init(escape: Unicode.Scalar, lookup: @escaping (String) -> String?) {
        self.escape = escape
        self.lookup = lookup
    }

    /// The word expanded, or the daemon's error.
    mutating func process(_ word: Scalars) throws(Failure) -> String {
        s = word
        pos = 0
        // text/scanner skips a byte-order mark at the very start.
        if s.first == "\u{FEFF}" { pos = 1 }
        readVariable = false
        expanded = 0
        do {
            return DockerfileSyntax.string(try processStopOn(nil))
        } catch {
            if error.overLimit { throw error }
            throw Failure(message: "failed to process \"\(DockerfileSyntax.string(word))\": \(error.message)")
        }
    }

    private func peek() -> Unicode.Scalar? { pos < s.count ? s[pos] : nil }

    private mutating func next() -> Unicode.Scalar? {
        guard pos < s.count else { return nil }
        pos += 1
        return s[pos - 1]
    }

    private mutating func getEnv(_ name: String) throws(Failure) -> String? {
        readVariable = true
        let value = lookup(name)
        if let value {
            expanded += value.utf8.count
            if expanded > limit {
                throw Failure(message: "the variables in it expand to more than \(limit) bytes, more than sockwarden expands", overLimit: true)
            }
        }
        return value
    }

    private mutating func processStopOn(_ stop: Unicode.Scalar?) throws(Failure) -> Scalars {
        var result = Scalars()
        while let ch = peek() {
            if let stop, ch == stop {
                pos += 1
                return result
            }
            switch ch {
            case "'": result += try processSingleQuote()
            case "\"": result += try processDoubleQuote()
            case "$": result += try processDollar()
            default:
                var c = next()!
                if c == escape {
                    guard let escaped = next() else { break }
                    c = escaped
                }
                result.append(c)
            }
        }
        if let stop {
            throw Failure(message: "unexpected end of statement while looking for matching \(stop)")
        }
        return result
    }

    private mutating func processSingleQuote() throws(Failure) -> Scalars {
        pos += 1
        var result = Scalars()
        while true {
            guard let ch = next() else {
                throw Failure(message: "unexpected end of statement while looking for matching single-quote")
            }
            if ch == "'" { return result }
            result.append(ch)
        }
    }

    private mutating func processDoubleQuote() throws(Failure) -> Scalars {
        pos += 1
        var result = Scalars()
        while true {
            guard let ch = peek() else {
                throw Failure(message: "unexpected end of statement while looking for matching double-quote")
            }
            if ch == "\"" {
                pos += 1
                return result
            }
            if ch == "$" {
                result += try processDollar()
                continue
            }
            var c = next()!
            if c == escape {
                guard let following = peek() else { continue }
                if following == "\"" || following == "$" || following == escape {
                    c = next()!
                }
            }
            result.append(c)
        }
    }

    private mutating func processDollar() throws(Failure) -> Scalars {
        pos += 1
        if peek() != "{" {
            let name = processName()
            if name.isEmpty { return ["$"] }
            return Array((try getEnv(name) ?? "").unicodeScalars)
        }
        pos += 1
        switch peek() {
        case nil: throw Failure(message: "syntax error: missing '}'")
        case "{", "}", ":": throw Failure(message: "syntax error: bad substitution")
        default: break
        }
        let name = processName()
        let ch = next()
        switch ch {
        case "}":
            return Array((try getEnv(name) ?? "").unicodeScalars)
        case "?":
            let word = try wordUntilBrace()
            guard let value = try getEnv(name) else {
                throw Failure(message: "\(name): \(word.isEmpty ? "is not allowed to be unset" : DockerfileSyntax.string(word))")
            }
            return Array(value.unicodeScalars)
        case ":":
            let modifier = next()
            let word = try wordUntilBrace()
            let found = try getEnv(name)
            let value = found ?? ""
            switch modifier {
            case "+":
                return value.isEmpty ? [] : word
            case "-":
                return value.isEmpty ? word : Array(value.unicodeScalars)
            case "?":
                guard found != nil else {
                    throw Failure(message: "\(name): \(word.isEmpty ? "is not allowed to be unset" : DockerfileSyntax.string(word))")
                }
                if value.isEmpty {
                    throw Failure(message: "\(name): \(word.isEmpty ? "is not allowed to be empty" : DockerfileSyntax.string(word))")
                }
                return Array(value.unicodeScalars)
            default:
                throw Failure(message: "unsupported modifier (\(modifier.map { String($0) } ?? "")) in substitution")
            }
        default:
            throw Failure(message: "missing ':' in substitution")
        }
    }

    private mutating func wordUntilBrace() throws(Failure) -> Scalars {
        do {
            return try processStopOn("}")
        } catch {
            if peek() == nil { throw Failure(message: "syntax error: missing '}'") }
            throw error
        }
    }

    private mutating func processName() -> String {
        var name = Scalars()
        while let ch = peek() {
            if name.isEmpty && Self.isDigit(ch) {
                while let d = peek(), Self.isDigit(d) {
                    name.append(d)
                    pos += 1
                }
                return DockerfileSyntax.string(name)
            }
            if name.isEmpty && "@*#?-$!0".unicodeScalars.contains(ch) {
                pos += 1
                return String(ch)
            }
            if !Self.isLetter(ch) && !Self.isDigit(ch) && ch != "_" { break }
            name.append(ch)
            pos += 1
        }
        return DockerfileSyntax.string(name)
    }

    /// Go's `unicode.IsDigit`.
    static func isDigit(_ c: Unicode.Scalar) -> Bool {
        c.properties.generalCategory == .decimalNumber
    }

    /// Go's `unicode.IsLetter`.
    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }
}
