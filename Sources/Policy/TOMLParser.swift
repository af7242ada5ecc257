// A strict parser for the subset of TOML that policy files use.
//
// Supported: comments, blank lines, `[table]` and `[[array.of.tables]]`
// headers (dotted names allowed), bare / quoted / dotted keys, basic strings
// with the TOML escapes, literal strings, decimal integers (sign, `_` between
// digits), booleans, arrays (multi-line, trailing comma, comments inside) and
// single-line inline tables.
//
// Rejected with a precise position: floats, dates and times, hexadecimal /
// octal / binary integers, multi-line strings, duplicate keys, redefined
// tables, arrays mixing types, control characters, bad escapes, invalid
// UTF-8, and anything after a value on its line other than a comment.
//
// Line ends may be LF or CRLF. A leading UTF-8 byte order mark is skipped.

enum TOMLParser {
    static func parse(_ source: String) throws(TOMLError) -> TOMLTable {
        try parse(bytes: Array(source.utf8))
    }

    static func parse(bytes: [UInt8]) throws(TOMLError) -> TOMLTable {
        try validateUTF8(bytes)
        var state = TOMLParserState(bytes: bytes)
        return try state.parseDocument()
    }

    /// Rejects malformed UTF-8 (bad lead bytes, missing continuations,
    /// overlong forms, surrogates, code points above U+10FFFF).
    static func validateUTF8(_ bytes: [UInt8]) throws(TOMLError) {
        var i = 0
        var line = 1
        var column = 1
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                if b0 == 0x0A { line += 1; column = 1 } else { column += 1 }
                i += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F   // no UTF-16 surrogates
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F   // nothing above U+10FFFF
            default:
                throw TOMLError(line: line, column: column,
                                message: "invalid UTF-8: byte 0x\(hex(b0)) cannot start a character")
            }
            for k in 1..<length {
                guard i + k < n else {
                    throw TOMLError(line: line, column: column,
                                    message: "invalid UTF-8: the file ends in the middle of a character")
                }
                let b = bytes[i + k]
                let lo: UInt8 = k == 1 ? lower : 0x80
                let hi: UInt8 = k == 1 ? upper : 0xBF
                guard b >= lo && b <= hi else {
                    throw TOMLError(line: line, column: column,
                                    message: "invalid UTF-8: byte 0x\(hex(b0)) is followed by 0x\(hex(b))")
                }
            }
            i += length
            column += 1
        }
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
    }
}

// MARK: - Builders (parse-time only, mutable, then frozen into TOMLTable)

private final class TableBuilder {
    enum Kind {
        /// Created as a prefix of a header (`[a.b]` creates `a`); may still be
        /// defined once by its own `[a]` header.
        case implicit
        /// Defined by a `[header]` or `[[header]]` (or the document root).
        case header
        /// Created by a dotted key (`a.b = 1` creates `a`).
        case dotted
        /// The root of an inline table being parsed.
        case inline
    }

    var kind: Kind
    var position: TOMLPosition
    let name: String
    var order: [String] = []
    var slots: [String: Slot] = [:]

    init(kind: Kind, position: TOMLPosition, name: String) {
        self.kind = kind
        self.position = position
        self.name = name
    }

    func add(_ key: String, _ slot: Slot) {
        order.append(key)
        slots[key] = slot
    }

    func childName(_ key: String) -> String {
        name.isEmpty ? displayKey(key) : name + "." + displayKey(key)
    }

    func freeze() -> TOMLTable {
        var table = TOMLTable()
        table.entries.reserveCapacity(order.count)
        for key in order {
            switch slots[key]! {
            case .value(let keyPosition, let node):
                table.entries.append(TOMLEntry(key: key, keyPosition: keyPosition, node: node))
            case .table(let keyPosition, let sub):
                table.entries.append(TOMLEntry(key: key, keyPosition: keyPosition,
                                               node: TOMLNode(value: .table(sub.freeze()), position: sub.position)))
            case .arrayOfTables(let keyPosition, let array):
                let items = array.tables.map { TOMLNode(value: .table($0.freeze()), position: $0.position) }
                table.entries.append(TOMLEntry(key: key, keyPosition: keyPosition,
                                               node: TOMLNode(value: .array(items), position: array.position)))
            }
        }
        return table
    }
}

private final class ArrayOfTablesBuilder {
    let position: TOMLPosition
    var tables: [TableBuilder] = []
    init(position: TOMLPosition) { self.position = position }
}

