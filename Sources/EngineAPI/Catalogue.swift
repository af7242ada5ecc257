import Glibc

/// The catalogue of Docker Engine API routes (API v1.24 … v1.51: Docker 20.10
/// and Docker 28.x daemons), and a resolver that maps a raw (method,
/// request-target) pair to the route the daemon would dispatch it to.
///
/// ## How the daemon routes a request (what ``resolve(method:target:)`` reproduces)
///
/// Verified against moby v20.10.27 / v28.5.2 (`api/server/server.go`,
/// `cmd/dockerd/daemon.go`, vendored gorilla/mux v1.8.0 / v1.8.1) and Go's
/// `net/http` (`readRequest`, `parseRequestLine`, `validMethod`) and
/// `net/url` (`ParseRequestURI`, `parse`, `setPath`, `unescape`).
///
/// 1. **Method.** Go rejects (400) a method that is not an RFC 7230 token.
///    Otherwise the method is compared case-sensitively with the route's:
///    "get" matches nothing. A route registered for GET does not answer HEAD;
///    only `HEAD /_ping` and `HEAD /containers/{name:.*}/archive` are
///    registered. `OPTIONS` on any path matches the CORS route
///    `OPTIONS /{anyroute:.*}` (system router).
/// 2. **Request-target form.** Go's `url.ParseRequestURI` accepts origin-form
///    ("/p?q"), absolute-form ("http://h/p") and "*". We accept origin-form
///    only. Absolute-form is refused DELIBERATELY (Go would route its path; no
///    Docker client sends it over the Unix socket, and refusing it removes a
///    second spelling of every path); "*" and anything else are refused too.
///    Any byte < 0x20 or 0x7F anywhere in the target (query included) is a 400
///    in Go (`invalid control character in URL`); a space cannot be part of a
///    target (Go's request-line split would fail with 400).
/// 3. **Query.** The path ends at the first "?"; the rest is the raw query
///    (Go's `strings.Cut(rest, "?")`). '#' is NOT special: `ParseRequestURI`
///    (unlike `url.Parse`) never cuts a fragment, so "/a#b" has path "/a#b".
///    The query is not validated by routing (the handlers' form parsing may
///    still fail with 400 later; not our concern here).
/// 4. **Percent-decoding** of the path like Go's `unescape(_, encodePath)`,
///    see ``PercentDecoding``: bad escapes are a 400; "%2F" becomes a real '/',
///    '+' stays '+', decoded NUL / newline / other control bytes are kept.
///    gorilla/mux matches the DECODED path (moby never sets `UseEncodedPath`).
///    Deliberate deviation: a decoded path that is not valid UTF-8 is refused
///    here (`.invalid`), because path variables are exposed as Swift strings
///    and a lossy conversion would let the policy judge a different name
///    than the daemon uses.
/// 5. **Clean path.** mux redirects (301) any decoded path that `cleanPath`
///    changes ("//", "/./", "/../", trailing "/." or "/..") before matching,
///    see ``CleanPath``. A trailing slash alone is clean.
/// 6. **Version prefix.** Every route is registered twice, in this order:
///    `"/v{version:[0-9.]+}" + path` then `path`. The version is captured
///    verbatim: "v1", "v1.2.3", "v.", "v.." (a segment, not a dot-dot) all
///    route. Too-old / too-new versions are rejected later by the daemon's
///    version middleware (400), which is not modelled here.
/// 7. **Matching.** Anchored whole-path match, see ``PathPattern``: `{x}` is
///    `[^/]+` (newline allowed), `{x:.*}` is any text without '\n' including
///    '/' and the empty string, `{x:.+}` the same but non-empty. No
///    StrictSlash: "/containers/json/" does not match "/containers/json" — but
///    "DELETE /containers/abc/" does match `DELETE /containers/{name:.*}` with
///    name "abc/", and "GET /volumes/" matches volume inspect with name "".
/// 8. **Order.** mux takes the FIRST registered route whose path and method
///    both match. The only overlap where this matters among the daemon's
///    routes is `DELETE /containers/{name}/checkpoints/{checkpoint}`
///    (checkpoint router, registered first) versus
///    `DELETE /containers/{name:.*}`. Paths that match no route, or only
///    routes of other methods, get 404 (moby maps 405 to its 404 handler).
///
/// The `/debug/...` routes are left out on purpose (→ `.unknown`, denied):
/// see the comment at the top of `Catalogue+Routes.swift`.
public enum Catalogue {
    /// Every route, in the daemon's registration order.
    public static let routes: [Route] = table

    /// The route with this stable name, if any.
    public static func route(named name: String) -> Route? {
        guard let index = indexByName[name] else { return nil }
        return compiled[index].route
    }

