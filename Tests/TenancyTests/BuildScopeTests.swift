import EngineAPI
import Testing
@testable import Tenancy

@Suite("A build's network and limits on a job socket")
struct BuildScopeTests {
    @Test("the network mode of a build's RUN steps: predefined modes pass, a container or user network must be the job's", arguments: [
        ("", BuildScope.NetworkMode.unchanged), ("default", .unchanged), ("none", .unchanged), ("bridge", .unchanged),
        ("host", .unchanged),
        ("container:web", .container("web")), ("container:0123abcd", .container("0123abcd")), ("container:", .container("")),
        ("netb", .network("netb")), ("f83", .network("f83")), ("Host", .network("Host")), ("NONE", .network("NONE")),
        ("host ", .network("host ")),
    ])
    func networkMode(_ c: (String, BuildScope.NetworkMode)) {
        #expect(BuildScope.networkMode(c.0) == c.1, "\(c.0)")
    }

    @Test("the first networkmode is the one rewritten; every other one is dropped")
    func rewrite() {
        let query = "t=app&networkmode=netb&networkmode=none&q=1"
        let mode = GoQuery.parse(query)?.first("networkmode") ?? ""
        #expect(BuildScope.networkMode(mode) == .network("netb"))
        #expect(QueryRewrite.replacing("networkmode", with: "container:0123", in: query) == "networkmode=container%3A0123&t=app&q=1")
    }

    @Test("a build forwarded with the cache off: nocache=1 first, every other nocache dropped, as FormValue then reads it", arguments: [
        ("/v1.41/build", "/v1.41/build?nocache=1"),
        ("/v1.41/build?", "/v1.41/build?nocache=1"),
        ("/v1.41/build?t=app&rm=1", "/v1.41/build?nocache=1&t=app&rm=1"),
        ("/build?nocache=0&t=app&nocache=1", "/build?nocache=1&t=app"),
        ("/build?no%63ache=false&q=1", "/build?nocache=1&q=1"),
        ("/build?nocache&x=%3F", "/build?nocache=1&x=%3F"),
    ])
    func disablingBuildCache(_ c: (String, String)) {
        let rewritten = QueryRewrite.disablingBuildCache(c.0)
        #expect(rewritten == c.1, "\(c.0)")
        let query = String(rewritten.drop { $0 != "?" }.dropFirst())
        #expect(GoQuery.parse(query)?.first("nocache") == "1", "\(c.0)")
    }

    @Test("the limits each RUN step gets, read as the daemon reads them (a value that does not parse is no limit)", arguments: [
        ("memory=67108864", ResourceLimits(memory: 64 << 20)),
        ("memory=67108864&memory=1", ResourceLimits(memory: 64 << 20)),
        ("memory=%2B1048576", ResourceLimits(memory: 1 << 20)),
        ("memory=64m", ResourceLimits()),
        ("memory=+1", ResourceLimits()),  // "+" is a space in a query: " 1" does not parse
        ("memory=-1", ResourceLimits(memory: -1)),
        ("memory=99999999999999999999", ResourceLimits()),
        ("memory=1_000", ResourceLimits()),
        ("memswap=-1&memory=8388608", ResourceLimits(memory: 8 << 20)),
        ("cpuquota=50000&cpuperiod=100000", ResourceLimits(cpuQuota: 50_000, cpuPeriod: 100_000)),
        ("cpus=1&nanocpus=1000000000", ResourceLimits()),
        ("", ResourceLimits()),
    ])
    func limits(_ c: (String, ResourceLimits)) throws {
        let query = try #require(GoQuery.parse(c.0))
        #expect(BuildScope.limits(query) == c.1, "\(c.0)")
    }

    @Test("on a job with a memory or CPU quota a build must set the limits, and says which flag to add", arguments: [
        ("t=app", true, false, "--memory"),
        ("memory=64m", true, false, "--memory"),
        ("memory=-1", true, false, "--memory"),
        ("memory=8388608", true, false, nil),
        ("memory=8388608", true, true, "--cpu-quota and --cpu-period"),
        ("memory=8388608&cpuquota=50000", true, true, "--cpu-quota and --cpu-period"),
        ("memory=8388608&cpuquota=-1&cpuperiod=100000", true, true, "--cpu-quota and --cpu-period"),
        ("memory=8388608&cpuquota=50000&cpuperiod=100000", true, true, nil),
        ("cpuquota=50000&cpuperiod=100000", false, true, nil),
        ("memory=8388608&cpuquota=50000&cpuperiod=100000&version=2", true, true, "DOCKER_BUILDKIT=0"),
        ("memory=8388608&version=1", true, false, nil),
        ("t=app", false, false, nil),
        ("version=2", false, false, nil),
    ] as [(String, Bool, Bool, String?)])
    func checkLimits(_ c: (String, Bool, Bool, String?)) throws {
        let query = try #require(GoQuery.parse(c.0))
        let refusal = BuildScope.checkLimits(query, job: "j1", memoryQuota: c.1, cpuQuota: c.2)
        #expect((refusal != nil) == (c.3 != nil), "\(c.0)")
        if let refusal, let text = c.3 {
            #expect(refusal.status == 403 && refusal.message.contains(text) && refusal.message.contains("job j1"), "\(refusal.message)")
        }
    }

