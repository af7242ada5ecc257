// The policy model: an ordered list of allow/deny rules over Docker Engine
// API routes, loaded from a TOML file written by ops.
//
// Matching: unknown routes are always denied (rule "unknown-route"); then the
// first rule whose every given key matches decides; if none matches, the
// request is denied (rule "default-deny").

import EngineAPI

/// A loaded, validated policy. What never changes after loading is held
/// in one shared object, so copying a policy (once per judged request) is
/// a retain, not a copy of every body rule.
public struct Policy: Sendable {
    @usableFromInline
    final class Loaded: Sendable {
        @usableFromInline let name: String
        @usableFromInline let description: String?
        @usableFromInline let rules: [Rule]
        @usableFromInline let bodyRules: BodyRules
        let routeDecisions: [Decision]
        let buildKitRefusedByRules: Bool

        init(name: String, description: String?, rules: [Rule], bodyRules: BodyRules) {
            self.name = name
            self.description = description
            self.rules = rules
            self.bodyRules = bodyRules
            let decisions = Catalogue.routes.map { Policy.decide(rules, method: $0.method, route: $0) }
            routeDecisions = decisions
            // A BuildKit build needs its streams (`/session`, `/grpc`) and, unless bodies are trusted, `[builds] buildkit`.
            let streamRefused = zip(Catalogue.routes, decisions).contains { $0.group == .session && !$1.allowed }
            buildKitRefusedByRules = streamRefused || (!bodyRules.trustBodies && !bodyRules.buildKit)
        }
    }

    @usableFromInline let loaded: Loaded

    /// The policy's file name without directories, e.g. "read-only.toml":
    /// what denial messages cite.
    @inlinable public var name: String { loaded.name }
    /// `[policy] description`, if given.
    @inlinable public var description: String? { loaded.description }
    /// The rules in file order. The first matching rule decides; when none
    /// matches the request is denied ("default-deny").
    @inlinable public var rules: [Rule] { loaded.rules }
    /// What the policy allows inside request bodies (secure defaults when
    /// the file says nothing).
    @inlinable public var bodyRules: BodyRules { loaded.bodyRules }
    /// `[policy] mode` (default enforce); `serve --mode` overrides it.
    public var mode: PolicyMode
    /// The rules' decision for each catalogue route (by index) asked with
    /// the route's own method, as the router matched it: decided when the
    /// policy is loaded, so judging a request builds no reason text.
    private var routeDecisions: [Decision] { loaded.routeDecisions }
    /// A BuildKit build is refused in this mode: its streams' routes or
    /// `[builds] buildkit` refuse it, and the mode enforces. The proxy then
    /// answers `/_ping` with `Builder-Version: 1` (`BuilderVersionField`).
    public var refusesBuildKit: Bool { mode == .enforce && loaded.buildKitRefusedByRules }

    init(name: String, description: String?, rules: [Rule], bodyRules: BodyRules = BodyRules(), mode: PolicyMode = .enforce) {
        loaded = Loaded(name: name, description: description, rules: rules, bodyRules: bodyRules)
        self.mode = mode
    }

    /// Parses and validates a policy file.
    /// - Parameters:
    ///   - source: the file's contents.
    ///   - fileName: the path or name of the file. Errors cite it as given;
    ///     `name` keeps only its last path component.
    public static func parse(source: String, fileName: String) throws(PolicyError) -> Policy {
        try parse(bytes: Array(source.utf8), fileName: fileName)
    }

    /// Same as `parse(source:fileName:)`, from raw bytes, so that invalid
    /// UTF-8 is reported with its position instead of being replaced.
    public static func parse(bytes: [UInt8], fileName: String) throws(PolicyError) -> Policy {
        let document: TOMLTable
        do {
            document = try TOMLParser.parse(bytes: bytes)
        } catch {
            throw PolicyError(file: fileName, line: error.line, column: error.column, message: error.message)
        }
        let loader = PolicyLoader(file: fileName, catalogue: Catalogue.routes)
        return try loader.load(document)
    }

