import EngineAPI
import GoJSON

/// A classic build's answer stream (dockerd 20.10, `api/server/router/build`,
/// `api/server/backend/build`, `builder/dockerfile`), read for what a job
/// socket tags once the build has ended (`Connection.relayTaggingBuild`,
/// docs/tenancy.md "The names a build gives"): the image the build made.
///
/// The daemon writes one JSON message a line (`\r\n`). A build forwarded
/// without names ends, when it succeeded, with a message of the daemon's
/// own, after everything a `RUN` step printed: `{"stream":"Successfully
/// built <12 hex>\n"}`, or with `q=1` (the build's output held back) the
/// only message, `{"stream":"sha256:<64 hex>\n"}`. A RUN step can print
/// either text, but never after the daemon's last line, so only the last
/// message counts. With API 1.30 or later the builder also emits the image
/// as `{"aux":{"ID":"sha256:…"}}` (`emitImageID`; a squashed build's comes
/// last): it gives the full ID, and must agree with the last line. An error
/// message (`errorDetail`, which the docker CLI reads, or `error`, which
/// the SDKs read) means the build failed: nothing is tagged.
public struct BuildResultReader: Sendable {
    public enum Outcome: Equatable, Sendable {
        /// The build failed, or its stream was cut off: nothing to add.
        case failed
        /// The stream ended without an error but not as a build the daemon
        /// finished: no name is given, and the client is told.
        case unreadable
        /// The image, by its full ID; `quiet`: a `q=1` build (its client
        /// is shown no "Successfully tagged" lines).
        case image(String, quiet: Bool)
        /// An API < 1.30 build (no aux message): the image by the ID
        /// prefix of "Successfully built", resolved among the job's images.
        case idPrefix(String)
    }

    /// The longest line read; a longer one (a RUN step's output) is skipped.
    static let maxLine = 1 << 20

    private var line: [UInt8] = []
    private var overlong = false
    /// The last image ID the builder emitted.
    private var auxID: String?
    /// Every image ID the builder emitted, in order, once each (at most
    /// `maxImages`): one per stage as it ends (`emitImageID`), the squashed
    /// image last.
    public private(set) var emittedImages: [String] = []
    static let maxImages = 4096
    /// The 12-digit ID prefixes the builder printed as each step ended
    /// (`" ---> <12 hex>\n"`), in order, once each (at most `maxImages`).
    /// A `RUN` step can print the same text: only images that are the
    /// job's by their label and seal are acted on (`JobScope.removeOwnStepImages`).
    public private(set) var stepImages: [String] = []
    /// The text of the last message when it is a `{"stream": …}` one.
    private var lastStream: String?
    private var failed = false

    public init() {}

