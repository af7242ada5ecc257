import EngineAPI
import Testing
@testable import Tenancy

private let id = "sha256:" + String(repeating: "ab", count: 32)
private let other = "sha256:" + String(repeating: "cd", count: 32)

/// A classic build's stream as dockerd 20.10 writes it: one JSON message a line.
private func stream(_ lines: [String]) -> [UInt8] { Array(lines.map { $0 + "\r\n" }.joined().utf8) }

@Suite("The image a job's classic build made, read from its stream (tagged at its end)")
struct BuildResultReaderTests {
    @Test("the image to tag, or none", arguments: [
        // API ≥ 1.30: the builder's aux message once the last step is done, then "Successfully built".
        ("a build that ended", [#"{"stream":"Step 1/2 : FROM busybox\n"}"#, #"{"aux":{"ID":"\#(id)"}}"#,
                                #"{"stream":"Successfully built abababababab\n"}"#], true, .image(id, quiet: false)),
        // A squashed build: the squashed image's ID comes last, and is the one built.
        ("a squashed build", [#"{"aux":{"ID":"\#(other)"}}"#, #"{"id":"moby.image.id","aux":{"ID":"\#(id)"}}"#,
                              #"{"stream":"Successfully built abababababab\n"}"#], true, .image(id, quiet: false)),
        // q=1: the daemon's only message is the image ID.
        ("a quiet build", [#"{"stream":"\#(id)\n"}"#], true, .image(id, quiet: true)),
        // API < 1.30: no aux message, the ID prefix of the daemon's last line.
        ("an old client's build", [#"{"stream":"Step 1/1 : FROM busybox\n"}"#, #"{"stream":"Successfully built abababababab\n"}"#],
         true, .idPrefix("abababababab")),
        // A RUN step's output: never the last message of a build the daemon finished.
        ("a RUN step printing the daemon's lines", [#"{"stream":"Successfully built cdcdcdcdcdcd\n"}"#,
                                                    #"{"stream":"{\"aux\":{\"ID\":\"\#(other)\"}}\n"}"#], true, .unreadable),
        ("a RUN step printing an aux message", [#"{"stream":"{\"aux\":{\"ID\":\"\#(other)\"}}\n"}"#,
                                                #"{"stream":"Successfully built abababababab\n"}"#], true, .idPrefix("abababababab")),
        ("a last line that is not the image's", [#"{"aux":{"ID":"\#(id)"}}"#, #"{"stream":"Successfully built cdcdcdcdcdcd\n"}"#],
         true, .unreadable),
        ("a last message that is not a line of output", [#"{"aux":{"ID":"\#(id)"}}"#, #"{"stream":"Successfully built abababababab\n"}"#,
                                                         #"{"status":"x"}"#], true, .unreadable),
        ("a failed step", [#"{"aux":{"ID":"\#(id)"}}"#, #"{"errorDetail":{"message":"boom"},"error":"boom"}"#], true, .failed),
        ("an error the CLI reads (errorDetail only)", [#"{"stream":"Successfully built abababababab\n"}"#, #"{"errorDetail":{"message":"x"}}"#], true, .failed),
        ("an error the SDKs read (error only)", [#"{"error":"x"}"#, #"{"stream":"Successfully built abababababab\n"}"#], true, .failed),
        ("a stream cut off", [#"{"aux":{"ID":"\#(id)"}}"#, #"{"stream":"Successfully built abababababab\n"}"#], false, .failed),
        ("no last line", [#"{"aux":{"ID":"\#(id)"}}"#], true, .unreadable),
        ("an empty stream", [], true, .unreadable),
        ("a malformed aux ID", [#"{"aux":{"ID":"sha256:abab"}}"#, #"{"stream":"Successfully built abab\n"}"#], true, .unreadable),
        ("a quiet ID that is not one", [#"{"stream":"sha256:abab\n"}"#], true, .unreadable),
        // Go's decoder keeps the last of a duplicated member.
        ("a duplicated ID", [#"{"aux":{"ID":"\#(other)","ID":"\#(id)"}}"#, #"{"stream":"Successfully built abababababab\n"}"#],
         true, .image(id, quiet: false)),
    ] as [(String, [String], Bool, BuildResultReader.Outcome)])
    func built(_ c: (String, [String], Bool, BuildResultReader.Outcome)) {
        var reader = BuildResultReader()
        reader.feed(stream(c.1))
        #expect(reader.outcome(ended: c.2) == c.3, "\(c.0)")
        // The same stream one byte at a time.
        var bytewise = BuildResultReader()
        for byte in stream(c.1) { bytewise.feed([byte]) }
        #expect(bytewise.outcome(ended: c.2) == c.3, "\(c.0), byte by byte")
    }

    static let third = "sha256:" + String(repeating: "ef", count: 32)

    @Test("the images a build made that are not its result: earlier stages', every stage's of a failed build", arguments: [
        ("one stage", [#"{"aux":{"ID":"\#(id)"}}"#, #"{"stream":"Successfully built abababababab\n"}"#], true, [String]()),
        ("two earlier stages, in order, each once", [#"{"aux":{"ID":"\#(other)"}}"#, #"{"aux":{"ID":"\#(third)"}}"#,
                                                   #"{"aux":{"ID":"\#(other)"}}"#, #"{"aux":{"ID":"\#(id)"}}"#,
                                                   #"{"stream":"Successfully built abababababab\n"}"#], true, [other, third]),
        ("a stage whose image is the result's (FROM an earlier stage with no step)",
         [#"{"aux":{"ID":"\#(id)"}}"#, #"{"aux":{"ID":"\#(id)"}}"#, #"{"stream":"Successfully built abababababab\n"}"#], true, []),
        ("a failed build: every stage that ended", [#"{"aux":{"ID":"\#(other)"}}"#, #"{"errorDetail":{"message":"boom"},"error":"boom"}"#],
         true, [other]),
        ("a stream cut off: nothing (its result is unknown)", [#"{"aux":{"ID":"\#(other)"}}"#, #"{"aux":{"ID":"\#(id)"}}"#], false, []),
        ("a result that cannot be read: nothing", [#"{"aux":{"ID":"\#(other)"}}"#, #"{"aux":{"ID":"\#(id)"}}"#,
                                                  #"{"stream":"Successfully built cdcdcdcdcdcd\n"}"#], true, []),
        ("a RUN step printing an aux message is no image", [#"{"stream":"{\"aux\":{\"ID\":\"\#(other)\"}}\n"}"#,
                                                           #"{"aux":{"ID":"\#(id)"}}"#, #"{"stream":"Successfully built abababababab\n"}"#],
         true, []),
        ("a malformed aux ID is no image", [#"{"aux":{"ID":"sha256:abab"}}"#, #"{"aux":{"ID":"\#(id)"}}"#,
                                            #"{"stream":"Successfully built abababababab\n"}"#], true, []),
    ] as [(String, [String], Bool, [String])])
    func earlierStages(_ c: (String, [String], Bool, [String])) {
        var reader = BuildResultReader()
        reader.feed(stream(c.1))
        #expect(reader.earlierStageImages(ended: c.2) == c.3, "\(c.0)")
    }

    @Test("the step images the builder printed, in order, once each; other text is not one", arguments: [
        ("each step's end", [#"{"stream":"Step 1/3 : FROM x\n"}"#, #"{"stream":" ---\u003e 0123456789ab\n"}"#,
                             #"{"stream":" ---\u003e Running in cdcdcdcdcdcd\n"}"#, #"{"stream":" ---> abcdefabcdef\n"}"#,
                             #"{"stream":" ---> 0123456789ab\n"}"#], ["0123456789ab", "abcdefabcdef"]),
        ("not twelve lower-case hex digits", [#"{"stream":" ---> 0123456789a\n"}"#, #"{"stream":" ---> 0123456789ABC\n"}"#,
                                              #"{"stream":" ---> 0123456789abc\n"}"#, #"{"stream":"---> 0123456789ab\n"}"#,
                                              #"{"stream":" ---> 0123456789ab"}"#], []),
        ("in another member, or with other members", [#"{"status":" ---> 0123456789ab\n"}"#,
                                                      #"{"stream":" ---> 0123456789ab\n","x":1}"#], []),
    ] as [(String, [String], [String])])
    func stepImages(_ c: (String, [String], [String])) {
        var reader = BuildResultReader()
        reader.feed(stream(c.1))
        #expect(reader.stepImages == c.2, "\(c.0)")
    }

    @Test("a last line without its end is not read as the end of the build")
    func unfinishedLine() {
        var reader = BuildResultReader()
        reader.feed(stream([#"{"aux":{"ID":"\#(id)"}}"#]) + Array(#"{"stream":"Successfully built abababababab\n"}"#.utf8))
        #expect(reader.outcome(ended: true) == .unreadable)
    }

    @Test("an overlong line is skipped, the lines after it read")
    func overlong() {
        var reader = BuildResultReader()
        reader.feed(Array(#"{"stream":""#.utf8) + [UInt8](repeating: 0x61, count: BuildResultReader.maxLine + 10) + Array(#""}"#.utf8) + [0x0D, 0x0A])
        reader.feed(stream([#"{"aux":{"ID":"\#(id)"}}"#, #"{"stream":"Successfully built abababababab\n"}"#]))
        #expect(reader.outcome(ended: true) == .image(id, quiet: false))
        var last = BuildResultReader()
        last.feed(stream([#"{"aux":{"ID":"\#(id)"}}"#, #"{"stream":"Successfully built abababababab\n"}"#]))
        last.feed(Array(#"{"stream":""#.utf8) + [UInt8](repeating: 0x61, count: BuildResultReader.maxLine + 10) + Array(#""}"#.utf8) + [0x0D, 0x0A])
        #expect(last.outcome(ended: true) == .unreadable)
    }

    @Test("the names a build's t parameters give, as the daemon's sanitizeRepoAndTags takes them", arguments: [
        ("t=app&t=web:1", ["docker.io/library/app:latest", "docker.io/library/web:1"]),
        ("t=app&t=app:latest&t=docker.io/library/app", ["docker.io/library/app:latest"]),
        ("t=&t=reg.example:5000/x/y:2", ["reg.example:5000/x/y:2"]),
        ("q=1", []),
    ] as [(String, [String])])
    func names(_ c: (String, [String])) {
        #expect(BuildTags.names(GoQuery.parse(c.0)!) == c.1)
    }

    @Test("a job socket's build gives at most 16 names, counted as the daemon counts them (duplicates once)", arguments: [
        ((0..<16).map { "t=n\($0)" }.joined(separator: "&"), false),
        ((0..<17).map { "t=n\($0)" }.joined(separator: "&"), true),
        ((0..<200).map { "t=n\($0 % 16)" }.joined(separator: "&"), false),
        ((0..<16).map { "t=n\($0)" }.joined(separator: "&") + "&t=n0:latest&t=&t=docker.io/library/n1", false),
        ((0..<16).map { "t=n\($0)" }.joined(separator: "&") + "&t=n0:2", true),
        ("q=1", false),
    ])
    func checkCount(_ c: (String, Bool)) {
        let refusal = BuildTags.checkCount(GoQuery.parse(c.0)!, job: "j1")
        #expect((refusal != nil) == c.1, "\(c.0.prefix(40))")
        if let refusal { #expect(refusal.status == 400 && refusal.message.contains("job j1") && refusal.message.contains("at most 16"), "\(refusal.message)") }
    }

    @Test("the tag request for a name", arguments: [
        ("docker.io/library/app:latest", "repo=app&tag=latest"),
        ("docker.io/team/b:1.0", "repo=team%2Fb&tag=1.0"),
        ("reg.example:5000/x/y:2", "repo=reg.example%3A5000%2Fx%2Fy&tag=2"),
    ])
    func tagQuery(_ name: String, _ query: String) {
        #expect(BuildTags.tagQuery(name) == query)
    }
}
