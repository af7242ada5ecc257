import EngineAPI
import GoJSON
import Testing
@testable import Tenancy

let owner = JobOwner(id: "job-42", seal: "5ea1")!

@Suite("Job owners")
struct JobOwnerTests {
    @Test("ids are safe in a label, a filter and a file name",
          arguments: [("job-42", true), ("a", true), ("A.b_c-1", true), ("", false), ("-x", false), (".x", false),
                      ("a b", false), ("a/b", false), ("a=b", false), ("é", false), (String(repeating: "a", count: 129), false)])
    func ids(_ c: (String, Bool)) {
        #expect((JobOwner(id: c.0) != nil) == c.1, "\(c.0)")
    }

    @Test("ownership is the exact label, byte for byte")
    func owns() {
        #expect(owner.owns(labels: [("io.sockwarden.job", "job-42")]))
        #expect(!owner.owns(labels: [("io.sockwarden.job", "job-4")]))
        #expect(!owner.owns(labels: [("IO.SOCKWARDEN.JOB", "job-42")]))
        #expect(!owner.owns(labels: []))
    }
}

@Suite("Stamping the owner label")
struct OwnerStampTests {
    func decode(_ text: String, _ schema: GoType) throws -> GoValue {
        try GoDecoder.decodeFirstValue(Array(text.utf8), as: schema).get().value
    }

