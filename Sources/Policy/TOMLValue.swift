// The value tree produced by TOMLParser. Every key and every value remembers
// where it starts in the source (1-based line and column, columns counted in
// Unicode scalars, a tab counting as one), so that the policy layer can point
// at the exact spot of a mistake.

/// A place in a TOML document: 1-based line and column.
struct TOMLPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    var line: Int
    var column: Int

    static let start = TOMLPosition(line: 1, column: 1)

    static func < (a: TOMLPosition, b: TOMLPosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    var description: String { "\(line):\(column)" }
}

/// A malformed document: where, and what is wrong.
struct TOMLError: Error, Sendable, Hashable, CustomStringConvertible {
    var line: Int
    var column: Int
    var message: String

    init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    init(_ position: TOMLPosition, _ message: String) {
        self.init(line: position.line, column: position.column, message: message)
    }

    var position: TOMLPosition { TOMLPosition(line: line, column: column) }
    var description: String { "\(line):\(column): \(message)" }
}

/// A TOML value. Only the subset the policy files need: no floats, no dates.
indirect enum TOMLValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    /// An array written inline (`[1, 2]`) or built from `[[header]]` sections.
    case array([TOMLNode])
    case table(TOMLTable)

    /// "a string", "an integer", ...: for "expected X, found Y" messages.
    var kindDescription: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .boolean: return "a boolean"
        case .array(let items):
            if !items.isEmpty, items.allSatisfy({ if case .table = $0.value { return true } else { return false } }) {
                return "an array of tables"
            }
            return "an array"
        case .table: return "a table"
        }
    }
}

/// A value together with where it starts in the source. For tables and
/// arrays of tables created by `[header]` / `[[header]]` lines, the position
/// is that of the header's opening bracket.
struct TOMLNode: Sendable, Hashable {
    var value: TOMLValue
    var position: TOMLPosition

    var string: String? { if case .string(let s) = value { return s } else { return nil } }
    var integer: Int64? { if case .integer(let i) = value { return i } else { return nil } }
    var boolean: Bool? { if case .boolean(let b) = value { return b } else { return nil } }
    var array: [TOMLNode]? { if case .array(let a) = value { return a } else { return nil } }
    var table: TOMLTable? { if case .table(let t) = value { return t } else { return nil } }
}

/// One `key = value` (or sub-table) of a table, in source order.
struct TOMLEntry: Sendable, Hashable {
    var key: String
    /// Where the key is written. For dotted keys (`a.b = 1`), the position of
    /// the part that names this entry. For implicitly created tables
    /// (`[a.b]` creates `a`), the position of that part in the first header.
    var keyPosition: TOMLPosition
    var node: TOMLNode
}

/// A table: keys in source order, unique.
struct TOMLTable: Sendable, Hashable {
    var entries: [TOMLEntry] = []

    subscript(key: String) -> TOMLEntry? {
        entries.first { $0.key == key }
    }

    var keys: [String] { entries.map(\.key) }
}
