@testable import EngineAPI
import GoJSON
import Testing

/// Parses JSON text as json.Unmarshal would (one value, whitespace around).
func bodyJSON(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
    switch JSONParser.parse(Array(text.utf8)) {
    case .success(let v): return v
    case .failure(let e):
        Issue.record("fixture is not JSON: \(e)", sourceLocation: sourceLocation)
        return .null
    }
}

/// Every struct reachable from a type (depth-first, each name once).
func reachableStructs(_ type: GoType) -> [GoStruct] {
    var seen: Set<String> = []
    var out: [GoStruct] = []
    func walk(_ t: GoType) {
        switch t {
        case .structure(let s):
            if seen.insert(s.name).inserted {
                out.append(s)
                s.fields.forEach { walk($0.type) }
            }
        case .map(_, let v): walk(v)
        case .slice(let e), .array(let e, _), .pointer(let e): walk(e)
        default: break
        }
    }
    walk(type)
    return out
}

/// ASCII case fold (Docker's field names are ASCII).
func asciiFolded(_ name: String) -> String { String(name.lowercased()) }

/// Without a decoder: where `json` does not fit `type` — keys that match no
/// field (exactly or case-insensitively, as encoding/json matches them) and
/// JSON kinds the Go type cannot take. Custom types are run.
func schemaProblems(_ json: JSONValue, _ type: GoType, at path: String = "$") -> [String] {
    if case .null = json { return [] }
    switch type {
    case .bool:
        if case .bool = json { return [] }
    case .int, .uint, .float:
        if case .number = json { return [] }
    case .string, .bytes:
        if case .string = json { return [] }
    case .interface:
        return []
    case .pointer(let t):
        return schemaProblems(json, t, at: path)
    case .custom(let c):
        if case .failure(let e) = c.decode(json) { return ["\(path): \(c.name) refused: \(e)"] }
        return []
    case .slice(let t), .array(let t, _):
        if case .array(let items) = json {
            return items.enumerated().flatMap { schemaProblems($1, t, at: "\(path)[\($0)]") }
        }
    case .map(_, let v):
        if case .object(let members) = json {
            return members.flatMap { schemaProblems($0.value, v, at: "\(path)[\($0.key)]") }
        }
    case .structure(let s):
        if case .object(let members) = json {
            return members.flatMap { m -> [String] in
                let field = s.fields.first { $0.name == m.key } ?? s.fields.first { asciiFolded($0.name) == asciiFolded(m.key) }
                guard let field else { return ["\(path).\(m.key): unknown key in \(s.name)"] }
                return schemaProblems(m.value, field.type, at: "\(path).\(field.name)")
            }
        }
    }
    return ["\(path): JSON \(jsonKind(json)) does not fit \(type)"]
}

func jsonKind(_ json: JSONValue) -> String {
    switch json {
    case .null: "null"
    case .bool: "bool"
    case .number: "number"
    case .string: "string"
    case .array: "array"
    case .object: "object"
    }
}

func bodyField(_ s: GoStruct, _ name: String) -> GoField? { s.fields.first { $0.name == name } }

/// The schema for a captured body's route.
func bodySchema(for route: String, sourceLocation: SourceLocation = #_sourceLocation) -> GoType? {
    guard let spec = BodySchemas.spec(forRoute: route), case .json(let t) = spec.kind else {
        Issue.record("no JSON schema for \(route)", sourceLocation: sourceLocation)
        return nil
    }
    return t
}
