import GoJSON
import Testing
@testable import Tenancy

@Suite("a container is a job's only if its socket created it")
struct JobContainersTests {
    static let owner = JobOwner(id: "job-42")!
    static let mine = String(repeating: "a", count: 64)
    static let runners = String(repeating: "b", count: 64)
    static let recorded: Set<String> = [mine]
    static func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    @Test("ownership needs the recorded ID and the owner label",
          arguments: [
              // created on the job's socket: the job's
              (mine, [("io.sockwarden.job", "job-42")], true),
              // the runner's container from an image the job built: the image's labels, not the job's
              (runners, [("io.sockwarden.job", "job-42"), ("io.sockwarden.seal", "ab")], false),
              // recorded, but its label is another job's (never stamped so): not the job's
              (mine, [("io.sockwarden.job", "other")], false),
              // recorded, no label at all: not the job's
              (mine, [], false),
              // an ID prefix is not the recorded ID
              (String(mine.prefix(12)), [("io.sockwarden.job", "job-42")], false),
          ])
    func owns(_ c: (String, [(String, String)], Bool)) {
        let labels = c.1.map { (key: $0.0, value: $0.1) }
        #expect(JobContainers.owns(id: c.0, labels: labels, owner: Self.owner, recorded: Self.recorded) == c.2)
    }

    @Test("the ID of a create answer is read only when it is a full ID",
          arguments: [
              (#"{"Id":"\#(String(repeating: "a", count: 64))","Warnings":[]}"#, String(repeating: "a", count: 64)),
              (#"{"Id":"\#(String(repeating: "c", count: 64))","Warnings":null}"#, String(repeating: "c", count: 64)),
              (#"{"Id":"abc","Warnings":[]}"#, nil),
              (#"{"Id":"\#(String(repeating: "A", count: 64))"}"#, nil),
              (#"{"Warnings":[]}"#, nil),
              (#"["Id"]"#, nil),
              ("{", nil),
          ] as [(String, String?)])
    func createdID(_ c: (String, String?)) {
        #expect(JobContainers.createdID(Array(c.0.utf8)) == c.1)
    }

    @Test("a container list keeps only the recorded containers with the owner label")
    func list() {
        let body = #"[{"Id":"\#(Self.runners)","Names":["/runner-c"],"Labels":{"io.sockwarden.job":"job-42"}},{"Id":"\#(Self.mine)","Names":["/mine"],"Labels":{"io.sockwarden.job":"job-42"}},{"Names":["/no-id"],"Labels":{"io.sockwarden.job":"job-42"}}]"#
        #expect(Self.text(JobContainers.list(Array(body.utf8), owner: Self.owner, recorded: Self.recorded))
            == #"[{"Id":"\#(Self.mine)","Names":["/mine"],"Labels":{"io.sockwarden.job":"job-42"}}]"#)
        #expect(JobContainers.list(Array("{}".utf8), owner: Self.owner, recorded: Self.recorded) == nil)
    }

    @Test("a positive limit is lifted and applied after the filter; any other is the daemon's",
          arguments: [
              ("limit=1", 1, "all=1&limit=0"),
              ("all=0&limit=2&size=1", 2, "all=1&limit=0&size=1"),
              // Go reads the first value
              ("limit=3&limit=x", 3, "all=1&limit=0"),
              ("limit=%2B2", 2, "all=1&limit=0"),
              // unlimited, or the daemon's 400: forwarded as sent
              ("limit=0", nil, nil),
              ("limit=-1", nil, nil),
              ("limit=x&limit=1", nil, nil),
              ("limit=99999999999999999999", nil, nil),
              ("all=1", nil, nil),
          ] as [(String, Int?, String?)])
    func limit(_ c: (String, Int?, String?)) {
        #expect(JobContainers.listLimit(c.0) == c.1)
        if let lifted = c.2 { #expect(JobContainers.liftingLimit(c.0) == lifted) }
    }

    @Test("a limited list keeps the first of the job's containers (the daemon's newest first)")
    func limitedList() {
        let other = String(repeating: "c", count: 64)
        let body = #"[{"Id":"\#(Self.runners)","Labels":{"io.sockwarden.job":"job-42"}},{"Id":"\#(Self.mine)","Labels":{"io.sockwarden.job":"job-42"}},{"Id":"\#(other)","Labels":{"io.sockwarden.job":"job-42"}}]"#
        let recorded: Set<String> = [Self.mine, other]
        #expect(Self.text(JobContainers.list(Array(body.utf8), owner: Self.owner, recorded: recorded, limit: 1))
            == #"[{"Id":"\#(Self.mine)","Labels":{"io.sockwarden.job":"job-42"}}]"#)
        #expect(Self.text(JobContainers.list(Array(body.utf8), owner: Self.owner, recorded: recorded, limit: 5))?.contains(other) == true)
    }

    @Test("system df lists and counts only the recorded containers")
    func diskUsage() throws {
        let body = #"{"Containers":[{"Id":"\#(Self.runners)","ImageID":"sha256:i","Labels":{"io.sockwarden.job":"job-42"}},{"Id":"\#(Self.mine)","ImageID":"sha256:i","Labels":{"io.sockwarden.job":"job-42"}}],"Images":[{"Id":"sha256:i","Containers":2,"Labels":{"io.sockwarden.job":"job-42"},"RepoTags":null}]}"#
        let out = try #require(Self.text(DiskUsageFilter.filter(Array(body.utf8), owner: Self.owner, containers: Self.recorded, images: [])))
        #expect(!out.contains(Self.runners))
        #expect(out.contains(Self.mine))
    }
}
