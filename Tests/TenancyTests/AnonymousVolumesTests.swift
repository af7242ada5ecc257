import GoJSON
import Testing
@testable import Tenancy

@Suite("an anonymous volume of a job's container, bound again by name (compose's recreate)")
struct AnonymousVolumesTests {
    static let anon = String(repeating: "ab12", count: 16)
    static func json(_ text: String) -> JSONValue {
        guard case .success(let value) = JSONParser.parse(Array(text.utf8)) else { fatalError("bad fixture \(text)") }
        return value
    }
    static func volume(_ name: String, labels: String = "null") -> JSONValue {
        json(#"{"Driver":"local","Labels":\#(labels),"Name":"\#(name)","Scope":"local"}"#)
    }
    static func container(mounting name: String, type: String = "volume") -> JSONValue {
        json(#"{"Id":"c1","Mounts":[{"Type":"\#(type)","Name":"\#(name)","Destination":"/data","RW":true}]}"#)
    }

    @Test("reusable only when daemon-named, without an owner label, and mounted by one of the job's containers",
          arguments: [
              ("mounted by the job's container", anon, volume(anon), [container(mounting: anon)], true),
              ("empty labels", anon, volume(anon, labels: "{}"), [container(mounting: anon)], true),
              ("other labels", anon, volume(anon, labels: #"{"com.docker.volume.anonymous":""}"#), [container(mounting: anon)], true),
              ("no container of the job mounts it", anon, volume(anon), [container(mounting: String(repeating: "cd34", count: 16))], false),
              ("no containers at all", anon, volume(anon), [], false),
              ("a bind, not a volume, of that name", anon, volume(anon), [container(mounting: anon, type: "bind")], false),
              ("another job's label", anon, volume(anon, labels: #"{"io.sockwarden.job":"other"}"#), [container(mounting: anon)], false),
              ("an owner label, even the job's (then it is owned the usual way)", anon, volume(anon, labels: #"{"io.sockwarden.job":"job-42"}"#), [container(mounting: anon)], false),
              ("a name a client gives (not 64 hex digits)", "cache", volume("cache"), [container(mounting: "cache")], false),
              ("upper-case hex is no daemon-made name", anon.uppercased(), volume(anon.uppercased()), [container(mounting: anon.uppercased())], false),
              ("the inspect answer names another volume", anon, volume(String(repeating: "cd34", count: 16)), [container(mounting: anon)], false),
          ] as [(String, String, JSONValue, [JSONValue], Bool)])
    func reusable(_ c: (String, String, JSONValue, [JSONValue], Bool)) {
        #expect(AnonymousVolumes.reusable(c.1, volume: c.2, containers: c.3) == c.4, "\(c.0)")
    }
}
