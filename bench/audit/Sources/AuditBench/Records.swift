import Posix
@testable import Proxy

/// The records measured: what the proxy writes for `GET /_ping` and for the
/// `docker run` container create of bench/bodies/container-create.json
/// (route, rule, reason and facts as `sockwarden explain` gives them with
/// policies/ci.toml).
enum Records {
    static let digest = "sha256:80b7c6f0a1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8"
    static let reasonTail = "\" is allowed by rule \"ci-work\": containers, exec, images, classic builds, volumes, networks (read; create and connect are judged), events and daemon status"

    static func ping() -> AuditRecord {
        var r = AuditRecord(connection: 17, request: 123_456, peer: PeerCredentials(pid: 4211, uid: 1000, gid: 1000), method: "GET",
                            target: "/_ping", route: "system.ping", group: "system", apiVersion: nil, decision: "allow",
                            rule: "ci-work", reason: "group \"system" + reasonTail, policy: "/etc/sockwarden/ci.toml",
                            status: nil, startedAt: (1_795_988_597, 436_000_000))
        r.policyDigest = digest
        finish(&r, status: 200, bytesOut: 250)
        return r
    }

    static let createFacts = #"{"image":[{"field":"Image","value":"busybox","reference":"busybox"}],"user":[{"field":"User","value":"","user":""}],"no_new_privileges":[{"field":"HostConfig.SecurityOpt","value":"","enabled":false}],"memory":[{"field":"HostConfig.Memory","value":"0","bytes":0}],"nano_cpus":[{"field":"HostConfig.NanoCpus","value":"0","nano_cpus":0}],"pids_limit":[{"field":"HostConfig.PidsLimit","value":"0","pids":0}]}"#

    static func create() -> AuditRecord {
        var r = AuditRecord(connection: 18, request: 123_457, peer: PeerCredentials(pid: 4211, uid: 1000, gid: 1000), method: "POST",
                            target: "/v1.51/containers/create", route: "container.create", group: "containers", apiVersion: "1.51",
                            decision: "allow", rule: "ci-work", reason: "group \"containers" + reasonTail, policy: "/etc/sockwarden/ci.toml",
                            status: nil, startedAt: (1_795_988_597, 437_000_000))
        r.policyDigest = digest
        r.container = "3f2a9c0e5d4b1a29f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b3a2910"
        r.facts = Array(createFacts.utf8)
        r.bytesIn = 1468
        finish(&r, status: 201, bytesOut: 88)
        return r
    }

    private static func finish(_ r: inout AuditRecord, status: Int, bytesOut: UInt64) {
        r.judgedAt = r.startedMonotonic + 41_000
        r.status = status
        r.respondedAt = r.startedMonotonic + 182_000
        r.durationNanoseconds = 190_000
        r.bytesOut = bytesOut
    }
}

/// One kind of record measured: a record and which of its two lines.
struct Kind {
    let name: String
    let record: AuditRecord
    let result: Bool

    static let all = [
        Kind(name: "ping request", record: Records.ping(), result: false),
        Kind(name: "ping result", record: Records.ping(), result: true),
        Kind(name: "create request", record: Records.create(), result: false),
        Kind(name: "create result", record: Records.create(), result: true),
    ]
}
