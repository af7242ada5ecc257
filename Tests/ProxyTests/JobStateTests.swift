import Posix
import Testing
@testable import Proxy

@Suite("a job's persisted state")
struct JobStateTests {
    static let info = JobRegistry.JobInfo(id: "job-42", socket: "/run/sw/job-42.sock", policy: "/etc/sw/ci.toml",
                                          labels: [], openedAt: 1, expiresAt: nil)
    static let a = String(repeating: "a", count: 64), b = String(repeating: "b", count: 64)

    @Test("the containers the job's socket created survive a restart, in order",
          arguments: [([String](), [String]()), ([b, a], [a, b])])
    func containers(_ c: ([String], [String])) throws {
        let bytes = JobState.encode(Self.info, containers: Set(c.0))
        let decoded = try #require(JobState.decode(bytes))
        #expect(decoded.containers == c.1)
        #expect(String(decoding: bytes, as: UTF8.self).contains("container_ids") == !c.0.isEmpty)
    }

    @Test("a state written before containers were recorded has none (its containers are no longer the job's)")
    func before() throws {
        let old = #"{"id":"job-42","socket":"/s","policy":"/p","labels":{},"opened_at":1,"expires_at":null}"#
        #expect(try #require(JobState.decode(Array(old.utf8))).containers == [])
    }

    @Test("the images the job's socket made survive a restart, apart from its containers; other text is not read as one")
    func madeImages() throws {
        let image = "sha256:" + Self.b
        let bytes = JobState.encode(Self.info, containers: [Self.a], madeImages: [image])
        let decoded = try #require(JobState.decode(bytes))
        #expect(decoded.containers == [Self.a])
        #expect(decoded.madeImages == [image])
        let odd = #"{"id":"job-42","socket":"/s","policy":"/p","labels":{},"made_image_ids":["\#(Self.b)","sha256:x",1]}"#
        #expect(try #require(JobState.decode(Array(odd.utf8))).madeImages == [])
    }

    @Test("the anonymous volumes a create bound again survive a restart, each change persisted once; none before they were recorded")
    func reboundVolumes() throws {
        let bytes = JobState.encode(Self.info, containers: [Self.a], reboundVolumes: [Self.b, "v1"])
        #expect(try #require(JobState.decode(bytes)).reboundVolumes == ["v1", Self.b].sorted())
        let old = #"{"id":"job-42","socket":"/s","policy":"/p","labels":{},"container_ids":["\#(Self.a)"]}"#
        #expect(try #require(JobState.decode(Array(old.utf8))).reboundVolumes == [])
        let changes = Locked([String]())
        let records = ContainerRecords(onChange: { id in changes.withLock { $0.append(id) } })
        records.reboundVolume(Self.b, job: "j1")
        records.reboundVolume(Self.b, job: "j1")
        records.restoreRebound(["v2"], job: "j2")
        #expect(changes.withLock { $0 } == ["j1"])
        #expect(records.reboundVolumes(of: "j1") == [Self.b] && records.reboundVolumes(of: "j2") == ["v2"])
    }

    @Test("a state written before images were recorded has none (its images are no longer the job's)")
    func beforeImages() throws {
        let old = #"{"id":"job-42","socket":"/s","policy":"/p","labels":{},"opened_at":1,"expires_at":null,"container_ids":["\#(Self.a)"]}"#
        #expect(try #require(JobState.decode(Array(old.utf8))).madeImages == [])
    }

    @Test("ContainerRecords keeps a job's image IDs apart from its containers' and forgets both at the close")
    func imageRecords() {
        let changes = Locked([String]())
        let records = ContainerRecords(onChange: { id in changes.withLock { $0.append(id) } })
        records.recordImage("sha256:" + Self.a, job: "j1")
        records.recordImage("sha256:" + Self.a, job: "j1")
        #expect(records.imageIDs(of: "j1") == ["sha256:" + Self.a])
        #expect(records.ids(of: "j1").isEmpty)
        #expect(changes.withLock { $0 } == ["j1"])
        records.release(job: "j1")
        #expect(records.imageIDs(of: "j1").isEmpty)
    }

    @Test("ContainerRecords keeps each job's IDs apart, reports each change once, and forgets a closed job")
    func records() {
        let changes = Locked([String]())
        let records = ContainerRecords(onChange: { id in changes.withLock { $0.append(id) } })
        records.record(Self.a, job: "j1")
        records.record(Self.a, job: "j1")
        records.record(Self.b, job: "j2")
        #expect(records.ids(of: "j1") == [Self.a])
        #expect(records.ids(of: "j2") == [Self.b])
        #expect(changes.withLock { $0 } == ["j1", "j2"])
        records.release(job: "j1")
        #expect(records.ids(of: "j1").isEmpty)
    }
}

@Suite("a static listener's job's containers file")
struct StaticJobContainersTests {
    @Test("written and read back; unreadable reads as none",
          arguments: [("[\"\(String(repeating: "a", count: 64))\"]", [String(repeating: "a", count: 64)]), ("{", []), ("{}", [])])
    func file(_ c: (String, [String])) {
        #expect(JobState.decode(containers: Array(c.0.utf8)) == c.1)
        #expect(JobState.decode(containers: JobState.encode(containers: Set(c.1))) == c.1)
    }
}

@Suite("a long-lived job's recorded containers are compacted")
struct ContainerRecordsCompactionTests {
    static func id(_ n: Int) -> String { String(repeating: "0", count: 64 - String(n, radix: 16).count) + String(n, radix: 16) }

    @Test("below 256 IDs, or before they doubled, the daemon is not asked")
    func notDue() {
        let records = ContainerRecords()
        for n in 0..<255 { records.record(Self.id(n), job: "j") }
        var asked = 0
        records.compact(job: "j") { asked += 1; return [] }
        #expect(asked == 0 && records.ids(of: "j").count == 255)
    }

    @Test("the gone are dropped, the present kept; an answerless daemon drops nothing; the next look waits for a doubling")
    func compacts() {
        let changes = Locked(0)
        let records = ContainerRecords(onChange: { _ in changes.withLock { $0 += 1 } })
        for n in 0..<300 { records.record(Self.id(n), job: "j") }
        records.compact(job: "j") { nil }
        #expect(records.ids(of: "j").count == 300)
        let before = changes.withLock { $0 }
        records.compact(job: "j") { Set((0..<10).map(Self.id)) }
        #expect(records.ids(of: "j") == Set((0..<10).map(Self.id)))
        #expect(changes.withLock { $0 } == before + 1)
        for n in 300..<555 { records.record(Self.id(n), job: "j") }
        var asked = 0
        records.compact(job: "j") { asked += 1; return [] }
        #expect(asked == 1 && records.ids(of: "j").isEmpty)
    }
    @Test("image IDs are compacted apart from the containers': the gone dropped, an answerless daemon drops nothing")
    func compactsImages() {
        let records = ContainerRecords()
        for n in 0..<300 { records.recordImage("sha256:" + Self.id(n), job: "j") }
        records.record(Self.id(1), job: "j")
        records.compactImages(job: "j") { nil }
        #expect(records.imageIDs(of: "j").count == 300)
        records.compactImages(job: "j") { Set((0..<10).map { "sha256:" + Self.id($0) }) }
        #expect(records.imageIDs(of: "j") == Set((0..<10).map { "sha256:" + Self.id($0) }))
        #expect(records.ids(of: "j") == [Self.id(1)])
    }
}
