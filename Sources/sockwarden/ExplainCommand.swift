import EngineAPI
import Glibc
import Policy
import Posix
import Proxy

let explainHelp = """
USAGE
  sockwarden explain --policy FILE METHOD TARGET [--body FILE|-] [--api-version V]
                     [--content-type T] [--mode MODE] [--dockerfile FILE] [--json]

What-if: how sockwarden would route and judge one request, without
forwarding it. TARGET is the request-target as a client sends it, e.g.
/v1.41/containers/create or '/containers/json?all=1'. The API version comes
from its /vX.Y prefix, or from --api-version for an unversioned TARGET. Host
paths are resolved on this machine, and what `serve` looks up on the daemon
is looked up at --upstream, read-only, as `serve` would: the container an
exec, attach or copy acts in, named volumes, networks joined by name,
VolumesFrom sources and joined containers, a build's base images (for their
ONBUILD triggers, run at each FROM). When the daemon cannot answer,
the request is judged as `serve` judges it then (refused) and a note on
standard error names the socket and why.

Prints the route, the decision, the deciding rule, the reason, the policy's
mode (in warn and audit mode a denied request would still be forwarded and
recorded as would-deny), the facts the policy read from the body or query
(image, privileged, mounts, capabilities, namespaces, ports, …), for an exec,
attach or copy the container it acts in and its host access, and, with a
body, the body as it would be forwarded.

For a build (POST /build), --body is the build context (a tar, as the docker
CLI sends it) and its Dockerfile is read and judged as `serve` judges it (the
images it names, its ADD URLs); --dockerfile FILE judges a Dockerfile alone.
Without a daemon, the ONBUILD triggers of base images and a job socket's view
of images are not read.

--json prints one JSON object: "decision" ("allow" or "deny"), "rule",
"reason", "route", "group", "api_version", "mode", "would_deny", "facts" (an
object, one key per kind of fact, as in the audit log; null when nothing was
read), "target_container" (as in the audit log: "id" and "name"; null when
none was looked up), "forwarded_body" and "lookup_failures" (why each
look-up the daemon could not answer failed).

OPTIONS
  --policy FILE        the policy (required)
  --body FILE|-        the request body; "-" is standard input
  --api-version V      put /vV in front of an unversioned TARGET (e.g. 1.41)
  --content-type T     the Content-Type header (default with a body: application/json)
  --mode MODE          judge as if the policy's mode were MODE (enforce, warn, audit)
  --dockerfile FILE    for a build: judge this Dockerfile (no context needed)
  --upstream SOCK      the daemon socket serve protects (default: /var/run/docker.sock)
  --json               one JSON object instead of text

EXIT CODES
  0 allowed   3 denied (in any mode)   2 bad usage or invalid policy

EXAMPLES
  sockwarden explain --policy policies/ci.toml POST /containers/create --api-version 1.41 \\
      --body - <<< '{"Image":"alpine","HostConfig":{"Binds":["/etc:/x"]}}'
  sockwarden explain --policy policies/read-only.toml GET '/v1.41/containers%2Fjson' --json
  sockwarden explain --policy policies/ci.toml POST '/v1.41/build?t=app' --dockerfile Dockerfile
"""

