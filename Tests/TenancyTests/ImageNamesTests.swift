import EngineAPI
import GoJSON
import Testing
@testable import Tenancy

@Suite("Image names on a job socket")
struct ImageNamesTests {
    static let claims = ["docker.io/library/mine:1": "job-42", "docker.io/library/theirs:1": "other"]
    func ownership(_ asked: String, labels: [(key: String, value: String)] = [], tags: [String], digests: [String] = []) -> ImageOwnership {
        ImageNames.ownership(asked: asked, id: "sha256:own", labels: labels, repoTags: tags, repoDigests: digests, owner: owner,
                             recorded: ["sha256:own"], claimant: { Self.claims[$0] })
    }

    @Test("a save by a bare name takes the repository's every tag; with a tag, digest or ID only that image", arguments: [
        ("app", "app" as String?), ("docker.io/library/app", "app"), ("library/app", "app"), ("x/app", "x/app"),
        ("localhost:5000/app", "localhost:5000/app"), ("abc123", "abc123"),
        ("app:1", nil), ("localhost:5000/app:1", nil), ("app@sha256:" + String(repeating: "a", count: 64), nil),
        (String(repeating: "a", count: 64), nil), ("sha256:" + String(repeating: "a", count: 64), nil), ("UPPER", nil),
    ])
    func savedRepository(_ c: (String, String?)) {
        #expect(ImageNames.savedRepository(c.0) == c.1, "\(c.0)")
    }

    @Test("names the daemon may read as an ID prefix", arguments: [
        ("3ded", true), ("cafe", true), ("CAFE12", true), ("sha256:3ded", true), ("sha256:", true),
        (String(repeating: "a", count: 63), true),
        (String(repeating: "a", count: 64), false), ("sha256:" + String(repeating: "a", count: 64), false),
        ("cafe:latest", false), ("app", false), ("a/cafe", false), ("cafe-1", false), ("", false),
    ])
    func idPrefix(_ c: (String, Bool)) {
        #expect(ImageNames.readsAsIDPrefix(c.0) == c.1, "\(c.0)")
    }

    @Test("an image with no owner label and no name (a build's step, FROM scratch ones too) is no job's to see", arguments: [
        ([String](), [String](), ImageOwnership.foreign),
        (["<none>:<none>"], ["<none>@<none>"], .foreign),
        // Named: tagged (pulled, or imported or built on the main socket), or pulled by digest: shared.
        (["busybox:latest"], [], .shared),
        ([], ["busybox@sha256:" + String(repeating: "b", count: 64)], .shared),
    ])
    func unnamed(_ c: ([String], [String], ImageOwnership)) {
        #expect(ownership("abc123", tags: c.0, digests: c.1) == c.2)
        // The job's own build ends with its owner label, which decides.
        #expect(ownership("abc123", labels: [("io.sockwarden.job", "job-42"), ("io.sockwarden.seal", "5ea1")], tags: c.0, digests: c.1) == .own)
    }

    @Test("the owner label and the job's seal decide, whatever the name: a label without the seal is another job's Dockerfile LABEL", arguments: [
        ("job-42", "5ea1" as String?, ImageOwnership.own), ("job-42", nil, .foreign), ("job-42", "5ea2", .foreign),
        ("job-42", "", .foreign), ("other", "5ea1", .foreign), ("", "5ea1", .foreign),
    ])
    func labelled(_ c: (String, String?, ImageOwnership)) {
        let labels = [("io.sockwarden.job", c.0)] + (c.1.map { [("io.sockwarden.seal", $0)] } ?? [])
        #expect(ownership("theirs:1", labels: labels, tags: ["theirs:1"]) == c.2)
        #expect(ownership("sha256:" + String(repeating: "a", count: 64), labels: labels, tags: []) == c.2)
    }

