import Testing
import GoJSON

private func decode(_ text: String, _ type: GoType) -> Result<GoValue, GoDecodeError> {
    GoDecoder.decodeFirstValue(Array(text.utf8), as: type).map(\.value)
}

private let names = GoType.structure(GoStruct("Names", [
    GoField("Name", .string),
    GoField("kind", .string),
    GoField("size", .string),
    GoField("ab", .string),
    GoField("AB", .string),
    GoField("a_b", .string),
    GoField("xk", .string),
    GoField("xs", .string),
]))

struct MatchRow: Sendable, CustomTestStringConvertible {
    let name: String
    let key: String
    let field: String?
    var testDescription: String { name }
    init(_ name: String, _ key: String, _ field: String?) { self.name = name; self.key = key; self.field = field }
}

struct ValueRow: Sendable, CustomTestStringConvertible {
    let name: String
    let json: String
    let expected: GoValue
    var testDescription: String { name }
    init(_ name: String, _ json: String, _ expected: GoValue) { self.name = name; self.json = json; self.expected = expected }
}

@Suite("GoDecoder")
struct DecoderTests {
    @Test("struct keys: exact match first, then Go's case folding", arguments: [
        MatchRow("exact", "Name", "Name"),
        MatchRow("lower case", "name", "Name"),
        MatchRow("upper case", "NAME", "Name"),
        MatchRow("tag name exact", "kind", "kind"),
        MatchRow("tag name folded", "KiNd", "kind"),
        MatchRow("KELVIN SIGN for K", "\u{212A}IND", "kind"),
        MatchRow("KELVIN SIGN for k", "\u{212A}ind", "kind"),
        MatchRow("LONG S for s", "\u{17F}IZE", "size"),
        MatchRow("KELVIN SIGN in a non-letter name", "x\u{212A}", "xk"),
        MatchRow("LONG S in a non-letter name", "X\u{17F}", "xs"),
        MatchRow("LONG S is not k", "x\u{17F}k", nil),
        MatchRow("KELVIN SIGN is not a name without k", "N\u{212A}me", nil),
        MatchRow("exact lower-case field wins", "ab", "ab"),
        MatchRow("exact upper-case field wins", "AB", "AB"),
        MatchRow("fold match goes to the first field", "Ab", "ab"),
        MatchRow("fold match goes to the first field again", "aB", "ab"),
        MatchRow("underscore must match exactly", "a-b", nil),
        MatchRow("letters around underscore fold", "A_B", "a_b"),
        MatchRow("dotless i is not i", "K\u{131}nd", nil),
        MatchRow("dotted capital I is not I", "K\u{130}ND", nil),
        MatchRow("fullwidth letters do not fold", "\u{FF2E}ame", nil),
        MatchRow("canonical equivalent is not the name", "Nam\u{65}\u{301}", nil),
        MatchRow("trailing space", "Name ", nil),
        MatchRow("empty key", "", nil),
    ])
    func matching(_ row: MatchRow) throws {
        var text: [UInt8] = Array("{".utf8)
        text += GoEncoder.render(.string(row.key))
        text += Array(":\"v\"}".utf8)
        let (value, _) = try GoDecoder.decodeFirstValue(text, as: names).get()
        guard case .structure(let fields) = value else { Issue.record("\(value)"); return }
        #expect(fields.map(\.name) == (row.field.map { [$0] } ?? []))
    }

