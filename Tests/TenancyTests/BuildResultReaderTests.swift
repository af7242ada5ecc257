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
        // The builder's aux message once the last step is done, then "Successfully built".
        ("a build that ended", [#"{"stream":"Step 1/2 : FROM busybox\n"}"#, #"{"aux":{"ID":"\#(id)"}}"#,
                                #"{"stream":"Successfully built abababababab\n"}"#], true, id),
        // A squashed build: the squashed image's ID comes last.
        ("a squashed build", [#"{"aux":{"ID":"\#(other)"}}"#, #"{"id":"moby.image.id","aux":{"ID":"\#(id)"}}"#], true, id),
        // A RUN step's output is only ever a stream string: it names no image.
        ("a RUN step printing the daemon's lines", [#"{"stream":"{\"aux\":{\"ID\":\"\#(other)\"}}\n"}"#,
                                                    #"{"stream":"Successfully built cdcdcdcdcdcd\n"}"#], true, nil),
        ("a failed step", [#"{"aux":{"ID":"\#(id)"}}"#, #"{"errorDetail":{"message":"boom"},"error":"boom"}"#], true, nil),
        ("an error the CLI reads (errorDetail only)", [#"{"aux":{"ID":"\#(id)"}}"#, #"{"errorDetail":{"message":"x"}}"#], true, nil),
        ("an error the SDKs read (error only)", [#"{"aux":{"ID":"\#(id)"}}"#, #"{"error":"x"}"#], true, nil),
        ("a stream cut off", [#"{"aux":{"ID":"\#(id)"}}"#], false, nil),
        ("no image ID", [#"{"stream":"Successfully built abababababab\n"}"#], true, nil),
        ("a short or malformed ID", [#"{"aux":{"ID":"sha256:abab"}}"#], true, nil),
        ("an ID that is not a string", [#"{"aux":{"ID":1}}"#], true, nil),
        // Go's decoder keeps the last of a duplicated member.
        ("a duplicated ID", [#"{"aux":{"ID":"\#(other)","ID":"\#(id)"}}"#], true, id),
    ] as [(String, [String], Bool, String?)])
    func built(_ c: (String, [String], Bool, String?)) {
        var reader = BuildResultReader()
        reader.feed(stream(c.1))
        #expect(reader.built(ended: c.2) == c.3, "\(c.0)")
        // The same stream one byte at a time.
        var bytewise = BuildResultReader()
        for byte in stream(c.1) { bytewise.feed([byte]) }
        #expect(bytewise.built(ended: c.2) == c.3, "\(c.0), byte by byte")
    }

    @Test("a last line without its end is not read as the end of the build")
    func unfinishedLine() {
        var reader = BuildResultReader()
        reader.feed(Array(#"{"aux":{"ID":"\#(id)"}}"#.utf8))
        #expect(reader.built(ended: true) == nil)
    }

    @Test("an overlong line is skipped, the lines after it read")
    func overlong() {
        var reader = BuildResultReader()
        reader.feed(Array(#"{"stream":""#.utf8) + [UInt8](repeating: 0x61, count: BuildResultReader.maxLine + 10) + Array(#""}"#.utf8) + [0x0D, 0x0A])
        reader.feed(stream([#"{"aux":{"ID":"\#(id)"}}"#]))
        #expect(reader.built(ended: true) == id)
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

    @Test("the tag request for a name", arguments: [
        ("docker.io/library/app:latest", "repo=app&tag=latest"),
        ("docker.io/team/b:1.0", "repo=team%2Fb&tag=1.0"),
        ("reg.example:5000/x/y:2", "repo=reg.example%3A5000%2Fx%2Fy&tag=2"),
    ])
    func tagQuery(_ name: String, _ query: String) {
        #expect(BuildTags.tagQuery(name) == query)
    }
}