private enum Slot {
    /// A plain value, including inline tables and inline arrays (both closed).
    case value(TOMLPosition, TOMLNode)
    case table(TOMLPosition, TableBuilder)
    case arrayOfTables(TOMLPosition, ArrayOfTablesBuilder)
}

private typealias KeyPart = (name: String, position: TOMLPosition)

/// A key as it would be written in a document: bare if possible, else quoted.
func displayKey(_ key: String) -> String {
    if !key.isEmpty, key.utf8.allSatisfy(isBareKeyByte) { return key }
    var out = "\""
    for scalar in key.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u00" + TOMLParser.hex(UInt8(scalar.value))
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

@inline(__always)
func isBareKeyByte(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) ||
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) ||
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) ||
        b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
}

// MARK: - The parser proper

private struct TOMLParserState {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var lineStart = 0
    var depth = 0
    static let maxDepth = 64

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            index = 3
            lineStart = 3
        }
    }

    // MARK: Position and character helpers

    var position: TOMLPosition { position(of: index) }

    /// Position of a byte index on the current line.
    func position(of i: Int) -> TOMLPosition {
        var column = 1
        var k = lineStart
        while k < i {
            if bytes[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return TOMLPosition(line: line, column: column)
    }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
    func peek(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    func error(_ message: String) -> TOMLError { TOMLError(position, message) }
    func error(at position: TOMLPosition, _ message: String) -> TOMLError { TOMLError(position, message) }

    /// A readable description of the character at the cursor.
    var found: String { describe(at: index) }

    func describe(at i: Int) -> String {
        guard i < bytes.count else { return "end of file" }
        let b = bytes[i]
        if b == 0x0A || (b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) { return "end of line" }
        if b >= 0x21 && b < 0x7F { return "'" + String(UnicodeScalar(b)) + "'" }
        if b == 0x20 { return "a space" }
        if b == 0x09 { return "a tab" }
        if b < 0x80 { return "control character " + uPlus(UInt32(b)) }
        // Decode one (already validated) multi-byte scalar.
        var iterator = bytes[i...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) {
            return "'" + String(Character(scalar)) + "' (" + uPlus(scalar.value) + ")"
        }
        return "byte 0x" + TOMLParser.hex(b)
    }

    func uPlus(_ v: UInt32) -> String {
        let digits = Array("0123456789ABCDEF")
        var s = ""
        var v = v
        repeat { s.insert(digits[Int(v & 0xF)], at: s.startIndex); v >>= 4 } while v > 0
        while s.count < 4 { s.insert("0", at: s.startIndex) }
        return "U+" + s
    }

    func isControl(_ b: UInt8) -> Bool { (b < 0x20 && b != 0x09) || b == 0x7F }

    /// True at "\n" or "\r\n".
    var atNewline: Bool {
        guard let b = peek else { return false }
        return b == 0x0A || (b == 0x0D && peek(1) == 0x0A)
    }

    mutating func consumeNewline() {
        if bytes[index] == 0x0D { index += 1 }
        index += 1
        line += 1
        lineStart = index
    }

    mutating func skipSpaces() {
        while let b = peek, b == 0x20 || b == 0x09 { index += 1 }
    }

    /// Skips a comment up to (not including) the line end.
    mutating func skipComment() throws(TOMLError) {
        precondition(peek == UInt8(ascii: "#"))
        index += 1
        while let b = peek, !atNewline {
            if isControl(b) {
                throw error("\(describe(at: index)) is not allowed in a comment")
            }
            index += 1
        }
    }

    /// Spaces, tabs, comments and line ends (inside arrays).
    mutating func skipBlank() throws(TOMLError) {
        while let b = peek {
            if b == 0x20 || b == 0x09 { index += 1 }
            else if b == UInt8(ascii: "#") { try skipComment() }
            else if atNewline { consumeNewline() }
            else { return }
        }
    }

    /// After a key/value pair or a header: optional spaces and comment, then
    /// a line end or the end of the file.
    mutating func expectLineEnd(after what: String) throws(TOMLError) {
        skipSpaces()
        if peek == UInt8(ascii: "#") { try skipComment() }
        if atEnd { return }
        if atNewline { consumeNewline(); return }
        throw error("unexpected \(found) after \(what); expected a line end or a comment")
    }

    // MARK: Document

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        let root = TableBuilder(kind: .header, position: .start, name: "")
        var current = root
        while true {
            skipSpaces()
            guard let b = peek else { break }
            if b == UInt8(ascii: "#") {
                try skipComment()
                try expectLineEnd(after: "comment")
            } else if atNewline {
                consumeNewline()
            } else if b == UInt8(ascii: "[") {
                current = try parseHeader(root: root)
            } else {
                try parseKeyValue(into: current)
                try expectLineEnd(after: "value")
            }
        }
        return root.freeze()
    }

    // MARK: Keys

    mutating func parseKeyPart() throws(TOMLError) -> KeyPart {
        let start = position
        guard let b = peek else { throw error("expected a key, found end of file") }
        if b == UInt8(ascii: "\"") {
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                throw error("multi-line strings (\"\"\") are not supported")
            }
            return (try parseBasicString(), start)
        }
        if b == UInt8(ascii: "'") {
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                throw error("multi-line strings (''') are not supported")
            }
            return (try parseLiteralString(), start)
        }
        let from = index
        while let c = peek, isBareKeyByte(c) { index += 1 }
        if index == from {
            throw error("expected a key, found \(found)")
        }
        return (String(decoding: bytes[from..<index], as: UTF8.self), start)
    }

    /// `a`, `"a b"`, `a.b . 'c'`
    mutating func parseKeyPath() throws(TOMLError) -> [KeyPart] {
        var parts = [try parseKeyPart()]
        while true {
            let save = (index, line, lineStart)
            skipSpaces()
            if peek == UInt8(ascii: ".") {
                index += 1
                skipSpaces()
                parts.append(try parseKeyPart())
            } else {
                (index, line, lineStart) = save
                return parts
            }
        }
    }

    // MARK: Headers

    mutating func parseHeader(root: TableBuilder) throws(TOMLError) -> TableBuilder {
        let headerPosition = position
        index += 1
        let isArray = peek == UInt8(ascii: "[")
        if isArray { index += 1 }
        skipSpaces()
        if peek == UInt8(ascii: "]") { throw error("expected a table name, found ']'") }
        let path = try parseKeyPath()
        skipSpaces()
        if isArray {
            guard peek == UInt8(ascii: "]"), peek(1) == UInt8(ascii: "]") else {
                throw error("expected ']]' to close the array-of-tables header, found \(found)")
            }
            index += 2
        } else {
            guard peek == UInt8(ascii: "]") else {
                throw error("expected ']' to close the table header, found \(found)")
            }
            index += 1
        }
        let table = isArray
            ? try appendArrayTable(root: root, path: path, headerPosition: headerPosition)
            : try defineTable(root: root, path: path, headerPosition: headerPosition)
        try expectLineEnd(after: isArray ? "array-of-tables header" : "table header")
        return table
    }

    /// Walks the prefix of a header name, creating implicit tables.
    func walkHeaderPrefix(root: TableBuilder, path: ArraySlice<KeyPart>) throws(TOMLError) -> TableBuilder {
        var table = root
        for part in path {
            let name = table.childName(part.name)
            switch table.slots[part.name] {
            case nil:
                let sub = TableBuilder(kind: .implicit, position: part.position, name: name)
                table.add(part.name, .table(part.position, sub))
                table = sub
            case .table(_, let sub):
                table = sub
            case .arrayOfTables(_, let array):
                table = array.tables[array.tables.count - 1]
            case .value(let keyPosition, let node):
                throw error(at: part.position, Self.notATable(name, keyPosition, node))
            }
        }
        return table
    }

    static func notATable(_ name: String, _ keyPosition: TOMLPosition, _ node: TOMLNode) -> String {
        if case .table = node.value {
            return "table \(name) was defined inline at \(keyPosition) and cannot be extended"
        }
        return "key \(name) was already defined at \(keyPosition) as \(node.value.kindDescription), not a table"
    }

    func defineTable(root: TableBuilder, path: [KeyPart], headerPosition: TOMLPosition) throws(TOMLError) -> TableBuilder {
        let parent = try walkHeaderPrefix(root: root, path: path.dropLast())
        let last = path[path.count - 1]
        let name = parent.childName(last.name)
        switch parent.slots[last.name] {
        case nil:
            let table = TableBuilder(kind: .header, position: headerPosition, name: name)
            parent.add(last.name, .table(last.position, table))
            return table
        case .table(_, let table):
            switch table.kind {
            case .implicit:
                table.kind = .header
                table.position = headerPosition
                return table
            case .header, .inline:
                throw error(at: last.position, "table [\(name)] is defined twice; it was first defined at \(table.position)")
            case .dotted:
                throw error(at: last.position, "table [\(name)] was already defined by dotted keys at \(table.position)")
            }
        case .arrayOfTables(_, let array):
            throw error(at: last.position, "[\(name)] is an array of tables (first defined at \(array.position)); write [[\(name)]] to add an element")
        case .value(let keyPosition, let node):
            throw error(at: last.position, Self.notATable(name, keyPosition, node))
        }
    }

    func appendArrayTable(root: TableBuilder, path: [KeyPart], headerPosition: TOMLPosition) throws(TOMLError) -> TableBuilder {
        let parent = try walkHeaderPrefix(root: root, path: path.dropLast())
        let last = path[path.count - 1]
        let name = parent.childName(last.name)
        let table = TableBuilder(kind: .header, position: headerPosition, name: name)
        switch parent.slots[last.name] {
        case nil:
            let array = ArrayOfTablesBuilder(position: headerPosition)
            array.tables.append(table)
            parent.add(last.name, .arrayOfTables(last.position, array))
        case .arrayOfTables(_, let array):
            array.tables.append(table)
        case .table(_, let existing):
            throw error(at: last.position, "[[\(name)]] conflicts with table [\(name)] defined at \(existing.position)")
        case .value(let keyPosition, let node):
            if case .array = node.value {
                throw error(at: last.position, "cannot append to array \(name): it was defined with '=' at \(keyPosition)")
            }
            throw error(at: last.position, "key \(name) was already defined at \(keyPosition) as \(node.value.kindDescription), not an array of tables")
        }
        return table
    }

    // MARK: Key/value pairs

    mutating func parseKeyValue(into table: TableBuilder) throws(TOMLError) {
        let path = try parseKeyPath()
        skipSpaces()
        guard peek == UInt8(ascii: "=") else {
            throw error("expected '=' after key \(path.map { displayKey($0.name) }.joined(separator: ".")), found \(found)")
        }
        index += 1
        skipSpaces()
        let node = try parseValue()
        try insert(node, at: path, into: table)
    }

    func insert(_ node: TOMLNode, at path: [KeyPart], into root: TableBuilder) throws(TOMLError) {
        var table = root
        for part in path.dropLast() {
            let name = table.childName(part.name)
            switch table.slots[part.name] {
            case nil:
                let sub = TableBuilder(kind: .dotted, position: part.position, name: name)
                table.add(part.name, .table(part.position, sub))
                table = sub
            case .table(_, let sub):
                guard sub.kind == .dotted else {
                    throw error(at: part.position, "cannot add keys to table [\(name)] with a dotted key: it is defined by a header at \(sub.position)")
                }
                table = sub
            case .arrayOfTables(_, let array):
                throw error(at: part.position, "\(name) is an array of tables (defined at \(array.position)); it cannot be used in a dotted key")
            case .value(let keyPosition, let node):
                throw error(at: part.position, Self.notATable(name, keyPosition, node))
            }
        }
        let last = path[path.count - 1]
        if let existing = table.slots[last.name] {
            let firstAt: TOMLPosition
            switch existing {
            case .value(let p, _), .table(let p, _), .arrayOfTables(let p, _): firstAt = p
            }
            throw error(at: last.position, "duplicate key \(table.childName(last.name)): it was already defined at \(firstAt)")
        }
        table.add(last.name, .value(last.position, node))
    }

    // MARK: Values

    mutating func parseValue() throws(TOMLError) -> TOMLNode {
        let start = position
        guard let b = peek else { throw error("expected a value, found end of file") }
        if atNewline { throw error("expected a value, found end of line") }
        switch b {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                throw error("multi-line strings (\"\"\") are not supported")
            }
            return TOMLNode(value: .string(try parseBasicString()), position: start)
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                throw error("multi-line strings (''') are not supported")
            }
            return TOMLNode(value: .string(try parseLiteralString()), position: start)
        case UInt8(ascii: "["):
            return try nested { (p: inout TOMLParserState) throws(TOMLError) in try p.parseArray() }
        case UInt8(ascii: "{"):
            return try nested { (p: inout TOMLParserState) throws(TOMLError) in try p.parseInlineTable() }
        default:
            if isTokenByte(b) { return try parseScalarToken() }
            throw error("expected a value (a string, integer, boolean, array or inline table), found \(found)")
        }
    }

    mutating func nested(_ body: (inout TOMLParserState) throws(TOMLError) -> TOMLNode) throws(TOMLError) -> TOMLNode {
        if depth >= Self.maxDepth { throw error("values are nested too deeply (more than \(Self.maxDepth) levels)") }
        depth += 1
        defer { depth -= 1 }
        return try body(&self)
    }

    func isTokenByte(_ b: UInt8) -> Bool {
        isBareKeyByte(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
    }

    /// Booleans, integers, and the things we recognise in order to reject
    /// them precisely (floats, dates, non-decimal integers, bare words).
    mutating func parseScalarToken() throws(TOMLError) -> TOMLNode {
        let start = position
        let from = index
        while let b = peek, isTokenByte(b) { index += 1 }
        let token = Array(bytes[from..<index])
        let text = String(decoding: token, as: UTF8.self)
        switch text {
        case "true": return TOMLNode(value: .boolean(true), position: start)
        case "false": return TOMLNode(value: .boolean(false), position: start)
        case "inf", "+inf", "-inf", "nan", "+nan", "-nan":
            throw error(at: start, "floats are not supported (found \(text))")
        default: break
        }
        var digitsStart = 0
        if token[0] == UInt8(ascii: "+") || token[0] == UInt8(ascii: "-") { digitsStart = 1 }
        let isDigit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard digitsStart < token.count, isDigit(token[digitsStart]) else {
            let first = token[0] | 0x20  // ASCII lower case
            if (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z")) || token[0] == UInt8(ascii: "_") {
                throw error(at: start, "invalid value \(text); strings must be quoted: \"\(text)\"")
            }
            throw error(at: start, "invalid value \(text)")
        }
        let body = token[digitsStart...]
        if body.count > 1, body[body.startIndex] == UInt8(ascii: "0"),
           let p = body.dropFirst().first, p == UInt8(ascii: "x") || p == UInt8(ascii: "o") || p == UInt8(ascii: "b") {
            throw error(at: start, "hexadecimal, octal and binary integers are not supported; write \(text) in decimal")
        }
        if token.contains(UInt8(ascii: ":")) || looksLikeDate(token) {
            throw error(at: start, "dates and times are not supported (found \(text))")
        }
        if token.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            throw error(at: start, "floats are not supported (found \(text)); use an integer")
        }
        // Decimal integer: digits with single underscores between digits.
        var value: Int64 = 0
        let negative = token[0] == UInt8(ascii: "-")
        var previousWasDigit = false
        var digitCount = 0
        for b in body {
            if isDigit(b) {
                let d = Int64(b - UInt8(ascii: "0"))
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (r, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
                if o1 || o2 {
                    throw error(at: start, "integer \(text) does not fit in 64 bits")
                }
                value = r
                previousWasDigit = true
                digitCount += 1
            } else if b == UInt8(ascii: "_") {
                guard previousWasDigit else {
                    throw error(at: start, "invalid integer \(text): '_' must be between two digits")
                }
                previousWasDigit = false
            } else {
                throw error(at: start, "invalid integer \(text)")
            }
        }
        if !previousWasDigit {
            throw error(at: start, "invalid integer \(text): '_' must be between two digits")
        }
        if body.first == UInt8(ascii: "0"), digitCount > 1 {
            throw error(at: start, "invalid integer \(text): leading zeros are not allowed")
        }
        return TOMLNode(value: .integer(value), position: start)
    }

    /// `1979-05-27`: four digits then a dash.
    func looksLikeDate(_ token: [UInt8]) -> Bool {
        token.count > 4 && token[4] == UInt8(ascii: "-") &&
            token[0..<4].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    mutating func parseBasicString() throws(TOMLError) -> String {
        let start = position
        index += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard let b = peek, !atNewline else {
                throw error(at: start, "unterminated string: missing closing '\"' before \(found)")
            }
            if b == UInt8(ascii: "\"") { index += 1; break }
            if b == UInt8(ascii: "\\") {
                let escapePosition = position
                index += 1
                guard let e = peek else {
                    throw error(at: start, "unterminated string: missing closing '\"' before end of file")
                }
                switch e {
                case UInt8(ascii: "\""): out.append(0x22); index += 1
                case UInt8(ascii: "\\"): out.append(0x5C); index += 1
                case UInt8(ascii: "b"): out.append(0x08); index += 1
                case UInt8(ascii: "t"): out.append(0x09); index += 1
                case UInt8(ascii: "n"): out.append(0x0A); index += 1
                case UInt8(ascii: "f"): out.append(0x0C); index += 1
                case UInt8(ascii: "r"): out.append(0x0D); index += 1
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let count = e == UInt8(ascii: "u") ? 4 : 8
                    index += 1
                    var v: UInt32 = 0
                    for _ in 0..<count {
                        guard let h = peek, let d = hexValue(h) else {
                            throw error(at: escapePosition, "invalid escape: \\\(String(UnicodeScalar(e))) must be followed by \(count) hexadecimal digits")
                        }
                        v = v << 4 | d
                        index += 1
                    }
                    guard let scalar = Unicode.Scalar(v) else {
                        throw error(at: escapePosition, "invalid escape: \(uPlus(v)) is not a Unicode scalar value")
                    }
                    UTF8.encode(scalar) { out.append($0) }
                default:
                    let what = atNewline ? "a line end (line-ending backslashes need multi-line strings, which are not supported)" : describe(at: index)
                    throw error(at: escapePosition, "invalid escape sequence: backslash followed by \(what); valid escapes are \\\" \\\\ \\b \\t \\n \\f \\r \\uXXXX \\UXXXXXXXX")
                }
                continue
            }
            if isControl(b) {
                throw error("\(describe(at: index)) is not allowed in a string; write it as an escape such as \\n or \\u0001")
            }
            out.append(b)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    mutating func parseLiteralString() throws(TOMLError) -> String {
        let start = position
        index += 1
        let from = index
        while true {
            guard let b = peek, !atNewline else {
                throw error(at: start, "unterminated string: missing closing \"'\" before \(found)")
            }
            if b == UInt8(ascii: "'") { break }
            if isControl(b) {
                throw error("\(describe(at: index)) is not allowed in a string")
            }
            index += 1
        }
        let s = String(decoding: bytes[from..<index], as: UTF8.self)
        index += 1
        return s
    }

    mutating func parseArray() throws(TOMLError) -> TOMLNode {
        let start = position
        index += 1
        var items: [TOMLNode] = []
        while true {
            try skipBlank()
            if atEnd { throw error(at: start, "unterminated array: missing ']'") }
            if peek == UInt8(ascii: "]") { index += 1; break }
            let item = try parseValue()
            if let first = items.first, !sameKind(first.value, item.value) {
                throw error(at: item.position, "arrays must not mix types: found \(item.value.kindDescription) after \(first.value.kindDescription) (at \(first.position))")
            }
            items.append(item)
            try skipBlank()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            if peek == UInt8(ascii: "]") { index += 1; break }
            if atEnd { throw error(at: start, "unterminated array: missing ']'") }
            throw error("expected ',' or ']' in array, found \(found)")
        }
        return TOMLNode(value: .array(items), position: start)
    }

    func sameKind(_ a: TOMLValue, _ b: TOMLValue) -> Bool {
        switch (a, b) {
        case (.string, .string), (.integer, .integer), (.boolean, .boolean), (.array, .array), (.table, .table): return true
        default: return false
        }
    }

    mutating func parseInlineTable() throws(TOMLError) -> TOMLNode {
        let start = position
        index += 1
        let table = TableBuilder(kind: .inline, position: start, name: "")
        skipSpaces()
        if peek == UInt8(ascii: "}") {
            index += 1
            return TOMLNode(value: .table(table.freeze()), position: start)
        }
        while true {
            skipSpaces()
            if atNewline || atEnd {
                throw error("inline tables must be on a single line; found \(found) before the closing '}'")
            }
            if peek == UInt8(ascii: "}") {
                throw error("trailing comma in inline table: remove the ',' before '}'")
            }
            try parseKeyValue(into: table)
            skipSpaces()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            if peek == UInt8(ascii: "}") { index += 1; break }
            if atNewline || atEnd {
                throw error("inline tables must be on a single line; found \(found) before the closing '}'")
            }
            throw error("expected ',' or '}' in inline table, found \(found)")
        }
        return TOMLNode(value: .table(table.freeze()), position: start)
    }
}
