import Testing
@testable import Tenancy

@Suite("A job's claim counts only on the image it tagged")
struct ImageClaimTests {
    static let tagged = "sha256:" + String(repeating: "a", count: 64)
    static let other = "sha256:" + String(repeating: "b", count: 64)

    @Test("the claimant while the name is on the image the job tagged; no job's once someone moved it", arguments: [
        (tagged as String?, tagged as String?, "job-42" as String?),
        // The runner pulled, built or imported an image under the name: not the job's.
        (tagged, other, nil),
        // No ID in the daemon's answer, or an empty one: not the job's.
        (tagged, nil, nil), (tagged, "", nil),
        // A prefix or another spelling of the ID is not the ID.
        (tagged, String(tagged.prefix(19)), nil), (tagged, String(tagged.dropFirst(7)), nil),
        // A claim persisted before IDs were kept counts for nothing (the name may have moved since).
        (nil, other, nil), (nil, tagged, nil), (nil, nil, nil),
    ])
    func claimant(_ c: (String?, String?, String?)) {
        #expect(ImageClaim(job: "job-42", imageID: c.0).claimant(onImage: c.1) == c.2, "\(String(describing: c.0)) on \(String(describing: c.1))")
    }

    @Test("ownership of a re-pointed claimed name: shared, so no job may move or remove it")
    func ownership() {
        let owner = JobOwner(id: "job-42", seal: "5ea1")!
        let claims = ["docker.io/library/ci-base:v1": ImageClaim(job: "job-42", imageID: Self.tagged)]
        func own(_ current: String) -> ImageOwnership {
            ImageNames.ownership(asked: "ci-base:v1", id: current, labels: [], repoTags: ["ci-base:v1"], owner: owner, recorded: [],
                                 claimant: { claims[$0]?.claimant(onImage: current) })
        }
        #expect(own(Self.tagged) == .own)
        #expect(own(Self.other) == .shared)
        let theirs = JobOwner(id: "other", seal: "5ea2")!
        #expect(ImageNames.ownership(asked: "ci-base:v1", id: Self.other, labels: [], repoTags: ["ci-base:v1"], owner: theirs, recorded: [],
                                     claimant: { claims[$0]?.claimant(onImage: Self.other) }) == .shared)
    }
}
