import EngineAPI
import GoJSON

/// Image names on a job socket. Images are shared between jobs unless a job
/// made them its own: an image whose config carries the owner label (built,
/// committed or imported through a job socket) is that job's; a name (a tag)
/// a job put on a shared image is that job's *claim*, kept by sockwarden
/// because a tag carries no labels. Everything else (base images pulled by
/// anyone) is shared: usable by every job, removable by none.
public enum ImageOwnership: Sendable, Equatable {
    case own
    case shared
    /// Another job's: answered as if it did not exist.
    case foreign
}

public enum ImageNames {
    /// Who owns the image the daemon found for `asked`. `labels`,
    /// `repoTags` and `repoDigests` come from the daemon's inspect of it;
    /// `claimant` answers which job claimed a normalised name, if any.
    ///
    /// An image with no owner label and no name (no tag, no digest) is no
    /// job's to see: such are the steps of a build (the classic builder adds
    /// the build's labels as its last step only, so the steps before it, `FROM
    /// scratch` ones included, carry its layers and configuration, build
    /// arguments too, and which job built them is not recorded). Shared
    /// images have a name: pulled (by tag or digest), or imported or built
    /// and tagged through the main socket.
    public static func ownership(asked: String, id: String?, labels: [(key: String, value: String)], repoTags: [String],
                                 repoDigests: [String] = [], owner: JobOwner, recorded: Set<String>,
                                 claimant: (String) -> String?) -> ImageOwnership {
        if let owned = JobImages.owns(id: id, labels: labels, owner: owner, recorded: recorded) { return owned ? .own : .foreign }
        if isUnnamed(repoTags: repoTags, repoDigests: repoDigests) { return .foreign }
        // A shared image asked for by name: the name may be a job's claim.
        guard let name = ImageReference.normalise(asked),
              repoTags.contains(where: { ImageReference.normalise($0) == name }),
              let job = claimant(name) else { return .shared }
        return job == owner.id ? .own : .foreign
    }

    /// The repository to list for a save (`GET /images/{name}/get`,
    /// `/images/get?names=`) of a bare name: dockerd 20.10 saves every tag
    /// of the repository (`ReferencesByName`) then. As the `reference`
    /// filter of `GET /images/json` matches it (the familiar name, e.g.
    /// `app` for `docker.io/library/app`); nil for a name with a tag or
    /// digest, an ID, or what is no name.
    public static func savedRepository(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.contains(UInt8(ascii: "@")) || name.utf8.starts(with: "sha256:".utf8) { return nil }
        if bytes.count == 64, bytes.allSatisfy(isLowerHex) { return nil }
        let last = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last ?? []
        if last.contains(UInt8(ascii: ":")) { return nil }
        // A short hex name is a repository name first (then an ID prefix).
        if !bytes.isEmpty, bytes.allSatisfy(isLowerHex) { return name }
        guard ImageReference.normalise(name) != nil else { return nil }
        return untagged(familiar(name))
    }

    /// A reference dockerd 20.10 may read as an image ID prefix: when no
    /// image has it as a name, `GetImage` searches the IDs with the whole
    /// reference (`imageStore.Search`). A bare hex name (`3ded`, `cafe`) is
    /// the job's tag `3ded:latest` when sockwarden checks it, and another
    /// image's ID prefix once that tag is removed, before the daemon acts;
    /// a short `sha256:` prefix likewise. A full ID (64 hex digits) is exact.
    public static func readsAsIDPrefix(_ name: String) -> Bool {
        var hex = Substring(name)
        if name.utf8.starts(with: "sha256:".utf8) {
            hex = hex.dropFirst(7)
            return hex.utf8.count < 64
        }
        return !hex.utf8.isEmpty && hex.utf8.count < 64
            && hex.utf8.allSatisfy { isLowerHex($0) || ($0 >= 0x41 && $0 <= 0x46) }
    }

    /// The answer to a reference that `readsAsIDPrefix`.
    public static func shortIDRefusal(_ name: String) -> TenancyRefusal {
        TenancyRefusal(status: 403, message: "sockwarden: on a job socket, name an image by a tag (name:tag) or its full ID (sha256:…), not by \(name): the daemon may read a short or bare hex name as another image's ID prefix")
    }

