@testable import EngineAPI
import Testing

@Suite("Route matching")
struct MatchingTests {
    static let image = "registry:5000/ns/img:tag"

    static let versionCases: [ResolveCase] = [
        .init("a major-only version is captured", "GET", "/v1/_ping", .route("system.ping", version: "1", path: "/_ping")),
        .init("a three-part version is captured", "GET", "/v1.2.3/_ping", .route("system.ping", version: "1.2.3")),
        .init("a lone dot is a version", "GET", "/v./_ping", .route("system.ping", version: ".")),
        .init("a far-future version still routes", "GET", "/v99.99/info", .route("system.info", version: "99.99")),
        .init("an unversioned path has no version", "GET", "/_ping", .route("system.ping", version: .some(nil), path: "/_ping")),
        .init("an empty version does not route", "GET", "/v/_ping", .unknown),
        .init("letters in the version do not route", "GET", "/v1.41a/_ping", .unknown),
        .init("a capital V does not route", "GET", "/V1.41/_ping", .unknown),
        .init("a negative version does not route", "GET", "/v-1/_ping", .unknown),
        .init("a doubled version prefix does not route", "GET", "/v1.41/v1.41/_ping", .unknown),
        .init("the bare version root is unknown", "GET", "/v1.41/", .unknown),
        .init("the bare version without slash is unknown", "GET", "/v1.41", .unknown),
        .init("/version is not a version prefix", "GET", "/version", .route("system.version", version: .some(nil))),
        .init("/volumes is not a version prefix", "GET", "/volumes", .route("volume.list", version: .some(nil))),
        .init("a versioned /version", "GET", "/v1.41/version", .route("system.version", version: "1.41")),
        .init("OPTIONS on the version root matches with an empty anyroute", "OPTIONS", "/v1.41/",
              .route("system.options", parameters: ["anyroute": ""], version: "1.41")),
        .init("OPTIONS on the bare version matches unversioned", "OPTIONS", "/v1.41",
              .route("system.options", parameters: ["anyroute": "v1.41"], version: .some(nil))),
        .init("OPTIONS matches any path, slashes included", "OPTIONS", "/v1.41/containers/abc/json",
              .route("system.options", parameters: ["anyroute": "containers/abc/json"], version: "1.41")),
        .init("OPTIONS cannot match a decoded newline", "OPTIONS", "/a%0Ab", .unknown),
    ]

    static let wildcardCases: [ResolveCase] = [
        .init("image inspect takes a registry name with port, namespace and tag", "GET", "/v1.41/images/\(image)/json",
              .route("image.inspect", parameters: ["name": image], path: "/images/\(image)/json")),
        .init("image push takes a slashy name", "POST", "/v1.41/images/\(image)/push", .route("image.push", parameters: ["name": image])),
        .init("image tag takes a slashy name", "POST", "/images/\(image)/tag?repo=x", .route("image.tag", parameters: ["name": image])),
        .init("image history takes a slashy name", "GET", "/images/\(image)/history", .route("image.history", parameters: ["name": image])),
        .init("image get takes a slashy name", "GET", "/images/\(image)/get", .route("image.get", parameters: ["name": image])),
        .init("image delete takes a slashy name", "DELETE", "/images/\(image)", .route("image.delete", parameters: ["name": image])),
        .init("image names may carry a digest", "GET", "/images/ubuntu@sha256:abcd/json",
              .route("image.inspect", parameters: ["name": "ubuntu@sha256:abcd"])),
        .init("the longest name wins before the suffix", "GET", "/images/a/json/json", .route("image.inspect", parameters: ["name": "a/json"])),
        .init("an image called search", "GET", "/images/search/json", .route("image.inspect", parameters: ["name": "search"])),
        .init("an image called get is saved, not listed", "GET", "/images/get/get", .route("image.get", parameters: ["name": "get"])),
        .init("container names may contain slashes for the daemon", "GET", "/containers/a/b/json",
              .route("container.inspect", parameters: ["id": "a/b"])),
        .init("a container called create can be started", "POST", "/containers/create/start",
              .route("container.start", parameters: ["id": "create"])),
        .init("an action name inside a container name", "POST", "/containers/x/stop/start",
              .route("container.start", parameters: ["id": "x/stop"])),
        .init("exec ids take slashes", "POST", "/exec/a/b/start", .route("exec.start", parameters: ["id": "a/b"])),
        .init("plugin names take slashes and tags", "POST", "/plugins/vieux/sshfs:latest/enable",
              .route("plugin.enable", parameters: ["name": "vieux/sshfs:latest"])),
        .init("distribution names take slashes", "GET", "/distribution/\(image)/json",
              .route("distribution.inspect", parameters: ["name": image])),
        .init("network ids take slashes", "POST", "/networks/a/b/connect", .route("network.connect", parameters: ["id": "a/b"])),
        .init("a network called create is inspected by GET", "GET", "/networks/create", .route("network.inspect", parameters: ["id": "create"])),
        .init("a volume called prune is inspected by GET", "GET", "/volumes/prune", .route("volume.inspect", parameters: ["name": "prune"])),
        .init("swarm ids are one segment", "GET", "/services/a/b", .unknown),
        .init("task logs", "GET", "/tasks/t1/logs", .route("task.logs", parameters: ["id": "t1"])),
    ]

