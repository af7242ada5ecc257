import Testing
@testable import Tenancy
import EngineAPI
import GoJSON

@Suite("image prune on a job socket")
struct ImagePruneTests {
    static let owner = JobOwner(id: "j1", seal: "5ea1")!
    static var own: [(key: String, value: String)] {
        [(JobOwner.labelKey, "j1"), (JobOwner.sealKey, owner.seal), ("tier", "a")]
    }

    @Test("only the job's own images are chosen, never one without a config", arguments: [
        // dockerd 20.10 prunes an image without a config whatever the label filters say.
        ("an image without a config (shared, other jobs' tags on it)", nil, ImagePrune.Filters(danglingOnly: false), false),
        ("an image without labels (a shared base image)", [], ImagePrune.Filters(danglingOnly: false), false),
        ("another job's image", [(JobOwner.labelKey, "j2"), (JobOwner.sealKey, "x")], ImagePrune.Filters(), false),
        ("the job's label without its seal (a Dockerfile LABEL)", [(JobOwner.labelKey, "j1")], ImagePrune.Filters(), false),
        ("the job's own image", own, ImagePrune.Filters(), true),
        ("the job's own image, a label filter it matches", own, ImagePrune.Filters(labels: ["tier=a"]), true),
        ("the job's own image, a label filter it does not match", own, ImagePrune.Filters(labels: ["tier=b"]), false),
        ("the job's own image, spared by label!", own, ImagePrune.Filters(notLabels: ["tier"]), false),
    ] as [(String, [(key: String, value: String)]?, ImagePrune.Filters, Bool)])
    func chooses(_ c: (String, [(key: String, value: String)]?, ImagePrune.Filters, Bool)) {
        #expect(ImagePrune.chooses(c.2, id: "sha256:own", labels: c.1, owner: Self.owner, recorded: ["sha256:own"]) == c.3, "\(c.0)")
    }

    @Test("the filters are read and refused as the daemon reads them", arguments: [
        ("no filters: dangling only", nil, ImagePrune.Filters(), nil),
        ("dangling=false prunes tagged images too", #"{"dangling":["false"]}"#, ImagePrune.Filters(danglingOnly: false), nil),
        ("dangling=0", #"{"dangling":{"0":true}}"#, ImagePrune.Filters(danglingOnly: false), nil),
        ("dangling with no values matches false", #"{"dangling":{}}"#, ImagePrune.Filters(danglingOnly: false), nil),
        ("dangling=true", #"{"dangling":["true"]}"#, ImagePrune.Filters(), nil),
        ("a value set false is not a match", #"{"dangling":{"false":false}}"#, nil, "Invalid filter 'dangling=[false]'"),
        ("an unknown dangling value", #"{"dangling":["maybe"]}"#, nil, "Invalid filter 'dangling=[maybe]'"),
        ("an unknown filter", #"{"reference":["x"]}"#, nil, "Invalid filter 'reference'"),
        ("labels and until", #"{"label":["a=1"],"label!":["b"],"until":["1h"]}"#,
         ImagePrune.Filters(labels: ["a=1"], notLabels: ["b"], until: ["1h"]), nil),
    ] as [(String, String?, ImagePrune.Filters?, String?)])
    func filters(_ c: (String, String?, ImagePrune.Filters?, String?)) {
        let raw = c.1.map { "filters=" + QueryRewrite.escape($0) }
        switch ImagePrune.filters(raw) {
        case .success(let read): #expect(read == c.2 && c.3 == nil, "\(c.0)")
        case .failure(let refusal): #expect(refusal.status == 400 && refusal.message == c.3 && c.2 == nil, "\(c.0): \(refusal.message)")
        }
    }

    @Test("what a prune deletes of an image, as the daemon's prune deletes it", arguments: [
        ("untagged: by its ID", [], [], true, ["abc"]),
        ("untagged, <none> placeholders: by its ID", ["<none>:<none>"], ["<none>@<none>"], true, ["abc"]),
        ("tagged, dangling only: kept", ["app:1"], [], true, []),
        ("tagged, all: every reference", ["app:1", "app:2"], ["app@sha256:d"], false, ["app:1", "app:2", "app@sha256:d"]),
        ("digests only, dangling only: every digest", [], ["app@sha256:d"], true, ["app@sha256:d"]),
    ] as [(String, [String], [String], Bool, [String])])
    func removals(_ c: (String, [String], [String], Bool, [String])) {
        #expect(ImagePrune.removals(id: "sha256:abc", repoTags: c.1, repoDigests: c.2, danglingOnly: c.3) == c.4, "\(c.0)")
    }

    @Test("the report is the daemon's JSON, null when nothing was deleted")
    func report() {
        #expect(ImagePrune.report(items: [], spaceReclaimed: 0) == Array("{\"ImagesDeleted\":null,\"SpaceReclaimed\":0}\n".utf8))
        let item = JSONValue.object([JSONMember("Untagged", .string("app:1"))])
        #expect(ImagePrune.report(items: [item], spaceReclaimed: 0) == Array("{\"ImagesDeleted\":[{\"Untagged\":\"app:1\"}],\"SpaceReclaimed\":0}\n".utf8))
    }
}
