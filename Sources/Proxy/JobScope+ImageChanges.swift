import EngineAPI
import Tenancy

extension JobScope {
    /// What a request forwarded through a job socket changes, in the form
    /// `BuildImageHolds` holds it: a delete's image (by name or ID; by name,
    /// with the ID it names now while a build of the job holds something),
    /// a tag's, commit's, import's or pull's new name; nil for a route
    /// that changes none. `target`: the request-target as forwarded (a
    /// short ID pinned to its full ID). `pull`: a pull, which waits for the
    /// builds that name it.
    func imageChange(route: String, target: String) -> (names: [String], ids: [String], pull: Bool)? {
        guard let change = Self.imageChange(route: route, target: target) else { return nil }
        var ids = change.ids
        if route == "image.delete", let name = change.names.first, BuildImageHolds.shared.hasBuilds(job: owner.id),
           case .ok(let info) = lookup.get(ObjectKind.image.inspectPath(DaemonLookup.escape(name))),
           let id = info.member("Id")?.string, ImageNames.isFullID(id),
           Self.removesImage(untagging: name, repoTags: (info.member("RepoTags")?.array ?? []).compactMap(\.string),
                             repoDigests: (info.member("RepoDigests")?.array ?? []).compactMap(\.string)) {
            // The last name of an image a build holds by ID alone takes the image along.
            ids.append(id)
        }
        return (change.names, ids, change.pull)
    }

    /// A pull by tag of `name` (normalised) that a running build holds,
    /// made instead by the digest the held image has in that repository:
    /// the forwarded target, or nil when it has none there (a name the job
    /// made itself) or the pull asks for a platform (another image under the
    /// name, which the daemon would not put under the held digest): then the
    /// pull waits for the build.
    func heldDigestPull(_ name: String, target: String) -> String? {
        guard case .ok(let info) = lookup.get(ObjectKind.image.inspectPath(DaemonLookup.escape(name))) else { return nil }
        let repository = ImageNames.untagged(name)
        let digests = (info.member("RepoDigests")?.array ?? []).compactMap(\.string)
        guard let digest = digests.lazy.compactMap({ reference -> String? in
            guard let normalised = ImageReference.normalise(reference), let at = normalised.utf8.firstIndex(of: UInt8(ascii: "@")),
                  String(normalised.utf8[..<at]) == repository else { return nil }
            return String(normalised.utf8[normalised.utf8.index(after: at)...])
        }).first, let query = GoQuery.parse(RequestJudge.rawQuery(of: target)),
              // Another platform's image under the name is another image: that pull waits instead.
              (query.first("platform") ?? "").utf8.isEmpty else { return nil }
        let image = query.first("fromImage") ?? ""
        // `fromImage` may carry the tag itself (the daemon reads `tag` first, empty or not): its
        // repository alone, and every `tag` pair replaced by the digest. An empty `tag` left in
        // front of it would make the daemon pull every tag of the repository (found 2026-12-02,
        // session 21, by a red-team helper: the held name moved after all).
        let tagInImage = (query.first("tag") ?? "").utf8.isEmpty
        let repositoryAsAsked = tagInImage ? ImageNames.untagged(image) : image
        var rewritten = QueryRewrite.replacing("fromImage", with: repositoryAsAsked, in: RequestJudge.rawQuery(of: target))
        rewritten = QueryRewrite.replacing("tag", with: digest, in: rewritten)
        return Self.path(of: target) + "?" + rewritten
    }

    /// Whether the daemon removes the image with its name `name`
    /// (normalised): no other tag is left, and no digest reference outside
    /// its repository (dockerd removes the repository's own with its last tag).
    static func removesImage(untagging name: String, repoTags: [String], repoDigests: [String]) -> Bool {
        let repository = ImageNames.untagged(name)
        let otherTags = repoTags.compactMap(ImageReference.normalise).filter { $0 != name }
        let otherDigests = repoDigests.compactMap(ImageReference.normalise).filter {
            String($0.utf8.prefix { $0 != UInt8(ascii: "@") })! != repository
        }
        return otherTags.isEmpty && otherDigests.isEmpty
    }

    /// The same from the request alone (no look-up).
    static func imageChange(route: String, target: String) -> (names: [String], ids: [String], pull: Bool)? {
        let query = GoQuery.parse(RequestJudge.rawQuery(of: target))
        switch route {
        case "image.delete":
            guard case .matched(let match) = Catalogue.resolve(method: "DELETE", target: target),
                  let name = match.parameters["name"], let held = BuildImageHolds.heldForm(name) else { return nil }
            return (held.name.map { [$0] } ?? [], held.id.map { [$0] } ?? [], false)
        case "image.tag", "container.commit":
            return newName(repo: query?.first("repo") ?? "", tag: query?.first("tag") ?? "", pull: false)
        case "image.create":
            let image = query?.first("fromImage") ?? ""
            let tag = query?.first("tag") ?? ""
            guard !image.utf8.isEmpty else { return newName(repo: query?.first("repo") ?? "", tag: tag, pull: false) }
            let joined = tag.utf8.isEmpty ? image : image + (tag.utf8.starts(with: "sha256:".utf8) ? "@" : ":") + tag
            return newName(repo: joined, tag: "", pull: true)
        default:
            return nil
        }
    }

    private static func newName(repo: String, tag: String, pull: Bool) -> (names: [String], ids: [String], pull: Bool)? {
        ImageNames.target(repo: repo, tag: tag).map { ([$0], [], pull) }
    }
}