    /// The index of `route` in `routes`; nil for a route not in the catalogue.
    public static func index(of route: Route) -> Int? {
        guard let index = indexByName[route.name], routes[index] == route else { return nil }
        return index
    }

    // MARK: - Compiled form

    /// A class, so that trying each candidate route costs one retain, not a
    /// copy of every field of the route.
    final class CompiledRoute: Sendable {
        let route: Route
        let pattern: PathPattern
        /// Documented parameter names, indexed by capture slot.
        let parameterNames: [String]
        /// The template's first segment with its "/" ("/containers") when it
        /// is a literal (every route but `OPTIONS /{anyroute:.*}`): a path
        /// that does not start with it cannot match, and the pattern need
        /// not be tried. Empty: no such shortcut.
        let lead: [UInt8]

        init(route: Route, pattern: PathPattern, parameterNames: [String]) {
            self.route = route
            self.pattern = pattern
            self.parameterNames = parameterNames
            let template = Array(route.muxTemplate.utf8)
            let end = template.dropFirst().firstIndex(of: UInt8(ascii: "/")) ?? template.count
            let first = template[..<end]
            lead = first.first == UInt8(ascii: "/") && !first.contains(UInt8(ascii: "{")) ? Array(first) : []
        }

        /// True when `path` from `start` begins with `lead`, followed by
        /// "/" or the end (else the pattern cannot match there).
        @inline(__always)
        func mayMatch(_ path: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
            let n = lead.count
            if n == 0 { return true }
            guard path.count - start >= n else { return false }
            if path.count - start > n && path[start + n] != UInt8(ascii: "/") { return false }
            return lead.withUnsafeBufferPointer { memcmp(path.baseAddress! + start, $0.baseAddress!, n) == 0 }
        }
    }

    static let compiled: [CompiledRoute] = routes.map { route in
        let pattern = PathPattern(muxTemplate: route.muxTemplate)
        let names = documentedVariableNames(route.template)
        precondition(names.count == pattern.variableNames.count,
                     "template \(route.template) and mux template \(route.muxTemplate) disagree")
        return CompiledRoute(route: route, pattern: pattern, parameterNames: names)
    }

    /// Route indices per method, in registration order.
    static let indicesByMethod: [String: [Int]] = {
        var result: [String: [Int]] = [:]
        for (index, route) in routes.enumerated() {
            result[route.method, default: []].append(index)
        }
        return result
    }()

    /// A route's lead packed for a test without touching the route: its
    /// length and its bytes in two words, zero-padded (leads are at most 16
    /// bytes; a longer one is `packed` false and tested with `mayMatch`).
    struct LeadKey: Sendable {
        let index: Int
        let count: Int
        let w0: UInt64
        let w1: UInt64
        let packed: Bool

        init(index: Int, lead: UnsafeBufferPointer<UInt8>) {
            self.index = index
            count = lead.count
            packed = lead.count <= 16
            (w0, w1) = packed ? LeadKey.words(lead) : (0, 0)
        }

        /// The bytes, little-endian, zero-padded to 16.
        @inline(__always)
        static func words(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
            var w0: UInt64 = 0, w1: UInt64 = 0
            for i in 0..<Swift.min(bytes.count, 16) {
                if i < 8 { w0 |= UInt64(bytes[i]) << (8 * i) } else { w1 |= UInt64(bytes[i]) << (8 * (i - 8)) }
            }
            return (w0, w1)
        }
    }

    /// Each method's routes in registration order, as lead keys: `match`
    /// tests a path's first segment against them without retaining a route.
    static let leadKeysByMethod: [String: [LeadKey]] = {
        var result: [String: [LeadKey]] = [:]
        for (method, indices) in indicesByMethod {
            result[method] = indices.map { index in
                compiled[index].lead.withUnsafeBufferPointer { LeadKey(index: index, lead: $0) }
            }
        }
        return result
    }()

    /// The candidates for a method: the daemon's methods without hashing
    /// the method's name (`leadKeysByMethod` for any other).
    @inline(__always)
    static func leadKeys(_ method: String) -> [LeadKey] {
        switch method {
        case "GET": return leadKeysForGET
        case "POST": return leadKeysForPOST
        default: return leadKeysByMethod[method] ?? []
        }
    }

    private static let leadKeysForGET = leadKeysByMethod["GET"] ?? []
    private static let leadKeysForPOST = leadKeysByMethod["POST"] ?? []

    static let indexByName: [String: Int] = {
        var result: [String: Int] = [:]
        for (index, route) in routes.enumerated() {
            precondition(result[route.name] == nil, "duplicate route name \(route.name)")
            result[route.name] = index
        }
        return result
    }()

    static func documentedVariableNames(_ template: String) -> [String] {
        var names: [String] = []
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
