import GoJSON
import Testing
@testable import Tenancy

@Suite("volumes and networks on a job socket, without the owner label")
struct OwnerLabelFilterTests {
    static func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    @Test("an inspect answer keeps every label but the owner's, and every other member",
          arguments: [
              // docker-compose's volume, with the label of its file and the owner label the job socket added
              (#"{"CreatedAt":"2026-12-01T06:02:50Z","Driver":"local","Labels":{"com.docker.compose.project":"p","io.sockwarden.job":"job-42","kind":"cache"},"Mountpoint":"/d","Name":"p_data","Options":null,"Scope":"local"}"#,
               #"{"CreatedAt":"2026-12-01T06:02:50Z","Driver":"local","Labels":{"com.docker.compose.project":"p","kind":"cache"},"Mountpoint":"/d","Name":"p_data","Options":null,"Scope":"local"}"#),
              // only the owner label: an empty object (the daemon's null for a create without labels cannot be told apart)
              (#"{"Name":"v","Labels":{"io.sockwarden.job":"job-42"}}"#, #"{"Name":"v","Labels":{}}"#),
              // a network: the same member name
              (#"{"Name":"n","Id":"f1","Internal":true,"Labels":{"x":"y","io.sockwarden.job":"job-42"},"Options":{"io.sockwarden.job":"kept"}}"#,
               #"{"Name":"n","Id":"f1","Internal":true,"Labels":{"x":"y"},"Options":{"io.sockwarden.job":"kept"}}"#),
              // no labels at all, and a near miss of the key: unchanged
              (#"{"Name":"v","Labels":null}"#, #"{"Name":"v","Labels":null}"#),
              (#"{"Name":"v","Labels":{"io.sockwarden.jobs":"a","IO.SOCKWARDEN.JOB":"b"}}"#,
               #"{"Name":"v","Labels":{"io.sockwarden.jobs":"a","IO.SOCKWARDEN.JOB":"b"}}"#),
          ])
    func inspect(_ c: (String, String)) {
        #expect(Self.text(OwnerLabelFilter.object(Array(c.0.utf8))) == c.1)
    }

    @Test("a volume list and a network list lose the owner label of each item")
    func lists() {
        let volumes = #"{"Volumes":[{"Name":"a","Labels":{"io.sockwarden.job":"job-42","k":"v"}},{"Name":"b","Labels":null}],"Warnings":null}"#
        #expect(Self.text(OwnerLabelFilter.volumeList(Array(volumes.utf8)))
            == #"{"Volumes":[{"Name":"a","Labels":{"k":"v"}},{"Name":"b","Labels":null}],"Warnings":null}"#)
        let networks = #"[{"Name":"n","Labels":{"io.sockwarden.job":"job-42"}},{"Name":"m","Labels":{"x":"y"}}]"#
        #expect(Self.text(OwnerLabelFilter.networkList(Array(networks.utf8)))
            == #"[{"Name":"n","Labels":{}},{"Name":"m","Labels":{"x":"y"}}]"#)
    }

    @Test("system df lists the job's volumes as volume list does, without the owner label")
    func diskUsage() {
        let body = #"{"Volumes":[{"Name":"a","Labels":{"io.sockwarden.job":"job-42","k":"v"}},{"Name":"b","Labels":{"io.sockwarden.job":"other"}}]}"#
        #expect(Self.text(DiskUsageFilter.filter(Array(body.utf8), owner: owner, images: []))
            == #"{"Volumes":[{"Name":"a","Labels":{"k":"v"}}]}"#)
    }

    @Test("an answer of the wrong shape is not passed on",
          arguments: ["[1]", "{", "null"])
    func wrongShape(_ body: String) {
        let bytes = Array(body.utf8)
        #expect(OwnerLabelFilter.object(bytes) == nil)
        #expect(OwnerLabelFilter.volumeList(bytes) == nil)
    }

    @Test("a network list that is not an array is not passed on")
    func networkListShape() {
        #expect(OwnerLabelFilter.networkList(Array("{}".utf8)) == nil)
        #expect(OwnerLabelFilter.networkList(Array("[".utf8)) == nil)
    }
}