    /// Reads more of the (de-chunked) stream.
    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        for byte in bytes {
            if byte == 0x0A {
                if overlong { lastStream = nil } else { read(line) }
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

    /// What the stream says the build made; `ended`: the daemon's stream
    /// came to its end, not cut off.
    public func outcome(ended: Bool) -> Outcome {
        guard ended, !failed else { return .failed }
        guard line.allSatisfy({ $0 == 0x0D || $0 == 0x20 }), !overlong, let last = lastStream else { return .unreadable }
        let bytes = Array(last.utf8)
        guard bytes.last == 0x0A else { return .unreadable }
        let text = bytes.dropLast()
        if Self.isFullID(text) { return .image(String(decoding: text, as: UTF8.self), quiet: true) }
        let prefix = Array("Successfully built ".utf8)
        guard text.starts(with: prefix) else { return .unreadable }
        let short = text.dropFirst(prefix.count)
        guard (1...64).contains(short.count), short.allSatisfy(Self.isLowerHex) else { return .unreadable }
        guard let auxID else { return .idPrefix(String(decoding: short, as: UTF8.self)) }
        guard Self.isFullID(Array(auxID.utf8)), auxID.utf8.dropFirst(7).starts(with: short) else { return .unreadable }
        return .image(auxID, quiet: false)
    }

    private mutating func read(_ line: [UInt8]) {
        var trimmed = line[...]
        while let l = trimmed.last, l == 0x0D || l == 0x20 { trimmed.removeLast() }
        if trimmed.isEmpty { return }
        lastStream = nil
        guard case .success(let message) = JSONParser.parse(Array(trimmed)) else { return }
        if Self.member(message, "errorDetail") != nil || Self.member(message, "error") != nil {
            failed = true
            return
        }
        if let aux = Self.member(message, "aux"), case .string(let id)? = Self.member(aux, "ID") {
            auxID = id
            if Self.isFullID(Array(id.utf8)), emittedImages.count < Self.maxImages, !emittedImages.contains(id) { emittedImages.append(id) }
        }
        if case .object(let members) = message, members.count == 1, case .string(let text)? = Self.member(message, "stream") {
            lastStream = text
            if let step = Self.stepImage(text), stepImages.count < Self.maxImages, !stepImages.contains(step) { stepImages.append(step) }
        }
    }

    /// The images the build made that are not its result: each earlier
    /// stage's (a multi-stage build's `COPY --from` sources, which no image
    /// descends from), and, of a build that failed, every stage's that
    /// ended. Nothing of a build whose result cannot be read.
    public func earlierStageImages(ended: Bool) -> [String] {
        switch outcome(ended: ended) {
        case .image(let id, _): return emittedImages.filter { $0 != id }
        case .failed where ended: return emittedImages
        case .failed, .unreadable, .idPrefix: return []
        }
    }

    /// The ID prefix of a step's end as the builder prints it
    /// (`builder/dockerfile`: `" ---> %s\n"`, `stringid.TruncateID`).
    static func stepImage(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        let lead = Array(" ---> ".utf8)
        guard bytes.count == lead.count + 13, bytes.starts(with: lead), bytes.last == 0x0A else { return nil }
        let hex = bytes[lead.count..<(bytes.count - 1)]
        guard hex.allSatisfy(isLowerHex) else { return nil }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The last member named `key` (Go's decoder keeps the last).
    private static func member(_ value: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let members) = value else { return nil }
        return members.last { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    static func isLowerHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) }

    /// `sha256:` and 64 lower-case hex digits.
    static func isFullID<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        guard bytes.count == 71, bytes.starts(with: Array("sha256:".utf8)) else { return false }
        return bytes.dropFirst(7).allSatisfy(isLowerHex)
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

    /// The most names (`t`, distinct as `names` counts them) a job socket's
    /// build may give. The job socket tags each at the build's end, with
    /// its own `request` and `result` records (`tagged_for`, some 2 KB of
    /// log for the few bytes of `&t=NAME`): 200 names in a 4.9 KB query
    /// wrote 404 KB of records (found 2026-12-01 by review15). 16 names
    /// write at most about 32 KiB, within a request's bound (SECURITY.md).
    public static let maxNames = 16

    /// A build with more than `maxNames` names: 400, before it is judged further.
    public static func checkCount(_ query: GoQuery, job: String) -> TenancyRefusal? {
        let count = names(query).count
        guard count > maxNames else { return nil }
        return TenancyRefusal(status: 400, message: "sockwarden: job \(job): the build gives its image \(count) names (t), and a job socket gives at most \(maxNames) (each is a tag of its own, with its own audit records); tag the image afterwards (docker tag), or give fewer names")
    }

    /// `repo` and `tag` of a tag request giving the image the normalised name `name`.
    public static func tagQuery(_ name: String) -> String {
        let familiar = ImageNames.familiar(name)
        let repo = ImageNames.untagged(familiar)
        let tag = familiar.utf8.count > repo.utf8.count ? String(familiar.utf8.dropFirst(repo.utf8.count + 1))! : "latest"
        return "repo=" + QueryRewrite.escape(repo) + "&tag=" + QueryRewrite.escape(tag)
    }
}
