import Testing
@testable import Tenancy

@Suite("a job socket's error answers name what the client wrote, not the full ID it pinned")
struct PinnedReferenceTests {
    static let id = "229ade6bc73272336141c7244a997b207d3ee2a1f4b1cfcdb11a754de6709752"

    @Test("the one path segment pinned to a full ID gives the reference back",
          arguments: [
              ("/v1.41/containers/web/archive?path=%2Fx", "/v1.41/containers/\(id)/archive?path=%2Fx", "web"),
              ("/v1.41/containers/22/kill", "/v1.41/containers/\(id)/kill", "22"),
              ("/v1.41/containers/my%2Dweb/start", "/v1.41/containers/\(id)/start", "my-web"),
          ])
    func pinned(_ c: (String, String, String)) {
        let pin = PinnedReference.pin(target: c.0, forwarded: c.1)
        #expect(pin?.reference == c.2)
        #expect(pin?.id == Self.id)
    }

    @Test("targets that differ otherwise give no pin",
          arguments: [
              ("/v1.41/containers/json?all=1", "/v1.41/containers/json?all=1&filters=x"),
              ("/v1.41/containers/a/b", "/v1.41/containers/\(id)/\(id)"),
              ("/v1.41/containers/web/kill", "/v1.41/containers/abc/kill"),
              ("/v1.41/containers/web/kill", "/v1.41/containers/\(id)/kill/x"),
              ("/v1.41/containers/w%zz/kill", "/v1.41/containers/\(id)/kill"),
          ])
    func notPinned(_ c: (String, String)) {
        #expect(PinnedReference.pin(target: c.0, forwarded: c.1) == nil)
    }

    @Test("the message gets the reference back; other members and other answers are left")
    func restoring() {
        let body = Array("{\"message\":\"Could not find the file /x in container \(Self.id)\"}\n".utf8)
        let restored = PinnedReference.restoring(body, reference: "web", id: Self.id).map { String(decoding: $0, as: UTF8.self) }
        #expect(restored == "{\"message\":\"Could not find the file /x in container web\"}\n")
        let twice = Array("{\"message\":\"Cannot kill container: \(Self.id): Container \(Self.id) is not running\"}".utf8)
        // dockerd names the reference in the kill's prefix and the ID after it.
        #expect(PinnedReference.restoring(twice, reference: "web", id: Self.id).map { String(decoding: $0, as: UTF8.self) }
            == "{\"message\":\"Cannot kill container: web: Container \(Self.id) is not running\"}\n")
        // Where dockerd names the ID whatever it was asked with: left.
        let byID = Array("{\"message\":\"Container \(Self.id) is not paused\"}".utf8)
        #expect(PinnedReference.restoring(byID, reference: "web", id: Self.id) == nil)
        #expect(PinnedReference.restoring(Array("{\"message\":\"no such file\"}".utf8), reference: "web", id: Self.id) == nil)
        #expect(PinnedReference.restoring(Array("not json \(Self.id)".utf8), reference: "web", id: Self.id) == nil)
        #expect(PinnedReference.restoring(body, reference: Self.id, id: Self.id) == nil)
    }
}