    @Test("an unlabelled image asked by a claimed tag is the claimant's; by ID or another tag it is shared", arguments: [
        ("mine:1", ["busybox:latest", "mine:1"], ImageOwnership.own),
        ("docker.io/library/theirs:1", ["busybox:latest", "theirs:1"], .foreign),
        ("theirs:1", ["theirs:1"], .foreign),
        ("busybox", ["busybox:latest", "theirs:1"], .shared),
        ("abc123", ["theirs:1"], .shared),
        // A stale claim: the daemon no longer has the name on this image.
        ("theirs:1", ["busybox:latest"], .shared),
    ])
    func claimed(_ c: (String, [String], ImageOwnership)) {
        #expect(ownership(c.0, tags: c.1) == c.2, "\(c.0)")
    }

    @Test("names are printed as dockerd 20.10's ErrImageDoesNotExist prints them", arguments: [
        ("foo", "foo:latest"), ("foo:2", "foo:2"), ("docker.io/library/foo:2", "foo:2"), ("index.docker.io/x/y", "x/y:latest"),
        ("localhost:5000/a/b", "localhost:5000/a/b:latest"), ("abc123", "abc123:latest"),
        (String(repeating: "f", count: 64), "sha256:" + String(repeating: "f", count: 64)),
        ("sha256:" + String(repeating: "f", count: 64), "sha256:" + String(repeating: "f", count: 64)),
        ("docker.io/library/a/b", "library/a/b:latest"), ("UPPER", "UPPER"),
    ])
    func familiar(_ c: (String, String)) {
        #expect(ImageNames.familiar(c.0) == c.1)
    }

    @Test("a missing image is answered per route, as the daemon answers", arguments: [
        ("image.inspect", "foo", "no such image: foo: No such image: foo:latest"),
        ("image.history", "foo", "No such image: foo:latest"), ("image.delete", "f:1", "No such image: f:1"),
        ("image.tag", "abc123", "No such image: abc123:latest"), ("image.get", "foo", "No such image: foo"),
        ("image.get", "foo:1", "reference does not exist"), ("image.get.all", "abc123", "No such image: abc123"),
        ("image.get", "sha256:" + String(repeating: "a", count: 64), "No such image: sha256:" + String(repeating: "a", count: 64)),
        ("image.history", "sha256:ffffffffffff", "No such image: sha256:ffffffffffff"),
        ("image.inspect", "sha256:ffffffffffff", "no such image: sha256:ffffffffffff: No such image: sha256:ffffffffffff"),
    ])
    func missing(_ c: (String, String, String)) {
        let refusal = ImageNames.missing(route: c.0, name: c.1)
        #expect(refusal.status == 404 && refusal.message == c.2 && refusal.raw == nil, "\(refusal.message)")
    }

    // dockerd 20.10's save (`image/tarexport` parseNames) opens a full ID in
    // the image store, and searches any other `sha256:` name as an ID
    // prefix (`imageStore.Search`): "No such image: <name>", 404.
    @Test("a save of a sha256: name that is no full ID is a 404 naming it, whatever the data root", arguments: [
        ("image.get.all", "sha256:ffffffffffff"), ("image.get", "sha256:ffffffffffff"), ("image.get.all", "sha256:xyz"),
        ("image.get.all", "sha256:FFFFFFFFFFFF"), ("image.get.all", "sha256:" + String(repeating: "F", count: 64)),
        ("image.get.all", "sha256:" + String(repeating: "f", count: 63) + "g"),
        ("image.get.all", "sha256:" + String(repeating: "f", count: 65)),
    ])
    func saveByShortID(_ c: (String, String)) {
        for storage in [nil, ("/var/lib/docker", "overlay2")] as [(String, String)?] {
            let refusal = ImageNames.missing(route: c.0, name: c.1, storage: storage)
            #expect(refusal.status == 404 && refusal.message == "No such image: \(c.1)" && refusal.raw == nil, "\(refusal.message)")
        }
    }

