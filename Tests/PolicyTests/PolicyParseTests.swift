import EngineAPI
import Testing
@testable import Policy

struct BadPolicy: CustomTestStringConvertible, Sendable {
    let name: String
    let source: String
    let line: Int
    let column: Int
    let message: String
    var testDescription: String { name }
}

/// `[[rules]]` header + id + action, then `extra` lines.
func rule(_ extra: String, id: String = "r", action: String = "allow") -> String {
    "[[rules]]\nid = \"\(id)\"\naction = \"\(action)\"\n\(extra)\n"
}

let badPolicies: [BadPolicy] = [
    // Unknown keys and tables.
    .init(name: "unknown key in a rule, with suggestion",
          source: "[[rules]]\nid = \"r\"\nacton = \"allow\"\n", line: 3, column: 1,
          message: "unknown key \"acton\" in [[rules]] (did you mean \"action\"?); the allowed keys are id, action, description, routes, groups, methods"),
    .init(name: "unknown key in [policy]",
          source: "[policy]\ndescription = \"x\"\nversion = 2\n" + rule("groups = [\"*\"]"), line: 3, column: 1,
          message: "unknown key \"version\" in [policy]; the allowed keys are description, mode, trust-bodies"),
    .init(name: "unknown top-level table lists the known ones",
          source: rule("groups = [\"*\"]") + "\n[container-create]\nprivileged = false\n", line: 6, column: 2,
          message: "unknown table [container-create]; the known tables are [policy], [[rules]], [api], [containers], [registries], [security-options], [host-paths], [volumes], [networks], [host-ports], [builds], [swarm], [jobs], [resources]"),
    .init(name: "misspelt top-level table, with suggestion",
          source: "[[rule]]\nid = \"r\"\n", line: 1, column: 3,
          message: "unknown table [[rule]] (did you mean [[rules]]?); the known tables are [policy], [[rules]], [api], [containers], [registries], [security-options], [host-paths], [volumes], [networks], [host-ports], [builds], [swarm], [jobs], [resources]"),
    .init(name: "misspelt policy table, with suggestion",
          source: "[polcy]\n" + rule("groups = [\"*\"]"), line: 1, column: 2,
          message: "unknown table [polcy] (did you mean [policy]?); the known tables are [policy], [[rules]], [api], [containers], [registries], [security-options], [host-paths], [volumes], [networks], [host-ports], [builds], [swarm], [jobs], [resources]"),
    .init(name: "unknown top-level key",
          source: "name = \"x\"\n" + rule("groups = [\"*\"]"), line: 1, column: 1,
          message: "unknown top-level key name; the known tables are [policy], [[rules]], [api], [containers], [registries], [security-options], [host-paths], [volumes], [networks], [host-ports], [builds], [swarm], [jobs], [resources]"),
    .init(name: "rules written as a single table",
          source: "[rules]\nid = \"r\"\n", line: 1, column: 2,
          message: "rules must be an array of tables: write [[rules]] (two brackets) above each rule"),
    .init(name: "policy written as an array of tables",
          source: "[[policy]]\n" + rule("groups = [\"*\"]"), line: 1, column: 3,
          message: "[[policy]] must be a single table: write [policy] with one pair of brackets"),

    // Types.
    .init(name: "routes given as a string",
          source: rule("routes = \"container.list\""), line: 4, column: 10,
          message: "routes: expected an array of strings, found a string; write routes = [\"container.list\"]"),
    .init(name: "groups given as an integer",
          source: rule("groups = 5"), line: 4, column: 10,
          message: "groups: expected an array of strings, found an integer"),
    .init(name: "methods given as an array of booleans",
          source: rule("methods = [true]"), line: 4, column: 11,
          message: "methods: expected an array of strings, found an array of booleans"),
    .init(name: "id given as an integer",
          source: "[[rules]]\nid = 1\naction = \"allow\"\ngroups = [\"*\"]\n", line: 2, column: 6,
          message: "id: expected a string, found an integer"),
    .init(name: "description given as an array",
          source: "[policy]\ndescription = [\"a\"]\n" + rule("groups = [\"*\"]"), line: 2, column: 15,
          message: "description: expected a string, found an array"),
    .init(name: "rules holding strings",
          source: "rules = [\"a\"]\n", line: 1, column: 10,
          message: "rules: expected an array of tables, found an array of strings"),

    // Routes, groups, methods.
    .init(name: "unknown route, with suggestion",
          source: rule("routes = [\"container.list\", \"container.inspct\"]"), line: 4, column: 29,
          message: "unknown route \"container.inspct\" (did you mean \"container.inspect\"?); run `sockwarden routes` to list every route name"),
    .init(name: "unknown route far from any name",
          source: rule("routes = [\"frobnicate\"]"), line: 4, column: 11,
          message: "unknown route \"frobnicate\"; run `sockwarden routes` to list every route name"),
    .init(name: "group name in routes",
          source: rule("routes = [\"exec\"]"), line: 4, column: 11,
          message: "\"exec\" is a group, not a route; move it to groups, or list its routes"),
    .init(name: "route name in groups",
          source: rule("groups = [\"exec.create\"]"), line: 4, column: 11,
          message: "\"exec.create\" is a route, not a group; move it to routes"),
    .init(name: "unknown group, with suggestion",
          source: rule("groups = [\"container\"]"), line: 4, column: 11,
          message: "unknown group \"container\" (did you mean \"containers\"?); the groups are containers, exec, images, build, volumes, networks, system, events, swarm, services, nodes, tasks, secrets, configs, plugins, distribution, session"),
    .init(name: "lowercase method, with suggestion",
          source: rule("methods = [\"GET\", \"head\"]"), line: 4, column: 19,
          message: "unknown method \"head\" (did you mean \"HEAD\"?); the methods are GET, HEAD, POST, PUT, DELETE, OPTIONS"),
    .init(name: "method Docker does not use",
          source: rule("methods = [\"PATCH\"]"), line: 4, column: 12,
          message: "unknown method \"PATCH\"; the methods are GET, HEAD, POST, PUT, DELETE, OPTIONS"),
    .init(name: "wildcard in methods",
          source: rule("methods = [\"*\"]"), line: 4, column: 12,
          message: "\"*\" is not accepted in methods; leave methods out to match every method"),
    .init(name: "wildcard not alone",
          source: rule("groups = [\"exec\", \"*\"]"), line: 4, column: 19,
          message: "\"*\" must be alone in groups: it already matches everything"),
    .init(name: "wildcard inside a route name",
          source: rule("routes = [\"container.*\"]"), line: 4, column: 11,
          message: "wildcards inside names are not supported (\"container.*\"); use \"*\" alone to match everything; to match every route of that group use groups = [\"containers\"]"),
    .init(name: "empty list",
          source: rule("routes = []"), line: 4, column: 10,
          message: "routes is empty, so the rule could never match; list at least one value or remove the key"),
    .init(name: "route listed twice",
          source: rule("routes = [\n  \"system.info\",\n  \"system.info\",\n]"), line: 6, column: 3,
          message: "\"system.info\" is listed twice in routes (first at 5:3)"),
    .init(name: "route that the rule's methods exclude",
          source: rule("methods = [\"GET\"]\nroutes = [\"system.info\", \"container.create\"]"), line: 5, column: 26,
          message: "route container.create is a POST route, which this rule's methods leave out, so it can never match; add \"POST\" to methods or remove the route"),
    .init(name: "a GET and HEAD rule that lists the websocket attach, which writes stdin",
          source: rule("methods = [\"GET\", \"HEAD\"]\nroutes = [\"container.list\", \"container.attach.websocket\"]"), line: 1, column: 1,
          message: "rule \"r\" allows only GET and HEAD, which reads as read-only, but it allows container.attach.websocket (GET /containers/{id}/attach/ws), which writes to the container's stdin (a websocket attach); deny it in a rule before this one, or allow it in a rule of its own"),
    .init(name: "a GET-only rule whose group holds the websocket attach",
          source: rule("methods = [\"GET\", \"HEAD\"]\ngroups = [\"containers\"]"), line: 1, column: 1,
          message: "rule \"r\" allows only GET and HEAD, which reads as read-only, but it allows container.attach.websocket (GET /containers/{id}/attach/ws), which writes to the container's stdin (a websocket attach); deny it in a rule before this one, or allow it in a rule of its own"),
    .init(name: "a GET-only rule over every route",
          source: rule("methods = [\"GET\", \"HEAD\"]"), line: 1, column: 1,
          message: "rule \"r\" allows only GET and HEAD, which reads as read-only, but it allows container.attach.websocket (GET /containers/{id}/attach/ws), which writes to the container's stdin (a websocket attach); deny it in a rule before this one, or allow it in a rule of its own"),
    .init(name: "a GET-only rule reaching the websocket attach after a rule that denies only other GETs",
          source: rule("routes = [\"container.logs\"]", id: "no-logs", action: "deny") + rule("methods = [\"GET\"]"), line: 5, column: 1,
          message: "rule \"r\" allows only GET, which reads as read-only, but it allows container.attach.websocket (GET /containers/{id}/attach/ws), which writes to the container's stdin (a websocket attach); deny it in a rule before this one, or allow it in a rule of its own"),
    .init(name: "a host path with an empty component, which would never match",
          source: rule("groups = [\"*\"]") + "[host-paths]\nallow = [\"/srv/ci\", \"/srv//cache\"]", line: 6, column: 9,
          message: "host path \"/srv//cache\" would never match: paths are compared clean; write \"/srv/cache\""),
    .init(name: "a host path with a dot component, which would never match",
          source: rule("groups = [\"*\"]") + "[host-paths]\nallow = [\"/srv/./ci/.\"]", line: 6, column: 9,
          message: "host path \"/srv/./ci/.\" would never match: paths are compared clean; write \"/srv/ci\""),
    .init(name: "a double slash for the root",
          source: rule("groups = [\"*\"]") + "[host-paths]\nallow = [\"//\"]", line: 6, column: 9,
          message: "host path \"//\" would never match: paths are compared clean; write \"/\""),
    .init(name: "a host path with a NUL",
          source: rule("groups = [\"*\"]") + "[host-paths]\nallow = [\"/srv\\u0000/ci\"]", line: 6, column: 9,
          message: "host path \"/srv\\u0000/ci\" contains a NUL character, which no path can hold"),
    .init(name: "route that the rule's groups exclude",
          source: rule("groups = [\"images\"]\nroutes = [\"exec.create\"]"), line: 5, column: 11,
          message: "route exec.create is in group \"exec\", which this rule's groups leave out, so it can never match; add \"exec\" to groups or remove the route"),

    // Rule identity and shape.
    .init(name: "duplicate rule id",
          source: rule("groups = [\"system\"]", id: "a") + rule("groups = [\"images\"]", id: "a"), line: 6, column: 6,
          message: "duplicate rule id \"a\": the rule at line 1 already uses it"),
    .init(name: "rule id with capitals and spaces",
          source: rule("groups = [\"*\"]", id: "List Things"), line: 2, column: 6,
          message: "invalid rule id \"List Things\": use only lowercase letters, digits and '-'"),
    .init(name: "reserved rule id",
          source: rule("groups = [\"*\"]", id: "default-deny"), line: 2, column: 6,
          message: "rule id \"default-deny\" is reserved for decisions that no rule made; choose another id"),
    .init(name: "rule without id",
          source: "[policy]\n\n[[rules]]\naction = \"allow\"\ngroups = [\"*\"]\n", line: 3, column: 1,
          message: "this rule has no id; every rule needs a unique id = \"...\" (lowercase letters, digits and '-')"),
    .init(name: "rule without action",
          source: "[[rules]]\nid = \"r\"\ngroups = [\"*\"]\n", line: 1, column: 1,
          message: "rule \"r\" has no action; add action = \"allow\" or action = \"deny\""),
    .init(name: "unknown action, with suggestion",
          source: rule("groups = [\"*\"]", action: "alow"), line: 3, column: 10,
          message: "invalid action \"alow\" (did you mean \"allow\"?); expected \"allow\" or \"deny\""),
    .init(name: "rule that says nothing about what it matches",
          source: rule("description = \"oops\""), line: 1, column: 1,
          message: "rule \"r\" has none of routes, groups, methods; to match every request say so explicitly with groups = [\"*\"]"),
    .init(name: "rule after a rule that matches everything",
          source: rule("groups = [\"*\"]", id: "all", action: "deny") + rule("routes = [\"system.ping\"]", id: "late"), line: 5, column: 1,
          message: "rule \"late\" can never match: rule \"all\" at line 1 matches every request before it"),
    .init(name: "policy without rules",
          source: "[policy]\ndescription = \"nothing\"\n", line: 1, column: 1,
          message: "the policy has no rules, so it would deny every request; add [[rules]] tables, or, to deny everything on purpose, a rule with action = \"deny\" and groups = [\"*\"]"),
    .init(name: "unknown mode, with suggestion",
          source: "[policy]\nmode = \"audti\"\n" + rule("groups = [\"*\"]"), line: 2, column: 8,
          message: "unknown mode \"audti\" (did you mean \"audit\"?); the modes are \"enforce\", \"warn\", \"audit\""),

    // [api] min-version: only "major.minor" in ASCII digits (found by FuzzTOML: ".1.24" loaded as 0.1.24, no floor).
    .init(name: "min-version with a leading dot is no floor of 0.1.24",
          source: "[api]\nmin-version = \".1.24\"\n" + rule("groups = [\"*\"]"), line: 2, column: 15,
          message: "min-version must look like \"1.24\" (two numbers of ASCII digits and one dot), found \".1.24\""),
    .init(name: "min-version with an empty part",
          source: "[api]\nmin-version = \"1..24\"\n" + rule("groups = [\"*\"]"), line: 2, column: 15,
          message: "min-version must look like \"1.24\" (two numbers of ASCII digits and one dot), found \"1..24\""),
    .init(name: "min-version with a sign",
          source: "[api]\nmin-version = \"+1.24\"\n" + rule("groups = [\"*\"]"), line: 2, column: 15,
          message: "min-version must look like \"1.24\" (two numbers of ASCII digits and one dot), found \"+1.24\""),
    .init(name: "min-version with a trailing dot",
          source: "[api]\nmin-version = \"1.24.\"\n" + rule("groups = [\"*\"]"), line: 2, column: 15,
          message: "min-version must look like \"1.24\" (two numbers of ASCII digits and one dot), found \"1.24.\""),

    // [host-ports] ports: exactly "low-high" (a split dropping empty parts took "1024--65535").
    .init(name: "ports with a doubled dash",
          source: "[host-ports]\nports = \"1024--65535\"\n" + rule("groups = [\"*\"]"), line: 2, column: 9,
          message: "ports must be a range like \"1024-65535\" (two port numbers of ASCII digits, the first not above the second), found \"1024--65535\""),
    .init(name: "ports with a leading dash",
          source: "[host-ports]\nports = \"-1024-65535\"\n" + rule("groups = [\"*\"]"), line: 2, column: 9,
          message: "ports must be a range like \"1024-65535\" (two port numbers of ASCII digits, the first not above the second), found \"-1024-65535\""),
    .init(name: "ports with a sign",
          source: "[host-ports]\nports = \"+1024-65535\"\n" + rule("groups = [\"*\"]"), line: 2, column: 9,
          message: "ports must be a range like \"1024-65535\" (two port numbers of ASCII digits, the first not above the second), found \"+1024-65535\""),
    .init(name: "ports as a single port",
          source: "[host-ports]\nports = \"8080\"\n" + rule("groups = [\"*\"]"), line: 2, column: 9,
          message: "ports must be a range like \"1024-65535\" (two port numbers of ASCII digits, the first not above the second), found \"8080\""),
    .init(name: "ports out of order",
          source: "[host-ports]\nports = \"9000-8000\"\n" + rule("groups = [\"*\"]"), line: 2, column: 9,
          message: "ports must be a range like \"1024-65535\" (two port numbers of ASCII digits, the first not above the second), found \"9000-8000\""),
    .init(name: "ports above 65535",
          source: "[host-ports]\nports = \"1024-65536\"\n" + rule("groups = [\"*\"]"), line: 2, column: 9,
          message: "ports must be a range like \"1024-65535\" (two port numbers of ASCII digits, the first not above the second), found \"1024-65536\""),
    .init(name: "ports with a blank",
          source: "[host-ports]\nports = \"1024 -65535\"\n" + rule("groups = [\"*\"]"), line: 2, column: 9,
          message: "ports must be a range like \"1024-65535\" (two port numbers of ASCII digits, the first not above the second), found \"1024 -65535\""),

    // TOML errors come through with the file name.
    .init(name: "TOML syntax error",
          source: rule("groups = [\"*\"]") + "timeout = 1.5\n", line: 5, column: 11,
          message: "floats are not supported (found 1.5); use an integer"),
]