    @Test("a key that could fold to a non-ASCII field name is refused, not guessed")
    func nonASCIIFieldNames() throws {
        let type = GoType.structure(GoStruct("T", [GoField("plain", .string), GoField("ñame", .string)]))
        #expect(try decode(#"{"ñame":"x"}"#, type).get() == .structure([GoFieldValue("ñame", .string("x"))]))
        #expect(try decode(#"{"PLAIN":"x"}"#, type).get() == .structure([GoFieldValue("plain", .string("x"))]))
        guard case .failure(let e) = decode(#"{"ÑAME":"x"}"#, type) else { Issue.record("accepted"); return }
        #expect(e.code == .custom)
    }

    static let item = GoType.structure(GoStruct("Item", [GoField("a", .int(bits: 0)), GoField("b", .string)]))
    static let holder = GoType.structure(GoStruct("Holder", [
        GoField("S", .structure(GoStruct("Item", [GoField("a", .int(bits: 0)), GoField("b", .string)]))),
        GoField("P", .pointer(item)),
        GoField("L", .slice(item)),
        GoField("M", .map(key: .string, value: item)),
        GoField("N", .int(bits: 8)),
        GoField("X", .interface),
        GoField("A", .array(.int(bits: 0), count: 2)),
        GoField("Q", .int(bits: 0), quoted: true),
    ]))

    private static func it(_ a: Int64?, _ b: String?) -> GoValue {
        var f: [GoFieldValue] = []
        if let a { f.append(GoFieldValue("a", .int(a))) }
        if let b { f.append(GoFieldValue("b", .string(b))) }
        return .structure(f)
    }

    @Test("duplicate keys decode into what is there", arguments: [
        ValueRow("struct merges", #"{"S":{"a":1},"S":{"b":"x"}}"#,
                 .structure([GoFieldValue("S", it(1, "x"))])),
        ValueRow("pointer merges", #"{"P":{"a":1},"P":{"b":"x"}}"#,
                 .structure([GoFieldValue("P", .pointer(it(1, "x")))])),
        ValueRow("null resets the pointer", #"{"P":{"a":1},"P":null,"P":{"b":"x"}}"#,
                 .structure([GoFieldValue("P", .pointer(it(nil, "x")))])),
        ValueRow("map keeps other keys, replaces the entry whole", #"{"M":{"k":{"a":1},"j":{"a":2}},"M":{"k":{"b":"x"}}}"#,
                 .structure([GoFieldValue("M", .map([GoMapEntry("j", it(2, nil)), GoMapEntry("k", it(nil, "x"))]))])),
        ValueRow("slice of struct merges element-wise and truncates", #"{"L":[{"a":1},{"a":2}],"L":[{"b":"x"}]}"#,
                 .structure([GoFieldValue("L", .slice([it(1, "x")]))])),
        ValueRow("truncated elements come back from the backing array", #"{"L":[{"a":1},{"a":2},{"a":3}],"L":[{}],"L":[{},{"b":"y"},{}]}"#,
                 .structure([GoFieldValue("L", .slice([it(1, nil), it(2, "y"), it(3, nil)]))])),
        ValueRow("an empty array drops the backing array", #"{"L":[{"a":1},{"a":2}],"L":[],"L":[{},{}]}"#,
                 .structure([GoFieldValue("L", .slice([.structure([]), .structure([])]))])),
        ValueRow("interface is replaced, not merged", #"{"X":{"a":1},"X":{"b":2}}"#,
                 .structure([GoFieldValue("X", .any(.object([JSONMember("b", .number("2"))])))])),
        ValueRow("array: shorter value zeroes the rest", #"{"A":[1,2],"A":[9]}"#,
                 .structure([GoFieldValue("A", .slice([.int(9), .int(0)]))])),
        ValueRow("scalars are overwritten", #"{"N":1,"N":2}"#,
                 .structure([GoFieldValue("N", .int(2))])),
    ])
    func duplicates(_ row: ValueRow) throws {
        #expect(try decode(row.json, Self.holder).get() == row.expected)
    }

    @Test("null: nil for pointer, map, slice, interface; no-op (not present) otherwise", arguments: [
        ValueRow("null on int is not present", #"{"N":null}"#, .structure([])),
        ValueRow("null on int keeps the value", #"{"N":3,"N":null}"#, .structure([GoFieldValue("N", .int(3))])),
        ValueRow("null on struct", #"{"S":null}"#, .structure([])),
        ValueRow("null on array", #"{"A":null}"#, .structure([])),
        ValueRow("null on pointer is present and nil", #"{"P":null}"#, .structure([GoFieldValue("P", .null)])),
        ValueRow("null on slice", #"{"L":[{}],"L":null}"#, .structure([GoFieldValue("L", .null)])),
        ValueRow("null on map", #"{"M":null}"#, .structure([GoFieldValue("M", .null)])),
        ValueRow("null on interface", #"{"X":1,"X":null}"#, .structure([GoFieldValue("X", .null)])),
        ValueRow("null map value is the zero value", #"{"M":{"k":null}}"#, .structure([GoFieldValue("M", .map([GoMapEntry("k", .structure([]))]))])),
        ValueRow(",string null literal is a no-op", #"{"Q":null}"#, .structure([])),
        ValueRow(",string \"null\" is a no-op", #"{"Q":"7","Q":"null"}"#, .structure([GoFieldValue("Q", .int(7))])),
        ValueRow("top-level null into a struct", "null", .structure([])),
    ])
    func nulls(_ row: ValueRow) throws {
        #expect(try decode(row.json, Self.holder).get() == row.expected)
    }

    @Test("type mismatches and numbers out of range are refused", arguments: [
        #"{"N":"1"}"#, #"{"N":1.0}"#, #"{"N":1e1}"#, #"{"N":128}"#, #"{"N":-129}"#, #"{"S":[]}"#,
        #"{"L":{}}"#, #"{"M":[]}"#, #"{"P":true}"#, #"{"A":"x"}"#, #"{"X":1e999}"#, #"{"Q":7}"#,
        #"{"Q":"7.0"}"#, #"{"Q":""}"#, "\"s\"", "[]", "1",
    ])
    func mismatches(_ json: String) {
        guard case .failure(let e) = decode(json, Self.holder) else { Issue.record("accepted"); return }
        #expect([.typeMismatch, .numberRange].contains(e.code), "\(e)")
    }

    @Test("integer kinds take exactly their range", arguments: [
        (8, "127", true), (8, "-128", true), (8, "128", false), (8, "-129", false),
        (16, "32767", true), (16, "32768", false), (32, "-2147483648", true), (32, "2147483648", false),
        (64, "9223372036854775807", true), (64, "9223372036854775808", false), (0, "-9223372036854775808", true),
        (64, "-0", true), (64, "1.0", false), (64, "1e2", false), (64, "0.0", false),
    ])
    func intRanges(_ bits: Int, _ literal: String, _ fits: Bool) {
        let ok = (try? decode(literal, .int(bits: bits)).get()) != nil
        #expect(ok == fits)
    }

    @Test("unsigned kinds take exactly their range", arguments: [
        (8, "255", true), (8, "256", false), (16, "65535", true), (32, "4294967296", false),
        (64, "18446744073709551615", true), (64, "18446744073709551616", false), (64, "-0", false), (64, "-1", false),
    ])
    func uintRanges(_ bits: Int, _ literal: String, _ fits: Bool) {
        let ok = (try? decode(literal, .uint(bits: bits)).get()) != nil
        #expect(ok == fits)
    }

    @Test("interface{} holds Go's float64 and last-wins sorted maps")
    func interfaces() throws {
        let v = try decode(#"{"b":1.0,"a":[1e2,12345678901234567890,0.0000001],"b":2}"#, .interface).get()
        #expect(v == .any(.object([
            JSONMember("a", .array([.number("100"), .number("12345678901234567000"), .number("1e-7")])),
            JSONMember("b", .number("2")),
        ])))
        #expect(try decode("null", .interface).get() == .null)
    }

    @Test("custom types get the raw JSON, null included unless behind a pointer")
    func customTypes() throws {
        let seen = GoCustomType(name: "Seen",
                                decode: { json in .success(.string(String(decoding: GoEncoder.render(json), as: UTF8.self))) },
                                encode: { _ in .null })
        let t = GoType.structure(GoStruct("T", [GoField("C", .custom(seen)), GoField("P", .pointer(.custom(seen)))]))
        #expect(try decode(#"{"C":null,"P":null}"#, t).get() ==
                .structure([GoFieldValue("C", .string("null")), GoFieldValue("P", .null)]))
        #expect(try decode(#"{"C":{"x":[1]},"P":"s"}"#, t).get() ==
                .structure([GoFieldValue("C", .string(#"{"x":[1]}"#)), GoFieldValue("P", .pointer(.string(#""s""#)))]))
        let refusing = GoCustomType(name: "No", decode: { _ in .failure(GoDecodeError(.custom, "no")) }, encode: { _ in .null })
        guard case .failure(let e) = decode(#"{"C":1}"#, .structure(GoStruct("T", [GoField("C", .custom(refusing))]))) else {
            Issue.record("accepted"); return
        }
        #expect(e.code == .custom && e.path == "C")
    }

    @Test("[]byte: base64 strings and arrays of numbers")
    func bytes() throws {
        #expect(try decode(#""aGk=""#, .bytes).get() == .bytes([0x68, 0x69]))
        #expect(try decode(#""aGl=""#, .bytes).get() == .bytes([0x68, 0x69]))
        #expect(try decode(#""a\nGk=\r\n""#, .bytes).get() == .bytes([0x68, 0x69]))
        #expect(try decode(#""""#, .bytes).get() == .bytes([]))
        #expect(try decode("[1,2,255]", .bytes).get() == .bytes([1, 2, 255]))
        #expect(try decode("null", .bytes).get() == .null)
        for bad in [#""aGk""#, #""aGk==""#, #""aG=""#, #""aGk=x""#, "[256]", "1"] {
            #expect((try? decode(bad, .bytes).get()) == nil, "\(bad)")
        }
    }

    @Test("errors carry the field path")
    func paths() {
        guard case .failure(let e) = decode(#"{"L":[{},{"a":"x"}]}"#, Self.holder) else { Issue.record("accepted"); return }
        #expect(e.path == "L[1].a")
    }

    @Test("accessors look through pointers and compare bytes")
    func accessors() throws {
        let v = try decode(#"{"P":{"a":5,"b":"K"},"M":{"\u212a":{"b":"kelvin"}},"N":-3}"#, Self.holder).get()
        #expect(v[field: "P"]?[field: "a"]?.int64Value == 5)
        #expect(v[field: "P"]?[field: "b"]?.stringEquals("K") == true)
        #expect(v[field: "M"]?[key: "K"] == nil) // "\u{212A}" == "K" in Swift, not in Go
        #expect(v[field: "M"]?[key: "\u{212A}"]?[field: "b"]?.stringValue == "kelvin")
        #expect(v[field: "N"]?.int64Value == -3)
        #expect(v[field: "L"] == nil)
        #expect(v[field: "M"]?.mapEntries?.count == 1)
        #expect(GoValue.pointer(.pointer(.bool(true))).boolValue == true)
        #expect(GoValue.slice([.int(1)]).arrayValues == [.int(1)])
    }
}

@Suite("GoDecoder: promoted fields")
struct PromotedFieldTests {
    /// Like ContainerConfigWrapper: fields promoted from an embedded *HostConfig.
    static let wrapper = GoType.structure(GoStruct("Wrapper", [
        GoField("Image", .string, goPath: "Config.Image"),
        GoField("Privileged", .bool, goPath: "HostConfig.Privileged"),
        GoField("Own", .string),
    ]))

    @Test("a null for a promoted field still makes it present (Go allocates the embedded pointer)")
    func nullOnPromotedField() throws {
        let v = try GoDecoder.decodeFirstValue(Array(#"{"Privileged":null,"Own":null}"#.utf8), as: Self.wrapper).get().value
        #expect(v == .structure([GoFieldValue("Privileged", .bool(false))]))
        #expect(String(decoding: GoEncoder.encode(v, as: Self.wrapper), as: UTF8.self) == #"{"Privileged":false}"#)
        #expect(roundTrips(v, Self.wrapper))
    }

    @Test("a promoted field keeps its value when null comes later")
    func nullAfterValue() throws {
        let v = try GoDecoder.decodeFirstValue(Array(#"{"privileged":true,"Privileged":null}"#.utf8), as: Self.wrapper).get().value
        #expect(v == .structure([GoFieldValue("Privileged", .bool(true))]))
    }
}
