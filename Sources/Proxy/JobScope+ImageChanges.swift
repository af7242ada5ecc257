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
           let id = info.member("Id")?.string, ImageNames.isFullID(id) {
            // The last name of an image a build holds by ID alone takes the image along.
            ids.append(id)
        }
        return (change.names, ids, change.pull)
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