@Suite("Policy parsing")
struct PolicyParseTests {
    @Test("rejects bad policies with file, line, column and a helpful message", arguments: badPolicies)
    func bad(_ c: BadPolicy) {
        #expect(throws: PolicyError(file: "policies/test.toml", line: c.line, column: c.column, message: c.message)) {
            try Policy.parse(source: c.source, fileName: "policies/test.toml")
        }
    }

    @Test("a GET-only rule loads when an earlier rule decides the websocket attach, or when it leaves it out", arguments: [
        rule("routes = [\"container.attach.websocket\"]", id: "no-ws", action: "deny") + rule("methods = [\"GET\", \"HEAD\"]\ngroups = [\"containers\"]"),
        rule("routes = [\"container.attach.websocket\"]", id: "ws") + rule("methods = [\"GET\"]"),
        rule("methods = [\"GET\", \"HEAD\"]\ngroups = [\"images\", \"system\"]"),
        rule("methods = [\"GET\", \"POST\"]\ngroups = [\"containers\"]"),
        rule("methods = [\"GET\"]\ngroups = [\"containers\"]", action: "deny"),
    ])
    func getOnlyRulesThatLeaveTheWebsocketAttachAlone(_ source: String) throws {
        _ = try Policy.parse(source: source, fileName: "p.toml")
    }

    @Test("clean host paths load, a trailing slash too", arguments: ["/", "/srv/ci", "/srv/ci/", "/srv/ci.d/x_y-z"])
    func cleanHostPaths(_ path: String) throws {
        let policy = try Policy.parse(source: rule("groups = [\"*\"]") + "[host-paths]\nallow = [\"\(path)\"]", fileName: "p.toml")
        #expect(policy.bodyRules.hostPaths == [path])
    }

    @Test("error description is file:line:column: message")
    func errorDescription() {
        let error = PolicyError(file: "/etc/sockwarden/p.toml", line: 3, column: 7, message: "unknown key \"x\"")
        #expect(error.description == "/etc/sockwarden/p.toml:3:7: unknown key \"x\"")
    }

    @Test("invalid UTF-8 is reported with its position")
    func invalidUTF8() {
        let bytes = Array("[[rules]]\nid = \"".utf8) + [0xFF] + Array("\"\n".utf8)
        #expect(throws: PolicyError(file: "p.toml", line: 2, column: 7, message: "invalid UTF-8: byte 0xFF cannot start a character")) {
            try Policy.parse(bytes: bytes, fileName: "p.toml")
        }
    }

    @Test("a valid policy keeps its rules, in order, with every key")
    func model() throws {
        let source = """
            [policy]
            description = "Example"
            mode = "enforce"

            [[rules]]
            id = "no-exec"
            action = "deny"
            description = "no shells"
            groups = ["exec"]

            [[rules]]
            id = "reads"
            action = "allow"
            routes = ["container.list", "system.ping.head"]
            methods = ["GET", "HEAD"]

            [[rules]]
            id = "everything-else"
            action = "allow"
            routes = ["*"]
            """
        let policy = try Policy.parse(source: source, fileName: "/etc/sockwarden/example.toml")
        #expect(policy.name == "example.toml")
        #expect(policy.description == "Example")
        #expect(policy.rules.map(\.id) == ["no-exec", "reads", "everything-else"])
        #expect(policy.rules.map(\.line) == [5, 11, 17])
        #expect(policy.rules[0].action == .deny)
        #expect(policy.rules[0].description == "no shells")
        #expect(policy.rules[0].groups == .only([.exec]))
        #expect(policy.rules[0].routes == nil)
        #expect(policy.rules[1].routes == .only(["container.list", "system.ping.head"]))
        #expect(policy.rules[1].methods == ["GET", "HEAD"])
        #expect(policy.rules[2].routes == .any)
        #expect(policy.rules[2].groups == nil)
        #expect(policy.rules[2].methods == nil)
    }

    @Test("rules may also be written as inline tables")
    func inlineRules() throws {
        let policy = try Policy.parse(
            source: "rules = [\n  { id = \"ping\", action = \"allow\", routes = [\"system.ping\"] },\n]\n",
            fileName: "inline.toml")
        #expect(policy.rules.map(\.id) == ["ping"])
        #expect(policy.rules[0].line == 2)
    }

    @Test("a bare file name is kept as the policy name")
    func name() throws {
        let policy = try Policy.parse(source: rule("groups = [\"*\"]"), fileName: "observe.toml")
        #expect(policy.name == "observe.toml")
        #expect(policy.description == nil)
    }
}