    @Test("a save by ID names the file the daemon did not find in its data root")
    func saveByID() {
        let hex = String(repeating: "b", count: 64)
        for name in [hex, "sha256:" + hex] {
            let refusal = ImageNames.missing(route: "image.get.all", name: name, storage: ("/var/lib/docker", "overlay2"))
            #expect(refusal.status == 500)
            #expect(refusal.message == "failed to get digest sha256:\(hex): open /var/lib/docker/image/overlay2/imagedb/content/sha256/\(hex): no such file or directory")
        }
    }

    @Test("a push of a missing image is a 200 whose progress stream carries the error", arguments: [
        ("app", "docker.io/library/app", "app"), ("team/app", "docker.io/team/app", "team/app"),
        ("reg.example:5000/team/app", "reg.example:5000/team/app", "reg.example:5000/team/app"),
    ])
    func push(_ c: (String, String, String)) throws {
        let refusal = ImageNames.missing(route: "image.push", name: c.0)
        let body = String(decoding: try #require(refusal.raw), as: UTF8.self)
        let error = "An image does not exist locally with the tag: \(c.2)"
        #expect(refusal.status == 200 && refusal.message == error)
        #expect(body == #"{"status":"The push refers to repository [\#(c.1)]"}\#r\#n{"errorDetail":{"message":"\#(error)"},"error":"\#(error)"}\#r\#n"#)
    }

    @Test("new names are normalised; names the daemon may read otherwise are nil", arguments: [
        ("app", "1", "docker.io/library/app:1"), ("app:2", "", "docker.io/library/app:2"), ("reg:5000/a", "x", "reg:5000/a:x"),
        ("APP", "1", nil), ("a//b", "", nil), ("", "1", nil), ("app", "-x", nil),
    ] as [(String, String, String?)])
    func target(_ c: (String, String, String?)) {
        #expect(ImageNames.target(repo: c.0, tag: c.1) == c.2)
    }

    @Test("changes may not set the owner label, continue a line or change the escape", arguments: [
        ("ENV A=1", true), ("LABEL a=b", true), ("LABEL io.sockwarden.job=x", false), ("LABEL \"io.sockwarden.job\"=x", false),
        ("LABEL a=\\", false), ("# escape=`", false), ("ENV A=1\nLABEL b=2", false), ("ENV A=1\r", false),
        ("LABEL io.sockwarden.create=image-0123", false), ("label \"io.sockwarden.create\"=x", false),
        ("LABEL a=b io.sockwarden.create x", false), ("LABEL io.sockwarden.creates=x", false),
        ("LABEL IO.SOCKWARDEN.CREATE=x", true),
    ])
    func changes(_ c: (String, Bool)) {
        #expect((ImageNames.checkChanges([c.0]) == nil) == c.1, "\(c.0)")
    }

    @Test("changes on the main socket that could spell the owner label", arguments: [
        ("LABEL a=b", false), ("ENV X=1", false), ("CMD [\"sh\"]", false), ("ENV X=$HOME", false),
        ("LABEL io.${X}.job=j", true), ("label \"io.sockwarden.jo\"b=j", true), ("LaBeL 'x'=y", true),
        ("LABEL io.sockwarden.job=j", true), ("LABEL a=\\", true),
        // The create mark counts on job sockets only (its own LABEL, added last, wins there).
        ("LABEL io.sockwarden.create=x", false),
    ])
    func mainSocketChanges(_ c: (String, Bool)) {
        #expect(ImageNames.changesMaySetOwnerLabel([c.0]) == c.1, "\(c.0)")
    }
}

@Suite("Image lists on a job socket")
struct ImageListFilterTests {
    @Test("another job's images, claimed tags and unnamed images (build steps) are dropped; shared and own images stay")
    func filters() throws {
        let body = #"""
        [{"Id":"own","RepoTags":["app:1"],"Labels":{"io.sockwarden.job":"job-42","io.sockwarden.seal":"5ea1"}},
         {"Id":"planted","RepoTags":["p:1"],"Labels":{"io.sockwarden.job":"job-42"}},
         {"Id":"foreign","RepoTags":["x:1"],"Labels":{"io.sockwarden.job":"other"}},
         {"Id":"base","RepoTags":["busybox:latest","theirs:1"],"Labels":null},
         {"Id":"onlytheirs","RepoTags":["theirs:2"],"Labels":{}},
         {"Id":"dangling","RepoTags":[],"Labels":null},
         {"Id":"bydigest","RepoTags":[],"RepoDigests":["busybox@sha256:aa"],"Labels":null},
         {"Id":"step","ParentId":"sha256:bb","RepoTags":["<none>:<none>"],"Labels":null},
         {"Id":"step2","ParentId":"sha256:bb","RepoTags":null,"Labels":{"built":"yes"}},
         {"Id":"named","ParentId":"sha256:bb","RepoTags":["ops:1"],"Labels":null}]
        """#
        let foreign: Set<String> = ["docker.io/library/theirs:1", "docker.io/library/theirs:2"]
        let out = String(decoding: try #require(ImageListFilter.filter(Array(body.utf8), owner: owner, recorded: ["own"], foreignClaims: foreign)), as: UTF8.self)
        let ids = try #require(JSONParser.parse(Array(out.utf8)).get().arrayIDs)
        #expect(ids == ["own", "base", "bydigest", "named"], "\(out)")
        #expect(out.contains(#""RepoTags":["busybox:latest"]"#), "\(out)")
        #expect(ImageListFilter.filter(Array("{}".utf8), owner: owner, recorded: [], foreignClaims: []) == nil)
    }

    @Test("hidesAny: whether the job's view lacks an image or a tag of a list")
    func hidesAny() throws {
        func items(_ text: String) throws -> [JSONValue] {
            guard case .array(let items) = try JSONParser.parse(Array(text.utf8)).get() else { throw ListError() }
            return items
        }
        struct ListError: Error {}
        let foreign: Set<String> = ["docker.io/library/theirs:1"]
        #expect(!ImageListFilter.hidesAny(try items(#"[{"Id":"own","RepoTags":["app:1"],"Labels":{"io.sockwarden.job":"job-42","io.sockwarden.seal":"5ea1"}},{"Id":"b","RepoTags":["app:2"],"Labels":null}]"#), owner: owner, recorded: ["own"], foreignClaims: foreign))
        #expect(ImageListFilter.hidesAny(try items(#"[{"Id":"x","RepoTags":["app:3"],"Labels":{"io.sockwarden.job":"other"}}]"#), owner: owner, recorded: ["own"], foreignClaims: foreign))
        #expect(ImageListFilter.hidesAny(try items(#"[{"Id":"b","RepoTags":["theirs:1","theirs:2"],"Labels":null}]"#), owner: owner, recorded: ["own"], foreignClaims: foreign))
        #expect(!ImageListFilter.hidesAny([], owner: owner, recorded: ["own"], foreignClaims: foreign))
    }

    @Test("showsRepository: whether a save by the bare name would take a name of the job's view", arguments: [
        ("another job's claim is the repository's only tag", "theirs", #"[{"Id":"b","RepoTags":["busybox:latest","theirs:1"],"Labels":null}]"#, false),
        ("another job's image is the repository's only image", "app", #"[{"Id":"x","RepoTags":["app:3"],"Labels":{"io.sockwarden.job":"other"}}]"#, false),
        ("the job's own tag beside another's", "app", #"[{"Id":"own","RepoTags":["app:1"],"Labels":{"io.sockwarden.job":"job-42","io.sockwarden.seal":"5ea1"}},{"Id":"x","RepoTags":["app:3"],"Labels":{"io.sockwarden.job":"other"}}]"#, true),
        ("a shared tag, spelt in full in the request", "docker.io/library/busybox", #"[{"Id":"b","RepoTags":["busybox:latest","theirs:1"],"Labels":null}]"#, true),
        ("a shared digest reference in the repository", "busybox", #"[{"Id":"b","RepoTags":[],"RepoDigests":["busybox@sha256:\#(String(repeating: "a", count: 64))"],"Labels":null}]"#, true),
        ("a shared image seen through another repository's tag only", "theirs", #"[{"Id":"b","RepoTags":["busybox:latest","theirs:1"],"Labels":null}]"#, false),
        ("nothing listed", "app", "[]", false),
    ])
    func showsRepository(_ c: (String, String, String, Bool)) throws {
        guard case .array(let items) = try JSONParser.parse(Array(c.2.utf8)).get() else { Issue.record("not a list"); return }
        let foreign: Set<String> = ["docker.io/library/theirs:1"]
        #expect(ImageListFilter.showsRepository(c.1, in: items, owner: owner, recorded: ["own"], foreignClaims: foreign) == c.3, "\(c.0)")
    }

    @Test("inspect and history of a shared image do not name the tags other jobs claimed on it", arguments: [
        ("inspect: another job's claimed tag is dropped, shared and own claims stay", "inspect",
         #"{"Id":"base","RepoTags":["busybox:latest","theirs:1","mine:1"],"RepoDigests":[]}"#,
         #"{"Id":"base","RepoTags":["busybox:latest","mine:1"],"RepoDigests":[]}"#),
        ("inspect: no tag of another job's, unchanged", "inspect",
         #"{"Id":"base","RepoTags":["busybox:latest"]}"#, #"{"Id":"base","RepoTags":["busybox:latest"]}"#),
        ("history: each layer's Tags", "history",
         #"[{"Id":"a","Tags":["docker.io/library/theirs:1"]},{"Id":"b","Tags":null},{"Id":"c","Tags":["busybox:latest","theirs:1"]}]"#,
         #"[{"Id":"a","Tags":[]},{"Id":"b","Tags":null},{"Id":"c","Tags":["busybox:latest"]}]"#),
    ] as [(String, String, String, String)])
    func tagsOfOneImage(_ c: (String, String, String, String)) throws {
        let foreign: Set<String> = ["docker.io/library/theirs:1"]
        let body = Array(c.2.utf8)
        let out = c.1 == "inspect" ? ImageTagFilter.inspect(body, foreignClaims: foreign) : ImageTagFilter.history(body, foreignClaims: foreign)
        #expect(String(decoding: try #require(out), as: UTF8.self) == c.3, "\(c.0)")
    }

    @Test("an inspect or history answer that is not JSON of its shape is not passed on")
    func tagsUnreadable() {
        #expect(ImageTagFilter.inspect(Array("[]".utf8), foreignClaims: []) == nil)
        #expect(ImageTagFilter.history(Array("{}".utf8), foreignClaims: []) == nil)
    }

    @Test("system df reports images the same way")
    func diskUsage() throws {
        let body = #"{"Images":[{"Id":"a","Labels":{"io.sockwarden.job":"other"}},{"Id":"b","RepoTags":["busybox:latest"],"Labels":{}},{"Id":"step","RepoTags":[],"Labels":{}}],"Containers":[],"Volumes":[]}"#
        let out = String(decoding: try #require(DiskUsageFilter.filter(Array(body.utf8), owner: owner, images: [])), as: UTF8.self)
        #expect(out.contains(#""Images":[{"Id":"b","RepoTags":["busybox:latest"],"Labels":{}}]"#), "\(out)")
    }
}

extension JSONValue {
    var arrayIDs: [String]? {
        guard case .array(let items) = self else { return nil }
        return items.compactMap { item in
            guard case .object(let fields) = item, case .string(let id)? = fields.first(where: { $0.key == "Id" })?.value else { return nil }
            return id
        }
    }
}