    /// No tag and no digest (`<none>:<none>` and `<none>@<none>` are how
    /// image lists write "none").
    public static func isUnnamed(repoTags: [String], repoDigests: [String]) -> Bool {
        repoTags.allSatisfy { $0.utf8.elementsEqual("<none>:<none>".utf8) }
            && repoDigests.allSatisfy { $0.utf8.elementsEqual("<none>@<none>".utf8) }
    }

    /// The reference as dockerd 20.10's `ErrImageDoesNotExist` prints it
    /// (`reference.FamiliarString(TagNameOnly(ref))`): `foo` is
    /// `foo:latest`, `docker.io/library/foo` is `foo:latest`, a 64-hex ID is
    /// `sha256:<id>`, a short hex ID is read as a name like any other.
    public static func familiar(_ reference: String) -> String {
        let bytes = Array(reference.utf8)
        if bytes.count == 64, bytes.allSatisfy(isLowerHex) { return "sha256:" + reference }
        if reference.utf8.starts(with: "sha256:".utf8) { return reference }
        // A short hex ID is parsed as a name first (`abc123` is `abc123:latest`).
        if !bytes.isEmpty, bytes.count < 64, bytes.allSatisfy(isLowerHex) { return reference + ":latest" }
        guard let normal = ImageReference.normalise(reference) else { return reference }
        for prefix in ["docker.io/library/", "docker.io/"] where normal.utf8.starts(with: prefix.utf8) {
            let rest = String(decoding: normal.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
            // `docker.io/library/x/y` stays as it is (only one-component names drop `library/`).
            if prefix == "docker.io/library/", rest.utf8.contains(UInt8(ascii: "/")) { continue }
            return rest
        }
        return normal
    }

    /// What dockerd 20.10 answers on `route` for an image `name` it does not
    /// have (checked against the daemon by the integration tests). A save by
    /// full ID names a file in the daemon's data root (`storage`:
    /// `DockerRootDir` and `Driver` from `/info`; without them the answer is
    /// a 404 that only approximates it); a save by any other `sha256:` name
    /// (a short ID) is searched as an ID prefix, a 404; a push answers 200
    /// with the error inside its progress stream.
    public static func missing(route: String, name: String, storage: (root: String, driver: String)? = nil) -> TenancyRefusal {
        switch route {
        case "image.inspect":
            return TenancyRefusal(status: 404, message: "no such image: \(name): No such image: \(familiar(name))")
        case "image.get", "image.get.all":
            // `image/tarexport` parseNames: a full ID (`reference.ParseAnyReference`
            // reads it as a digest) is opened in the image store; any other name
            // whose repository is `sha256` is searched as an ID prefix
            // (`imageStore.Search`: "No such image: <name>").
            if !isFullID(name), name.utf8.starts(with: "sha256:".utf8) {
                return TenancyRefusal(status: 404, message: "No such image: \(name)")
            }
            if isFullID(name) {
                let digest = familiar(name)
                guard let storage else { return TenancyRefusal(status: 404, message: "No such image: \(digest)") }
                let hex = String(digest.dropFirst("sha256:".count))
                return TenancyRefusal(status: 500, message: "failed to get digest \(digest): open \(storage.root)/image/\(storage.driver)/imagedb/content/sha256/\(hex): no such file or directory")
            }
            let tagged = name.utf8.contains(UInt8(ascii: "@"))
                || name.utf8.split(separator: UInt8(ascii: "/")).last?.contains(UInt8(ascii: ":")) == true
            return TenancyRefusal(status: 404, message: tagged ? "reference does not exist" : "No such image: \(name)")
        case "image.push":
            // `name` is the repository of the path; the daemon names it without a tag.
            let repository = untagged(ImageReference.normalise(name) ?? name)
            let message = "An image does not exist locally with the tag: \(untagged(familiar(name)))"
            let lines: [JSONValue] = [
                .object([JSONMember("status", .string("The push refers to repository [\(repository)]"))]),
                .object([JSONMember("errorDetail", .object([JSONMember("message", .string(message))])),
                         JSONMember("error", .string(message))]),
            ]
            var body: [UInt8] = []
            for line in lines { body += GoEncoder.render(line) + [13, 10] }
            return TenancyRefusal(status: 200, message: message, raw: body)
        default:
            return TenancyRefusal(status: 404, message: "No such image: \(familiar(name))")
        }
    }

    /// A full image ID: 64 lower-case hex digits, with or without `sha256:`
    /// (what `reference.ParseAnyReference` reads as a digest).
    public static func isFullID(_ name: String) -> Bool {
        let hex = name.utf8.starts(with: "sha256:".utf8) ? name.utf8.dropFirst(7) : name.utf8[...]
        return hex.count == 64 && hex.allSatisfy(isLowerHex)
    }

    /// A name without its tag (`a/b:1` is `a/b`; a registry port stays).
    public static func untagged(_ name: String) -> String {
        let bytes = Array(name.utf8)
        let slash = bytes.lastIndex(of: UInt8(ascii: "/")) ?? -1
        guard let colon = bytes.lastIndex(of: UInt8(ascii: ":")), colon > slash else { return name }
        return String(decoding: bytes[..<colon], as: UTF8.self)
    }

    /// The name `repo` and `tag` give a new image (tag, commit, import, pull),
    /// normalised; nil when the daemon would not read it as a name.
    public static func target(repo: String, tag: String) -> String? {
        guard !repo.utf8.isEmpty else { return nil }
        // `repo` may carry its own tag or digest; `tag` is added only when non-empty.
        return ImageReference.normalise(tag.utf8.isEmpty ? repo : repo + ":" + tag)
    }

    /// `changes` of an import or commit (Dockerfile instructions the daemon
    /// joins with newlines and parses): on a job socket they may not set the
    /// owner label, continue a line or change the escape character, so the
    /// owner label sockwarden adds cannot be overridden; nor name the create
    /// mark (`CreateMarks.labelKey`), which only sockwarden sets (its own
    /// `LABEL`, added last, would override a job's anyway).
    public static func checkChanges(_ changes: [String]) -> TenancyRefusal? {
        if let refusal = ownerLabelRefusal(changes) { return refusal }
        for change in changes where contains(Array(change.utf8), Array(CreateMarks.labelKey.utf8)) {
            return TenancyRefusal(status: 403, message: "sockwarden: on a job socket a change (\(change)) may not contain the label \(CreateMarks.labelKey), which sockwarden sets; remove it")
        }
        return nil
    }

    static func ownerLabelRefusal(_ changes: [String]) -> TenancyRefusal? {
        for change in changes {
            let bytes = Array(change.utf8)
            if bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "`") || $0 == 0x0A || $0 == 0x0D })
                || contains(bytes, Array(JobOwner.labelKey.utf8)) {
                return TenancyRefusal(status: 403, message: "sockwarden: on a job socket a change (\(change)) may not contain \\, `, a line break or the label \(JobOwner.labelKey)")
            }
        }
        return nil
    }

    /// `changes` of an import or commit on a socket that is no job's, while
    /// job sockets exist: whether they could set the owner label. Besides
    /// what `checkChanges` refuses, the daemon expands variables and joins
    /// quoted pieces (`LABEL io.${X}.job=…`, `LABEL "io.sockwarden.jo"b=…`),
    /// so a change that mentions "label" (any case) and holds `$`, `"` or
    /// `'` counts too.
    public static func changesMaySetOwnerLabel(_ changes: [String]) -> Bool {
        if ownerLabelRefusal(changes) != nil { return true }
        return changes.contains { change in
            let lower = change.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            return contains(lower, Array("label".utf8))
                && lower.contains { $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }
        }
    }

    /// The `LABEL` instruction that marks an imported or committed image as
    /// the job's: the owner label and the job's seal.
    public static func ownerLabelChange(_ owner: JobOwner, mark: String? = nil) -> String {
        "LABEL \(JobOwner.labelKey)=\(owner.id) \(JobOwner.sealKey)=\(owner.seal)" + (mark.map { " \(CreateMarks.labelKey)=\($0)" } ?? "")
    }

    static func isLowerHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) }

    /// Whether `needle` occurs in `haystack` (byte search).
    public static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
