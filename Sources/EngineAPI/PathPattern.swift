/// A gorilla/mux path template compiled for a small hand-written matcher.
///
/// mux turns `/images/{name:.*}/json` into the Go regexp
/// `^/images/(?P<v0>.*)/json$` (literal text is `regexp.QuoteMeta`d, a
/// variable without a pattern gets `[^/]+`), compiled with Go's Perl flags
/// (`ClassNL | OneLine | PerlX | UnicodeGroups`, no `DotNL`), and matches it
/// against the whole decoded path. Consequences reproduced here:
///
/// - anchored at both ends: no prefix match, no optional trailing slash
///   (moby does not enable StrictSlash), so "/containers/json/" does not
///   match "/containers/json";
/// - `[^/]+` matches any non-empty run of bytes other than '/', newline and
///   NUL included (ClassNL lets negated classes match '\n');
/// - `.` matches anything but '\n' (no DotNL), so `.*` spans '/' but not '\n',
///   and may be empty; `.+` is the same but non-empty;
/// - captures follow leftmost-first (Perl) semantics with greedy repetition,
///   which this backtracking matcher reproduces by trying the longest extent
///   first. (With the templates moby uses every capture is in fact uniquely
///   determined: there is never more than one `.*` per template.)
///
/// Matching is byte-wise. That is equivalent to Go's rune-wise matching
/// because every literal in the templates is ASCII and the classes above only
/// single out ASCII bytes, and because the resolver refuses decoded paths that
/// are not valid UTF-8 before matching.
struct PathPattern: Sendable {
    enum VariableKind: Sendable, Equatable {
        /// `{x}`: `[^/]+`
        case segment
        /// `{x:.*}`
        case anyNotNewline
        /// `{x:.+}`
        case someNotNewline

        @inline(__always)
        func accepts(_ byte: UInt8) -> Bool {
            switch self {
            case .segment: return byte != UInt8(ascii: "/")
            case .anyNotNewline, .someNotNewline: return byte != UInt8(ascii: "\n")
            }
        }

        var minimumLength: Int { self == .anyNotNewline ? 0 : 1 }
    }

    enum Part: Sendable {
        case literal([UInt8])
        case variable(VariableKind, slot: Int)
    }

    let parts: [Part]
    /// The daemon's variable names, in template order.
    let variableNames: [String]

    /// Maximum number of variables in one template (moby uses at most 2).
    static let maxVariables = 2

    /// Compiles a mux template such as `/containers/{name}/checkpoints/{checkpoint}`.
    /// Traps on anything this matcher does not reproduce: the table is static,
    /// so that is a programming error caught by the tests.
    init(muxTemplate: String) {
        var parts: [Part] = []
        var names: [String] = []
        var literal: [UInt8] = []
        var bytes = muxTemplate.utf8[...]
        precondition(bytes.first == UInt8(ascii: "/"), "template must start with '/': \(muxTemplate)")
        while let byte = bytes.popFirst() {
            if byte != UInt8(ascii: "{") {
                precondition(byte != UInt8(ascii: "}"), "unbalanced '}' in \(muxTemplate)")
                literal.append(byte)
                continue
            }
            guard let close = bytes.firstIndex(of: UInt8(ascii: "}")) else {
                preconditionFailure("unbalanced '{' in \(muxTemplate)")
            }
            let body = bytes[..<close]
            bytes = bytes[bytes.index(after: close)...]
            let kind: VariableKind
            let name: Substring.UTF8View.SubSequence
            if let colon = body.firstIndex(of: UInt8(ascii: ":")) {
                name = body[..<colon]
                switch String(decoding: body[body.index(after: colon)...], as: UTF8.self) {
                case ".*": kind = .anyNotNewline
                case ".+": kind = .someNotNewline
                case "[^/]+": kind = .segment
                case let other: preconditionFailure("unsupported variable pattern \(other) in \(muxTemplate)")
                }
            } else {
                name = body
                kind = .segment
            }
            precondition(!name.isEmpty, "empty variable name in \(muxTemplate)")
            if !literal.isEmpty { parts.append(.literal(literal)); literal = [] }
            if case .variable = parts.last {
                preconditionFailure("adjacent variables in \(muxTemplate)")
            }
            parts.append(.variable(kind, slot: names.count))
            names.append(String(decoding: name, as: UTF8.self))
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        precondition(names.count <= PathPattern.maxVariables, "too many variables in \(muxTemplate)")
        self.parts = parts
        self.variableNames = names
    }

    /// Capture ranges (byte offsets into the matched buffer), one per variable.
    struct Captures {
        var first: Range<Int> = 0..<0
        var second: Range<Int> = 0..<0

        subscript(slot: Int) -> Range<Int> {
            get { slot == 0 ? first : second }
            set { if slot == 0 { first = newValue } else { second = newValue } }
        }
    }

    /// Whole-string match of `path[start..<end]`.
    func match(_ path: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Captures? {
        var captures = Captures()
        return matchParts(0, path, start, end, &captures) ? captures : nil
    }

    private func matchParts(_ index: Int, _ path: UnsafeBufferPointer<UInt8>, _ pos: Int, _ end: Int,
                            _ captures: inout Captures) -> Bool {
        if index == parts.count { return pos == end }
        switch parts[index] {
        case .literal(let literal):
            guard end - pos >= literal.count else { return false }
            var i = 0
            while i < literal.count {
                if path[pos + i] != literal[i] { return false }
                i += 1
            }
            return matchParts(index + 1, path, pos + literal.count, end, &captures)
        case .variable(let kind, let slot):
            // Where only one extent can match, try that one alone: greedy
            // backtracking tries every extent, and a 256 KiB target made
            // each route with a variable cost a pass per byte (17 ms of the
            // event loop for one head). Same match, same captures.
            if index + 2 == parts.count, case .literal(let tail) = parts[index + 1] {
                // The variable runs up to the final literal.
                let stop = end - tail.count
                guard stop - pos >= kind.minimumLength else { return false }
                var i = 0
                while i < tail.count {
                    if path[stop + i] != tail[i] { return false }
                    i += 1
                }
                var j = pos
                while j < stop {
                    if !kind.accepts(path[j]) { return false }
                    j += 1
                }
                captures[slot] = pos..<stop
                return true
            }
            var longest = pos
            while longest < end && kind.accepts(path[longest]) { longest += 1 }
            if index + 1 == parts.count {
                // The variable runs to the end.
                guard longest == end, end - pos >= kind.minimumLength else { return false }
                captures[slot] = pos..<end
                return true
            }
            if case .literal(let next) = parts[index + 1], let first = next.first, !kind.accepts(first) {
                // The next literal starts with a byte the variable cannot
                // hold: the variable ends where its bytes end.
                guard longest - pos >= kind.minimumLength, matchParts(index + 1, path, longest, end, &captures) else { return false }
                captures[slot] = pos..<longest
                return true
            }
            var stop = longest
            // Greedy: longest extent first, then backtrack.
            while stop - pos >= kind.minimumLength {
                if matchParts(index + 1, path, stop, end, &captures) {
                    captures[slot] = pos..<stop
                    return true
                }
                if stop == pos { break }
                stop -= 1
            }
            return false
        }
    }
}
