@testable import EngineAPI
import Testing

@Suite("Percent-decoding (Go url.unescape, encodePath mode)")
struct PercentDecodingTests {
    static let cases: [ResolveCase] = [
        .init("an encoded slash routes like a real one", "GET", "/v1.41/containers%2Fjson",
              .route("container.list", version: "1.41", path: "/containers/json")),
        .init("lowercase hex digits decode", "GET", "/containers/%6ason", .route("container.list")),
        .init("uppercase hex digits decode", "GET", "/containers/%6Ason", .route("container.list")),
        .init("an encoded 'v' still forms the version prefix", "GET", "/%761.41/containers/json",
              .route("container.list", version: "1.41")),
        .init("an encoded dot inside the version is part of it", "GET", "/v1%2E41/_ping",
              .route("system.ping", version: "1.41")),
        .init("'+' stays '+' in the path", "GET", "/containers/a+b/json",
              .route("container.inspect", parameters: ["id": "a+b"])),
        .init("'%25' decodes once to '%'", "GET", "/containers/a%2541/json",
              .route("container.inspect", parameters: ["id": "a%41"])),
        .init("an encoded '?' belongs to the path", "GET", "/containers/a%3Fb/json?all=1",
              .route("container.inspect", parameters: ["id": "a?b"])),
        .init("an encoded space is fine", "GET", "/containers/a%20b/json",
              .route("container.inspect", parameters: ["id": "a b"])),
        .init("encoded UTF-8 decodes to the character", "GET", "/containers/%C3%A9t%C3%A9/json",
              .route("container.inspect", parameters: ["id": "été"])),
        .init("raw UTF-8 is kept", "GET", "/containers/été/json",
              .route("container.inspect", parameters: ["id": "été"])),
        .init("a decoded NUL is kept in a .* variable", "GET", "/containers/a%00b/json",
              .route("container.inspect", parameters: ["id": "a\u{0}b"])),
        .init("a decoded newline is allowed by [^/]+", "GET", "/services/a%0Ab",
              .route("service.inspect", parameters: ["id": "a\nb"])),
        .init("a decoded newline cannot be part of a .* variable", "GET", "/containers/a%0Ab/json", .unknown),
        .init("a decoded newline cannot be part of a versioned .* variable", "GET", "/v1.41/images/a%0Ab/json", .unknown),
        .init("a decoded carriage return is allowed by .*", "GET", "/containers/a%0Db/json",
              .route("container.inspect", parameters: ["id": "a\rb"])),
        .init("escapes in the query are not checked by routing", "GET", "/_ping?x=%zz",
              .route("system.ping")),
        .init("an invalid escape is rejected", "GET", "/containers/%zz/json", .invalid("invalid URL escape \"%zz\"")),
        .init("a one-digit escape at the end is rejected", "GET", "/containers/json%4", .invalid("invalid URL escape \"%4\"")),
        .init("a trailing percent is rejected", "GET", "/_ping%", .invalid("invalid URL escape \"%\"")),
        .init("a half-hex escape is rejected", "GET", "/_ping%4g", .invalid("invalid URL escape \"%4g\"")),
        .init("a doubled percent is rejected", "GET", "/_ping%%41", .invalid("invalid URL escape \"%%4\"")),
        .init("a decoded path that is not UTF-8 is refused", "GET", "/containers/%FF/json", .invalid("UTF-8")),
        .init("a truncated UTF-8 sequence is refused", "GET", "/containers/%C3/json", .invalid("UTF-8")),
    ]

    @Test("decoding behaviour", arguments: cases)
    func decoding(_ row: ResolveCase) { check(row) }

    @Test("decodePath mirrors Go's unescape on edge cases",
          arguments: [
            ("", Optional<[UInt8]>.some([])),
            ("%41", [0x41]),
            ("%4a%4A", [0x4A, 0x4A]),
            ("+", [0x2B]),
            ("%", nil),
            ("%4", nil),
            ("%G1", nil),
            ("a%2", nil),
            ("%00%0a", [0x00, 0x0A]),
          ])
    func decodePath(_ raw: String, _ expected: [UInt8]?) {
        let result = PercentDecoding.decodePath(Array(raw.utf8))
        switch result {
        case .success(let bytes): #expect(bytes == expected)
        case .failure: #expect(expected == nil)
        }
    }
}
