import GoJSON
import Testing
@testable import Tenancy

@Suite("container: namespaces on a job socket")
struct NamespacePinningTests {
    static let web = String(repeating: "a", count: 64)
    static let db = String(repeating: "b", count: 64)
    static let ids = ["web": web, "81": db, web: web]

    static func body(_ modes: [(String, String)]) -> GoValue {
        let hostConfig = GoValue.pointer(.structure(modes.map { GoFieldValue($0.0, .string($0.1)) }))
        return .structure([GoFieldValue("Image", .string("busybox")), GoFieldValue("HostConfig", hostConfig)])
    }

    @Test("each container: mode is forwarded as the full ID the check found; other modes are kept", arguments: [
        ("NetworkMode", "container:web", "container:" + web), ("PidMode", "container:81", "container:" + db),
        ("IpcMode", "container:" + web, "container:" + web), ("NetworkMode", "none", "none"),
        ("NetworkMode", "my-net", "my-net"), ("IpcMode", "shareable", "shareable"), ("PidMode", "host", "host"),
        ("UTSMode", "container:web", "container:web"),
    ])
    func pinned(_ c: (String, String, String)) throws {
        let pinned = try OwnerReferences.pinningNamespaces(Self.body([(c.0, c.1)]), resolve: { Self.ids[$0] }).get()
        #expect(pinned[field: "HostConfig"]?[field: c.0] == .string(c.2), "\(c.0)=\(c.1)")
        #expect(pinned[field: "Image"] == .string("busybox"))
    }

    @Test("a target that does not resolve to a full ID refuses the create", arguments: [
        ("NetworkMode", "container:gone"), ("PidMode", "container:"), ("IpcMode", "container:short"),
    ])
    func unresolved(_ c: (String, String)) {
        let ids = ["short": "abc"]
        let result = OwnerReferences.pinningNamespaces(Self.body([(c.0, c.1)]), resolve: { ids[$0] })
        #expect(throws: OwnerReferences.Unresolved.self) { try result.get() }
    }

    @Test("a body without HostConfig is unchanged")
    func plain() throws {
        let plain = GoValue.structure([GoFieldValue("Image", .string("busybox"))])
        #expect(try OwnerReferences.pinningNamespaces(plain, resolve: { _ in nil }).get() == plain)
    }

    @Test("a start refuses a stored container: target that is not a full ID", arguments: [
        ("NetworkMode", "container:81", "81" as String?), ("PidMode", "container:web", "web"),
        ("IpcMode", "container:" + String(repeating: "A", count: 64), String(repeating: "A", count: 64)),
        ("NetworkMode", "container:" + web, nil), ("NetworkMode", "none", nil), ("IpcMode", "private", nil),
        ("NetworkMode", "81", nil),
    ])
    func unpinned(_ c: (String, String, String?)) {
        #expect(OwnerReferences.unpinnedNamespace(modes: [(field: c.0, value: c.1)])?.reference == c.2, "\(c.0)=\(c.1)")
    }

    @Test("old-API top-level HostConfig fields are named for refusal", arguments: [
        (["NetworkMode"], ["NetworkMode"]), (["Cpuset"], ["Cpuset"]), (["Image", "HostConfig"], []),
        (["Image", "PidMode", "Links"], ["PidMode", "Links"]),
    ])
    func oldAPI(_ c: ([String], [String])) {
        let body = GoValue.structure(c.0.map { GoFieldValue($0, .string("x")) })
        #expect(OwnerReferences.oldAPIFields(body) == c.1)
    }

    @Test("a container name that reads as a full ID is refused", arguments: [
        (web, true), ("/" + web, true), (String(web.dropLast()), false), (String(repeating: "A", count: 64), false),
        ("81", false), ("web", false),
    ])
    func names(_ c: (String, Bool)) {
        #expect((ContainerNames.check(c.0) != nil) == c.1, "\(c.0)")
    }
}
