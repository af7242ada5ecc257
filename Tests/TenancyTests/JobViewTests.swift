import Testing
@testable import Tenancy

/// A reference the daemon found among everyone's objects, looked up again
/// among the job's own alone (`JobView`): what the job may learn depends on
/// its own objects only.
@Suite("a container or network reference in the job's view")
struct JobViewTests {
    static let mine = "7255a5cf2932d0beeb1e19f7d0d422e8052b9493b8ec6e4a1e1256085e739ca6"
    static let mine2 = "72ffa5cf2932d0beeb1e19f7d0d422e8052b9493b8ec6e4a1e1256085e739ca6"
    static let own: [(id: String, names: [String])] = [(mine, ["/ja-app"]), (mine2, ["/ja-db", "/ja-app/db"])]

    @Test("containers: exact ID, exact name, then ID prefix, as dockerd 20.10's GetContainer", arguments: [
        ("full ID", mine, JobView.Resolution.one(mine)),
        ("name", "ja-app", .one(mine)),
        ("name with its slash", "/ja-db", .one(mine2)),
        ("a link name (parent/alias), which the daemon reserves for the linked container", "ja-app/db", .one(mine2)),
        ("a prefix only the job's container has (another's shares it on the daemon)", "725", .one(mine)),
        ("a prefix two of the job's share", "72",
         .ambiguous(TenancyRefusal(status: 500, message: "Multiple IDs found with provided prefix: 72"))),
        ("a prefix of no container of the job's (another's, or nothing)", "bc", .none),
        ("another's full ID", String(repeating: "b", count: 64), .none),
        ("upper-case hex is no prefix", "7255A5", .none),
        ("empty", "", .none),
    ])
    func containers(_ c: (String, String, JobView.Resolution)) {
        #expect(JobView.container(c.1, own: Self.own) == c.2, "\(c.0)")
    }

    @Test("with no containers of its own, every reference is none", arguments: ["7", "725", mine, "ja-app", "x"])
    func noneOwned(_ reference: String) {
        #expect(JobView.container(reference, own: []) == .none)
    }

    static let nets: [(id: String, name: String)] = [(mine, "ja-net"), (mine2, "ja-net2")]

    @Test("networks: exact ID, exact name, then ID prefix, as dockerd 20.10's findUniqueNetwork", arguments: [
        ("full ID", mine, JobView.Resolution.one(mine)),
        ("name", "ja-net2", .one(mine2)),
        ("a prefix only one of the job's has", "72f", .one(mine2)),
        ("a prefix two of the job's share", "72",
         .ambiguous(TenancyRefusal(status: 400, message: "2 matches found based on ID prefix: network 72 is ambiguous"))),
        ("another's or nothing", "bc", .none),
        ("empty", "", .none),
    ])
    func networks(_ c: (String, String, JobView.Resolution)) {
        #expect(JobView.network(c.1, own: Self.nets) == c.2, "\(c.0)")
    }

    @Test("two of the job's networks of one name (made on the daemon socket) are ambiguous by name")
    func networksByName() {
        #expect(JobView.network("dup", own: [(Self.mine, "dup"), (Self.mine2, "dup")])
            == .ambiguous(TenancyRefusal(status: 400, message: "2 matches found based on name: network dup is ambiguous")))
    }

    @Test("the daemon's ambiguity answers are told from other failures", arguments: [
        (ObjectKind.container, 500, "Multiple IDs found with provided prefix: bc", true),
        (.container, 500, "illegal character: ' '", false),
        (.container, 404, "No such container: bc", false),
        (.network, 400, "2 matches found based on ID prefix: network bc is ambiguous", true),
        (.network, 400, "3 matches found based on name: network bc is ambiguous", true),
        (.network, 500, "2 matches found based on ID prefix: network bc is ambiguous", false),
        (.network, 400, "invalid value for verbose: x", false),
        (.volume, 500, "Multiple IDs found with provided prefix: bc", false),
        (.exec, 500, "Multiple IDs found with provided prefix: bc", false),
    ])
    func ambiguity(_ c: (ObjectKind, Int, String, Bool)) {
        #expect(JobView.daemonSaysAmbiguous(c.0, status: c.1, message: c.2) == c.3)
    }

    static let img = "sha256:" + mine, img2 = "sha256:" + mine2

    @Test("images: dockerd 20.10's ID search (digestset.Lookup) among the job's view; several or none is missing", arguments: [
        ("a bare prefix only one of the view's images has", "725", JobView.Resolution.one(img)),
        ("a sha256: prefix", "sha256:72f", .one(img2)),
        ("a prefix two of the view's share: the daemon's missing image, not an error of its own", "72", .none),
        ("sha256: with nothing after it is no digest to go-digest: matched as written, by no ID", "sha256:", .none),
        ("a prefix of no image in the view", "bc", .none),
        ("upper-case hex is no prefix", "7255A5", .none),
        ("another algorithm matches no sha256 ID", "sha512:725", .none),
    ])
    func images(_ c: (String, String, JobView.Resolution)) {
        #expect(JobView.image(c.1, own: [Self.img, Self.img2]) == c.2, "\(c.0)")
    }

    @Test("a look-up's error on a kill is wrapped as dockerd 20.10 wraps it; on other routes and kinds it is as it is", arguments: [
        (ObjectKind.container, "container.kill", "Cannot kill container: 72: Multiple IDs found with provided prefix: 72"),
        (.container, "container.stop", "Multiple IDs found with provided prefix: 72"),
        (.network, "container.kill", "Multiple IDs found with provided prefix: 72"),
    ])
    func killWraps(_ c: (ObjectKind, String, String)) {
        let refusal = TenancyRefusal(status: 500, message: "Multiple IDs found with provided prefix: 72")
        #expect(c.0.onRoute(c.1, reference: "72", refusal) == TenancyRefusal(status: 500, message: c.2))
        #expect(ObjectKind.container.notFound("x", route: "container.kill").message == "Cannot kill container: x: No such container: x")
    }
}
