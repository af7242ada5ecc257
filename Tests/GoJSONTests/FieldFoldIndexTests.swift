import Testing
@testable import GoJSON

/// A key that matches no field exactly is found in the struct's fold index
/// (one look-up) instead of by a walk over every field; the index must pick
/// the field Go 1.19's walk picks, for every key.
@Suite("The fold index picks the field Go's walk picks")
struct FieldFoldIndexTests {
    static let st = GoStruct("Folds", [
        GoField("Name", .string),
        GoField("NAME", .string),      // folds like Name: never reached by folding
        GoField("Kind", .string),
        GoField("Sysctls", .string),
        GoField("a_b", .string),
        GoField("Cpu1", .string),
        GoField("KernelMemory", .int(bits: 64)),
    ])

    struct Row: CustomStringConvertible, Sendable {
        let name: String
        let key: String
        let field: String?
        var description: String { name }
    }

    static let rows: [Row] = [
        Row(name: "an exact key is its field", key: "NAME", field: "NAME"),
        Row(name: "a key of another case lands in the first field of that fold", key: "name", field: "Name"),
        Row(name: "KELVIN SIGN stands for k", key: "\u{212A}ind", field: "Kind"),
        Row(name: "KELVIN SIGN stands for K in the middle", key: "\u{212A}ERNELMEMORY", field: "KernelMemory"),
        Row(name: "LONG S stands for s", key: "\u{17F}y\u{17F}ctl\u{17F}", field: "Sysctls"),
        Row(name: "LONG S does not stand for k", key: "\u{17F}ind", field: nil),
        Row(name: "KELVIN SIGN does not stand for s", key: "\u{212A}ysctls", field: nil),
        Row(name: "a non-letter byte must be the same byte", key: "A_B", field: "a_b"),
        Row(name: "a non-letter byte is not folded", key: "a-b", field: nil),
        Row(name: "a digit is not folded", key: "cpu1", field: "Cpu1"),
        Row(name: "a letter does not fold to a non-letter", key: "a\u{7F}b", field: nil),
        Row(name: "another non-ASCII letter matches nothing", key: "n\u{C1}me", field: nil),
        Row(name: "a prefix of a name is unknown", key: "kernel", field: nil),
        Row(name: "a name with a byte more is unknown", key: "kindx", field: nil),
        Row(name: "an empty key is unknown", key: "", field: nil),
    ]

    static func fieldName(_ outcome: GoFieldMatch.Outcome) -> String? {
        if case .field(let i) = outcome { return st.fields[i].name }
        return nil
    }

    /// Go 1.19's rule spelled out: the exact name, else the walk.
    static func walk(_ key: [UInt8]) -> String? {
        if let i = st.exactIndex[key] { return st.fields[i].name }
        return fieldName(GoFieldMatch.scan(key: key, in: st))
    }

    @Test(arguments: rows) func match(_ row: Row) {
        let key = Array(row.key.utf8)
        #expect(FieldFoldIndexTests.st.index.foldIndex != nil)
        #expect(Self.fieldName(GoFieldMatch.match(key: key, in: Self.st)) == row.field)
        #expect(Self.fieldName(GoFieldMatch.match(key: key, in: Self.st)) == Self.walk(key))
    }

    /// Every name of the struct, in every spelling of its letters' case and
    /// with KELVIN SIGN / LONG S for each k and s: the index and the walk agree.
    @Test func everySpellingAgreesWithTheWalk() {
        for field in Self.st.fields {
            for spelling in Self.spellings(Array(field.name.utf8)) {
                #expect(Self.fieldName(GoFieldMatch.match(key: spelling, in: Self.st))
                        == Self.walk(spelling), "\(String(decoding: spelling, as: UTF8.self))")
            }
        }
    }

    static func spellings(_ name: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = [[]]
        for b in name.prefix(8) {
            var alternatives: [[UInt8]] = [[b]]
            if b >= 0x41 && b <= 0x5A || b >= 0x61 && b <= 0x7A { alternatives.append([b ^ 0x20]) }
            if b | 0x20 == UInt8(ascii: "k") { alternatives.append([0xE2, 0x84, 0xAA]) }
            if b | 0x20 == UInt8(ascii: "s") { alternatives.append([0xC5, 0xBF]) }
            out = out.flatMap { prefix in alternatives.map { prefix + $0 } }
        }
        return out.map { $0 + name.dropFirst(8) }
    }
}

/// Structs with a non-ASCII field name keep the walk (which refuses to
/// guess how Go folds such names).
@Suite struct FieldFoldIndexNonASCIITests {
    @Test func aNonASCIINameKeepsTheWalk() {
        let st = GoStruct("Odd", [GoField("Size", .int(bits: 64)), GoField("Größe", .int(bits: 64))])
        #expect(st.index.foldIndex == nil)
        if case .undecidable = GoFieldMatch.match(key: Array("gröSSe".utf8), in: st) {} else {
            Issue.record("expected the walk to refuse to guess")
        }
    }
}

/// Map keys are sorted by their UTF-8 bytes (Go's encoder order) through
/// one buffer of key bytes and an index sort.
@Suite struct MapKeyOrderTests {
    struct Row: CustomStringConvertible, Sendable {
        let name: String
        let keys: [String]
        let sorted: [String]
        var description: String { name }
    }

    static let rows: [Row] = [
        Row(name: "keys sort by their bytes", keys: ["b", "a", "c"], sorted: ["a", "b", "c"]),
        Row(name: "a prefix sorts before its extensions", keys: ["ab", "a", "abc"], sorted: ["a", "ab", "abc"]),
        Row(name: "upper case sorts before lower case", keys: ["a", "B"], sorted: ["B", "a"]),
        Row(name: "canonically equivalent keys keep byte order, not Unicode order", keys: ["\u{E9}", "e\u{301}"], sorted: ["e\u{301}", "\u{E9}"]),
        Row(name: "non-ASCII sorts after ASCII", keys: ["\u{212A}", "z"], sorted: ["z", "\u{212A}"]),
        Row(name: "no keys", keys: [], sorted: []),
    ]

    @Test(arguments: rows) func order(_ row: Row) {
        let entries = row.keys.map { GoMapEntry($0, .null) }
        let out = UTF8Order.sortedByKey(entries).map(\.key)
        #expect(out.map { Array($0.utf8) } == row.sorted.map { Array($0.utf8) })
        #expect(out.map { Array($0.utf8) } == row.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { Array($0.utf8) })
    }

    @Test func equalKeysKeepTheirOrder() {
        let entries = [GoMapEntry("k", .int(1)), GoMapEntry("a", .int(0)), GoMapEntry("k", .int(2))]
        #expect(UTF8Order.sortedByKey(entries).map(\.value) == [.int(0), .int(1), .int(2)])
    }
}
