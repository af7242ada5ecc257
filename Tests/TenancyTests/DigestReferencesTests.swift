import Testing
@testable import Tenancy

@Suite("Digest references a tag delete takes along (dockerd 20.10 ImageDelete)")
struct DigestReferencesTests {
    static let d = "sha256:" + String(repeating: "d", count: 64)
    static let e = "sha256:" + String(repeating: "e", count: 64)
    static let x = "127.0.0.1:5000/x"

    @Test("removing a repository's last tag takes its digest references along; another tag there, or a digest elsewhere, does not", arguments: [
        // Pulled by digest, tagged by a job: the tag is the repository's last.
        ("\(x):mine", ["\(x):mine"], ["\(x)@\(d)"], ["\(x)@\(d)"]),
        ("\(x):mine", ["\(x):mine"], ["\(x)@\(d)", "\(x)@\(e)"], ["\(x)@\(d)", "\(x)@\(e)"]),
        // Normalised: docker.io/library/app is app.
        ("docker.io/library/app:mine", ["app:mine"], ["app@\(d)"], ["app@\(d)"]),
        ("app:mine", ["app:mine", "other:1"], ["app@\(d)", "other@\(e)"], ["app@\(d)"]),
        // Another tag of the same repository remains: only the tag goes.
        ("\(x):mine", ["\(x):mine", "\(x):1"], ["\(x)@\(d)"], []),
        // The digest is another repository's: it stays.
        ("\(x)-job:mine", ["\(x)-job:mine"], ["\(x)@\(d)"], []),
        ("\(x):mine", ["\(x):mine"], [], []),
        // A delete by digest or ID removes only that reference (or is refused).
        ("\(x)@\(d)", ["\(x):mine"], ["\(x)@\(d)"], []),
        (d, ["\(x):mine"], ["\(x)@\(d)"], []),
        ("<none>@<none>", [], ["<none>@<none>"], []),
    ] as [(String, [String], [String], [String])])
    func takenAlong(_ c: (String, [String], [String], [String])) {
        #expect(DigestReferences.takenAlong(untagging: c.0, repoTags: c.1, repoDigests: c.2) == c.3, "\(c.0) \(c.1) \(c.2)")
    }

    static let claims = ["127.0.0.1:5000/x:other-job": "job-7", "127.0.0.1:5000/x:mine": "job-42"]

    @Test("a job's new tag on a shared image is refused where it would be the only unclaimed handle on a digest reference", arguments: [
        // Known only by digest: a tag in that repository is refused ...
        ("\(x):mine", [String](), ["\(x)@\(d)"], true),
        // ... also when the only other tags there are jobs' claims (each would be the last one day).
        ("\(x):mine2", ["\(x):other-job", "\(x):mine"], ["\(x)@\(d)"], true),
        // A shared (unclaimed) tag in the repository keeps the digest reference: allowed.
        ("\(x):mine", ["\(x):1.0"], ["\(x)@\(d)"], false),
        // Another repository name: allowed.
        ("\(x)-job:mine", [], ["\(x)@\(d)"], false),
        ("app:mine", ["busybox:latest"], [], false),
        ("busybox:mine", ["busybox:latest"], ["busybox@\(d)"], false),
        ("busybox:mine", [], ["busybox@\(d)"], true),
    ] as [(String, [String], [String], Bool)])
    func claimRisks(_ c: (String, [String], [String], Bool)) {
        let risks = DigestReferences.claimRisks(target: c.0, repoTags: c.1, repoDigests: c.2, claimant: { Self.claims[$0] })
        #expect(!risks.isEmpty == c.3, "\(c.0) \(c.1) \(c.2): \(risks)")
    }

    @Test("the refusals are 409s that say why and what to do")
    func refusals() {
        let tag = DigestReferences.claimRefusal(target: "127.0.0.1:5000/x:mine", digests: ["\(Self.x)@\(Self.d)"])
        #expect(tag.status == 409)
        #expect(tag.message.contains("127.0.0.1:5000/x") && tag.message.contains("another repository name"))
        let delete = DigestReferences.deleteRefusal(name: "127.0.0.1:5000/x:mine", digests: ["\(Self.x)@\(Self.d)"])
        #expect(delete.status == 409)
        #expect(delete.message.contains("digest reference \(Self.x)@\(Self.d)") && delete.message.contains("left in place"))
    }

    @Test("the repository of a reference, normalised", arguments: [
        ("app", "docker.io/library/app" as String?), ("app:1", "docker.io/library/app"),
        ("127.0.0.1:5000/x@" + d, "127.0.0.1:5000/x"), ("localhost:5000/a/b:t", "localhost:5000/a/b"), ("UPPER", nil),
    ])
    func repository(_ c: (String, String?)) {
        #expect(DigestReferences.repository(c.0) == c.1, "\(c.0)")
    }
}
