import EngineAPI
import Glibc
import Policy
import Posix
import Proxy

let explainHelp = """
USAGE
  sockwarden explain --policy FILE METHOD TARGET [--body FILE|-] [--content-type T] [--json]

What-if: how sockwarden would route and judge one request, without a daemon.
TARGET is the request-target as a client sends it, e.g. /v1.41/containers/create
or '/containers/json?all=1'. The API version comes from its /vX.Y prefix.
Host paths are resolved on this machine, as `serve` would.

Prints the route, the decision, the deciding rule and the reason; with a body,
also the body as it would be forwarded. --json prints one JSON object with
"decision" ("allow" or "deny"), "rule", "reason", "route", "group",
"api_version" and "forwarded_body". Exit code 0 when allowed, 3 when denied,
2 on bad usage.

EXAMPLES
  sockwarden explain --policy policies/ci.toml POST /v1.41/containers/create \\
      --body - <<< '{"Image":"alpine","HostConfig":{"Binds":["/etc:/x"]}}'
  sockwarden explain --policy policies/read-only.toml GET '/v1.41/containers%2Fjson' --json
"""

func runExplain(_ args: ArraySlice<String>) -> Never {
    let specs: [Flags.Spec] = [.init(name: "policy", takesValue: true), .init(name: "body", takesValue: true),
                               .init(name: "content-type", takesValue: true), .init(name: "upstream", takesValue: true),
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
    guard let policyPath = flags["policy"] else { fail("explain: --policy FILE is required") }
    guard flags.positional.count == 2 else { fail("explain: give METHOD and TARGET, e.g. POST /v1.41/containers/create") }
    let method = flags.positional[0]
    let target = flags.positional[1]
    let policy: Policy
    switch loadPolicy(path: policyPath) {
    case .success(let p): policy = p
    case .failure(let message): fail("explain: \(message)")
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
    let environment = HostFileSystem(upstreamSocket: flags["upstream"] ?? "/var/run/docker.sock")

    var routeName: String?
    var group: String?
    var apiVersion: String?
    let decision: Decision
    switch Catalogue.resolve(method: method, target: target) {
    case .matched(let match):
        routeName = match.route.name
        group = match.route.group.rawValue
        apiVersion = match.apiVersion
        var input = PolicyInput(method: method, route: match.route, apiVersion: match.apiVersion, rawQuery: match.rawQuery,
                                body: body.map { .complete($0, contentType: contentType) }, contentType: contentType)
        input.parameters = match.parameters
        decision = policy.evaluate(input, environment: environment)
    case .unknown:
        decision = policy.evaluate(PolicyInput(method: method, route: nil))
    case .invalid(let reason):
        decision = Decision(verdict: .deny, rule: "invalid-target", reason: reason)
    }
    let forwarded = decision.allowed ? (decision.forwardBody ?? body) : nil
    if flags.has("json") {
        print(ExplainJSON.render(decision: decision, route: routeName, group: group, apiVersion: apiVersion, forwarded: forwarded))
    } else {
        print("route:     \(routeName.map { "\($0) (group \(group ?? "?"))" } ?? "none")")
        if let apiVersion { print("api:       \(apiVersion)") }
        print("decision:  \(decision.verdict.rawValue)")
        print("rule:      \(decision.rule)")
        print("reason:    \(decision.reason)")
        if let forwarded { print("forwarded: \(String(decoding: forwarded, as: UTF8.self))") }
    }
    exit(decision.allowed ? 0 : 3)
}

enum ExplainJSON {
    static func render(decision: Decision, route: String?, group: String?, apiVersion: String?, forwarded: [UInt8]?) -> String {
        var w = JSONObjectWriter()
        w.field("decision", decision.verdict.rawValue)
        w.field("rule", decision.rule)
        w.field("reason", decision.reason)
        w.field("route", route)
        w.field("group", group)
        w.field("api_version", apiVersion)
        w.field("forwarded_body", forwarded.map { String(decoding: $0, as: UTF8.self) })
        return String(decoding: w.finish(), as: UTF8.self)
    }
}
