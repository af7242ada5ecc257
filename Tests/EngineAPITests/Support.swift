@testable import EngineAPI
import Testing

/// What a resolution is expected to be.
enum Expected: Sendable {
    /// Matched this route name; optional checks on parameters, version and path.
    case route(String, parameters: [String: String]? = nil, version: String?? = .none, path: String? = nil)
    case unknown
    /// Invalid, with the reason containing this text.
    case invalid(String)
}

/// One row of a behaviour table.
struct ResolveCase: Sendable, CustomTestStringConvertible {
    let name: String
    let method: String
    let target: String
    let expected: Expected

    init(_ name: String, _ method: String, _ target: String, _ expected: Expected) {
        self.name = name
        self.method = method
        self.target = target
        self.expected = expected
    }

    var testDescription: String { name }
}

func check(_ row: ResolveCase, sourceLocation: SourceLocation = #_sourceLocation) {
    let result = Catalogue.resolve(method: row.method, target: row.target)
    switch (row.expected, result) {
    case let (.route(name, parameters, version, path), .matched(match)):
        #expect(match.route.name == name, "\(row.method) \(row.target)", sourceLocation: sourceLocation)
        if let parameters {
            #expect(match.parameters == parameters, "\(row.method) \(row.target)", sourceLocation: sourceLocation)
        }
        if case .some(let version) = version {
            #expect(match.apiVersion == version, "\(row.method) \(row.target)", sourceLocation: sourceLocation)
        }
        if let path {
            #expect(match.path == path, "\(row.method) \(row.target)", sourceLocation: sourceLocation)
        }
    case (.unknown, .unknown):
        break
    case let (.invalid(text), .invalid(reason)):
        #expect(reason.contains(text), "reason \"\(reason)\" lacks \"\(text)\"", sourceLocation: sourceLocation)
    default:
        Issue.record("\(row.method) \(row.target): expected \(row.expected), got \(result)", sourceLocation: sourceLocation)
    }
}

/// A sample value for a variable, chosen to exercise the daemon's pattern:
/// slashes and colons where the daemon accepts them (`.*`, `.+`), a plain
/// token where it accepts one segment (`[^/]+`).
func sampleValue(for kind: PathPattern.VariableKind, slot: Int) -> String {
    switch kind {
    case .segment: return slot == 0 ? "abc123" : "cp-1"
    case .anyNotNewline, .someNotNewline: return "registry:5000/ns/img:tag"
    }
}

/// Fills a route's documented template with sample values; returns the path
/// and the expected parameters.
func samplePath(for compiled: Catalogue.CompiledRoute) -> (path: String, parameters: [String: String]) {
    var path = ""
    var parameters: [String: String] = [:]
    var slot = 0
    for part in compiled.pattern.parts {
        switch part {
        case .literal(let bytes):
            path += String(decoding: bytes, as: UTF8.self)
        case .variable(let kind, _):
            let value = sampleValue(for: kind, slot: slot)
            path += value
            parameters[compiled.parameterNames[slot]] = value
            slot += 1
        }
    }
    return (path, parameters)
}
