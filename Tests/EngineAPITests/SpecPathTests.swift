@testable import EngineAPI
import Testing

/// The specs (v1.41, v1.47, v1.51) against the catalogue.
///
/// Findings when this was written:
/// - every spec path is registered by the daemon, with the same method;
/// - `PUT /volumes/{name}` is only in v1.47+ (Docker 20.10 does not register it);
/// - the daemon registers routes no spec documents: checkpoints (experimental),
///   `POST /containers/{id}/copy` (20.10 only), `POST /build/cancel`,
///   `POST /grpc`, `GET /networks/` and `OPTIONS /{anyroute:.*}`;
/// - v1.56-dev (moby main, out of scope) adds `GET /images/{name}/attestations`,
///   which resolves to `.unknown` here.
@Suite("Spec paths")
struct SpecPathTests {
    @Test("every spec operation resolves to the route with that method and template",
          arguments: specPaths)
    func specPathResolves(_ spec: SpecPath) {
        let filled = fill(spec.path)
        for prefix in [""] + spec.specs.map({ "/v" + $0 }) {
            let result = Catalogue.resolve(method: spec.method, target: prefix + filled)
            guard case .matched(let match) = result else {
                Issue.record("\(spec.method) \(prefix + filled): \(result)")
                continue
            }
            #expect(match.route.method == spec.method)
            #expect(match.route.template == spec.path)
        }
    }

    @Test("the spec paths and the documented routes of the table coincide")
    func tableCoversExactlyTheSpec() {
        let spec = Set(specPaths.map { "\($0.method) \($0.path)" })
        let table = Set(Catalogue.routes.map { "\($0.method) \($0.template)" })
        #expect(spec.subtracting(table).isEmpty)
        let undocumented = Set(Catalogue.routes.filter { !spec.contains("\($0.method) \($0.template)") }.map(\.name))
        #expect(undocumented == [
            "container.checkpoint.list", "container.checkpoint.create", "container.checkpoint.delete",
            "container.copy", "build.cancel", "session.grpc", "network.list.slash", "system.options",
        ])
    }

    @Test("a spec path whose variables hold slashes still resolves when the daemon allows it")
    func slashyNames() {
        for spec in specPaths where spec.path.contains("{name}") && !spec.path.hasPrefix("/volumes") {
            let filled = spec.path.replacingAll("{name}", with: "registry:5000/ns/img:tag")
            let result = Catalogue.resolve(method: spec.method, target: "/v1.41" + filled)
            guard case .matched(let match) = result else {
                Issue.record("\(spec.method) \(filled): \(result)")
                continue
            }
            #expect(match.route.template == spec.path)
            #expect(match.parameters["name"] == "registry:5000/ns/img:tag")
        }
    }

    private func fill(_ template: String) -> String {
        template.replacingAll("{id}", with: "abc123").replacingAll("{name}", with: "thing")
    }
}

extension String {
    /// Standard-library-only replacement (no Foundation in this target).
    func replacingAll(_ needle: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: needle) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
