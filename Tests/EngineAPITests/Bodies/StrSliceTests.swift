@testable import EngineAPI
import GoJSON
import Testing

@Suite("strslice.StrSlice UnmarshalJSON")
struct StrSliceTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let json: String
        /// nil: decoding fails.
        let expected: GoValue?
        var testDescription: String { name }
        init(_ name: String, _ json: String, _ expected: GoValue?) {
            self.name = name
            self.json = json
            self.expected = expected
        }
    }

    static let rows: [Row] = [
        Row("null is a nil slice", "null", .null),
        Row("a string is one element, never split", #""sh -c 'echo hi'""#, .slice([.string("sh -c 'echo hi'")])),
        Row("the empty string is one empty element", #""""#, .slice([.string("")])),
        Row("an array of strings", #"["sh","-c","id"]"#, .slice([.string("sh"), .string("-c"), .string("id")])),
        Row("an empty array is an empty non-nil slice", "[]", .slice([])),
        Row("null inside the array leaves an empty string", #"["a",null]"#, .slice([.string("a"), .string("")])),
        Row("escapes are already decoded", #""\u0041\n""#, .slice([.string("A\n")])),
        Row("a number is refused", "5", nil),
        Row("a bool is refused", "true", nil),
        Row("an object is refused", #"{"a":"b"}"#, nil),
        Row("a number inside the array is refused", #"["a",1]"#, nil),
        Row("a nested array is refused", #"[["a"]]"#, nil),
        Row("an object inside the array is refused", #"[{}]"#, nil),
    ]

    @Test("decode", arguments: rows)
    func decode(_ row: Row) {
        let result = StrSlice.customType.decode(bodyJSON(row.json))
        switch (result, row.expected) {
        case (.success(let v), let expected?): #expect(v == expected)
        case (.failure(let e), nil): #expect(e.code == .custom)
        case (.success(let v), nil): Issue.record("accepted as \(v)")
        case (.failure(let e), _?): Issue.record("refused: \(e)")
        }
    }

    @Test("errors carry Go's message from the fallback string attempt")
    func messages() {
        let cases: [(String, String)] = [
            ("5", "json: cannot unmarshal number into Go value of type string"),
            ("false", "json: cannot unmarshal bool into Go value of type string"),
            ("{}", "json: cannot unmarshal object into Go value of type string"),
            (#"[1]"#, "json: cannot unmarshal array into Go value of type string"),
        ]
        for (text, message) in cases {
            if case .failure(let e) = StrSlice.customType.decode(bodyJSON(text)) {
                #expect(e.message == message, "\(text)")
            } else {
                Issue.record("\(text) accepted")
            }
        }
    }

    @Test("encode gives back what decode read", arguments: rows.filter { $0.expected != nil })
    func roundTrip(_ row: Row) throws {
        let value = try #require(row.expected)
        let encoded = StrSlice.customType.encode(value)
        #expect(StrSlice.customType.decode(encoded) == .success(value))
        if case .null = value { #expect(encoded == .null) } else { #expect(encoded != .null) }
    }
}
