import GoJSON
import Testing
import Tenancy
@testable import Proxy

/// A job's image with children the daemon will not remove: its unnamed
/// descendants with the job's label and seal go first, leaves first.
@Suite("The children that keep a job's image at its close")
struct JobReaperDescendantsTests {
    static let owner = JobOwner(id: "j1", seal: "5ea1")!
    static let own = #"{"io.sockwarden.job":"j1","io.sockwarden.seal":"5ea1"}"#

    static func item(_ id: String, parent: String, tags: String = "[\"<none>:<none>\"]", labels: String = own) -> String {
        #"{"Id":"\#(id)","ParentId":"\#(parent)","RepoTags":\#(tags),"RepoDigests":[],"Labels":\#(labels)}"#
    }

    static func list(_ items: [String]) -> JSONValue {
        guard case .success(let value) = JSONParser.parse(Array(("[" + items.joined(separator: ",") + "]").utf8)) else {
            fatalError("test JSON")
        }
        return value
    }

    @Test("unnamed, labelled and sealed descendants, leaves first; others and what is below them stay", arguments: [
        ("a failed build's step images below the job's image",
         [item("base", parent: "", tags: "[\"j1-base:1\"]"), item("s1", parent: "base"), item("s2", parent: "s1")], ["s2", "s1"]),
        ("a named child (the runner's image, or the job's own) is not removed",
         [item("base", parent: "", tags: "[\"j1-base:1\"]"), item("named", parent: "base", tags: "[\"runner:1\"]")], []),
        ("a child without the seal is no job's",
         [item("base", parent: "", tags: "[\"j1-base:1\"]"), item("x", parent: "base", labels: #"{"io.sockwarden.job":"j1"}"#)], []),
        ("another job's label",
         [item("base", parent: "", tags: "[\"j1-base:1\"]"), item("x", parent: "base", labels: #"{"io.sockwarden.job":"j2","io.sockwarden.seal":"5ea1"}"#)], []),
        ("images that are not below it",
         [item("base", parent: "", tags: "[\"j1-base:1\"]"), item("other", parent: "elsewhere"), item("s1", parent: "base")], ["s1"]),
        ("two branches",
         [item("base", parent: ""), item("a1", parent: "base"), item("b1", parent: "base"), item("a2", parent: "a1")], ["a2", "a1", "b1"]),
    ])
    func descendants(_ name: String, _ items: [String], _ expected: [String]) {
        #expect(JobReaper.unnamedDescendants(of: "base", in: Self.list(items), owner: Self.owner) == expected, "\(name)")
    }

    @Test("a parent loop in the list ends")
    func loop() {
        let items = [Self.item("base", parent: "c2"), Self.item("c1", parent: "base"), Self.item("c2", parent: "c1")]
        #expect(JobReaper.unnamedDescendants(of: "base", in: Self.list(items), owner: Self.owner) == ["c2", "c1"])
    }

    @Test("the names kept on an image that stays")
    func names() {
        let items = [Self.item("base", parent: "", tags: "[\"j1-base:1\",\"j1-base:2\"]"), Self.item("s", parent: "base")]
        #expect(JobReaper.names(of: "base", in: Self.list(items)) == ["j1-base:1", "j1-base:2"])
        #expect(JobReaper.names(of: "s", in: Self.list(items)).isEmpty)
    }
}
