// Fuzz target: the TOML subset parser and the policy loader on arbitrary
// bytes (what `sockwarden check`, `serve` and a SIGHUP reload read).
//
// Properties:
// 1. No crash, whatever the bytes (a crash here takes the proxy down on a
//    SIGHUP reload of a bad file).
// 2. Deterministic: the TOML document (values and positions) or the error
//    is the same twice; loading the policy twice gives equal policies or
//    the same error.
// 3. Errors point into the file: line >= 1, column >= 1, and the line
//    exists (at most one past the last line break).
// 4. The loader never accepts what the TOML parser refused, and reports the
//    parser's error as is; `parse(source:)` agrees with `parse(bytes:)` on
//    valid UTF-8.
// 5. An accepted policy judges a fixed set of requests without crashing,
//    and never forwards a body it denied.
// 6. Round trip: an accepted policy rendered as TOML (`PolicyDraft.render`,
//    what `sockwarden suggest` prints) loads back to an equal policy (rule
//    lines aside), and renders to the same text again.

import EngineAPI
import FuzzSupport
@testable import Policy

struct LoadedPolicy: Equatable {
    let name: String
    let description: String?
    let rules: [Rule]
    let bodyRules: BodyRules
    let mode: PolicyMode
    init(_ p: Policy) { name = p.name; description = p.description; rules = p.rules; bodyRules = p.bodyRules; mode = p.mode }

    /// Everything but where each rule was written.
    func sameModel(_ other: LoadedPolicy) -> Bool {
        description == other.description && bodyRules == other.bodyRules && mode == other.mode
            && rules.count == other.rules.count
            && zip(rules, other.rules).allSatisfy { a, b in
                a.id == b.id && a.action == b.action && a.description == b.description
                    && a.routes == b.routes && a.groups == b.groups && a.methods == b.methods
            }
    }
}

func load(_ bytes: [UInt8]) -> Result<LoadedPolicy, PolicyError> {
    Result { () throws(PolicyError) in LoadedPolicy(try Policy.parse(bytes: bytes, fileName: "fuzz.toml")) }
}

/// Requests that touch every body section, judged by each accepted policy.
let probes: [(method: String, target: String, body: String)] = [
    ("GET", "/_ping", ""),
    ("GET", "/v1.41/containers/json?all=1", ""),
    ("POST", "/v1.41/containers/create?name=x", #"{"Image":"busybox","User":"1000","HostConfig":{"Privileged":true,"PidMode":"host","Binds":["/srv/ci:/c:ro","/etc:/e"],"CapAdd":["NET_ADMIN"],"Sysctls":{"net.ipv4.ip_forward":"1"},"SecurityOpt":["apparmor=p","seccomp=unconfined","no-new-privileges"],"Runtime":"runsc","CgroupParent":"/x","Memory":1048576,"NanoCpus":1000000000,"PidsLimit":100,"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}]},"PublishAllPorts":true,"VolumesFrom":["y"],"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/n","CgroupPermissions":"rwm"}],"Mounts":[{"Type":"bind","Source":"/srv/ci/x","Target":"/m","BindOptions":{"Propagation":"rshared"}}]}}"#),
    ("POST", "/v1.41/containers/create", #"{"Image":"registry.example.com/x","HostConfig":{"NetworkMode":"none","Memory":0}}"#),
    ("POST", "/v1.20/containers/create", #"{"Image":"b"}"#),
    ("POST", "/v1.41/containers/abc/exec", #"{"Cmd":["sh"],"Privileged":true,"User":"root"}"#),
    ("POST", "/v1.41/containers/abc/update", #"{"Memory":9223372036854775807,"PidsLimit":-1,"NanoCpus":1}"#),
    ("POST", "/v1.41/volumes/create", #"{"Name":"v","Driver":"other","DriverOpts":{"type":"none","o":"bind","device":"/etc"}}"#),
    ("POST", "/v1.41/networks/create", #"{"Name":"n","Driver":"macvlan","Options":{"parent":"eth0"},"IPAM":{"Config":[{"Subnet":"10.0.0.0/8"}]}}"#),
    ("POST", "/v1.41/networks/n/connect", #"{"Container":"c","EndpointConfig":{"DriverOpts":{"a":"b"}}}"#),
    ("POST", "/v1.41/build?networkmode=host&remote=git://example.com/x&version=2&cgroupparent=/p", ""),
    ("POST", "/v1.41/images/create?fromSrc=http://example.com/x.tar", ""),
    ("POST", "/v1.41/swarm/init", "{}"),
]

func judge(_ policy: Policy, _ probe: (method: String, target: String, body: String)) -> Decision {
    switch Catalogue.resolve(method: probe.method, target: probe.target) {
    case .matched(let match):
        var input = PolicyInput(method: probe.method, route: match.route, apiVersion: match.apiVersion,
                                rawQuery: match.rawQuery, contentType: "application/json")
        input.parameters = match.parameters
        if policy.inspectsBody(match.route) { input.body = .complete(Array(probe.body.utf8), contentType: "application/json") }
        return policy.evaluate(input, environment: LiteralHostEnvironment())
    default:
        return policy.evaluate(PolicyInput(method: probe.method, route: nil))
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    let lines = 1 + bytes.count { $0 == 0x0A }

    let document = Result { () throws(TOMLError) in try TOMLParser.parse(bytes: bytes) }
    let documentAgain = Result { () throws(TOMLError) in try TOMLParser.parse(bytes: bytes) }
    Property.check(document == documentAgain, "TOML parsing is deterministic")
    if case .failure(let error) = document {
        Property.check(error.line >= 1 && error.column >= 1 && error.line <= lines,
                       "the TOML error \(error) points into the file (\(lines) lines)")
    }

    let policy = load(bytes)
    Property.check(policy == load(bytes), "policy loading is deterministic")
    switch (document, policy) {
    case (.failure(let t), .success):
        Property.fail("the loader accepted a document the TOML parser refused (\(t))")
    case (.failure(let t), .failure(let p)):
        Property.check(t.line == p.line && t.column == p.column && t.message == p.message,
                       "the loader reports the TOML error as is: \(p) vs \(t)")
    case (.success, .failure(let p)):
        Property.check(p.line >= 1 && p.column >= 1 && p.line <= lines, "the policy error \(p) points into the file (\(lines) lines)")
    case (.success, .success):
        break
    }
    if let text = String(validating: bytes, as: UTF8.self) {
        let fromSource = Result { () throws(PolicyError) in LoadedPolicy(try Policy.parse(source: text, fileName: "fuzz.toml")) }
        Property.check(fromSource == policy, "parse(source:) agrees with parse(bytes:) on valid UTF-8")
    }

    if case .success = policy, let loaded = try? Policy.parse(bytes: bytes, fileName: "fuzz.toml") {
        let text = PolicyDraft(loaded).render()
        switch Result(catching: { () throws(PolicyError) in try Policy.parse(source: text, fileName: "fuzz.toml") }) {
        case .failure(let error):
            Property.fail("a loaded policy rendered as TOML does not load back: \(error)\n\(text)")
        case .success(let again):
            Property.check(LoadedPolicy(again).sameModel(LoadedPolicy(loaded)),
                           "a loaded policy rendered as TOML loads back to the same policy:\n\(text)")
            Property.check(PolicyDraft(again).render() == text, "rendering the reloaded policy gives the same text")
        }
        for probe in probes {
            let decision = judge(loaded, probe)
            Property.check(decision.allowed || decision.forwardBody == nil, "a denied request forwards no body")
            Property.check(!decision.rule.isEmpty && !decision.reason.isEmpty, "a decision names its rule and reason")
        }
    }
    return 0
}