    /// True when judging a request on `route` needs its body: the proxy
    /// then reads the body (up to its inspection limit) before judging.
    public func inspectsBody(_ route: Route) -> Bool {
        !bodyRules.trustBodies && route.content == .judgedBody
    }

    /// Judges one request: the route rules first, then, for an allowed
    /// request, what its body and query ask for (unless `trust-bodies`).
    public func evaluate(_ input: PolicyInput, environment: HostEnvironment = LiteralHostEnvironment()) -> Decision {
        let decision = evaluateRoute(input)
        guard decision.allowed, !bodyRules.trustBodies, let route = input.route else { return decision }
        return judgeContent(input, route: route, routeDecision: decision, environment: environment)
    }

    func evaluateRoute(_ input: PolicyInput) -> Decision {
        guard let route = input.route else {
            return Decision(
                verdict: .deny, rule: Decision.unknownRoute,
                reason: "\(input.method) request does not match any Docker Engine API route known to sockwarden; unknown routes are always denied")
        }
        if input.method == route.method, let index = Catalogue.index(of: route) { return routeDecisions[index] }
        return Policy.decide(rules, method: input.method, route: route)
    }

    /// The first matching rule's decision, or default-deny.
    static func decide(_ rules: [Rule], method: String, route: Route) -> Decision {
        for rule in rules where rule.matches(method: method, route: route) {
            return Decision(verdict: rule.action == .allow ? .allow : .deny,
                            rule: rule.id,
                            reason: rule.reason(method: method, route: route))
        }
        return Decision(
            verdict: .deny, rule: Decision.defaultDeny,
            reason: "no rule allows route \(route.name) (group \"\(route.group.rawValue)\"); add \"\(route.name)\" to a rule's routes or \"\(route.group.rawValue)\" to its groups")
    }
}

/// What the policy judges: the request's method, its catalogue route and,
/// for routes whose body the policy reads (`Policy.inspectsBody`), the body.
public struct PolicyInput: Sendable {
    /// The HTTP method as received, e.g. "GET".
    public var method: String
    /// The matched catalogue route; nil when the request is not in the catalogue.
    public var route: Route?
    /// The `/vX.Y` version of the request, nil when unversioned.
    public var apiVersion: String?
    /// The undecoded query string, nil when there is none.
    public var rawQuery: String?
    /// The request body, when the policy asked for it.
    public var body: RequestBody?
    /// The request's Content-Type header.
    public var contentType: String?
    /// Decoded path variables of the route (e.g. "id").
    public var parameters: [String: String] = [:]

    public init(method: String, route: Route?, apiVersion: String? = nil, rawQuery: String? = nil,
                body: RequestBody? = nil, contentType: String? = nil) {
        self.method = method
        self.route = route
        self.apiVersion = apiVersion
        self.rawQuery = rawQuery
        self.body = body
        self.contentType = contentType
    }
}

/// A request body as the proxy read it for inspection.
public enum RequestBody: Sendable, Hashable {
    /// The whole body (de-chunked), with the request's Content-Type.
    case complete([UInt8], contentType: String?)
    /// The body is larger than the inspection limit: it cannot be judged.
    case tooLarge(limit: Int)
}

/// The outcome of `Policy.evaluate`.
public struct Decision: Sendable, Hashable {
    public enum Verdict: String, Sendable {
        case allow, deny
    }

    /// `rule` of a request that matched no rule.
    public static let defaultDeny = "default-deny"
    /// `rule` of a request whose route is not in the catalogue.
    public static let unknownRoute = "unknown-route"

