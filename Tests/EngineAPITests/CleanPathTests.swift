@testable import EngineAPI
import Testing

@Suite("Clean paths (gorilla/mux cleanPath → 301)")
struct CleanPathTests {
    static let cases: [ResolveCase] = [
        .init("a double slash redirects", "GET", "//_ping", .invalid("not clean")),
        .init("a double slash after the version redirects", "GET", "/v1.41//containers/json", .invalid("not clean")),
        .init("an encoded double slash redirects", "GET", "/v1.41/containers%2F%2Fjson", .invalid("not clean")),
        .init("a dot segment redirects", "GET", "/./_ping", .invalid("not clean")),
        .init("a dot-dot segment redirects", "GET", "/containers/../_ping", .invalid("redirect to /_ping")),
        .init("an encoded dot-dot segment redirects", "GET", "/containers/%2E%2E/_ping", .invalid("not clean")),
        .init("a dot-dot above the version redirects", "GET", "/v1.41/../_ping", .invalid("not clean")),
        .init("a dot-dot at the root redirects", "GET", "/../_ping", .invalid("redirect to /_ping")),
        .init("a trailing dot redirects", "GET", "/_ping/.", .invalid("redirect to /_ping")),
        .init("a trailing dot-dot redirects", "GET", "/containers/..", .invalid("redirect to /")),
        .init("a dot before a trailing slash redirects", "GET", "/containers/json/./", .invalid("redirect to /containers/json/")),
        .init("a double trailing slash redirects", "DELETE", "/containers/abc//", .invalid("not clean")),
        .init("an empty .* variable in the middle needs '//' and so redirects", "POST", "/networks//connect", .invalid("not clean")),
        .init("redirects happen whatever the method", "OPTIONS", "/a//b", .invalid("not clean")),
        .init("three dots are an ordinary segment", "GET", "/containers/.../json",
              .route("container.inspect", parameters: ["id": "..."])),
        .init("a dot-prefixed name is an ordinary segment", "GET", "/containers/.a/json",
              .route("container.inspect", parameters: ["id": ".a"])),
        .init("a version of dots is a segment, not a dot-dot", "GET", "/v../_ping", .route("system.ping", version: "..")),
        .init("the root is clean", "OPTIONS", "/", .route("system.options", parameters: ["anyroute": ""])),
    ]

    @Test("unclean paths are redirected, never routed", arguments: cases)
    func unclean(_ row: ResolveCase) { check(row) }

    /// Go's path.Clean test table (src/path/path_test.go, cleantests).
    @Test("goPathClean matches Go's path.Clean",
          arguments: [
            ("", "."), ("abc", "abc"), ("abc/def", "abc/def"), ("a/b/c", "a/b/c"), (".", "."),
            ("..", ".."), ("../..", "../.."), ("../../abc", "../../abc"), ("/abc", "/abc"), ("/", "/"),
            ("abc/", "abc"), ("abc/def/", "abc/def"), ("a/b/c/", "a/b/c"), ("./", "."), ("../", ".."),
            ("../../", "../.."), ("/abc/", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"), ("//abc", "/abc"), ("///abc", "/abc"), ("//abc//", "/abc"),
            ("abc//", "abc"),
            ("abc/./def", "abc/def"), ("/./abc/def", "/abc/def"), ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"), ("abc/def/../ghi/../jkl", "abc/jkl"), ("abc/def/..", "abc"),
            ("abc/def/../..", "."), ("/abc/def/../..", "/"), ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"), ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("abc/./../def", "def"), ("abc//./../def", "def"), ("abc/../../././../def", "../../def"),
          ])
    func goClean(_ input: String, _ expected: String) {
        #expect(String(decoding: CleanPath.goPathClean(Array(input.utf8)), as: UTF8.self) == expected)
    }

    @Test("muxCleanPath keeps a trailing slash",
          arguments: [
            ("/a/b/", "/a/b/"), ("/a//", "/a/"), ("/./", "/"), ("/.", "/"), ("/a/..", "/"),
            ("/a/../", "/"), ("/", "/"), ("", "/"), ("a", "/a"), ("/a/b/../c/", "/a/c/"),
          ])
    func muxClean(_ input: String, _ expected: String) {
        #expect(String(decoding: CleanPath.muxCleanPath(Array(input.utf8)), as: UTF8.self) == expected)
    }

    @Test("isClean agrees with muxCleanPath on every short path over {/, ., a}")
    func exhaustive() {
        let alphabet: [UInt8] = [UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "a")]
        var checked = 0
        func walk(_ prefix: [UInt8], _ depth: Int) {
            #expect(CleanPath.isClean(prefix) == (CleanPath.muxCleanPath(prefix) == prefix),
                    "\(String(decoding: prefix, as: UTF8.self))")
            checked += 1
            if depth == 0 { return }
            for byte in alphabet { walk(prefix + [byte], depth - 1) }
        }
        walk([UInt8(ascii: "/")], 8)
        #expect(checked > 9000)
    }
}