    @Test("a BuildKit build is refused on a job socket, read as FormValue reads version (the first value, percent-decoded)", arguments: [
        ("version=2", true),
        ("t=app&version=2&networkmode=none", true),
        ("version=%32", true),
        ("vers%69on=2", true),
        ("version=2&version=1", true),
        ("version=1&version=2", false),
        ("version=1", false),
        ("version=", false),
        ("version=2%00", false),
        ("version=+2", false),
        ("Version=2", false),
        ("t=app", false),
        ("", false),
    ])
    func checkBuilder(_ c: (String, Bool)) throws {
        let query = try #require(GoQuery.parse(c.0))
        let refusal = BuildScope.checkBuilder(query, job: "j1")
        #expect((refusal != nil) == c.1, "\(c.0)")
        if let refusal {
            #expect(refusal.status == 403 && refusal.message.contains("job j1") && refusal.message.contains("DOCKER_BUILDKIT=0"), "\(refusal.message)")
        }
    }

    @Test("a platform longer than any there is is refused before the job socket pulls with it", arguments: [
        ("", false),
        ("platform=linux/arm64/v8", false),
        ("platform=linux%2Famd64", false),
        ("platform=linux/amd64/v" + String(repeating: "8", count: 243), false),
        ("platform=linux/amd64/v" + String(repeating: "8", count: 244), true),
        ("platform=linux/amd64/v" + String(repeating: "8", count: 65536), true),
        ("platform=linux&platform=linux/amd64/v" + String(repeating: "8", count: 300), false),
    ])
    func checkPlatform(_ c: (String, Bool)) throws {
        let query = try #require(GoQuery.parse(c.0))
        let refusal = BuildScope.checkPlatform(query, job: "j1")
        #expect((refusal != nil) == c.1, "\(c.0.prefix(40))")
        if let refusal {
            #expect(refusal.status == 400 && refusal.message.contains("job j1") && refusal.message.contains("platform is"), "\(refusal.message)")
        }
    }
}

@Suite("Images a build on a job socket would have the daemon pull")
struct BuildPullTests {
    @Test("an absent image, or every image with pull=1, is pulled while the build runs; the Dockerfile's own ONBUILD runs later", arguments: [
        (false, false, false, false), (true, false, false, true), (false, true, false, true), (true, true, false, true),
        (true, false, true, false), (false, true, true, false),
    ])
    func pulls(_ c: (Bool, Bool, Bool, Bool)) {
        #expect(BuildScope.pullsDuringBuild(absent: c.0, pull: c.1, onBuild: c.2) == c.3, "\(c)")
    }

    @Test("what cannot be pulled first is refused with 409, saying why and to pull it through the job socket")
    func refusal() {
        let refusal = BuildScope.pullRefusal("registry.example/base:1", why: "X-Registry-Config is not base64url")
        #expect(refusal.status == 409)
        #expect(refusal.message.contains("docker pull registry.example/base:1") && refusal.message.contains("X-Registry-Config is not base64url"),
                "\(refusal.message)")
    }

    @Test("each image pulled once, as the builder pulls it (latest when untagged) and as docker pull asks for it; ADD URLs and the Dockerfile's own ONBUILD are not pulled", arguments: [
        ([DockerfileReference(kind: .from, value: "busybox", line: 1)], ["busybox latest 1"]),
        ([DockerfileReference(kind: .from, value: "reg.example:5000/team/base:1.2", line: 3)], ["reg.example:5000/team/base 1.2 3"]),
        ([DockerfileReference(kind: .from, value: "reg.example:5000/base", line: 1)], ["reg.example:5000/base latest 1"]),
        ([DockerfileReference(kind: .copyFrom, value: "alpine@sha256:" + String(repeating: "a", count: 64), line: 4)],
         ["alpine@sha256:" + String(repeating: "a", count: 64) + "  4"]),
        ([DockerfileReference(kind: .from, value: "busybox", line: 1), DockerfileReference(kind: .copyFrom, value: "docker.io/library/busybox:latest", line: 5),
          DockerfileReference(kind: .from, value: "busybox:1", line: 6)], ["busybox latest 1", "busybox 1 6"]),
        ([DockerfileReference(kind: .addURL, value: "https://example.com/x", line: 2),
          DockerfileReference(kind: .from, value: "later:1", line: 3, onBuild: true)], []),
        ([DockerfileReference(kind: .copyFrom, value: "tools:2", line: 1, via: "ONBUILD trigger of the base image b")], ["tools 2 1"]),
    ])
    func plan(_ c: ([DockerfileReference], [String])) {
        let planned = BuildScope.prePulls(c.0).map { "\($0.fromImage) \($0.tag) \($0.line)" }
        #expect(planned == c.1, "\(c.0)")
    }

    @Test("a failed pull answers the build with the pull's status and message, naming the Dockerfile line")
    func failure() {
        let pull = BuildScope.PrePull(fromImage: "reg.example/base", tag: "1", line: 2)
        let failure = BuildScope.pullFailure(pull, status: 404, message: "sockwarden: manifest unknown")
        #expect(failure.status == 404)
        #expect(failure.message == "sockwarden: pulling reg.example/base:1 for the build (Dockerfile line 2): manifest unknown", "\(failure.message)")
    }
}
