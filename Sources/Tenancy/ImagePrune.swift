import EngineAPI
import GoJSON

/// An image prune on a job socket, done by sockwarden (see docs/tenancy.md,
/// "image prune"). dockerd 20.10's prune (`daemon/images/image_prune.go`,
/// `ImagesPrune`) applies the `label` and `label!` filters only to images
/// that have a config: `img.Config != nil && !matchLabels(...)`. An image
/// without one (a loaded or pulled image whose config JSON has no `config`
/// object) is pruned whatever the labels say, so the owner's label filter a
/// job socket added did not scope it: `docker image prune -a` on a job
/// socket removed shared base images and the tags other jobs had claimed on
/// them (found 2026-11-30, session 12). The job socket therefore chooses the
/// images itself, among the job's own (owner label and seal, listed by the
/// daemon under both), as the daemon's prune would choose them, and deletes
/// each as the prune does (`ImageDelete(ref, force: false, prune: true)`).
public enum ImagePrune {
    /// The filters of an image prune as the daemon reads them.
    public struct Filters: Sendable, Equatable {
        /// `dangling` absent or true: only untagged images.
        public var danglingOnly = true
        public var labels: [String] = []
        public var notLabels: [String] = []
        public var until: [String] = []
        public init(danglingOnly: Bool = true, labels: [String] = [], notLabels: [String] = [], until: [String] = []) {
            self.danglingOnly = danglingOnly
            self.labels = labels
            self.notLabels = notLabels
            self.until = until
        }

        var containerFilters: ContainerPrune.Filters {
            ContainerPrune.Filters(labels: labels, notLabels: notLabels, until: until)
        }
    }

    static let accepted: Set<String> = ["dangling", "label", "label!", "until"]

    /// `filters.FromJSON`, then `Validate(imagesAcceptedFilters)` and the
    /// `dangling` values, with the daemon's messages (400).
    public static func filters(_ raw: String?) -> Result<Filters, TenancyRefusal> {
        guard let query = GoQuery.parse(raw) else {
            return .failure(TenancyRefusal(status: 400, message: "the query string is malformed"))
        }
        guard let text = query.first("filters"), !text.utf8.isEmpty else { return .success(Filters()) }
        let decoded: [String: [String: Bool]]
        switch QueryRewrite.decodeFilters(Array(text.utf8)) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let read): decoded = read
        }
        if let unknown = decoded.keys.sorted().first(where: { !accepted.contains($0) }) {
            return .failure(TenancyRefusal(status: 400, message: "Invalid filter '\(unknown)'"))
        }
        var filters = Filters()
        if let dangling = decoded["dangling"] {
            // `ExactMatch`: no values match anything; otherwise the value must be set true.
            func exact(_ value: String) -> Bool { dangling.isEmpty || dangling[value] == true }
            if exact("false") || exact("0") {
                filters.danglingOnly = false
            } else if !exact("true") && !exact("1") {
                return .failure(TenancyRefusal(status: 400, message: "Invalid filter 'dangling=[\(dangling.keys.sorted().joined(separator: " "))]'"))
            }
        }
        func keys(_ name: String) -> [String] { (decoded[name] ?? [:]).keys.sorted() }
        filters.labels = keys("label")
        filters.notLabels = keys("label!")
        filters.until = keys("until")
        return .success(filters)
    }

    /// Whether a job's prune chooses an image with these config labels (nil:
    /// the image has no config, or the list gives none): only the job's own
    /// images (owner label and seal, and the ID its socket recorded,
    /// `JobImages`), and among them those the `label` and
    /// `label!` filters choose. Where the daemon prunes an image without a
    /// config whatever the filters, this never does.
    public static func chooses(_ filters: Filters, id: String, labels: [(key: String, value: String)]?, owner: JobOwner,
                               recorded: Set<String>) -> Bool {
        guard let labels, JobImages.owns(id: id, labels: labels, owner: owner, recorded: recorded) == true else { return false }
        var map: [String: String] = [:]
        for (key, value) in labels { map[key] = value }
        return ContainerPrune.matchesLabels(filters.containerFilters, map)
    }

    /// What the prune deletes of one image, in order, each with
    /// `DELETE /images/{ref}` (no force): every reference when it has any
    /// and is not spared as tagged by a dangling-only prune, otherwise the
    /// image by its ID. An image that has children, or that a container
    /// uses, is refused by the daemon (409), as the prune skips it.
    public static func removals(id: String, repoTags: [String], repoDigests: [String], danglingOnly: Bool) -> [String] {
        let tags = repoTags.filter { $0 != "<none>:<none>" }
        let digests = repoDigests.filter { $0 != "<none>@<none>" }
        let references = tags + digests
        if !references.isEmpty {
            return danglingOnly && !tags.isEmpty ? [] : references
        }
        let hex = id.utf8.starts(with: "sha256:".utf8) ? String(id.dropFirst(7)) : id
        return hex.isEmpty ? [] : [hex]
    }

    /// The daemon's answer (`types.ImagesPruneReport`, then the newline of
    /// Go's JSON encoder): `ImagesDeleted` is null when nothing was deleted.
    /// `items` are the elements of the delete answers, as the daemon gave them.
    public static func report(items: [JSONValue], spaceReclaimed: UInt64) -> [UInt8] {
        let deleted = items.isEmpty ? Array("null".utf8) : GoEncoder.render(.array(items))
        return Array("{\"ImagesDeleted\":".utf8) + deleted + Array(",\"SpaceReclaimed\":\(spaceReclaimed)}\n".utf8)
    }
}
