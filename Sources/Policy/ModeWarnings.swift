import EngineAPI
import GoJSON

/// How warn mode tells a client that its request would be denied.
///
/// The docker CLI has one warning channel: the `Warnings` array of a
/// container-create response, printed as `WARNING: …` by `docker run` and
/// `docker create`. For every other route the proxy adds an
/// `X-Sockwarden-Warning` response header (SDKs and curl can show it; the
/// docker CLI ignores it), and the audit log records `would_deny`.
public enum ModeWarnings {
    /// The route whose response carries `Warnings` the docker CLI prints.
    public static let warningsRoute = "container.create"
    /// Largest create response the proxy rewrites (the daemon's is ~100 bytes).
    public static let maxRewrittenBody = 64 * 1024
    public static let headerName = "X-Sockwarden-Warning"

    /// The text a client is warned with, e.g.
    /// `sockwarden: POST /containers/create (container.create) would be denied by policy ci.toml: [containers]: …`.
    public static func text(method: String, template: String, route: String, policy: String, reason: String) -> String {
        "sockwarden: \(method) \(template) (\(route)) would be denied by policy \(policy) (warn mode, allowed for now): \(reason)"
    }

    /// Adds `warnings` to a container-create response body
    /// (`{"Id":"…","Warnings":null|[…]}`), keeping every other member as
    /// the daemon wrote it. nil when the body is not such an object: the
    /// proxy then relays it unchanged.
    public static func addingWarnings(_ warnings: [String], toCreateResponse body: [UInt8]) -> [UInt8]? {
        guard case .success(let value) = JSONParser.parse(body), case .object(var members) = value else { return nil }
        let added = warnings.map { JSONValue.string($0) }
        if let i = members.lastIndex(where: { $0.key == "Warnings" }) {
            switch members[i].value {
            case .null: members[i] = JSONMember("Warnings", .array(added))
            case .array(let existing): members[i] = JSONMember("Warnings", .array(existing + added))
            default: return nil
            }
        } else {
            members.append(JSONMember("Warnings", .array(added)))
        }
        var out: [UInt8] = []
        JSONText.encode(.object(members), to: &out)
        out.append(10)  // as Go's json.Encoder
        return out
    }

    /// A header field value: visible ASCII and spaces only (anything else
    /// becomes `?`), at most 1024 bytes.
    public static func headerValue(_ text: String) -> String {
        var bytes: [UInt8] = []
        for b in text.utf8 {
            if bytes.count >= 1024 { break }
            bytes.append((b >= 0x20 && b < 0x7F) ? b : UInt8(ascii: "?"))
        }
        while bytes.last == UInt8(ascii: " ") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
