// Turns a parsed TOML document into a validated Policy, or the first
// problem found, with its file:line:column.

import EngineAPI

struct PolicyLoader {
    let file: String
    let catalogue: [Route]
    let routesByName: [String: Route]

    static let topLevelTables = ["policy", "rules"] + bodySections
    static let policyKeys = ["description", "mode", "trust-bodies"]
    static let ruleKeys = ["id", "action", "description", "routes", "groups", "methods"]
    // OPTIONS: the catalogue has the daemon's CORS pre-flight route `OPTIONS /{anyroute:.*}`.
    static let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]
    static let reservedIDs = [Decision.defaultDeny, Decision.unknownRoute]
    static let listRoutesHint = "run `sockwarden routes` to list every route name"

    init(file: String, catalogue: [Route]) {
        self.file = file
        self.catalogue = catalogue
        var byName: [String: Route] = [:]
        for route in catalogue { byName[route.name] = route }
        self.routesByName = byName
    }

    func fail(_ position: TOMLPosition, _ message: String) -> PolicyError {
        PolicyError(file: file, line: position.line, column: position.column, message: message)
    }

    static func baseName(_ path: String) -> String {
        if let slash = path.lastIndex(of: "/") { return String(path[path.index(after: slash)...]) }
        return path
    }

    static func quotedList(_ items: [String]) -> String {
        items.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    // MARK: Document

    func load(_ document: TOMLTable) throws(PolicyError) -> Policy {
        var description: String?
        var mode = PolicyMode.enforce
        var rules: [Rule] = []
        var bodyRules = BodyRules()
        var sawRules = false
        for entry in document.entries {
            switch entry.key {
            case "policy":
                description = try loadPolicyTable(entry, &bodyRules, mode: &mode)
            case let section where Self.bodySections.contains(section):
                try loadBodySection(entry, into: &bodyRules)
            case "rules":
                sawRules = true
                rules = try loadRules(entry)
            default:
                var suggestion = ""
                if let close = Suggest.closest(to: entry.key, in: Self.topLevelTables) {
                    suggestion = close == "rules" ? " (did you mean [[rules]]?)" : " (did you mean [\(close)]?)"
                }
                let what: String
                if case .table = entry.node.value {
                    what = "table [\(displayKey(entry.key))]"
                } else if entry.node.value.kindDescription == "an array of tables" {
                    what = "table [[\(displayKey(entry.key))]]"
                } else {
                    what = "top-level key \(displayKey(entry.key))"
                }
                throw fail(entry.keyPosition, "unknown \(what)\(suggestion); the known tables are [policy], [[rules]], \(Self.bodySections.map { "[\($0)]" }.joined(separator: ", "))")
            }
        }
        if rules.isEmpty {
            let message = "the policy has no rules, so it would deny every request; add [[rules]] tables, or, to deny everything on purpose, a rule with action = \"deny\" and groups = [\"*\"]"
            if sawRules, let entry = document["rules"] { throw fail(entry.node.position, message) }
            throw fail(.start, message)
        }
        return Policy(name: Self.baseName(file), description: description, rules: rules, bodyRules: bodyRules, mode: mode)
    }

    func loadPolicyTable(_ entry: TOMLEntry, _ bodyRules: inout BodyRules, mode: inout PolicyMode) throws(PolicyError) -> String? {
        guard case .table(let table) = entry.node.value else {
            if entry.node.value.kindDescription == "an array of tables" {
                throw fail(entry.keyPosition, "[[policy]] must be a single table: write [policy] with one pair of brackets")
            }
            throw fail(entry.node.position, "policy: expected a table, found \(entry.node.value.kindDescription)")
        }
        var description: String?
        for item in table.entries {
            switch item.key {
            case "description":
                description = try string(item, in: "policy")
            case "trust-bodies":
                bodyRules.trustBodies = try bool(item)
            case "mode":
                let text = try string(item, in: "policy")
                guard let value = PolicyMode(rawValue: text) else {
                    throw fail(item.node.position, "unknown mode \"\(text)\"\(Suggest.didYouMean(text, in: PolicyMode.names)); the modes are \(Self.quotedList(PolicyMode.names))")
                }
                mode = value
            default:
                throw unknownKey(item, in: "[policy]", allowed: Self.policyKeys)
            }
        }
        return description
    }

    func unknownKey(_ entry: TOMLEntry, in table: String, allowed: [String]) -> PolicyError {
        fail(entry.keyPosition, "unknown key \"\(entry.key)\" in \(table)\(Suggest.didYouMean(entry.key, in: allowed)); the allowed keys are \(allowed.joined(separator: ", "))")
    }

    // MARK: Rules

    func loadRules(_ entry: TOMLEntry) throws(PolicyError) -> [Rule] {
        let items: [TOMLNode]
        switch entry.node.value {
        case .array(let array):
            items = array
        case .table:
            throw fail(entry.keyPosition, "rules must be an array of tables: write [[rules]] (two brackets) above each rule")
        default:
            throw fail(entry.node.position, "rules: expected an array of tables, found \(entry.node.value.kindDescription)")
        }
        var rules: [Rule] = []
        var idLines: [String: Int] = [:]
        var catchAll: Rule?
        for item in items {
            guard case .table(let table) = item.value else {
                throw fail(item.position, "rules: expected an array of tables, found an array of \(plural(item.value))")
            }
            let (rule, idPosition) = try loadRule(table, at: item.position)
            if let line = idLines[rule.id] {
                throw fail(idPosition, "duplicate rule id \"\(rule.id)\": the rule at line \(line) already uses it")
            }
            if let catchAll {
                throw fail(item.position, "rule \"\(rule.id)\" can never match: rule \"\(catchAll.id)\" at line \(catchAll.line) matches every request before it")
            }
            if let write = readOnlyLookingRuleReaching(rule, after: rules) {
                throw fail(item.position, "rule \"\(rule.id)\" allows only \(Self.methods.filter { rule.methods!.contains($0) }.joined(separator: " and ")), which reads as read-only, but it allows \(write.name) (\(write.method) \(write.template)), which writes to the container's stdin (a websocket attach); deny it in a rule before this one, or allow it in a rule of its own")
            }
            idLines[rule.id] = rule.line
            if rule.matchesEverything { catchAll = rule }
            rules.append(rule)
        }
        return rules
    }

    /// GET routes that change something: every other route that can is a
    /// POST, PUT or DELETE, so a rule limited to GET and HEAD reads as
    /// read-only. `GET /containers/{id}/attach/ws` takes the container's
    /// stdin over the websocket (`docker attach` through a websocket, as
    /// dashboards' web terminals do).
    static let writingReadRoutes = ["container.attach.websocket"]

    /// The writing GET route an allow rule limited to GET and HEAD would
    /// decide (no earlier rule does), if any.
    func readOnlyLookingRuleReaching(_ rule: Rule, after earlier: [Rule]) -> Route? {
        guard rule.action == .allow, let methods = rule.methods, methods.isSubset(of: ["GET", "HEAD"]) else { return nil }
        for name in Self.writingReadRoutes {
            guard let route = routesByName[name], rule.matches(method: route.method, route: route),
                  !earlier.contains(where: { $0.matches(method: route.method, route: route) }) else { continue }
            return route
        }
        return nil
    }

    func plural(_ value: TOMLValue) -> String {
        switch value {
        case .string: return "strings"
        case .integer: return "integers"
        case .boolean: return "booleans"
        case .array: return "arrays"
        case .table: return "tables"
        }
    }

    func loadRule(_ table: TOMLTable, at position: TOMLPosition) throws(PolicyError) -> (Rule, TOMLPosition) {
        for entry in table.entries where !Self.ruleKeys.contains(entry.key) {
            throw unknownKey(entry, in: "[[rules]]", allowed: Self.ruleKeys)
        }

        // id
        guard let idEntry = table["id"] else {
            throw fail(position, "this rule has no id; every rule needs a unique id = \"...\" (lowercase letters, digits and '-')")
        }
        let id = try string(idEntry, in: "rules")
        guard !id.isEmpty, id.utf8.allSatisfy({
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
        }) else {
            throw fail(idEntry.node.position, "invalid rule id \"\(id)\": use only lowercase letters, digits and '-'")
        }
        if Self.reservedIDs.contains(id) {
            throw fail(idEntry.node.position, "rule id \"\(id)\" is reserved for decisions that no rule made; choose another id")
        }

        // action
        guard let actionEntry = table["action"] else {
            throw fail(position, "rule \"\(id)\" has no action; add action = \"allow\" or action = \"deny\"")
        }
        let actionText = try string(actionEntry, in: "rules")
        guard let action = Rule.Action(rawValue: actionText) else {
            throw fail(actionEntry.node.position, "invalid action \"\(actionText)\"\(Suggest.didYouMean(actionText, in: ["allow", "deny"])); expected \"allow\" or \"deny\"")
        }

        let description = try table["description"].map { (e: TOMLEntry) throws(PolicyError) in try string(e, in: "rules") }

        // routes
        var routes: Selection<String>?
        var listedRoutes: [(Route, TOMLPosition)] = []
        if let entry = table["routes"] {
            let items = try stringList(entry)
            if items.count == 1, items[0].0 == "*" {
                routes = .any
            } else {
                var names = Set<String>()
                for (name, at) in items {
                    try rejectWildcard(name, at: at, key: "routes", count: items.count)
                    guard let route = routesByName[name] else {
                        if RouteGroup(rawValue: name) != nil {
                            throw fail(at, "\"\(name)\" is a group, not a route; move it to groups, or list its routes")
                        }
                        throw fail(at, "unknown route \"\(name)\"\(Suggest.didYouMean(name, in: catalogue.map(\.name))); \(Self.listRoutesHint)")
                    }
                    names.insert(name)
                    listedRoutes.append((route, at))
                }
                routes = .only(names)
            }
        }

        // groups
        var groups: Selection<RouteGroup>?
        if let entry = table["groups"] {
            let items = try stringList(entry)
            if items.count == 1, items[0].0 == "*" {
                groups = .any
            } else {
                var set = Set<RouteGroup>()
                for (name, at) in items {
                    try rejectWildcard(name, at: at, key: "groups", count: items.count)
                    guard let group = RouteGroup(rawValue: name) else {
                        if routesByName[name] != nil {
                            throw fail(at, "\"\(name)\" is a route, not a group; move it to routes")
                        }
                        let all = RouteGroup.allCases.map(\.rawValue)
                        throw fail(at, "unknown group \"\(name)\"\(Suggest.didYouMean(name, in: all)); the groups are \(all.joined(separator: ", "))")
                    }
                    set.insert(group)
                }
                groups = .only(set)
            }
        }

        // methods
        var methods: Set<String>?
        if let entry = table["methods"] {
            var set = Set<String>()
            for (name, at) in try stringList(entry) {
                if name == "*" {
                    throw fail(at, "\"*\" is not accepted in methods; leave methods out to match every method")
                }
                guard Self.methods.contains(name) else {
                    throw fail(at, "unknown method \"\(name)\"\(Suggest.didYouMean(name, in: Self.methods)); the methods are \(Self.methods.joined(separator: ", "))")
                }
                set.insert(name)
            }
            methods = set
        }

        guard routes != nil || groups != nil || methods != nil else {
            throw fail(position, "rule \"\(id)\" has none of routes, groups, methods; to match every request say so explicitly with groups = [\"*\"]")
        }

        // Listed routes that the rule's other keys make unreachable.
        for (route, at) in listedRoutes {
            if case .only(let set) = groups, !set.contains(route.group) {
                throw fail(at, "route \(route.name) is in group \"\(route.group.rawValue)\", which this rule's groups leave out, so it can never match; add \"\(route.group.rawValue)\" to groups or remove the route")
            }
            if let methods, !methods.contains(route.method) {
                throw fail(at, "route \(route.name) is a \(route.method) route, which this rule's methods leave out, so it can never match; add \"\(route.method)\" to methods or remove the route")
            }
        }

        let rule = Rule(id: id, action: action, description: description, routes: routes, groups: groups,
                        methods: methods, line: position.line)
        return (rule, idEntry.node.position)
    }

    func rejectWildcard(_ name: String, at: TOMLPosition, key: String, count: Int) throws(PolicyError) {
        guard name.contains("*") else { return }
        if name == "*" {
            throw fail(at, "\"*\" must be alone in \(key): it already matches everything")
        }
        var hint = ""
        if key == "routes", name.hasSuffix(".*") {
            let prefix = String(name.dropLast(1))
            let groups = Set(catalogue.filter { $0.name.hasPrefix(prefix) }.map(\.group))
            if groups.count == 1, let group = groups.first {
                hint = "; to match every route of that group use groups = [\"\(group.rawValue)\"]"
            }
        }
        throw fail(at, "wildcards inside names are not supported (\"\(name)\"); use \"*\" alone to match everything\(hint)")
    }

    // MARK: Typed accessors

    func string(_ entry: TOMLEntry, in table: String) throws(PolicyError) -> String {
        guard case .string(let s) = entry.node.value else {
            throw fail(entry.node.position, "\(entry.key): expected a string, found \(entry.node.value.kindDescription)")
        }
        return s
    }

    /// A non-empty array of distinct strings, each with its position.
    func stringList(_ entry: TOMLEntry) throws(PolicyError) -> [(String, TOMLPosition)] {
        let key = entry.key
        guard case .array(let items) = entry.node.value else {
            if case .string(let s) = entry.node.value {
                throw fail(entry.node.position, "\(key): expected an array of strings, found a string; write \(key) = [\"\(s)\"]")
            }
            throw fail(entry.node.position, "\(key): expected an array of strings, found \(entry.node.value.kindDescription)")
        }
        guard let first = items.first else {
            throw fail(entry.node.position, "\(key) is empty, so the rule could never match; list at least one value or remove the key")
        }
        guard case .string = first.value else {
            throw fail(entry.node.position, "\(key): expected an array of strings, found an array of \(plural(first.value))")
        }
        var seen: [String: TOMLPosition] = [:]
        var out: [(String, TOMLPosition)] = []
        for item in items {
            guard case .string(let s) = item.value else { continue }  // arrays are homogeneous
            if let firstAt = seen[s] {
                throw fail(item.position, "\"\(s)\" is listed twice in \(key) (first at \(firstAt))")
            }
            seen[s] = item.position
            out.append((s, item.position))
        }
        return out
    }
}
