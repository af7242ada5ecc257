import GoJSON
import Testing
@testable import Tenancy

@Suite("an image is a job's only if its socket made it")
struct JobImagesTests {
    static let owner = JobOwner(id: "job-42", seal: "5ea1")!
    static let mine = "sha256:" + String(repeating: "a", count: 64)
    static let runners = "sha256:" + String(repeating: "b", count: 64)
    static let sealed = [(key: "io.sockwarden.job", value: "job-42"), (key: "io.sockwarden.seal", value: "5ea1")]

    @Test("ownership needs the owner label, the seal and the recorded ID", arguments: [
        // built, committed or imported on the job's socket: the job's
        ("made on the job's socket", mine, sealed, true as Bool?),
        // built FROM the job's image (or committed from a container of it) by the runner: both labels inherited
        ("the runner's image from the job's", runners, sealed, false),
        ("no ID given", nil, sealed, false),
        ("recorded, but without the seal (never stamped so)", mine, [(key: "io.sockwarden.job", value: "job-42")], false),
        ("recorded, but another job's label", mine, [(key: "io.sockwarden.job", value: "other"), (key: "io.sockwarden.seal", value: "5ea1")], false),
        ("no owner label: shared or a build's step, decided by name", mine, [], nil),
        ("an ID without its sha256: prefix is not the recorded ID", String(mine.dropFirst(7)), sealed, false),
    ] as [(String, String?, [(key: String, value: String)], Bool?)])
    func owns(_ c: (String, String?, [(key: String, value: String)], Bool?)) {
        #expect(JobImages.owns(id: c.1, labels: c.2, owner: Self.owner, recorded: [Self.mine]) == c.3, "\(c.0)")
    }

    static let importMark = "image-0123456789abcdef0123456789abcdef"

    @Test("reaped: the job's own images, and those with its label and seal that carry an unanswered import's or commit's mark", arguments: [
        ("made on the job's socket", mine, sealed, true),
        ("an import or commit cut at the close: not recorded, its mark", runners, sealed + [(key: "io.sockwarden.create", value: importMark)], true),
        ("the runner's image from the job's", runners, sealed, false),
        ("a mark that is no unanswered import's (answered: the job's image, inherited)", runners,
         sealed + [(key: "io.sockwarden.create", value: "image-ffff")], false),
        ("a container create's mark (a commit inherits its container's) reaps no image", runners,
         sealed + [(key: "io.sockwarden.create", value: "0123456789abcdef0123456789abcdef")], false),
        ("the mark without the seal", runners, [(key: "io.sockwarden.job", value: "job-42"), (key: "io.sockwarden.create", value: importMark)], false),
        ("the mark, another job's label", runners,
         [(key: "io.sockwarden.job", value: "other"), (key: "io.sockwarden.seal", value: "5ea1"), (key: "io.sockwarden.create", value: importMark)], false),
    ] as [(String, String, [(key: String, value: String)], Bool)])
    func reaps(_ c: (String, String, [(key: String, value: String)], Bool)) {
        #expect(JobImages.reaps(id: c.1, labels: c.2, owner: Self.owner, recorded: [Self.mine],
                                marks: [Self.importMark, "0123456789abcdef0123456789abcdef"]) == c.3, "\(c.0)")
    }

    @Test("an import's or commit's LABEL change carries its mark last")
    func labelChange() {
        #expect(ImageNames.ownerLabelChange(Self.owner, mark: Self.importMark)
                == "LABEL io.sockwarden.job=job-42 io.sockwarden.seal=5ea1 io.sockwarden.create=\(Self.importMark)")
    }

    @Test("the image a commit answers with", arguments: [
        (#"{"Id":"\#(mine)"}"#, mine as String?),
        (#"{"Id":"\#(mine.dropFirst(7))"}"#, nil),
        (#"{"Id":"sha256:abc"}"#, nil),
        (#"{"message":"No such container: x"}"#, nil),
        ("[", nil),
    ])
    func committed(_ c: (String, String?)) {
        #expect(JobImages.committedID(Array(c.0.utf8)) == c.1, "\(c.0)")
    }

    @Test("the image an import answers with: the last status that is an image ID, none after an error", arguments: [
        ("{\"status\":\"\(mine)\"}\r\n", mine as String?),
        ("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1}}\r\n{\"status\":\"\(mine)\"}\r\n", mine),
        ("{\"status\":\"\(mine)\"}\r\n{\"errorDetail\":{\"message\":\"x\"},\"error\":\"x\"}\r\n", nil),
        ("{\"status\":\"Importing\"}\r\n", nil),
        ("not json\r\n", nil),
        ("", nil),
    ])
    func imported(_ c: (String, String?)) {
        #expect(JobImages.importedID(Array(c.0.utf8)) == c.1, "\(c.0)")
    }

    @Test("an image list keeps the job's images it made, not the runner's with the same labels")
    func list() throws {
        let body = #"[{"Id":"\#(Self.mine)","RepoTags":["app:1"],"Labels":{"io.sockwarden.job":"job-42","io.sockwarden.seal":"5ea1"}},{"Id":"\#(Self.runners)","RepoTags":["app:runner"],"Labels":{"io.sockwarden.job":"job-42","io.sockwarden.seal":"5ea1"}}]"#
        let out = String(decoding: try #require(ImageListFilter.filter(Array(body.utf8), owner: Self.owner, recorded: [Self.mine], foreignClaims: [])), as: UTF8.self)
        #expect(out.contains(Self.mine) && !out.contains(Self.runners), "\(out)")
    }
}
