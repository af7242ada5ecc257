/// One route the Docker daemon registers on its API mux.
///
/// Every route is reachable both as `template` and as `/v{version}` + `template`
/// (see ``Catalogue``).
public struct Route: Sendable, Hashable {
    /// The HTTP method exactly as the daemon registers it ("GET", "HEAD", "POST",
    /// "PUT", "DELETE", and "OPTIONS" for the CORS pre-flight route). Matching is
    /// case-sensitive, as in gorilla/mux.
    public let method: String
    /// The path as documented in the Engine API reference, e.g.
    /// `/containers/{id}/exec` or `/images/{name}/json`. Variable names here are
    /// the keys of ``EndpointMatch/parameters``. Routes the reference does not
    /// document use a name in the same style.
    public let template: String
    /// Stable dotted name, unique per (method, template): `container.create`,
    /// `exec.start`, `image.push`, `system.ping`, ...
    public let name: String
    /// The coarse family of the route.
    public let group: RouteGroup
    /// True when the daemon may take the connection over (raw stream after a
    /// `101 Switching Protocols`/`200` upgrade, or a websocket): container attach
    /// (plain and websocket), exec start, `POST /session` and `POST /grpc`.
    public let hijacks: Bool
    /// The daemon's own gorilla/mux path template (without the version prefix),
    /// e.g. `/containers/{name:.*}/exec`. This is what is actually matched:
    /// `{x}` matches `[^/]+`, `{x:.*}` matches any text without `\n` (slashes
    /// included, possibly empty), `{x:.+}` the same but non-empty.
    public let muxTemplate: String
    /// What of a request on this route is judged (`RequestInterpreter`'s
    /// sets, looked up once here rather than hashed per request).
    public let content: RouteContent

    public init(method: String, template: String, name: String, group: RouteGroup,
                hijacks: Bool = false, muxTemplate: String) {
        self.method = method
        self.template = template
        self.name = name
        self.group = group
        self.hijacks = hijacks
        self.muxTemplate = muxTemplate
        content = RouteContent(routeName: name)
    }
}

/// What of a request sockwarden reads to judge it, by route.
public enum RouteContent: Sendable, Hashable {
    /// The route alone decides.
    case routeOnly
    /// The JSON body is read whole and judged (`RequestInterpreter.judgedBodies`).
    case judgedBody
    /// The query is judged; the body streams through (`RequestInterpreter.judgedQueries`).
    case judgedQuery
    /// The body or query can reach the host and sockwarden cannot judge it
    /// (`RequestInterpreter.unjudgeable`).
    case unjudgeable

    /// The sets are disjoint (`RouteContentTests`); unjudgeable first, as
    /// the policy checked it before this was stored, so that a name added to
    /// two sets by mistake is denied rather than judged.
    init(routeName name: String) {
        if RequestInterpreter.unjudgeable.contains(name) {
            self = .unjudgeable
        } else if RequestInterpreter.judgedBodies.contains(name) {
            self = .judgedBody
        } else if RequestInterpreter.judgedQueries.contains(name) {
            self = .judgedQuery
        } else {
            self = .routeOnly
        }
    }

    /// The body or the query is interpreted.
    public var isInterpreted: Bool { self == .judgedBody || self == .judgedQuery }
}

/// A request-target that the daemon would route to ``route``.
public struct EndpointMatch: Sendable, Hashable {
    public let route: Route
    /// The captured `/v{version:[0-9.]+}` text, verbatim ("1.41", "1", "1.2.3",
    /// "." are all captured as-is); nil for unversioned paths. Whether the
    /// version is supported is decided later by the daemon's version middleware
    /// (too old / too new → 400), not by routing.
    public let apiVersion: String?
    /// Decoded path variables keyed by the names in ``Route/template``
    /// (e.g. "id", "name", "checkpoint"). Values may contain '/', and may be
    /// empty where the daemon's pattern is `.*` (e.g. `DELETE /containers/`).
    public let parameters: [String: String]
    /// The percent-decoded path without the version prefix, e.g. "/containers/json".
    public let path: String
    /// The text after the first "?", undecoded; nil when the target has no "?".
    public let rawQuery: String?

    public init(route: Route, apiVersion: String?, parameters: [String: String],
                path: String, rawQuery: String?) {
        self.route = route
        self.apiVersion = apiVersion
        self.parameters = parameters
        self.path = path
        self.rawQuery = rawQuery
    }
}

/// What the daemon would do with a (method, request-target) pair, as far as
/// routing goes.
public enum RouteResolution: Sendable, Hashable {
    /// The daemon would dispatch the request to this route's handler.
    case matched(EndpointMatch)
    /// No route: the daemon answers 404 (or 405, which moby also maps to 404).
    /// `path` is the percent-decoded path, version prefix included.
    case unknown(method: String, path: String)
    /// The daemon (Go's net/http, net/url or gorilla/mux) would reject the
    /// request (400) or redirect it (301, unclean path), or we deliberately
    /// refuse a form no Docker client sends. `reason` is short human text.
    case invalid(reason: String)
}
