import Testing
@testable import EngineAPI

/// A variable whose extent is fixed by what follows it (the final literal,
/// the end, a literal it cannot hold) is tried at that extent alone; the
/// match and captures are those of mux's greedy regexp, checked here
/// against plain greedy backtracking for every route template and paths
/// made to stress it.
@Suite("Route patterns try only the extents that can match")
struct PathPatternExtentTests {
    /// The greedy backtracking matcher (before 2026-12-01), as the reference.
    static func reference(_ p: PathPattern, _ path: [UInt8]) -> [Range<Int>]? {
        var captures: [Range<Int>] = [0..<0, 0..<0]
        func go(_ index: Int, _ pos: Int) -> Bool {
            if index == p.parts.count { return pos == path.count }
            switch p.parts[index] {
            case .literal(let literal):
                guard path.count - pos >= literal.count, Array(path[pos..<(pos + literal.count)]) == literal else { return false }
                return go(index + 1, pos + literal.count)
            case .variable(let kind, let slot):
                var longest = pos
                while longest < path.count && kind.accepts(path[longest]) { longest += 1 }
                var stop = longest
                while stop - pos >= kind.minimumLength {
                    if go(index + 1, stop) { captures[slot] = pos..<stop; return true }
                    if stop == pos { break }
                    stop -= 1
                }
                return false
            }
        }
        return go(0, 0) ? captures : nil
    }

    static func fast(_ p: PathPattern, _ path: [UInt8]) -> [Range<Int>]? {
        path.withUnsafeBufferPointer { buffer in
            p.match(buffer, from: 0, to: path.count).map { [$0.first, $0.second] }
        }
    }

    static let templates: [String] = Array(Set(Catalogue.routes.map(\.template))).sorted()
        + ["/x/{a:.*}", "/x/{a:.+}", "/x/{a}", "/x/{a:.*}/y/{b}", "/x/{a}/y/{b:.*}", "/x/{a:.+}/y", "/{a:.*}"]

    static func paths(for template: String) -> [String] {
        let filled = String(template.map { $0 == "{" ? "<" : $0 == "}" ? ">" : $0 })
        var out = ["/", "//", "/x", "/x/", "/x/y", "/x//y", "/x/a/y/b", "/x/a/b/y/c/d", "/x/y/y", "/x/\n/y", "/x/a\n/y/b"]
        let literalOnly = template.split(separator: "{").first.map(String.init) ?? template
        for middle in ["", "a", "a/b", "a/json", "json", "/", "a\nb", "a/b/json/c"] {
            for tail in ["", "/json", "/archive", "/start", "/checkpoints/c", "/y", "/y/b", "/y/", "/push"] {
                out.append(literalOnly + middle + tail)
            }
        }
        out.append(filled)
        return out
    }

    @Test(arguments: templates) func agreesWithGreedyBacktracking(_ template: String) {
        let pattern = PathPattern(muxTemplate: template)
        for path in Self.paths(for: template) {
            let bytes = Array(path.utf8)
            #expect(Self.fast(pattern, bytes) == Self.reference(pattern, bytes), "\(template) on \(path.debugDescription)")
        }
    }

    /// A 256 KiB segment is matched by a single pass per route, not one per byte.
    @Test func aLongNameStillMatches() {
        let name = String(repeating: "a", count: 256 << 10)
        guard case .matched(let m) = Catalogue.resolve(method: "GET", target: "/v1.43/containers/\(name)/json") else {
            Issue.record("no match"); return
        }
        #expect(m.route.name == "container.inspect")
        #expect(m.parameters.values.contains { $0.utf8.count == 256 << 10 })
    }
}
