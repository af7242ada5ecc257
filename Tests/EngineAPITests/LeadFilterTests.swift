@testable import EngineAPI
import Testing

/// `Catalogue.match` passes over routes whose first literal segment (packed
/// in `LeadKey`) differs from the path's. This checks it against the plain
/// rule it shortcuts: try every route of the method, in registration order,
/// versioned then unversioned, and take the first whose pattern matches.
@Suite("Route matching on packed leads")
struct LeadFilterTests {
    /// The first route whose pattern matches, as the router tries them.
    static func everyRouteInOrder(method: String, path: String) -> (name: String, version: String?)? {
        let bytes = Array(path.utf8)
        return bytes.withUnsafeBufferPointer { p -> (name: String, version: String?)? in
            var versionEnd: Int?
            if p.count > 2 && p[1] == UInt8(ascii: "v") {
                var i = 2
                while i < p.count && (p[i] == UInt8(ascii: ".") || (p[i] >= UInt8(ascii: "0") && p[i] <= UInt8(ascii: "9"))) { i += 1 }
                if i > 2 && i < p.count && p[i] == UInt8(ascii: "/") { versionEnd = i }
            }
            for index in Catalogue.indicesByMethod[method] ?? [] {
                let route = Catalogue.compiled[index]
                if let v = versionEnd, route.pattern.match(p, from: v, to: p.count) != nil {
                    return (route.route.name, String(decoding: UnsafeBufferPointer(rebasing: p[2..<v]), as: UTF8.self))
                }
                if route.pattern.match(p, from: 0, to: p.count) != nil { return (route.route.name, nil) }
            }
            return nil
        }
    }

    /// Every route's template made concrete, with and without version
    /// prefixes, with its first segment lengthened, shortened and run past
    /// 16 bytes (the packed length), and a few paths of no route.
    static var paths: [String] {
        var firsts: Set<String> = []
        var concrete: [String] = []
        for route in Catalogue.routes {
            var text = ""
            var inVariable = false
            for c in route.template {
                if c == "{" { inVariable = true; text += "x" } else if c == "}" { inVariable = false } else if !inVariable { text.append(c) }
            }
            concrete.append(text)
            if let first = text.split(separator: "/").first { firsts.insert(String(first)) }
        }
        var rest: [String] = []
        for text in concrete {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count > 1 else { continue }
            let tail = parts.dropFirst(2).map { "/" + $0 }.joined()
            let first = String(parts[1])
            for variant in [first + "x", String(first.dropLast()), first + String(repeating: "y", count: 16), "x" + first] {
                rest.append("/" + variant + tail)
            }
            rest.append(text + "/more")
        }
        let odd = ["/", "/x", "/v1.41/", "/v1.41/x", "/abcdefghijklmnop", "/abcdefghijklmnopq/json",
                   "/containers/x/json/x", "/v/_ping", "/v1.41/v1.41/_ping"]
        var all: [String] = []
        for path in concrete + rest + odd {
            for prefix in ["", "/v1.41", "/v1", "/v.", "/vx"] { all.append(prefix + path) }
        }
        return all
    }

    @Test("the route picked is the first route, in order, whose pattern matches")
    func agreesWithEveryRouteInOrder() {
        let methods = Set(Catalogue.routes.map(\.method)).sorted() + ["PATCH"]
        var compared = 0, matched = 0
        for path in Self.paths {
            for method in methods {
                let expected = Self.everyRouteInOrder(method: method, path: path)
                switch Catalogue.resolve(method: method, target: path) {
                case .matched(let match):
                    matched += 1
                    #expect(expected?.name == match.route.name && expected?.version == match.apiVersion,
                            "\(method) \(path): \(match.route.name) v\(match.apiVersion ?? "-"), every route in order: \(String(describing: expected))")
                case .unknown:
                    #expect(expected == nil, "\(method) \(path): unknown, every route in order: \(String(describing: expected))")
                case .invalid:
                    continue
                }
                compared += 1
            }
        }
        // The corpus reaches most routes, and most of it is routed somewhere.
        #expect(compared > 5000 && matched > 1000, "compared \(compared), matched \(matched)")
    }
}
