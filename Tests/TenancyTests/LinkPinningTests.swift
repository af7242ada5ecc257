import GoJSON
import Testing
@testable import Tenancy

@Suite("Links on a job socket")
struct LinkPinningTests {
    static let ids = ["web": "1111", "db": "2222"]

    @Test("each link names its container by full ID, the alias kept as the daemon reads it", arguments: [
        ("web", "1111:web" as String?), ("web:w", "1111:w"), ("/web:/child/w", "1111:w"), ("/web", "1111:/web"),
        ("gone:x", nil), ("a:b:c", nil), ("", nil),
    ])
    func link(_ c: (String, String?)) {
        #expect(OwnerReferences.pinnedLink(c.0, resolve: { Self.ids[$0] }) == c.1, "\(c.0)")
    }

    @Test("the body is rewritten in place; a body without links is unchanged")
    func body() throws {
        let hostConfig = GoValue.pointer(.structure([GoFieldValue("Links", .slice([.string("web:w"), .string("db")]))]))
        let body = GoValue.structure([GoFieldValue("Image", .string("busybox")), GoFieldValue("HostConfig", hostConfig)])
        let pinned = try #require(OwnerReferences.pinningLinks(body, resolve: { Self.ids[$0] }))
        #expect(pinned[field: "HostConfig"]?[field: "Links"] == .slice([.string("1111:w"), .string("2222:db")]))
        #expect(pinned[field: "Image"] == .string("busybox"))
        let plain = GoValue.structure([GoFieldValue("Image", .string("busybox"))])
        #expect(OwnerReferences.pinningLinks(plain, resolve: { _ in nil }) == plain)
        #expect(OwnerReferences.pinningLinks(body, resolve: { _ in nil }) == nil)
    }
}