func runExplain(_ args: ArraySlice<String>) -> Never {
    let specs: [Flags.Spec] = [.init(name: "policy", takesValue: true), .init(name: "body", takesValue: true),
                               .init(name: "content-type", takesValue: true), .init(name: "upstream", takesValue: true),
                               .init(name: "api-version", takesValue: true), .init(name: "mode", takesValue: true),
                               .init(name: "dockerfile", takesValue: true),
                               .init(name: "json", takesValue: false), .init(name: "help", takesValue: false)]
    let flags: Flags
    do {
        flags = try Flags(args, specs: specs)
    } catch {
        fail("explain: \(error); run 'sockwarden help explain'")
    }
    if flags.has("help") {
        print(explainHelp)
        exit(0)
    }
    guard let policyPath = flags["policy"] else { fail("explain: --policy FILE is required; run 'sockwarden help explain'") }
    guard flags.positional.count == 2 else { fail("explain: give METHOD and TARGET, e.g. POST /v1.41/containers/create") }
    let method = flags.positional[0]
    var target = flags.positional[1]
    if let version = flags["api-version"] {
        switch APIVersionPrefix.apply(version, to: target) {
        case .success(let versioned): target = versioned
        case .failure(let error): fail("explain: --api-version: \(error)")
        }
    }
    var policy: Policy
    switch loadPolicy(path: policyPath) {
    case .success(let p): policy = p
    case .failure(let message): fail("explain: \(message)")
    }
    if let text = flags["mode"] {
        guard let mode = PolicyMode(rawValue: text) else {
            fail("explain: --mode must be one of \(PolicyMode.names.joined(separator: ", ")), got \(text)")
        }
        policy.mode = mode
    }
    var body: [UInt8]?
    if let bodyPath = flags["body"] {
        do {
            body = try Files.read(bodyPath == "-" ? "/dev/stdin" : bodyPath)
        } catch {
            fail("explain: cannot read the body: \(error)")
        }
    }
    let contentType = flags["content-type"] ?? (body == nil ? nil : "application/json")
    let upstream: String
    do {
        upstream = try socketPath(flags["upstream"] ?? "/var/run/docker.sock", flag: "--upstream")
    } catch {
        fail("explain: \(error)")
    }
    let environment = LookupWatch(HostFileSystem(upstreamSocket: upstream))

    var dockerfile: [UInt8]?
    if let path = flags["dockerfile"] {
        do {
            dockerfile = try Files.read(path == "-" ? "/dev/stdin" : path)
        } catch {
            fail("explain: cannot read the Dockerfile: \(error)")
        }
    }
    var whatIf = policy.whatIf(method: method, target: target, body: body, contentType: contentType, environment: environment)
    if whatIf.route?.name == "build.image" {
        let rawQuery = target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) }
        let readBase = BaseImages.reader(upstreamPath: upstream)
        whatIf = policy.whatIfBuild(whatIf, rawQuery: rawQuery, context: body, dockerfile: dockerfile, environment: environment) { name in
            let found = readBase(name)
            if case .refused(let why) = found {
                Files.writeStderr("sockwarden: explain: base image \(name) at \(upstream): \(why) (serve refuses the build so too)\n")
            }
            return found
        }
    } else if dockerfile != nil {
        fail("explain: --dockerfile is for a build (POST /build)")
    }
    let judgement = whatIf.judgement
    let decision = judgement.decision
    let forwarded = judgement.forwards && whatIf.route?.name != "build.image" ? (judgement.forwardBody ?? body) : nil
    if let notice = environment.notice(upstream: upstream) { Files.writeStderr("sockwarden: explain: \(notice) (serve refuses what it cannot look up: this is its decision only while its daemon cannot be reached)\n") }
    if flags.has("json") {
        print(ExplainJSON.render(whatIf, forwarded: forwarded, lookupFailures: environment.failures))
    } else {
        let routeName = whatIf.route?.name
        print("route:     \(routeName.map { "\($0) (group \(whatIf.route!.group.rawValue))" } ?? "none")")
        if let apiVersion = whatIf.apiVersion { print("api:       \(apiVersion)") }
        print("decision:  \(decision.verdict.rawValue)")
        print("rule:      \(decision.rule)")
        print("reason:    \(decision.reason)")
        switch (judgement.mode, judgement.wouldDeny) {
        case (.enforce, _): print("mode:      enforce")
        case (let mode, true): print("mode:      \(mode.rawValue): the request would be forwarded anyway and recorded as would-deny\(mode == .warn ? "; the client is warned" : "")")
        case (let mode, false): print("mode:      \(mode.rawValue)\(decision.allowed ? "" : ": this denial is refused in every mode")")
        }
        if let container = judgement.targetContainer {
            print("container: \(container.name.isEmpty ? "" : "\(container.name) ")\(container.id) (the container it acts in; its host access is in the facts)")
        }
        if let facts = judgement.judgedFacts {
            let lines = FactsJSON.textLines(facts)
            print(lines.isEmpty ? "facts:     (nothing the policy restricts)" : "facts:")
            for line in lines { print("  \(line)") }
        }
        if let forwarded { print("forwarded: \(String(decoding: forwarded, as: UTF8.self))") }
    }
    exit(decision.allowed ? 0 : 3)
}

enum ExplainJSON {
    static func render(_ whatIf: WhatIf, forwarded: [UInt8]?, lookupFailures: [String] = []) -> String {
        let decision = whatIf.decision
        var w = JSONObjectWriter()
        w.field("decision", decision.verdict.rawValue)
        w.field("rule", decision.rule)
        w.field("reason", decision.reason)
        w.field("route", whatIf.route?.name)
        w.field("group", whatIf.route?.group.rawValue)
        w.field("api_version", whatIf.apiVersion)
        w.field("mode", whatIf.judgement.mode.rawValue)
        w.field("would_deny", whatIf.judgement.wouldDeny)
        if let facts = whatIf.judgement.judgedFacts { w.raw("facts", FactsJSON.render(facts)) } else { w.field("facts", nil as String?) }
        if let container = whatIf.judgement.targetContainer {
            var c = JSONObjectWriter()
            c.field("id", container.id)
            c.field("name", container.name)
            w.raw("target_container", c.finish())
        } else {
            w.field("target_container", nil as String?)
        }
        w.field("forwarded_body", forwarded.map { String(decoding: $0, as: UTF8.self) })
        var failures: [UInt8] = Array("[".utf8)
        for (i, why) in lookupFailures.enumerated() {
            if i > 0 { failures.append(UInt8(ascii: ",")) }
            JSONObjectWriter.appendString(why, to: &failures)
        }
        failures.append(UInt8(ascii: "]"))
        w.raw("lookup_failures", failures)
        return String(decoding: w.finish(), as: UTF8.self)
    }
}
