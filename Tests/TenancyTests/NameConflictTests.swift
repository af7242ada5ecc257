import Testing
@testable import Tenancy

@Suite("a job's create or rename of a name in use does not show another's container ID")
struct NameConflictTests {
    static let other = "d6df63ea9254df4241e968643ee43c228f80282c45a60f49525907c41128c7a7"
    static let own = "229ade6bc73272336141c7244a997b207d3ee2a1f4b1cfcdb11a754de6709752"
    static func hiding(_ body: String) -> String? {
        NameConflict.hidingForeignID(Array(body.utf8), isOwn: { $0 == own }).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("another's ID is left out; the daemon's words before it are kept",
          arguments: [
              // dockerd 20.10's create conflict, as the docker CLI shows it
              ("{\"message\":\"Conflict. The container name \\\"/web\\\" is already in use by container \\\"\(other)\\\". You have to remove (or rename) that container to be able to reuse that name.\"}\n",
               "{\"message\":\"Conflict. The container name \\\"/web\\\" is already in use by a container that is not this job's (sockwarden does not show its ID). Choose another name: this job cannot remove or rename that container.\"}\n"),
              // a rename's: the same words after its own prefix
              ("{\"message\":\"Error when allocating new name: Conflict. The container name \\\"/web\\\" is already in use by container \\\"\(other)\\\". You have to remove (or rename) that container to be able to reuse that name.\"}\n",
               "{\"message\":\"Error when allocating new name: Conflict. The container name \\\"/web\\\" is already in use by a container that is not this job's (sockwarden does not show its ID). Choose another name: this job cannot remove or rename that container.\"}\n"),
              // not an ID the job knows, whatever it looks like
              ("{\"message\":\"Conflict. The container name \\\"/web\\\" is already in use by container \\\"abc\\\".\"}",
               "{\"message\":\"Conflict. The container name \\\"/web\\\" is already in use by a container that is not this job's (sockwarden does not show its ID). Choose another name: this job cannot remove or rename that container.\"}\n"),
          ])
    func hidesForeign(_ c: (String, String)) {
        #expect(Self.hiding(c.0) == c.1)
    }

    @Test("the job's own container, other conflicts and other answers are passed on unchanged (nil)",
          arguments: [
              "{\"message\":\"Conflict. The container name \\\"/web\\\" is already in use by container \\\"\(own)\\\". You have to remove (or rename) that container to be able to reuse that name.\"}\n",
              "{\"message\":\"network with name n already exists\"}",
              "{\"message\":\"is already in use by container \\\"no closing quote\"}",
              "not json",
              "[\"is already in use by container \\\"\(other)\\\"\"]",
              "{\"msg\":\"is already in use by container \\\"\(other)\\\"\"}",
          ])
    func unchanged(_ body: String) {
        #expect(Self.hiding(body) == nil)
    }
}
