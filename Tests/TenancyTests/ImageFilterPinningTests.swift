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

/// A container list's `ancestor` filter names an image dockerd 20.10 looks
/// up among every image; on a job socket each value is the full ID of an
/// image in the job's view, or an ID no image has (the filter stays, so it
/// keeps no container, as for an image the daemon does not have).
@Suite("container list ancestor filters on a job socket")
struct AncestorFilterPinningTests {
    static let own = "sha256:" + String(repeating: "a", count: 64)

    static func resolve(_ value: String) -> QueryRewrite.ImageFilterValue {
        value == "mine" ? .pinned(own) : .pinned(QueryRewrite.noImage)
    }

    static func pinned(_ filters: String) throws -> String? {
        try QueryRewrite.pinningImageFilters("all=1&filters=" + QueryRewrite.escape(filters), keys: ["ancestor"], resolve: Self.resolve).get()
    }

    @Test("each value becomes a full ID; before and since are left to the container look-up", arguments: [
        (#"{"ancestor":["mine"]}"#, #"{"ancestor":{"\#(own)":true}}"#),
        (#"{"ancestor":["theirs"]}"#, #"{"ancestor":{"\#(QueryRewrite.noImage)":true}}"#),
        (#"{"ancestor":["mine","theirs"],"before":["c1"]}"#,
         #"{"ancestor":{"\#(QueryRewrite.noImage)":true,"\#(own)":true},"before":{"c1":true}}"#),
    ])
    func pinning(_ c: (String, String)) throws {
        #expect(try Self.pinned(c.0) == "filters=" + QueryRewrite.escape(c.1) + "&all=1")
    }

    @Test("a list without ancestor is forwarded as is")
    func unchanged() throws {
        #expect(try Self.pinned(#"{"before":["c1"],"status":["exited"]}"#) == nil)
    }

    @Test("the stand-in is a full image ID, which the daemon opens by ID, never by a name someone could give")
    func noImageIsAFullID() {
        #expect(QueryRewrite.noImage.utf8.count == 71 && QueryRewrite.noImage.hasPrefix("sha256:"))
        #expect(!ImageNames.readsAsIDPrefix(QueryRewrite.noImage))
    }
}
