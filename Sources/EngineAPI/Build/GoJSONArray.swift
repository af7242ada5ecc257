/// The buildkit parser's `parseJSON` as Go's `encoding/json` Decoder runs it
/// on `[...]` into `[]interface{}`: the first JSON value is read (what follows
/// it is ignored); a syntax error, an early end or a number out of float64
/// range means "not JSON" (the line is then split on whitespace); a valid
/// array with anything but strings is an error.
enum GoJSONArray {
    enum Outcome: Equatable {
        case strings([Scalars])
        case notStringArray
        case notJSON
    }

    static func parse(_ s: Scalars) -> Outcome {
        guard s.first == "[" else { return .notJSON }
        var p = Parser(s: s)
        guard p.run() else { return .notJSON }
        if p.numberOutOfRange { return .notJSON }
        if p.nonString { return .notStringArray }
        return .strings(p.elements)
    }

    private struct Parser {
        let s: Scalars
        var i = 0
        var elements: [Scalars] = []
        var nonString = false
        var numberOutOfRange = false

        init(s: Scalars) { self.s = s }

        mutating func skipSpace() {
            while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r" { i += 1 }
        }

        /// Scans the whole first value; false on a syntax error or early end.
        mutating func run() -> Bool {
            var stack: [Bool] = []  // true: array, false: object
            enum State { case value, valueOrClose, commaOrClose, key, keyOrClose }
            var state = State.value
            while true {
                skipSpace()
                guard i < s.count else { return false }
                let c = s[i]
                switch state {
                case .value, .valueOrClose:
                    if state == .valueOrClose && c == "]" {
                        i += 1
                        stack.removeLast()
                        if stack.isEmpty { return true }
                        state = .commaOrClose
                        continue
                    }
                    let topLevelElement = stack.count == 1 && stack[0]
                    if c == "[" || c == "{" {
                        if topLevelElement { nonString = true }
                        i += 1
                        stack.append(c == "[")
                        if stack.count > 10000 { return false }
                        state = c == "[" ? .valueOrClose : .keyOrClose
                        continue
                    }
                    if c == "\"" {
                        guard let value = string() else { return false }
                        if topLevelElement { elements.append(value) }
                    } else {
                        guard scalar() else { return false }
                        if topLevelElement { nonString = true }
                    }
                    if stack.isEmpty { return true }  // (never: the value starts with `[`)
                    state = .commaOrClose
                case .commaOrClose:
                    if c == "," {
                        i += 1
                        state = stack.last! ? .value : .key
                    } else if c == (stack.last! ? "]" : "}") {
                        i += 1
                        stack.removeLast()
                        if stack.isEmpty { return true }
                        state = .commaOrClose
                    } else {
                        return false
                    }
                case .key, .keyOrClose:
                    if state == .keyOrClose && c == "}" {
                        i += 1
                        stack.removeLast()
                        if stack.isEmpty { return true }
                        state = .commaOrClose
                        continue
                    }
                    guard c == "\"", string() != nil else { return false }
                    skipSpace()
                    guard i < s.count, s[i] == ":" else { return false }
                    i += 1
                    state = .value
                }
            }
        }

        /// A literal or a number.
        mutating func scalar() -> Bool {
            for literal in ["true", "false", "null"] {
                let scalars = Array(literal.unicodeScalars)
                if s.count - i >= scalars.count && Array(s[i..<(i + scalars.count)]) == scalars {
                    i += scalars.count
                    return true
                }
            }
            let start = i
            func digit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
            if i < s.count, s[i] == "-" { i += 1 }
            guard i < s.count, digit(s[i]) else { return false }
            if s[i] == "0" {
                i += 1
            } else {
                while i < s.count, digit(s[i]) { i += 1 }
            }
            if i < s.count, s[i] == "." {
                i += 1
                guard i < s.count, digit(s[i]) else { return false }
                while i < s.count, digit(s[i]) { i += 1 }
            }
            if i < s.count, s[i] == "e" || s[i] == "E" {
                i += 1
                if i < s.count, s[i] == "+" || s[i] == "-" { i += 1 }
                guard i < s.count, digit(s[i]) else { return false }
                while i < s.count, digit(s[i]) { i += 1 }
            }
            // A number at the very end of the input is not known to be
            // complete: Go reports an early end (the array is unclosed anyway).
            guard i < s.count else { return false }
            let text = DockerfileSyntax.string(s[start..<i])
            if let value = Double(text), value.isInfinite { numberOutOfRange = true }
            return true
        }

        /// A string at `s[i] == "\""`, decoded as Go's `unquote`.
        mutating func string() -> Scalars? {
            i += 1
            var out = Scalars()
            func hex4(_ at: Int) -> UInt32? {
                guard at + 4 <= s.count else { return nil }
                var v: UInt32 = 0
                for c in s[at..<(at + 4)] {
                    guard let d = Int(String(c), radix: 16) else { return nil }
                    v = v * 16 + UInt32(d)
                }
                return v
            }
            while i < s.count {
                let c = s[i]
                if c == "\"" {
                    i += 1
                    return out
                }
                if c.value < 0x20 { return nil }
                if c != "\\" {
                    out.append(c)
                    i += 1
                    continue
                }
                guard i + 1 < s.count else { return nil }
                let e = s[i + 1]
                i += 2
                switch e {
                case "\"", "\\", "/": out.append(e)
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "u":
                    guard let u = hex4(i) else { return nil }
                    i += 4
                    if (0xD800...0xDFFF).contains(u) {
                        if u < 0xDC00, i + 6 <= s.count, s[i] == "\\", s[i + 1] == "u",
                           let low = hex4(i + 2), (0xDC00...0xDFFF).contains(low) {
                            i += 6
                            out.append(Unicode.Scalar(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00))!)
                        } else {
                            out.append("\u{FFFD}")
                        }
                    } else {
                        out.append(Unicode.Scalar(u)!)
                    }
                default:
                    return nil
                }
            }
            return nil
        }
    }
}