    @Test("creates carry the label; the client's labels are kept",
          arguments: [("container", #"{"Image":"b","Labels":{"a":"1"}}"#), ("volume", #"{"Name":"v","labels":{"a":"1"}}"#),
                      ("network", #"{"Name":"n","Labels":{"a":"1"}}"#), ("container without labels", #"{"Image":"b"}"#)])
    func stamps(_ c: (String, String)) throws {
        let schema: GoType = c.0.hasPrefix("container") ? .structure(ContainerCreateBody.wrapper)
            : c.0 == "volume" ? .structure(BodySchemas.Volume.createOptions) : .structure(BodySchemas.Network.createRequest)
        let stamped = try OwnerStamp.stamp(try decode(c.1, schema), owner: owner).get()
        let text = String(decoding: try GoEncoder.encodeChecked(stamped, as: schema).get(), as: UTF8.self)
        #expect(text.contains(#""io.sockwarden.job":"job-42""#), "\(text)")
        if !c.0.hasSuffix("without labels") { #expect(text.contains(#""a":"1""#), "\(text)") }
    }

    @Test("a client cannot set, change or pre-empt the owner label or a create mark",
          arguments: [#"{"Image":"b","Labels":{"io.sockwarden.job":"other"}}"#,
                      #"{"Image":"b","labels":{"x":"1"},"Labels":{"io.sockwarden.job":"job-42"}}"#,
                      #"{"Image":"b","Labels":{"io.sockwarden.create":"0123456789abcdef0123456789abcdef"}}"#])
    func reserved(_ body: String) throws {
        let schema = GoType.structure(ContainerCreateBody.wrapper)
        let result = OwnerStamp.stamp(try decode(body, schema), owner: owner)
        #expect(throws: TenancyRefusal.self) { try result.get() }
    }
}

extension OwnerStampTests {
    @Test("a container create carries its mark beside the owner label")
    func mark() throws {
        let schema = GoType.structure(ContainerCreateBody.wrapper)
        let stamped = try OwnerStamp.stamp(try decode(#"{"Image":"b","Labels":{"a":"1"}}"#, schema), owner: owner,
                                           mark: "0123456789abcdef0123456789abcdef").get()
        let text = String(decoding: try GoEncoder.encodeChecked(stamped, as: schema).get(), as: UTF8.self)
        #expect(text.contains(#""Labels":{"a":"1","io.sockwarden.create":"0123456789abcdef0123456789abcdef","io.sockwarden.job":"job-42"}"#), "\(text)")
    }
}

@Suite("Scoping lists, prunes and events with the owner's label filter")
struct FilterTests {
    func filters(_ query: String) throws -> String {
        let rewritten = try QueryRewrite.restrictFilters(query, owner: owner).get()
        let parsed = try #require(GoQuery.parse(rewritten))
        #expect(parsed.all("filters").count == 1, "\(rewritten)")
        return try #require(parsed.first("filters"))
    }

    @Test("the label is added to whatever the client asked", arguments: [
        ("", #"{"label":{"io.sockwarden.job=job-42":true}}"#),
        ("all=1", #"{"label":{"io.sockwarden.job=job-42":true}}"#),
        (#"filters=%7B%22status%22%3A%7B%22exited%22%3Atrue%7D%7D"#, #"{"label":{"io.sockwarden.job=job-42":true},"status":{"exited":true}}"#),
        (#"filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D"#, #"{"label":{"a=b":true,"io.sockwarden.job=job-42":true}}"#),
        (#"filters=%7B%22label%22%3A%7B%22io.sockwarden.job%3Dother%22%3Atrue%7D%7D"#,
         #"{"label":{"io.sockwarden.job=job-42":true,"io.sockwarden.job=other":true}}"#),
    ])
    func added(_ c: (String, String)) throws {
        #expect(try filters(c.0) == c.1)
    }

    @Test("a second filters parameter cannot replace ours (Go reads the first)")
    func duplicates() throws {
        let rewritten = try QueryRewrite.restrictFilters("filters=%7B%7D&all=1&filters=%7B%22x%22%3A%7B%7D%7D", owner: owner).get()
        let parsed = try #require(GoQuery.parse(rewritten))
        #expect(parsed.all("filters") == [#"{"label":{"io.sockwarden.job=job-42":true}}"#])
        #expect(parsed.first("all") == "1")
    }

    @Test("filters the daemon could not read are refused", arguments: ["filters=%7B", "filters=%5B%5D", "filters=1", "a;b=1"])
    func invalid(_ query: String) {
        #expect(throws: TenancyRefusal.self) { try QueryRewrite.restrictFilters(query, owner: owner).get() }
    }

    @Test("a build's labels carry the owner; the client cannot set it")
    func buildLabels() throws {
        let rewritten = try QueryRewrite.stampBuildLabels("t=x&labels=%7B%22a%22%3A%221%22%7D", owner: owner).get()
        let parsed = try #require(GoQuery.parse(rewritten))
        #expect(parsed.first("labels") == #"{"a":"1","io.sockwarden.job":"job-42","io.sockwarden.seal":"5ea1"}"#)
        #expect(parsed.first("t") == "x")
        #expect(throws: TenancyRefusal.self) {
            try QueryRewrite.stampBuildLabels("labels=%7B%22io.sockwarden.job%22%3A%22x%22%7D", owner: owner).get()
        }
        #expect(throws: TenancyRefusal.self) {
            try QueryRewrite.stampBuildLabels("labels=%7B%22io.sockwarden.seal%22%3A%225ea1%22%7D", owner: owner).get()
        }
    }

    @Test("a build's labels may not set a label only sockwarden sets", arguments: [
        (#"{"io.sockwarden.job":"x"}"#, "io.sockwarden.job"),
        (#"{"io.sockwarden.seal":"5ea1"}"#, "io.sockwarden.job"),
        (#"{"io.sockwarden.create":"image-0123"}"#, "io.sockwarden.create"),
        (#"{"a":"1","io.sockwarden.create":"0123"}"#, "io.sockwarden.create"),
        // Go's decoder keeps the last of a duplicate key: the daemon would set it.
        (#"{"io.sockwarden.create":"x","a":"1","io.sockwarden.create":"y"}"#, "io.sockwarden.create"),
    ])
    func buildReservedLabels(_ labels: String, named: String) {
        let query = "labels=" + QueryRewrite.escape(labels)
        guard case .failure(let refusal) = QueryRewrite.stampBuildLabels(query, owner: owner) else {
            Issue.record("passed: \(labels)")
            return
        }
        #expect(refusal.status == 403 && refusal.message.contains(named), "\(refusal.message)")
    }

    @Test("a build's labels of keys like sockwarden's but not the same pass", arguments: [
        #"{"IO.SOCKWARDEN.CREATE":"x"}"#, #"{"io.sockwarden.create.x":"y"}"#, #"{"a":"io.sockwarden.create"}"#,
    ])
    func buildLabelsLikeReserved(_ labels: String) throws {
        let rewritten = try QueryRewrite.stampBuildLabels("labels=" + QueryRewrite.escape(labels), owner: owner).get()
        let parsed = try #require(GoQuery.parse(rewritten))
        #expect(parsed.first("labels")?.hasSuffix(#""io.sockwarden.job":"job-42","io.sockwarden.seal":"5ea1"}"#) == true)
    }
}

@Suite("Query parameters replaced")
struct QueryReplaceTests {
    @Test("every value of a key is replaced, in order, first; the other parameters are kept", arguments: [
        ("names=a&x=1&names=b", ["A", "B"], "names=A&names=B&x=1"),
        ("names=a", ["sha256:ff"], "names=sha256%3Aff"),
        ("x=1", ["A"], "names=A&x=1"),
    ])
    func replacingAll(_ c: (String, [String], String)) {
        #expect(QueryRewrite.replacingAll("names", with: c.1, in: c.0) == c.2)
    }

    // url.ParseQuery splits on the "&" and "=" bytes: a combining mark after
    // "&" or "=", or a prepended mark (U+0600) before one, is one Swift
    // Character with it, but Go still splits there.
    @Test("the raw query is split on bytes, as Go splits it", arguments: [
        ("a=\u{600}&filters=evil", "filters=X&a=\u{600}"),
        ("a=1&filters=evil&\u{301}b=2", "filters=X&a=1&\u{301}b=2"),
        ("filters=\u{301}evil&a=1", "filters=X&a=1"),
        ("filters\u{600}=evil&a=1", "filters=X&filters\u{600}=evil&a=1"),
        ("a=é&&filters=1&filters=2&z", "filters=X&a=é&z"),
        ("fil%74ers=evil&a=1", "filters=X&a=1"),
        ("", "filters=X"),
    ])
    func replacingBytes(_ c: (String, String)) {
        #expect(Array(QueryRewrite.replacing("filters", with: "X", in: c.0).utf8) == Array(c.1.utf8), "\(c.0)")
    }

    @Test("every value replaced, split on bytes", arguments: [
        ("x=\u{600}&names=3ded", ["sha256:aa"], "names=sha256%3Aaa&x=\u{600}"),
        ("names=a&\u{301}=1&names=b", ["A", "B"], "names=A&names=B&\u{301}=1"),
    ])
    func replacingAllBytes(_ c: (String, [String], String)) {
        #expect(Array(QueryRewrite.replacingAll("names", with: c.1, in: c.0).utf8) == Array(c.2.utf8), "\(c.0)")
    }
}

@Suite("A build's cache on a job socket")
struct BuildCacheTests {
    static let ownIDs = ["sha256:aa", "sha256:bb"]

    @Test("without sources of the client's, the job's own images are the cache's only sources", arguments: [
        ("t=x", ownIDs), ("t=x&cachefrom=", ownIDs), ("t=x&cachefrom=%5B%5D", ownIDs), ("t=x&cachefrom=null", ownIDs),
        ("t=x&cachefrom=%5B%5D&cachefrom=%5B%22app%3A1%22%5D", ownIDs),
    ])
    func own(_ c: (String, [String])) throws {
        let parsed = try #require(GoQuery.parse(QueryRewrite.scopeBuildCache(c.0, ownImages: c.1)))
        #expect(parsed.first("cachefrom") == #"["sha256:aa","sha256:bb"]"#, "\(c.0)")
        #expect(parsed.first("t") == "x")
    }

    @Test("a job without images of its own gets a source no image is, not the daemon's whole cache")
    func none() throws {
        let parsed = try #require(GoQuery.parse(QueryRewrite.scopeBuildCache("t=x", ownImages: [])))
        #expect(parsed.first("cachefrom") == "[\"\(QueryRewrite.noCacheSource)\"]")
    }

    @Test("the client's own non-empty sources are kept as written")
    func given() {
        let query = "t=x&cachefrom=%5B%22app%3A1%22%5D"
        #expect(QueryRewrite.scopeBuildCache(query, ownImages: Self.ownIDs) == query)
    }
}

@Suite("What a job socket does with each route")
struct TenancyRouteTests {
    @Test("every catalogued route has a tenancy action; container routes with an id are owned")
    func coverage() {
        for route in Catalogue.routes {
            let action = TenancyRoutes.action(for: route)
            if route.name.hasPrefix("container."), route.template.contains("{id}") {
                #expect(action == .owned(.container, parameter: "id"), "\(route.name)")
            }
            if route.template.contains("{") {
                switch action {
                case .owned, .refuse, .shared, .image: break
                default: Issue.record("\(route.name) names an object but is \(action)")
                }
            }
        }
    }

    @Test("cluster, plugin, session and build-cancel routes are refused on a job socket",
          arguments: ["swarm.init", "service.create", "plugin.pull", "session.start", "build.cancel"])
    func refused(_ name: String) throws {
        let route = try #require(Catalogue.route(named: name))
        guard case .refuse = TenancyRoutes.action(for: route) else {
            Issue.record("\(name) is not refused"); return
        }
    }

    // `docker system prune` (both CLIs) ends with POST /build/prune; a job's
    // builds are classic, so none of the daemon's build cache is its own.
    @Test("build prune is answered as the daemon answers a prune with nothing to remove")
    func buildPrune() throws {
        let route = try #require(Catalogue.route(named: "build.prune"))
        guard case .nothingOwned(let json, _) = TenancyRoutes.action(for: route) else {
            Issue.record("build.prune is \(TenancyRoutes.action(for: route))"); return
        }
        #expect(json == #"{"CachesDeleted":null,"SpaceReclaimed":0}"#)
    }
}

@Suite("Objects a create body names must be the job's own")
struct OwnerReferenceTests {
    @Test("namespaces, mounts, links, volumes and networks of a create body")
    func create() throws {
        let body = #"""
        {"Image":"b","HostConfig":{"NetworkMode":"container:web","PidMode":"container:db","VolumesFrom":["data:ro"],
         "Links":["/cache:c"],"Binds":["vol1:/v","/host:/h"],"Mounts":[{"Type":"volume","Source":"vol2","Target":"/w"},{"Type":"tmpfs","Target":"/t"}]},
         "NetworkingConfig":{"EndpointsConfig":{"jobnet":{},"bridge":{}}}}
        """#
        let value = try GoDecoder.decodeFirstValue(Array(body.utf8), as: .structure(ContainerCreateBody.wrapper)).get().value
        let refs = OwnerReferences.referenced(route: "container.create", body: value).map { "\($0.kind.rawValue) \($0.reference)" }
        #expect(refs == ["image b", "container web", "container db", "container data", "container cache", "volume vol1", "volume vol2", "network jobnet"])
    }

    // dockerd creates a missing volume named by a Mounts entry with the
    // entry's VolumeOptions.Labels; a job socket creates it first (with the
    // owner label), so it must carry them. Binds give none.
    @Test("a volume mount's labels travel with its reference", arguments: [
        (#"{"Type":"volume","Source":"v","Target":"/x","VolumeOptions":{"Labels":{"a":"b","c":""}}}"#, ["a=b", "c="]),
        (#"{"Type":"volume","Source":"v","Target":"/x","VolumeOptions":{"NoCopy":true}}"#, []),
        (#"{"Type":"volume","Source":"v","Target":"/x"}"#, []),
        (#"{"Type":"volume","Source":"v","Target":"/x","VolumeOptions":{"Labels":{"k":"1","k":"2"}}}"#, ["k=2"]),  // Go keeps the last
        (#"{"Type":"volume","Source":"v","Target":"/x","VolumeOptions":{"Labels":{"é":"ü"}}}"#, ["é=ü"]),
    ])
    func mountLabels(_ c: (String, [String])) throws {
        let body = #"{"Image":"b","HostConfig":{"Binds":["w:/w"],"Mounts":[\#(c.0)]}}"#
        let value = try GoDecoder.decodeFirstValue(Array(body.utf8), as: .structure(ContainerCreateBody.wrapper)).get().value
        let refs = OwnerReferences.referenced(route: "container.create", body: value).filter { $0.kind == .volume }
        #expect(refs.map(\.reference) == ["w", "v"])
        #expect(refs[0].volumeLabels.isEmpty)
        #expect(refs[1].volumeLabels.map { "\($0.key)=\($0.value)" } == c.1, "\(c.0)")
    }

    // dockerd splits a VolumesFrom entry (`strings.SplitN(spec, ":", 2)`) and
    // a link (`strings.Split(val, ":")`) on the ":" byte; a Swift Character
    // joins ":" with a combining mark after it or U+0600 before it.
    @Test("VolumesFrom and Links name their container up to the first \":\" byte", arguments: [
        ("data:ro", "data"), ("data", "data"), ("data:\u{301}ro", "data"), ("data\u{600}:ro", "data\u{600}"),
        ("dat\u{301}a:rw", "dat\u{301}a"), (":ro", ""), ("a:b:c", "a"), ("é:ro", "é"),
    ])
    func colonBytes(_ c: (String, String)) throws {
        let links = c.0.utf8.starts(with: ":".utf8) ? "" : #""Links":["\#(c.0)"],"#
        let body = #"{"Image":"b","HostConfig":{\#(links)"VolumesFrom":["\#(c.0)"]}}"#
        let value = try GoDecoder.decodeFirstValue(Array(body.utf8), as: .structure(ContainerCreateBody.wrapper)).get().value
        let refs = OwnerReferences.referenced(route: "container.create", body: value).filter { $0.kind == .container }
        #expect(refs.allSatisfy { Array($0.reference.utf8) == Array(c.1.utf8) } && refs.count == (links.isEmpty ? 1 : 2),
                "\(c.0): \(refs.map(\.reference))")
    }

    @Test("a user network by name is the job's; predefined ones are nobody's")
    func networkMode() throws {
        for (mode, expected) in [("jobnet", ["network jobnet"]), ("none", []), ("bridge", []), ("host", [])] {
            let body = #"{"Image":"b","HostConfig":{"NetworkMode":"\#(mode)"}}"#
            let value = try GoDecoder.decodeFirstValue(Array(body.utf8), as: .structure(ContainerCreateBody.wrapper)).get().value
            #expect(OwnerReferences.referenced(route: "container.create", body: value).map { "\($0.kind.rawValue) \($0.reference)" } == ["image b"] + expected)
        }
    }

    @Test("a foreign object is answered with the daemon's own not-found message")
    func notFound() {
        #expect(ObjectKind.container.notFound("x").message == "No such container: x")
        #expect(ObjectKind.volume.notFound("x").message == "get x: no such volume")
        #expect(ObjectKind.network.notFound("x").message == "network x not found")
        // Predefined networks exist everywhere: the job is told why it cannot see them.
        for name in ["none", "host", "bridge"] {
            #expect(ObjectKind.network.notFound(name).message.hasPrefix("network \(name) not found (sockwarden: the predefined network \(name) is shared"))
        }
        #expect(ObjectKind.network.notFound("default").message == "network default not found")
        #expect(ObjectKind.network.notFound("non\u{301}e").message == "network non\u{301}e not found")
        #expect(ObjectKind.exec.notFound("x").message == "No such exec instance: x")
        #expect(ObjectKind.allCases.allSatisfy { $0.notFound("x").status == 404 })
    }
}

@Suite("system df on a job socket")
struct DiskUsageFilterTests {
    @Test("the build cache, whose records name no owner and show the commands of other builds, is not reported")
    func buildCacheLeftOut() throws {
        let body = #"""
        {"LayersSize":1,"Images":[],"Containers":[],"Volumes":[],"BuildCache":[{"ID":"x","Type":"regular","Description":"mount / from exec /bin/sh -c echo TOPSECRET > /x","Shared":false,"Size":4096}],"BuilderSize":4096}
        """#
        let out = String(decoding: try #require(DiskUsageFilter.filter(Array(body.utf8), owner: owner, images: [])), as: UTF8.self)
        #expect(!out.contains("TOPSECRET"), "\(out)")
        #expect(out.contains(#""BuildCache":[]"#) && out.contains(#""BuilderSize":0"#), "\(out)")
    }

    @Test("only the job's containers and volumes are reported; shared images are kept")
    func filters() throws {
        let body = #"""
        {"LayersSize":1,"Images":[{"Id":"i","RepoTags":["busybox:latest"]}],"Containers":[{"Id":"a","Labels":{"io.sockwarden.job":"job-42"}},{"Id":"b","Labels":{"io.sockwarden.job":"other"}},{"Id":"c","Labels":null}],"Volumes":[{"Name":"v1","Labels":{"io.sockwarden.job":"job-42"}},{"Name":"v2","Labels":{}}],"BuildCache":[]}
        """#
        let out = String(decoding: try #require(DiskUsageFilter.filter(Array(body.utf8), owner: owner, images: [])), as: UTF8.self)
        #expect(out.contains(#""Id":"a""#) && !out.contains(#""Id":"b""#) && !out.contains(#""Id":"c""#), "\(out)")
        #expect(out.contains(#""Name":"v1""#) && !out.contains(#""Name":"v2""#), "\(out)")
        #expect(out.contains(#""Images":[{"Id":"i","RepoTags":["busybox:latest"]}]"#), "\(out)")
        #expect(DiskUsageFilter.filter(Array("[1]".utf8), owner: owner, images: []) == nil)
        #expect(DiskUsageFilter.filter(Array("{".utf8), owner: owner, images: []) == nil)
    }

    @Test("LayersSize is the sum of the sizes of the images in the job's view, not of every image on the daemon", arguments: [
        (#"[]"#, "0"),
        (#"[{"Id":"sha256:i","RepoTags":["busybox:latest"],"Size":100}]"#, "100"),
        (#"[{"Id":"sha256:i","RepoTags":["busybox:latest"],"Size":100},{"Id":"sha256:o","Labels":{"io.sockwarden.job":"other"},"Size":5000}]"#, "100"),
        (#"[{"Id":"sha256:i","RepoTags":["busybox:latest"],"Size":100},{"Id":"sha256:m","Labels":{"io.sockwarden.job":"job-42","io.sockwarden.seal":"5ea1"},"Size":30}]"#, "130"),
        (#"[{"Id":"sha256:i","RepoTags":["busybox:latest"],"Size":-1}]"#, "0"),
    ])
    func layersSize(_ c: (String, String)) throws {
        let body = #"{"LayersSize":99999,"Images":\#(c.0),"Containers":[],"Volumes":[]}"#
        // sha256:m is one the job's socket made (`JobImages`); sha256:o another's.
        let out = String(decoding: try #require(DiskUsageFilter.filter(Array(body.utf8), owner: owner, images: ["sha256:m"])), as: UTF8.self)
        #expect(out.hasPrefix(#"{"LayersSize":\#(c.1),"#), "\(out)")
    }

    @Test("an image's SharedSize, which counts the layers other jobs' images share with it, is -1 (not computed)")
    func sharedSize() throws {
        let body = #"{"LayersSize":1,"Images":[{"Id":"sha256:i","RepoTags":["busybox:latest"],"Size":100,"SharedSize":100,"Containers":0}],"Containers":[],"Volumes":[]}"#
        let out = String(decoding: try #require(DiskUsageFilter.filter(Array(body.utf8), owner: owner, images: [])), as: UTF8.self)
        #expect(out.contains(#""SharedSize":-1"#) && !out.contains(#""SharedSize":100"#), "\(out)")
    }

    static let containers = #"[{"Id":"a","ImageID":"sha256:i","Labels":{"io.sockwarden.job":"job-42"}},{"Id":"b","ImageID":"sha256:i","Labels":{"io.sockwarden.job":"other"}},{"Id":"c","ImageID":"sha256:j","Labels":{"io.sockwarden.job":"other"}}]"#

    @Test("an image's Containers counts only the job's own containers of it", arguments: [
        (#""Containers":\#(containers)"#, #"{"Id":"sha256:i","RepoTags":["busybox:latest"],"Containers":2}"#, #""Containers":1"#),
        (#""Containers":\#(containers)"#, #"{"Id":"sha256:j","RepoTags":["base:1"],"Containers":1}"#, #""Containers":0"#),
        (#""Containers":[]"#, #"{"Id":"sha256:i","RepoTags":["busybox:latest"],"Containers":5}"#, #""Containers":0"#),
        (#""Containers":null"#, #"{"Id":"sha256:i","RepoTags":["busybox:latest"],"Containers":5}"#, #""Containers":-1"#),
        (#""Volumes":[]"#, #"{"Id":"sha256:i","RepoTags":["busybox:latest"],"Containers":5}"#, #""Containers":-1"#),
    ])
    func recount(_ c: (String, String, String)) throws {
        let body = "{\"Images\":[\(c.1)],\(c.0)}"
        let out = String(decoding: try #require(DiskUsageFilter.filter(Array(body.utf8), owner: owner, images: [])), as: UTF8.self)
        let images = try #require(out.firstRange(of: "\"Images\":[")).upperBound
        #expect(out[images...].hasPrefix(c.1.replacing(#/"Containers":-?\d+/#, with: c.2)), "\(out)")
    }
}

@Suite("info on a job socket")
struct InfoFilterTests {
    static func state(_ s: String) -> JSONValue { .object([JSONMember("Id", .string("x")), JSONMember("State", .string(s))]) }

    @Test("the job's containers are counted by state as the daemon counts them, anything but running or paused as stopped")
    func countsByState() {
        let states = ["running", "running", "paused", "created", "exited", "restarting", "dead", "removing"]
        #expect(InfoFilter.counts(containers: states.map(Self.state), images: 3)
            == InfoFilter.Counts(running: 2, paused: 1, stopped: 5, images: 3))
        #expect(InfoFilter.counts(containers: [], images: 0) == InfoFilter.Counts())
    }

    @Test("the daemon-wide container and image counts are replaced by the job's, its activity counts by 0; every other member is the daemon's")
    func replacesCounts() throws {
        let body = #"{"ID":"X","Containers":22,"ContainersRunning":9,"ContainersPaused":1,"ContainersStopped":12,"Images":40,"Driver":"overlay2","NFd":31,"NGoroutines":50,"NEventsListener":4,"NCPU":2}"#
        let out = String(decoding: try #require(InfoFilter.filter(Array(body.utf8), counts: .init(running: 1, paused: 0, stopped: 2, images: 3))), as: UTF8.self)
        #expect(out == #"{"ID":"X","Containers":3,"ContainersRunning":1,"ContainersPaused":0,"ContainersStopped":2,"Images":3,"Driver":"overlay2","NFd":0,"NGoroutines":0,"NEventsListener":0,"NCPU":2}"#)
    }

    @Test("open event streams, file descriptors and goroutines, which move with other clients' work, are 0", arguments: InfoFilter.activityCounts)
    func activityCounts(_ key: String) throws {
        let body = "{\"\(key)\":17}"
        #expect(String(decoding: try #require(InfoFilter.filter(Array(body.utf8), counts: .init())), as: UTF8.self) == "{\"\(key)\":0}")
    }

    @Test("an answer that is not a JSON object is not passed on")
    func notAnObject() {
        #expect(InfoFilter.filter(Array("[1]".utf8), counts: .init()) == nil)
        #expect(InfoFilter.filter(Array("{".utf8), counts: .init()) == nil)
    }

    @Test("info is filtered on a job socket, not shared")
    func route() {
        #expect(TenancyRoutes.action(for: Catalogue.route(named: "system.info")!) == .filterResponse)
    }
}
