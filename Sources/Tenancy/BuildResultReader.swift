import EngineAPI
import GoJSON

/// A classic build's answer stream (dockerd 20.10, `api/server/backend/build`
/// and `builder/dockerfile`), read for what a job socket tags once the build
/// has ended (`Connection.relayTaggingBuild`, docs/tenancy.md "Builds"): the
/// image the build made and whether it failed.
///
/// The daemon writes one JSON message a line (`\r\n`). The builder emits the
/// image it made as `{"aux":{"ID":"sha256:…"}}` (`emitImageID`, once the last
/// step is done; a squashed build emits the squashed image's again, as
/// `{"id":"moby.image.id","aux":{"ID":…}}`): the last one is the image. A RUN
/// step's output can only ever be the string of a `{"stream":…}` message, so
/// "Successfully built …" (which a RUN step can print) is not trusted for it.
/// An error (`errorDetail`, which the docker CLI reads, or `error`, which the
/// SDKs read) means the build failed: nothing is tagged.
public struct BuildResultReader: Sendable {
    /// The longest line read; a longer one (a RUN step's output) is skipped.
    static let maxLine = 1 << 20

    private var line: [UInt8] = []
    private var overlong = false
    /// The last image ID the builder emitted.
    public private(set) var imageID: String?
    /// The stream carried an error message.
    public private(set) var failed = false

    public init() {}

    /// Reads more of the (de-chunked) stream.
    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        for byte in bytes {
            if byte == 0x0A {
                if !overlong { read(line) }
                line.removeAll(keepingCapacity: true)
                overlong = false
            } else if !overlong {
                line.append(byte)
                if line.count > Self.maxLine {
                    overlong = true
                    line.removeAll()
                }
            }
        }
    }

    /// The image to tag: the build ended (`ended`: the daemon's stream
    /// came to its end, not cut off) without an error, with an image ID.
    public func built(ended: Bool) -> String? {
        guard ended, !failed, line.allSatisfy({ $0 == 0x0D || $0 == 0x20 }) else { return nil }
        guard let imageID, Self.isFullID(imageID) else { return nil }
        return imageID
    }

    private mutating func read(_ line: [UInt8]) {
        guard case .success(let message) = JSONParser.parse(line) else { return }
        if Self.member(message, "errorDetail") != nil || Self.member(message, "error") != nil {
            failed = true
            return
        }
        if let aux = Self.member(message, "aux"), case .string(let id)? = Self.member(aux, "ID") { imageID = id }
    }

    /// The last member named `key` (Go's decoder keeps the last).
    private static func member(_ value: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let members) = value else { return nil }
        return members.last { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    /// `sha256:` and 64 lower-case hex digits.
    static func isFullID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count == 71, bytes.starts(with: Array("sha256:".utf8)) else { return false }
        return bytes.dropFirst(7).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

/// The names a classic build's `t` parameters give its image, as the
/// daemon's `sanitizeRepoAndTags` takes them: empty ones skipped, each
/// normalised with `:latest` when it has no tag, duplicates once, in order.
public enum BuildTags {
    public static func names(_ query: GoQuery) -> [String] {
        var names: [String] = []
        for name in query.all("t") where !name.utf8.isEmpty {
            let normal = ImageNames.target(repo: name, tag: "") ?? name
            if !names.contains(normal) { names.append(normal) }
        }
        return names
    }

    /// `repo` and `tag` of a tag request giving the image the normalised name `name`.
    public static func tagQuery(_ name: String) -> String {
        let familiar = ImageNames.familiar(name)
        let repo = ImageNames.untagged(familiar)
        let tag = familiar.utf8.count > repo.utf8.count ? String(familiar.utf8.dropFirst(repo.utf8.count + 1))! : "latest"
        return "repo=" + QueryRewrite.escape(repo) + "&tag=" + QueryRewrite.escape(tag)
    }
}
