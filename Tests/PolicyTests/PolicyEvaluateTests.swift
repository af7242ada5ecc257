import EngineAPI
import Testing
@testable import Policy

func route(_ name: String) -> Route {
    guard let route = Catalogue.route(named: name) else { fatalError("no route named \(name) in the catalogue") }
    return route
}

let examplePolicy = """
    [[rules]]
    id = "no-exec"
    action = "deny"
    description = "exec gives a shell"
    groups = ["exec"]

    [[rules]]
    id = "read-containers"
    action = "allow"
    routes = ["container.list", "container.inspect"]

    [[rules]]
    id = "get-images"
    action = "allow"
    groups = ["images"]
    methods = ["GET"]

    [[rules]]
    id = "no-delete"
    action = "deny"
    methods = ["DELETE"]

    [[rules]]
    id = "volumes"
    action = "allow"
    groups = ["volumes"]

    [[rules]]
    id = "ping"
    action = "allow"
    routes = ["system.ping", "system.ping.head"]
    groups = ["system"]

    [[rules]]
    id = "deny-swarm"
    action = "deny"
    routes = ["*"]
    groups = ["swarm", "nodes"]
    """

struct EvaluationCase: CustomTestStringConvertible, Sendable {
    let name: String
    let method: String
    let route: String?
    let verdict: Decision.Verdict
    let rule: String
    let reason: String
    var testDescription: String { name }
}

let evaluationCases: [EvaluationCase] = [
    .init(name: "route listed in an allow rule is allowed", method: "GET", route: "container.list", verdict: .allow,
          rule: "read-containers", reason: "route container.list is allowed by rule \"read-containers\""),
    .init(name: "deny rule by group names the group, rule and description", method: "POST", route: "exec.create",
          verdict: .deny, rule: "no-exec", reason: "group \"exec\" is denied by rule \"no-exec\": exec gives a shell"),
    .init(name: "AND across keys: group and method both match", method: "GET", route: "image.list", verdict: .allow,
          rule: "get-images", reason: "group \"images\" is allowed by rule \"get-images\""),
    .init(name: "AND across keys: group matches but method does not, next rule decides", method: "DELETE",
          route: "image.delete", verdict: .deny, rule: "no-delete",
          reason: "method DELETE on route image.delete is denied by rule \"no-delete\""),
    .init(name: "first match wins: an earlier deny beats a later allow", method: "DELETE", route: "volume.delete",
          verdict: .deny, rule: "no-delete", reason: "method DELETE on route volume.delete is denied by rule \"no-delete\""),
    .init(name: "a later allow applies when earlier rules do not match", method: "POST", route: "volume.create",
          verdict: .allow, rule: "volumes", reason: "group \"volumes\" is allowed by rule \"volumes\""),
    .init(name: "OR within a list", method: "HEAD", route: "system.ping.head", verdict: .allow, rule: "ping",
          reason: "route system.ping.head is allowed by rule \"ping\""),
    .init(name: "wildcard routes with a group list", method: "GET", route: "node.list", verdict: .deny,
          rule: "deny-swarm", reason: "group \"nodes\" is denied by rule \"deny-swarm\""),
    .init(name: "no matching rule is a default deny that says what to add", method: "POST", route: "image.create",
          verdict: .deny, rule: "default-deny",
          reason: "no rule allows route image.create (group \"images\"); add \"image.create\" to a rule's routes or \"images\" to its groups"),
    .init(name: "default deny names the group too", method: "GET", route: "system.info", verdict: .deny,
          rule: "default-deny",
          reason: "no rule allows route system.info (group \"system\"); add \"system.info\" to a rule's routes or \"system\" to its groups"),
    .init(name: "unknown route is denied before any rule", method: "GET", route: nil, verdict: .deny,
          rule: "unknown-route",
          reason: "GET request does not match any Docker Engine API route known to sockwarden; unknown routes are always denied"),
]

@Suite("Policy evaluation")
struct PolicyEvaluateTests {
    // Route rules alone (body judging is covered by CIPolicyBodyTests).
    @Test("decides by the first matching rule, else default deny", arguments: evaluationCases)
    func evaluate(_ c: EvaluationCase) throws {
        let policy = try Policy.parse(source: examplePolicy, fileName: "example.toml")
        let decision = policy.evaluateRoute(PolicyInput(method: c.method, route: c.route.map(route)))
        #expect(decision == Decision(verdict: c.verdict, rule: c.rule, reason: c.reason))
        #expect(decision.allowed == (c.verdict == .allow))
    }

    @Test("unknown routes are denied even by a policy that allows everything")
    func unknownRouteBeatsWildcard() throws {
        let policy = try Policy.parse(source: rule("groups = [\"*\"]", id: "all"), fileName: "all.toml")
        let decision = policy.evaluate(PolicyInput(method: "GET", route: nil))
        #expect(!decision.allowed)
        #expect(decision.rule == "unknown-route")
    }

    @Test("a catch-all deny rule names the route and group")
    func catchAllDeny() throws {
        let policy = try Policy.parse(
            source: rule("routes = [\"system.ping\"]", id: "ping") + rule("groups = [\"*\"]", id: "nothing-else", action: "deny"),
            fileName: "lockdown.toml")
        #expect(policy.evaluate(PolicyInput(method: "GET", route: route("system.ping"))).allowed)
        let decision = policy.evaluate(PolicyInput(method: "POST", route: route("container.create")))
        #expect(decision == Decision(verdict: .deny, rule: "nothing-else",
                                     reason: "route container.create (group \"containers\") is denied by rule \"nothing-else\""))
    }

    @Test("the method of the request is what methods match")
    func methodsMatchTheRequest() throws {
        let policy = try Policy.parse(source: rule("methods = [\"HEAD\"]", id: "heads"), fileName: "heads.toml")
        #expect(policy.evaluate(PolicyInput(method: "HEAD", route: route("system.ping.head"))).allowed)
        #expect(policy.evaluate(PolicyInput(method: "HEAD", route: route("container.archive.head"))).allowed)
        #expect(!policy.evaluate(PolicyInput(method: "GET", route: route("system.ping"))).allowed)
        #expect(!policy.evaluate(PolicyInput(method: "head", route: route("system.ping.head"))).allowed)
    }
}