    public let verdict: Verdict
    /// The id of the deciding rule, or "default-deny", or "unknown-route".
    public let rule: String
    /// Short human text explaining the verdict (no file name, no trailing period).
    public let reason: String
    /// For an allowed request whose body was judged: the body to forward in
    /// place of the original, a canonical encoding of exactly what was judged.
    /// nil: forward the body as received.
    public let forwardBody: [UInt8]?
    /// For an allowed request: path parameters to forward in place of the
    /// received ones (a container name pinned to the full ID it was judged
    /// by). Empty: forward the path as received.
    public var pinnedParameters: [String: String] = [:]
    /// For an allowed request: `forwardBody` names some containers by the
    /// full ID the check found where the request named them otherwise
    /// (`VolumesFrom` entries, `container:` namespace joins), so it decodes
    /// to the judged value with those names replaced.
    public var pinsBody = false
    /// For an exec, attach or copy: the container it acts in, as looked up
    /// and judged (allowed, or denied for its host access). nil when it was
    /// not looked up (the request was denied first, a what-if without a
    /// daemon) or could not be found.
    public var targetContainer: JudgedContainer?
    /// For a request denied because the container (or exec) it acts in does
    /// not exist: the daemon's own 404 message for it, which the proxy
    /// answers instead of a policy refusal (nothing is there to protect,
    /// and clients tell a missing container by the daemon's 404: cleanup
    /// code that ignores "not found" got a 403 on the main socket; found
    /// 2026-12-02, session 20, by the clients sweep).
    public var missingAnswer: String?

    public var allowed: Bool { verdict == .allow }

    public init(verdict: Verdict, rule: String, reason: String, forwardBody: [UInt8]? = nil) {
        self.verdict = verdict
        self.rule = rule
        self.reason = reason
        self.forwardBody = forwardBody
    }
}

/// A policy file that cannot be loaded: `file:line:column: message`.
public struct PolicyError: Error, CustomStringConvertible, Sendable, Hashable {
    public let file: String
    public let line: Int
    public let column: Int
    public let message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// "Any", or a fixed set: the value of a rule's `routes` or `groups` key.
public enum Selection<Element: Hashable & Sendable>: Sendable, Hashable {
    /// `["*"]`
    case any
    case only(Set<Element>)

    public func contains(_ element: Element) -> Bool {
        switch self {
        case .any: return true
        case .only(let set): return set.contains(element)
        }
    }
}

/// One `[[rules]]` entry.
public struct Rule: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        case allow, deny
    }

    /// Unique within the policy, `[a-z0-9-]+`.
    public let id: String
    public let action: Action
    /// Optional free text; appended to the reason of a decision by this rule.
    public let description: String?
    /// Route names; nil when the key is absent (no constraint).
    public let routes: Selection<String>?
    /// Route groups; nil when the key is absent (no constraint).
    public let groups: Selection<RouteGroup>?
    /// HTTP methods; nil when the key is absent (no constraint).
    public let methods: Set<String>?
    /// Line of the rule's `[[rules]]` header (or inline table) in the file.
    public let line: Int

    /// True when every key the rule gives matches (AND across keys, OR
    /// within a key's list).
    public func matches(method: String, route: Route) -> Bool {
        if let routes, !routes.contains(route.name) { return false }
        if let groups, !groups.contains(route.group) { return false }
        if let methods, !methods.contains(method) { return false }
        return true
    }

    /// True when the rule matches every request (nothing after it can match).
    var matchesEverything: Bool {
        (routes == nil || routes == .any) && (groups == nil || groups == .any) && methods == nil
    }

    func reason(method: String, route: Route) -> String {
        let verb = action == .allow ? "allowed" : "denied"
        let subject: String
        if case .only = routes {
            subject = "route \(route.name)"
        } else if case .only = groups {
            subject = "group \"\(route.group.rawValue)\""
        } else if methods != nil {
            subject = "method \(method) on route \(route.name)"
        } else {
            subject = "route \(route.name) (group \"\(route.group.rawValue)\")"
        }
        var text = "\(subject) is \(verb) by rule \"\(id)\""
        if let description, !description.isEmpty { text += ": \(description)" }
        return text
    }
}
