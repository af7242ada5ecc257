import Testing
@testable import Tenancy
import EngineAPI
import GoJSON

@Suite("container list before/since filters on a job socket")
struct ContainerFilterPinningTests {
    static let id = String(repeating: "c", count: 64)
    static let mine = QueryRewrite.InspectedContainer(id: id, name: "/web", owned: true)
    static let theirs = QueryRewrite.InspectedContainer(id: id, name: "/web", owned: false)

    @Test("the job's own container, named as the daemon's list finds it, is forwarded as its full ID", arguments: [
        "web", "/web", id,
    ])
    func pinned(_ value: String) {
        #expect(QueryRewrite.containerFilterValue(value, found: Self.mine) == .pinned(Self.id))
    }

    @Test("another job's container answers the daemon's 500 for a missing one", arguments: [
        "web", "/web", id,
    ])
    func foreign(_ value: String) {
        #expect(QueryRewrite.containerFilterValue(value, found: Self.theirs) == .refused(TenancyRefusal(status: 500, message: "no such container \(value)")))
    }

    @Test("a short ID prefix, which inspect finds and the daemon's list does not, answers as missing", arguments: [
        String(repeating: "c", count: 12), "c",
    ])
    func prefix(_ value: String) {
        #expect(QueryRewrite.containerFilterValue(value, found: Self.mine) == .refused(QueryRewrite.containerFilterMissing(value)))
    }

    @Test("a name no container has answers as missing")
    func missing() {
        #expect(QueryRewrite.containerFilterValue("nope", found: nil) == .refused(TenancyRefusal(status: 500, message: "no such container nope")))
    }

    @Test("the filter is rewritten with the full ID, the other filters kept")
    func rewritten() throws {
        let raw = "all=1&filters=" + QueryRewrite.escape(#"{"before":["web"],"status":["exited"]}"#)
        let out = try #require(try QueryRewrite.pinningImageFilters(raw, resolve: { QueryRewrite.containerFilterValue($0, found: Self.mine) }).get())
        #expect(out == "filters=" + QueryRewrite.escape(#"{"before":{"\#(Self.id)":true},"status":{"exited":true}}"#) + "&all=1")
    }
}

@Suite("container remove on a job socket")
struct ContainerRemoveVolumesTests {
    @Test("the anonymous volumes go with the container, whatever v the client sent", arguments: [
        (nil, "v=1"), ("force=1", "v=1&force=1"), ("v=0&force=1", "v=1&force=1"), ("v=false&v=1", "v=1"), ("force=1&v=", "v=1&force=1"),
    ] as [(String?, String)])
    func forced(_ c: (String?, String)) {
        #expect(QueryRewrite.removingAnonymousVolumes(c.0) == c.1)
    }
}

@Suite("volume mount labels of a container create on a job socket")
struct MountLabelTests {
    static func decoded(_ body: String) throws -> GoValue {
        try GoDecoder.decodeFirstValue(Array(body.utf8), as: .structure(ContainerCreateBody.wrapper)).get().value
    }

    @Test("a volume mount may not give its new volume the owner label, in any spelling Go reads", arguments: [
        #"{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/x","VolumeOptions":{"Labels":{"io.sockwarden.job":"other"}}}]}}"#,
        #"{"hostconfig":{"mounts":[{"type":"volume","target":"/x","volumeoptions":{"labels":{"a":"b","io.sockwarden.job":""}}}]}}"#,
        #"{"HostConfig":{"Mounts":[{"Type":"tmpfs","Target":"/t"},{"Type":"volume","Target":"/x","VolumeOptions":{"Labels":{"io.sockwarden.job":"x"}}}]}}"#,
    ])
    func refused(_ body: String) throws {
        #expect(OwnerStamp.mountLabelRefusal(try Self.decoded(body)) == OwnerStamp.reservedLabel)
    }

    @Test("other labels, and mounts without labels, pass", arguments: [
        #"{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/x","VolumeOptions":{"Labels":{"cache":"yes"}}}]}}"#,
        #"{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/x"}]}}"#,
        #"{"Labels":{"io.sockwarden.jobs":"x"}}"#,
    ])
    func passes(_ body: String) throws {
        #expect(OwnerStamp.mountLabelRefusal(try Self.decoded(body)) == nil)
    }
}
