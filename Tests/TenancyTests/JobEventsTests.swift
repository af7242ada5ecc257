import GoJSON
import Testing
@testable import Tenancy

@Suite("a job's event stream shows the containers its socket created")
struct JobEventsTests {
    static let mine = String(repeating: "a", count: 64)
    static let runners = String(repeating: "b", count: 64)
    static let inFlight = String(repeating: "c", count: 64)
    static let mark = "0123456789abcdef0123456789abcdef"
    static let answeredMark = "fedcba9876543210fedcba9876543210"
    static let importMark = "image-0123456789abcdef0123456789abcdef"

    static func event(_ type: String, _ id: String, _ attributes: String = #""io.sockwarden.job":"job-42","name":"x""#) -> String {
        #"{"status":"start","id":"\#(id)","from":"img","Type":"\#(type)","Action":"start","Actor":{"ID":"\#(id)","Attributes":{\#(attributes)}},"scope":"local","time":1764583200,"timeNano":1764583200123456789}"#
    }

    static func filtered(_ message: String) -> String? {
        JobEvents.filter(Array(message.utf8), recorded: { $0 == mine }, creating: { $0 == mark || $0 == importMark },
                         image: { $0 == "sha256:1" })
            .map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("a container's events pass by its recorded ID, or the mark of a create not answered yet",
          arguments: [
              // created on the job's socket, ID recorded: passed on as the daemon wrote it
              (event("container", mine), event("container", mine)),
              // the runner's container from the job's image: the owner label, no recorded ID
              (event("container", runners), nil),
              // an exec of the runner's container is a container event of it
              (event("container", runners, #""execID":"e1","io.sockwarden.job":"job-42""#), nil),
              // the job's create, its answer not read yet: passed on, the mark left out
              (event("container", inFlight, #""io.sockwarden.create":"\#(mark)","io.sockwarden.job":"job-42","name":"x""#),
               event("container", inFlight, #""io.sockwarden.job":"job-42","name":"x""#)),
              // a mark that is not one of the job's creates in flight (an answered one a job image carries)
              (event("container", runners, #""io.sockwarden.create":"\#(answeredMark)","io.sockwarden.job":"job-42""#), nil),
              // a recorded container's mark is left out too
              (event("container", mine, #""io.sockwarden.create":"\#(answeredMark)","name":"x""#),
               event("container", mine, #""name":"x""#)),
              // image events: of an image the job's socket made (its ID recorded)
              (event("image", "sha256:1"), event("image", "sha256:1")),
              // the runner's image built FROM the job's: its labels and seal, no recorded ID
              (event("image", "sha256:2", #""io.sockwarden.job":"job-42","io.sockwarden.seal":"5ea1""#), nil),
              // an import's `import` event before its answer: passed by the import's mark, the mark left out
              (event("image", "sha256:3", #""io.sockwarden.create":"\#(importMark)","io.sockwarden.job":"job-42""#),
               event("image", "sha256:3", #""io.sockwarden.job":"job-42""#)),
              // an image mark that is no unanswered import's or commit's (answered, or another job's)
              (event("image", "sha256:3", #""io.sockwarden.create":"image-\#(answeredMark)","io.sockwarden.job":"job-42""#), nil),
              // a container create's mark on an image (a commit of a container in flight) does not pass an image event
              (event("image", "sha256:3", #""io.sockwarden.create":"\#(mark)","io.sockwarden.job":"job-42""#), nil),
              // a recorded image's mark (an answered import) is left out
              (event("image", "sha256:1", #""io.sockwarden.create":"\#(importMark)","name":"x""#),
               event("image", "sha256:1", #""name":"x""#)),
              // the runner's container from an image whose import is unanswered carries the import's mark: not the job's
              (event("container", runners, #""io.sockwarden.create":"\#(importMark)","io.sockwarden.job":"job-42""#), nil),
              // a pull's event names the image, not its ID
              (event("image", "busybox:latest"), nil),
              (#"{"Type":"image","Actor":{"Attributes":{}}}"#, nil),
              // unreadable, no type, no actor ID: left out
              ("{", nil),
              (#"{"status":"start","id":"\#(mine)"}"#, nil),
              (#"{"Type":"container","Actor":{"Attributes":{}}}"#, nil),
              (#"{"Type":1,"Actor":{"ID":"\#(mine)"}}"#, nil),
          ] as [(String, String?)])
    func filter(_ c: (String, String?)) {
        #expect(Self.filtered(c.0) == c.1)
    }

    @Test("the stream is split at newlines, whatever the chunks")
    func lines() {
        var lines = JobEvents.Lines(limit: 16)
        #expect(lines.feed(Array(#"{"a":1}"#.utf8)) == [])
        #expect(lines.feed(Array("\n{\"b\":2}\n\n{".utf8)) == [Array(#"{"a":1}"#.utf8), Array(#"{"b":2}"#.utf8)])
        #expect(lines.feed(Array("\"c\":3}\n".utf8)) == [Array(#"{"c":3}"#.utf8)])
        // a message past the limit without its newline ends the stream
        #expect(lines.feed(Array(repeating: UInt8(ascii: "x"), count: 17)) == nil)
    }

    @Test("create marks are 32 lower-case hex digits, a new one each time")
    func marks() {
        let a = CreateMarks.make(), b = CreateMarks.make()
        #expect(a.utf8.count == 32 && a.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        #expect(a != b)
        let image = CreateMarks.makeImage()
        #expect(CreateMarks.isImageMark(image) && !CreateMarks.isImageMark(a) && image.utf8.count == 38)
    }
}

@Suite("job close removes the containers the job made, not every one with its label")
struct JobReapTests {
    static let owner = JobOwner(id: "job-42")!
    static let mine = String(repeating: "a", count: 64)
    static let cut = String(repeating: "c", count: 64)
    static let runners = String(repeating: "b", count: 64)
    static let mark = "0123456789abcdef0123456789abcdef"

    @Test("reaped: a recorded ID, or a create's mark not answered; with the owner label",
          arguments: [
              (mine, [("io.sockwarden.job", "job-42")], true),
              // a create cut at the close: no ID recorded, its mark
              (cut, [("io.sockwarden.create", mark), ("io.sockwarden.job", "job-42")], true),
              // the runner's container from the job's image
              (runners, [("io.sockwarden.job", "job-42"), ("io.sockwarden.seal", "ab")], false),
              // the runner's container from an image labelled with a mark that is not one of the job's unanswered creates
              (runners, [("io.sockwarden.create", "ffff"), ("io.sockwarden.job", "job-42")], false),
              // recorded, but another job's label: left
              (mine, [("io.sockwarden.job", "other")], false),
              // the mark, but not the owner label
              (cut, [("io.sockwarden.create", mark)], false),
              // the runner's container from an image whose import or commit is unanswered: that image's mark
              (runners, [("io.sockwarden.create", "image-" + mark), ("io.sockwarden.job", "job-42")], false),
          ])
    func reaps(_ c: (String, [(String, String)], Bool)) {
        let labels = c.1.map { (key: $0.0, value: $0.1) }
        #expect(JobContainers.reaps(id: c.0, labels: labels, owner: Self.owner, recorded: [Self.mine],
                                    marks: [Self.mark, "image-" + Self.mark]) == c.2)
    }

    @Test("a late reap keeps the containers and marks of the close")
    func lateReapKeepsThem() {
        var table = LateReaps(schedule: [1])
        table.closed("j", images: true, at: 0, containers: [Self.mine], marks: [Self.mark])
        let due = table.due(at: 1)
        #expect(due.first?.containers == [Self.mine] && due.first?.marks == [Self.mark])
    }
}