    static let orderCases: [ResolveCase] = [
        .init("checkpoint delete wins over container delete (registered first)", "DELETE", "/v1.41/containers/abc/checkpoints/cp1",
              .route("container.checkpoint.delete", parameters: ["id": "abc", "checkpoint": "cp1"])),
        .init("a slashy container name falls through to container delete", "DELETE", "/containers/a/b/checkpoints/cp1",
              .route("container.delete", parameters: ["id": "a/b/checkpoints/cp1"])),
        .init("a trailing slash falls through to container delete", "DELETE", "/containers/abc/checkpoints/cp1/",
              .route("container.delete", parameters: ["id": "abc/checkpoints/cp1/"])),
        .init("a newline in the checkpoint container still matches [^/]+", "DELETE", "/containers/a%0Ab/checkpoints/c",
              .route("container.checkpoint.delete", parameters: ["id": "a\nb", "checkpoint": "c"])),
        .init("checkpoint list", "GET", "/containers/abc/checkpoints", .route("container.checkpoint.list", parameters: ["id": "abc"])),
        .init("checkpoint create takes a slashy name", "POST", "/containers/a/b/checkpoints", .route("container.checkpoint.create", parameters: ["id": "a/b"])),
        .init("GET on a checkpoint is unknown", "GET", "/containers/abc/checkpoints/cp1", .unknown),
    ]

    static let methodCases: [ResolveCase] = [
        .init("HEAD /_ping is registered", "HEAD", "/_ping", .route("system.ping.head")),
        .init("GET /_ping is registered", "GET", "/_ping", .route("system.ping")),
        .init("HEAD archive is registered", "HEAD", "/containers/abc/archive?path=/etc", .route("container.archive.head")),
        .init("GET archive", "GET", "/containers/abc/archive?path=/etc", .route("container.archive.get")),
        .init("PUT archive", "PUT", "/containers/abc/archive?path=/tmp", .route("container.archive.put")),
        .init("HEAD does not fall back to GET", "HEAD", "/containers/json", .unknown),
        .init("HEAD version is unknown", "HEAD", "/v1.41/version", .unknown),
        .init("POST on a GET route is unknown", "POST", "/_ping", .unknown),
        .init("GET on a POST route is unknown", "GET", "/containers/create", .unknown),
        .init("PUT on a volume updates it", "PUT", "/v1.51/volumes/myvol", .route("volume.update", parameters: ["name": "myvol"])),
        .init("the 20.10 copy route", "POST", "/v1.23/containers/abc/copy", .route("container.copy", version: "1.23")),
        .init("the websocket attach is a GET", "GET", "/containers/abc/attach/ws", .route("container.attach.websocket")),
        .init("session", "POST", "/session", .route("session.start")),
        .init("grpc", "POST", "/v1.41/grpc", .route("session.grpc", version: "1.41")),
    ]

    static let trailingSlashCases: [ResolveCase] = [
        .init("a fixed route does not take a trailing slash", "GET", "/containers/json/", .unknown),
        .init("ping does not take a trailing slash", "GET", "/_ping/", .unknown),
        .init("an action route does not take a trailing slash", "POST", "/containers/abc/start/", .unknown),
        .init("a one-segment variable does not take a trailing slash", "GET", "/services/abc/", .unknown),
        .init("/networks/ is registered explicitly", "GET", "/networks/", .route("network.list.slash", parameters: [:])),
        .init("/networks is the list", "GET", "/networks", .route("network.list")),
        .init("a trailing slash joins a .* name", "DELETE", "/containers/abc/", .route("container.delete", parameters: ["id": "abc/"])),
        .init("a .* name may be empty", "DELETE", "/containers/", .route("container.delete", parameters: ["id": ""])),
        .init("an empty image name", "DELETE", "/images/", .route("image.delete", parameters: ["name": ""])),
        .init("an empty volume name on GET", "GET", "/volumes/", .route("volume.inspect", parameters: ["name": ""])),
        .init("an empty network id on DELETE", "DELETE", "/networks/", .route("network.delete", parameters: ["id": ""])),
        .init("a trailing slash joins a .+ network id", "GET", "/networks/abc/", .route("network.inspect", parameters: ["id": "abc/"])),
        .init("swarm with a trailing slash", "GET", "/swarm/", .unknown),
    ]

    static let unknownCases: [ResolveCase] = [
        .init("a bare container path has no GET", "GET", "/containers/abc", .unknown),
        .init("POST /containers/json is not a route", "POST", "/containers/json", .unknown),
        .init("pprof is left out", "GET", "/debug/pprof/", .unknown),
        .init("versioned pprof is left out", "GET", "/v1.41/debug/pprof/heap", .unknown),
        .init("expvar is left out", "GET", "/debug/vars", .unknown),
        .init("a moby-main-only route is unknown", "GET", "/images/abc/attestations", .unknown),
        .init("the root is unknown for GET", "GET", "/", .unknown),
        .init("a made-up path", "GET", "/v1.41/nope", .unknown),
        .init("a prefix of a route is not a match", "GET", "/containers", .unknown),
        .init("a route with extra text is not a match", "GET", "/_pingx", .unknown),
    ]

    @Test("version prefix forms", arguments: versionCases) func versions(_ row: ResolveCase) { check(row) }
    @Test("{name:.*} variables with slashes", arguments: wildcardCases) func wildcards(_ row: ResolveCase) { check(row) }
    @Test("registration order decides overlaps", arguments: orderCases) func order(_ row: ResolveCase) { check(row) }
    @Test("methods, HEAD vs GET", arguments: methodCases) func methods(_ row: ResolveCase) { check(row) }
    @Test("trailing slashes", arguments: trailingSlashCases) func trailingSlashes(_ row: ResolveCase) { check(row) }
    @Test("unknown routes", arguments: unknownCases) func unknown(_ row: ResolveCase) { check(row) }
}
