import Foundation
import GoJSON

/// Foundation's JSONEncoder on a Codable struct with the same members as a
/// `result` record (facts decoded into a JSON tree once): what rendering
/// would cost the obvious way.
struct EncodableRecord: Encodable {
    struct Peer: Encodable { let uid: UInt32, gid: UInt32, pid: Int32, container: String? }
    let v = 1
    let seq: UInt64
    let time: String
    let run: String
    let event: String
    let conn: UInt64
    let req: UInt64
    let peer: Peer?
    let method: String
    let target: String
    let route: String?
    let group: String?
    let api_version: String?
    let decision: String
    let would_deny: Bool
    let mode: String
    let rule: String
    let reason: String?
    let policy: String
    let policy_digest: String
    let facts: Tree?
    let status: Int?
    let judge_ms: Double?

    init(_ kind: Kind, seq: UInt64) {
        let r = kind.record
        self.seq = seq
        time = "2026-11-29T21:43:17.436Z"
        run = "8d18ae0ceff3"
        event = kind.result ? "result" : "request"
        conn = r.connection
        req = r.request
        peer = r.peer.map { Peer(uid: $0.uid, gid: $0.gid, pid: $0.pid, container: r.container) }
        method = r.method
        target = r.target
        route = r.route
        group = r.group
        api_version = r.apiVersion
        decision = r.decision
        would_deny = r.wouldDeny
        mode = r.mode
        rule = r.rule
        reason = r.reason
        policy = r.policy
        policy_digest = r.policyDigest
        if !kind.result, let bytes = r.facts, case .success(let value) = JSONParser.parse(bytes) {
            facts = Tree(value)
        } else {
            facts = nil
        }
        status = kind.result ? r.status : nil
        judge_ms = kind.result ? 0.041 : nil
    }

    /// A JSON value, for the facts.
    indirect enum Tree: Encodable {
        case object([(String, Tree)]), array([Tree]), string(String), number(Double), bool(Bool), null

        init(_ value: JSONValue) {
            switch value {
            case .object(let members): self = .object(members.map { ($0.key, Tree($0.value)) })
            case .array(let items): self = .array(items.map(Tree.init))
            case .string(let s): self = .string(s)
            case .number(let n): self = .number(Double(n) ?? 0)
            case .bool(let b): self = .bool(b)
            case .null: self = .null
            }
        }

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: Encoder) throws {
            switch self {
            case .object(let members):
                var c = encoder.container(keyedBy: Key.self)
                for (k, v) in members { try c.encode(v, forKey: Key(stringValue: k)) }
            case .array(let items):
                var c = encoder.unkeyedContainer()
                for v in items { try c.encode(v) }
            case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
            case .number(let n): var c = encoder.singleValueContainer(); try c.encode(n)
            case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
            case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
            }
        }
    }
}
