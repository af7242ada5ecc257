import GoJSON
import Testing
@testable import Tenancy

@Suite("Pulls over shared images made on this host")
struct LocalImageNamesTests {
    static let d = "@sha256:" + String(repeating: "d", count: 64)

    @Test("a tagged pull replaces an image with no digest reference in the name's repository", arguments: [
        // Built, imported or loaded locally: no digest at all.
        ("docker.io/mycompany/base:v1", [String](), true),
        ("docker.io/mycompany/base:v1", ["<none>@<none>"], true),
        // Pulled under another name, then tagged by the runner.
        ("docker.io/mycompany/base:v1", ["busybox" + d], true),
        ("docker.io/mycompany/base:v1", ["mycompany/base-other" + d], true),
        ("registry.example.com/team/base:v1", ["registry.example.com/team" + d], true),
        // Pulled from that repository: the same source again.
        ("docker.io/mycompany/base:v1", ["mycompany/base" + d], false),
        ("docker.io/mycompany/base:v1", ["docker.io/mycompany/base" + d], false),
        ("docker.io/library/alpine:3.19", ["alpine" + d], false),
        ("docker.io/library/alpine:3.19", ["index.docker.io/library/alpine" + d], false),
        ("127.0.0.1:5000/x:1", ["busybox" + d, "127.0.0.1:5000/x" + d], false),
        // A pull by digest moves no name.
        ("docker.io/mycompany/base" + d, [], false),
    ])
    func replaces(_ c: (String, [String], Bool)) {
        #expect(LocalImageNames.pullReplaces(target: c.0, repoDigests: c.1) == c.2, "\(c.0) \(c.1)")
    }

    @Test("a build's pull parameter as httputils.BoolValue reads it (the first value)", arguments: [
        (nil as String?, false), ("", false), ("t=x", false), ("pull=", false), ("pull=0", false), ("pull=false", false),
        ("pull=FALSE", false), ("pull=%20no%09", false), ("pull=none", false), ("pull=0&pull=1", false),
        ("pull=1", true), ("pull=true", true), ("pull=%20Yes%20", true), ("pull=x", true), ("pull=1&pull=0", true),
        ("pull=%C2%A0", true), ("pull=%00", true), ("pull=%zz", true),
    ])
    func buildPulls(_ c: (String?, Bool)) {
        #expect(LocalImageNames.buildPulls(rawQuery: c.0) == c.1, "\(String(describing: c.0))")
    }

    static func images(_ json: String) throws -> [JSONValue] {
        guard case .success(let value) = JSONParser.parse(Array(json.utf8)), case .array(let items) = value else {
            throw ParseFailure()
        }
        return items
    }
    struct ParseFailure: Error {}

    @Test("the runner's names in a repository: unclaimed tags there on unlabelled images with no digest reference there", arguments: [
        // Imported by the runner: its name.
        (#"[{"Id":"sha256:l","RepoTags":["mycompany/base:v1"],"RepoDigests":[],"Labels":null}]"#, ["docker.io/mycompany/base:v1"]),
        // Pulled from there: not the runner's own.
        (#"[{"Id":"sha256:p","RepoTags":["mycompany/base:v1"],"RepoDigests":["mycompany/base@sha256:\#(String(repeating: "d", count: 64))"],"Labels":null}]"#, []),
        // A job's image (owner label), whatever its seal: not the runner's.
        (#"[{"Id":"sha256:j","RepoTags":["mycompany/base:v1"],"RepoDigests":[],"Labels":{"io.sockwarden.job":"x"}}]"#, []),
        // Another repository's tag on the image does not count; this one does.
        (#"[{"Id":"sha256:l","RepoTags":["other/base:v1","mycompany/base:v2"],"RepoDigests":["other/base@sha256:\#(String(repeating: "d", count: 64))"],"Labels":{}}]"#, ["docker.io/mycompany/base:v2"]),
        // A job's claim (on the image it tagged): not the runner's.
        (#"[{"Id":"sha256:c","RepoTags":["mycompany/base:claimed"],"RepoDigests":[],"Labels":null}]"#, []),
        (#"[{"Id":"sha256:other","RepoTags":["mycompany/base:claimed"],"RepoDigests":[],"Labels":null}]"#, ["docker.io/mycompany/base:claimed"]),
        ("[]", []),
    ])
    func localTags(_ c: (String, [String])) throws {
        let found = LocalImageNames.localTags(in: "docker.io/mycompany/base", images: try Self.images(c.0)) { name, id in
            name == "docker.io/mycompany/base:claimed" && id == "sha256:c"
        }
        #expect(found == c.1, "\(c.0)")
    }
}
