@testable import EngineAPI
import Testing

@Suite("Request-target, method and query")
struct RequestTargetTests {
    static let cases: [ResolveCase] = [
        // Forms
        .init("absolute-form is refused deliberately", "GET", "http://localhost/v1.41/_ping", .invalid("absolute-form")),
        .init("absolute-form with an odd scheme is refused", "GET", "unix:/_ping", .invalid("absolute-form")),
        .init("authority-form is refused", "CONNECT", "localhost:2375", .invalid("absolute-form")),
        .init("asterisk-form is refused", "OPTIONS", "*", .invalid("asterisk-form")),
        .init("an empty target is refused", "GET", "", .invalid("empty")),
        .init("a relative path is refused", "GET", "_ping", .invalid("origin-form")),
        .init("a target starting with '?' is refused", "GET", "?x", .invalid("origin-form")),
        // Bytes Go's URL parser rejects
        .init("a raw tab is a control character", "GET", "/_ping\t", .invalid("control character")),
        .init("a raw DEL in the query is a control character", "GET", "/_ping?\u{7F}", .invalid("control character")),
        .init("a raw newline is a control character", "GET", "/_ping\n", .invalid("control character")),
        .init("a raw space cannot be in a request-target", "GET", "/containers/a b/json", .invalid("space")),
        // Methods
        .init("methods are case-sensitive", "get", "/_ping", .unknown),
        .init("an empty method is invalid", "", "/_ping", .invalid("method")),
        .init("a method with a space is invalid", "G ET", "/_ping", .invalid("method")),
        .init("a method with a non-token byte is invalid", "GET/", "/_ping", .invalid("method")),
        .init("an unregistered token method is unknown", "PATCH", "/containers/abc/update", .unknown),
        .init("CONNECT with a path is just an unknown method", "CONNECT", "/_ping", .unknown),
        // Query
        .init("the query starts at the first '?'", "GET", "/containers/json?a=1?b=2",
              .route("container.list", path: "/containers/json")),
        .init("'#' is part of the path, not a fragment", "GET", "/containers/a#b/json",
              .route("container.inspect", parameters: ["id": "a#b"])),
        .init("'#' after a fixed route makes it unknown", "GET", "/_ping#x", .unknown),
        .init("'#' in the query stays in the query", "GET", "/_ping?x#y", .route("system.ping")),
    ]

    @Test("target forms, methods and query splitting", arguments: cases)
    func targets(_ row: ResolveCase) { check(row) }

    @Test("rawQuery is nil without '?', empty with a bare '?', verbatim otherwise",
          arguments: [
            ("/_ping", Optional<String>.none),
            ("/_ping?", ""),
            ("/_ping?a=%zz&b=+", "a=%zz&b=+"),
            ("/_ping?a=1?b=2", "a=1?b=2"),
            ("/_ping?x#frag", "x#frag"),
          ])
    func rawQuery(_ target: String, _ expected: String?) {
        guard case .matched(let match) = Catalogue.resolve(method: "GET", target: target) else {
            Issue.record("no match for \(target)")
            return
        }
        #expect(match.rawQuery == expected)
    }

    @Test("unknown reports the method and the decoded path, version prefix included")
    func unknownPayload() {
        #expect(Catalogue.resolve(method: "GET", target: "/v1.41/no%2Fsuch?x=1")
                == .unknown(method: "GET", path: "/v1.41/no/such"))
    }
}
