import GoJSON
import Testing
import Tenancy
@testable import Proxy

/// A job's image with children the daemon will not remove loses its names at the close.
@Suite("The names of a job's image the daemon keeps at its close")
struct JobReaperNamesTests {
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

    @Test("the names kept on an image that stays")
    func names() {
        let items = [Self.item("base", parent: "", tags: "[\"j1-base:1\",\"j1-base:2\"]"), Self.item("s", parent: "base")]
        #expect(JobReaper.names(of: "base", in: Self.list(items)) == ["j1-base:1", "j1-base:2"])
        #expect(JobReaper.names(of: "s", in: Self.list(items)).isEmpty)
    }
}
