import Testing
@testable import GoJSON

/// `decodeFirstValue` (the single pass, with the reference path behind it)
/// against `decodeFirstValueReference` (JSONParser → DecodeState): the same
/// value, bytes consumed and encoding, or the same error.
func expectSameAsReference(_ input: [UInt8], _ type: GoType, _ label: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
    let fast = GoDecoder.decodeFirstValue(input, as: type)
    let reference = GoDecoder.decodeFirstValueReference(input, as: type)
    switch (fast, reference) {
    case (.success(let f), .success(let r)):
        #expect(f.consumed == r.consumed, "\(label): consumed", sourceLocation: sourceLocation)
        #expect(f.value == r.value, "\(label): value", sourceLocation: sourceLocation)
        #expect(GoEncoder.encodeChecked(f.value, as: type) == GoEncoder.encodeChecked(r.value, as: type),
                "\(label): encoding", sourceLocation: sourceLocation)
    case (.failure(let f), .failure(let r)):
        #expect(f == r, "\(label): error", sourceLocation: sourceLocation)
    default:
        Issue.record("\(label): single pass \(fast), reference \(reference)", sourceLocation: sourceLocation)
    }
}

/// Whether the single pass decides an input itself, or leaves it to the reference path.
struct DirectRow: Sendable, CustomTestStringConvertible {
    let name: String
    let schema: String
    let input: String
    let direct: Bool

    init(_ name: String, _ schema: String, _ input: String, direct: Bool) {
        self.name = name
        self.schema = schema
        self.input = input
        self.direct = direct
    }

    var testDescription: String { name }
}

let directRows: [DirectRow] = [
    DirectRow("a struct with known keys in schema order", "inner", #"{"a":1,"b":"x","c":[1,2],"p":{"a":3}}"#, direct: true),
    DirectRow("a struct with keys out of schema order", "inner", #"{"p":{"b":"y"},"b":"x","a":1}"#, direct: true),
    DirectRow("a case-folded key", "inner", #"{"B":"x"}"#, direct: true),
    DirectRow("an unknown key is skipped", "inner", #"{"zz":{"deep":[1,{"x":null}]},"a":1}"#, direct: true),
    DirectRow("null on a scalar field leaves it absent", "inner", #"{"a":null,"b":null}"#, direct: true),
    DirectRow("null on a pointer, slice and map", "kitchen", #"{"Ptr":null,"List":null,"Map":null}"#, direct: true),
    DirectRow("null elements are zero values", "kitchen", #"{"Ints":[1,null,3],"ArrS":[null]}"#, direct: true),
    DirectRow("an array shorter and longer than [N]T", "kitchen", #"{"Arr":[1],"ArrS":[{"a":1},{"a":2},{"zz":1}]}"#, direct: true),
    DirectRow("a map with keys out of order", "kitchen", #"{"Map":{"b":{"a":2},"a":{"a":1}}}"#, direct: true),
    DirectRow("interface{} values", "kitchen", #"{"Any":{"b":1.50,"a":[true,null,"s"]},"MapAny":{"k":1e2}}"#, direct: true),
    DirectRow("a custom type, as string and as array", "kitchen", #"{"Cmd":"sh","CmdP":["a","b"],"CmdL":null}"#, direct: true),
    DirectRow("escapes and non-ASCII in keys and strings", "kitchen", #"{"N\u0061me":"\u00e9\ud83d\ude00 \u2028","kind":"é"}"#, direct: true),
    DirectRow("base64 []byte", "kitchen", #"{"Bytes":"aGk="}"#, direct: true),
    DirectRow("null at the top level of a struct", "kitchen", "null", direct: true),
    DirectRow("a top-level number ends where it cannot continue", "int", "12x", direct: true),
    DirectRow("a duplicate key is left to the reference path", "inner", #"{"a":1,"a":2}"#, direct: false),
    DirectRow("a key folding onto a field already set is left to the reference path", "inner", #"{"b":"x","B":"y"}"#, direct: false),
    DirectRow("a duplicate map key is left to the reference path", "kitchen", #"{"Map":{"k":{"a":1},"k":{"b":"x"}}}"#, direct: false),
    DirectRow("integer map keys that collide once canonical are left to the reference path", "kitchen", #"{"MapI":{"1":1,"01":2}}"#, direct: false),
    DirectRow("a ,string field is left to the reference path", "kitchen", #"{"q":"12"}"#, direct: false),
    DirectRow("[]byte as a JSON array is left to the reference path", "kitchen", #"{"Bytes":[1,2]}"#, direct: false),
    DirectRow("a type mismatch is left to the reference path", "inner", #"{"a":"1"}"#, direct: false),
    DirectRow("a syntax error after a good prefix is left to the reference path", "inner", #"{"a":1,}"#, direct: false),
    DirectRow("an unexpected end is left to the reference path", "inner", #"{"a":1"#, direct: false),
    DirectRow("a number out of range is left to the reference path", "int8", "300", direct: false),
    DirectRow("empty input is left to the reference path", "inner", "  ", direct: false),
]

@Suite("Single-pass decoding (DirectDecoder)")
struct DirectDecoderTests {
    @Test("decides the inputs it should, and agrees with the reference path", arguments: directRows + scanRows)
    func row(_ row: DirectRow) {
        let type = Schemas.named(row.schema)
        let input = Array(row.input.utf8)
        let direct = DirectDecoder.decodeFirstValue(input, as: type, maxDepth: 512)
        #expect((direct != nil) == row.direct)
        expectSameAsReference(input, type, row.name)
    }

    @Test("agrees with the reference path on every golden case, against every golden schema")
    func goldenCorpus() {
        for c in goldenCases {
            for schema in Schemas.allNames {
                expectSameAsReference(c.input, Schemas.named(schema), "\(c.name) as \(schema)")
            }
        }
    }

    @Test("gives up beyond the depth limit, as the reference path refuses")
    func depth() {
        let deep = Array((String(repeating: "[", count: 20) + String(repeating: "]", count: 20)).utf8)
        #expect(DirectDecoder.decodeFirstValue(deep, as: .interface, maxDepth: 10) == nil)
        #expect(DirectDecoder.decodeFirstValue(deep, as: .interface, maxDepth: 20) != nil)
        for limit in [1, 10, 19, 20, 21] {
            let fast = GoDecoder.decodeFirstValue(deep, as: .interface, maxDepth: limit)
            let reference = GoDecoder.decodeFirstValueReference(deep, as: .interface, maxDepth: limit)
            #expect("\(fast)" == "\(reference)")
        }
    }
}
