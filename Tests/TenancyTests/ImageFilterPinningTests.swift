import Testing
@testable import Tenancy

@Suite("image list before/since filters on a job socket")
struct ImageFilterPinningTests {
    static let own = "sha256:" + String(repeating: "a", count: 64)
    static let missing = TenancyRefusal(status: 404, message: "No such image: x")

    /// `mine` and `9837d4` are in the job's view, `theirs` is not.
    static func resolve(_ value: String) -> QueryRewrite.ImageFilterValue {
        switch value {
        case "mine", "9837d4": return .pinned(own)
        case "": return .kept
        default: return .refused(missing)
        }
    }

    static func query(_ filters: String) -> String { "all=1&filters=" + QueryRewrite.escape(filters) }

    @Test("a visible image is forwarded as its full ID, in either filter form", arguments: [
        (#"{"since":["mine"]}"#, #"{"since":{"\#(own)":true}}"#),
        (#"{"before":{"9837d4":true}}"#, #"{"before":{"\#(own)":true}}"#),
        (#"{"since":[""],"dangling":["true"]}"#, #"{"dangling":{"true":true},"since":{"":true}}"#),
    ])
    func pinned(_ c: (String, String)) throws {
        let rewritten = try #require(try QueryRewrite.pinningImageFilters(Self.query(c.0), resolve: Self.resolve).get())
        #expect(rewritten == "filters=" + QueryRewrite.escape(c.1) + "&all=1")
    }

    @Test("an image not in the job's view answers what the daemon answers for a missing one", arguments: [
        #"{"since":["theirs"]}"#, #"{"before":["mine","theirs"]}"#, #"{"since":{"theirs":false}}"#,
    ])
    func refused(_ filters: String) {
        #expect(QueryRewrite.pinningImageFilters(Self.query(filters), resolve: Self.resolve) == .failure(Self.missing))
    }

    @Test("a list without before or since is forwarded as is", arguments: [
        nil, "all=1", #"filters={"dangling":["true"]}"#, "filters=",
    ])
    func unchanged(_ raw: String?) {
        #expect(QueryRewrite.pinningImageFilters(raw, resolve: { _ in .refused(Self.missing) }) == .success(nil))
    }

    @Test("filters the daemon would not read are refused before any lookup")
    func malformed() {
        let result = QueryRewrite.pinningImageFilters("filters=%7Bnot-json", resolve: { _ in .refused(Self.missing) })
        #expect((try? result.get()) == nil)
    }
}
