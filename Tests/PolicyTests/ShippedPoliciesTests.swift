import EngineAPI
import Foundation  // tests only: to read the shipped policy files
import Testing
@testable import Policy

/// The repository root, from this file's path (…/Tests/PolicyTests/<file>).
func repositoryRoot(_ filePath: String = #filePath) -> String {
    var parts = filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}

func loadShippedPolicy(_ name: String) throws -> Policy {
    let path = repositoryRoot() + "/policies/" + name
    guard let data = FileManager.default.contents(atPath: path) else {
        Issue.record("cannot read \(path)")
        throw PolicyError(file: path, line: 0, column: 0, message: "unreadable")
    }
    return try Policy.parse(bytes: [UInt8](data), fileName: path)
}

let readOnlyAllowed = [
    "system.version", "system.info", "system.ping", "system.ping.head", "system.df", "system.events",
    "container.list", "container.inspect", "container.stats", "exec.inspect",
    "image.list", "image.inspect",
    "volume.list", "volume.inspect", "network.list", "network.list.slash", "network.inspect",
    "plugin.list", "plugin.inspect",
    "swarm.inspect", "node.list", "node.inspect", "service.list", "service.inspect", "task.list", "task.inspect",
    "secret.list", "secret.inspect", "config.list", "config.inspect",
]

/// Routes read-only must refuse, with the rule that refuses them.
let readOnlyDenied: [(route: String, rule: String)] = [
    ("container.logs", "no-contents"), ("container.archive.get", "no-contents"),
    ("container.archive.head", "no-contents"), ("container.archive.put", "no-contents"),
    ("container.export", "no-contents"), ("container.changes", "no-contents"), ("container.top", "no-contents"),
    ("image.get", "no-contents"), ("image.get.all", "no-contents"), ("container.attach", "no-contents"),
    ("container.attach.websocket", "no-contents"), ("exec.create", "no-contents"), ("exec.start", "no-contents"),
    ("service.logs", "no-contents"), ("task.logs", "no-contents"),
    ("container.checkpoint.list", "default-deny"), // lists the host directory its `dir` names (--experimental daemons)
    ("distribution.inspect", "default-deny"), ("swarm.unlockkey", "default-deny"), ("image.history", "default-deny"),
    ("image.search", "default-deny"), ("plugin.privileges", "default-deny"), ("system.auth", "default-deny"),
    ("container.create", "default-deny"), ("container.delete", "default-deny"), ("image.create", "default-deny"),
]

@Suite("Shipped policies")
struct ShippedPoliciesTests {
    @Test("observe.toml loads and allows every catalogue route")
    func observe() throws {
        let policy = try loadShippedPolicy("observe.toml")
        #expect(policy.name == "observe.toml")
        for route in Catalogue.routes {
            let decision = policy.evaluate(PolicyInput(method: route.method, route: route))
            #expect(decision.allowed, "\(route.name): \(decision.reason)")
        }
        #expect(!policy.evaluate(PolicyInput(method: "GET", route: nil)).allowed)
    }

    @Test("read-only.toml allows its list", arguments: readOnlyAllowed)
    func readOnlyAllows(_ name: String) throws {
        let policy = try loadShippedPolicy("read-only.toml")
        let route = try #require(Catalogue.route(named: name))
        let decision = policy.evaluate(PolicyInput(method: route.method, route: route))
        #expect(decision.allowed, "\(decision.reason)")
    }

    @Test("read-only.toml denies contents, sessions and changes, naming the route or group",
          arguments: readOnlyDenied.map { "\($0.route) by \($0.rule)" })
    func readOnlyDenies(_ row: String) throws {
        let parts = row.split(separator: " ")
        let (name, ruleID) = (String(parts[0]), String(parts[2]))
        let policy = try loadShippedPolicy("read-only.toml")
        let route = try #require(Catalogue.route(named: name))
        let decision = policy.evaluate(PolicyInput(method: route.method, route: route))
        #expect(!decision.allowed)
        #expect(decision.rule == ruleID)
        #expect(decision.reason.contains(name) || decision.reason.contains("\"\(route.group.rawValue)\""),
                "\(decision.reason)")
    }

    @Test("read-only.toml allows nothing beyond its list, and only GET/HEAD routes")
    func readOnlyAllowsNothingElse() throws {
        let policy = try loadShippedPolicy("read-only.toml")
        let allowed = Catalogue.routes.filter {
            policy.evaluate(PolicyInput(method: $0.method, route: $0)).allowed
        }
        #expect(Set(allowed.map(\.name)) == Set(readOnlyAllowed))
        #expect(allowed.allSatisfy { $0.method == "GET" || $0.method == "HEAD" })
        #expect(!allowed.contains { $0.hijacks })
    }

    @Test("read-only.toml uses explicit route lists only")
    func readOnlyIsExplicit() throws {
        let policy = try loadShippedPolicy("read-only.toml")
        for rule in policy.rules {
            #expect(rule.groups == nil, "rule \(rule.id)")
            guard case .only = rule.routes else {
                Issue.record("rule \(rule.id) must list its routes")
                continue
            }
        }
    }
}

@Suite("Policies README")
struct PoliciesReadmeTests {
    @Test("the example in README.md is a valid policy that decides as the README says")
    func readmeExample() throws {
        let path = repositoryRoot() + "/policies/README.md"
        let data = try #require(FileManager.default.contents(atPath: path))
        let text = String(decoding: data, as: UTF8.self)
        let start = try #require(text.range(of: "```toml\n"))
        let end = try #require(text[start.upperBound...].range(of: "```"))
        let policy = try Policy.parse(source: String(text[start.upperBound..<end.lowerBound]), fileName: "README.md")
        #expect(policy.evaluate(PolicyInput(method: "GET", route: route("container.list"))).reason
            == "route container.list is allowed by rule \"inspect-and-list\"")
        #expect(policy.evaluate(PolicyInput(method: "POST", route: route("exec.create"))).reason
            == "group \"exec\" is denied by rule \"no-exec\": exec gives a shell in the container")
        #expect(policy.evaluate(PolicyInput(method: "POST", route: route("exec.start"))).rule == "no-exec")
        #expect(policy.evaluate(PolicyInput(method: "POST", route: route("container.create"))).rule == "default-deny")
    }
}

/// `POST route` (API 1.41) with a JSON body, judged by `policy`: the
/// request the body-rule tables build.
func judgeJSON(_ policy: Policy, route: Route, body: String, environment: HostEnvironment = LiteralHostEnvironment()) -> Decision {
    policy.evaluate(PolicyInput(method: "POST", route: route, apiVersion: "1.41",
                                body: .complete(Array(body.utf8), contentType: "application/json"),
                                contentType: "application/json"), environment: environment)
}

/// policies/ci.toml with one line of it replaced (a setting turned on).
func ciWith(_ line: String, replacedBy replacement: String) throws -> Policy {
    let text = try String(contentsOfFile: repositoryRoot() + "/policies/ci.toml", encoding: .utf8)
    precondition(text.contains(line), "ci.toml has no \(line)")
    return try Policy.parse(source: text.replacingOccurrences(of: line, with: replacement), fileName: "ci+\(replacement).toml")
}
