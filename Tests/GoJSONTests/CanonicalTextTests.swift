import Testing
@testable import GoJSON

/// Whether the single pass finds a body's text already canonical (what
/// GoEncoder writes for the value), so that the proxy forwards the body's
/// own bytes instead of encoding the value again.
struct CanonicalRow: Sendable, CustomTestStringConvertible {
    let name: String
    let schema: String
    let input: String
    let canonical: Bool
    /// GoEncoder writes the text back unchanged, whatever `canonical` says
    /// (false with `canonical` false: a spelling the single pass does not
    /// bother to check, and encodes instead).
    let encodesAsWritten: Bool

    init(_ name: String, _ schema: String, _ input: String, canonical: Bool, encodesAsWritten: Bool? = nil) {
        self.name = name
        self.schema = schema
        self.input = input
        self.canonical = canonical
        self.encodesAsWritten = encodesAsWritten ?? canonical
    }

    var testDescription: String { name }
}

let canonicalRows: [CanonicalRow] = [
    CanonicalRow("fields in schema order under their exact names", "inner", #"{"a":1,"b":"x","c":[1,-2],"p":{"a":3}}"#, canonical: true),
    CanonicalRow("nil pointer, slice, map and interface written as null", "kitchen", #"{"Ptr":null,"List":null,"Map":null,"Any":null}"#, canonical: true),
    CanonicalRow("empty struct, slice and map", "kitchen", #"{"In":{},"Ints":[],"Map":{}}"#, canonical: true),
    CanonicalRow("map keys in byte order", "kitchen", #"{"Labels":{"A":"1","a":"2","b":""}}"#, canonical: true),
    CanonicalRow("[N]T with N elements", "kitchen", #"{"Arr":[1,2,3]}"#, canonical: true),
    CanonicalRow("a custom type as the array it encodes to, and null", "kitchen", #"{"Cmd":["sh","-c"],"CmdP":null}"#, canonical: true),
    CanonicalRow("interface{} as Go prints it", "kitchen", #"{"Any":{"a":[true,null,"s"],"b":1.5}}"#, canonical: true),
    CanonicalRow("a float as Go prints it", "kitchen", #"{"F64":0.1}"#, canonical: true),
    CanonicalRow("text after the first value is not part of it", "inner", "{\"a\":1}\n{\"zz\"", canonical: true),
    CanonicalRow("white space before the value", "inner", #" {"a":1}"#, canonical: false),
    CanonicalRow("white space inside", "inner", #"{"a": 1}"#, canonical: false),
    CanonicalRow("fields out of schema order", "inner", #"{"b":"x","a":1}"#, canonical: false),
    CanonicalRow("a case-folded key", "inner", #"{"B":"x"}"#, canonical: false),
    CanonicalRow("an unknown key", "inner", #"{"a":1,"zz":2}"#, canonical: false),
    CanonicalRow("null on a scalar field", "inner", #"{"a":null}"#, canonical: false),
    CanonicalRow("null elements", "kitchen", #"{"Ints":[1,null]}"#, canonical: false),
    CanonicalRow("null map values of a non-pointer type", "kitchen", #"{"Labels":{"a":null}}"#, canonical: false),
    CanonicalRow("[N]T short", "kitchen", #"{"Arr":[1]}"#, canonical: false),
    CanonicalRow("[N]T long", "kitchen", #"{"Arr":[1,2,3,4]}"#, canonical: false),
    CanonicalRow("map keys out of order", "kitchen", #"{"Labels":{"b":"","a":""}}"#, canonical: false),
    CanonicalRow("integer map keys", "kitchen", #"{"MapI":{"1":"x"}}"#, canonical: false, encodesAsWritten: true),
    CanonicalRow("an escape in a string", "inner", #"{"b":"\u0078"}"#, canonical: false),
    CanonicalRow("an escaped slash", "inner", #"{"b":"a\/b"}"#, canonical: false),
    CanonicalRow("an escape in a map key", "kitchen", #"{"Labels":{"\u0061":""}}"#, canonical: false),
    CanonicalRow("non-ASCII in a string", "inner", #"{"b":"é"}"#, canonical: false, encodesAsWritten: true),
    CanonicalRow("HTML characters Go escapes", "inner", #"{"b":"<a&b>"}"#, canonical: false),
    CanonicalRow("minus zero", "inner", #"{"a":-0}"#, canonical: false),
    CanonicalRow("an integer-valued float written with a fraction", "kitchen", #"{"F64":1.0}"#, canonical: false),
    CanonicalRow("a float with an exponent Go does not use", "kitchen", #"{"F64":1e2}"#, canonical: false),
    CanonicalRow("interface{} numbers Go prints otherwise", "kitchen", #"{"Any":1.50}"#, canonical: false),
    CanonicalRow("a custom type as a string it encodes as an array", "kitchen", #"{"Cmd":"sh"}"#, canonical: false),
    CanonicalRow("base64 []byte", "kitchen", #"{"Bytes":"aGk="}"#, canonical: false, encodesAsWritten: true),
    CanonicalRow("null at the top level of a struct", "inner", "null", canonical: false),
]

@Suite("Canonical text (forwarding a body's own bytes)")
struct CanonicalTextTests {
    @Test("finds the text canonical exactly when GoEncoder writes it that way", arguments: canonicalRows)
    func row(_ row: CanonicalRow) throws {
        let type = Schemas.named(row.schema)
        let input = Array(row.input.utf8)
        let direct = try #require(DirectDecoder.decodeFirstValue(input, as: type, maxDepth: 512))
        #expect(direct.canonical == row.canonical)
        let encoded = try GoEncoder.encodeChecked(direct.value, as: type).get()
        #expect((encoded == Array(input[..<direct.consumed])) == row.encodesAsWritten,
                "the encoding \(String(decoding: encoded, as: UTF8.self))")
    }

    @Test("never calls a text canonical that GoEncoder writes otherwise: every golden case, every golden schema")
    func goldenCorpus() {
        var canonicalSeen = 0
        for c in goldenCases {
            for schema in Schemas.allNames {
                let type = Schemas.named(schema)
                guard let direct = DirectDecoder.decodeFirstValue(c.input, as: type, maxDepth: 512), direct.canonical else { continue }
                canonicalSeen += 1
                #expect(GoEncoder.encodeChecked(direct.value, as: type) == .success(Array(c.input[..<direct.consumed])),
                        "\(c.name) as \(schema)")
            }
        }
        #expect(canonicalSeen > 0)
    }

    @Test("decodeFirstValueAndCanonical gives the value and GoEncoder's bytes, canonical text or not")
    func publicEntryPoint() throws {
        for row in canonicalRows {
            let type = Schemas.named(row.schema)
            let input = Array(row.input.utf8)
            let (value, canonical) = try GoDecoder.decodeFirstValueAndCanonical(input, as: type).get()
            #expect(value == (try GoDecoder.decodeFirstValue(input, as: type).get().value), "\(row.name)")
            #expect(canonical == GoEncoder.encodeChecked(value, as: type), "\(row.name)")
        }
    }
}
