import EngineAPI
import Tenancy

extension JobScope {
    /// The image names and IDs a request forwarded through a job socket
    /// changes, in the form `BuildImageHolds` holds them: a delete's image
    /// (by name or ID), a tag's, commit's, import's or pull's new name; nil
    /// for a route that changes none. `target`: the request-target as
    /// forwarded (a short ID pinned to its full ID).
    static func imageChange(route: String, target: String) -> (names: [String], ids: [String])? {
        let query = GoQuery.parse(RequestJudge.rawQuery(of: target))
        switch route {
        case "image.delete":
            guard case .matched(let match) = Catalogue.resolve(method: "DELETE", target: target),
                  let name = match.parameters["name"], let held = BuildImageHolds.heldForm(name) else { return nil }
            return (held.name.map { [$0] } ?? [], held.id.map { [$0] } ?? [])
        case "image.tag", "container.commit":
            return newName(repo: query?.first("repo") ?? "", tag: query?.first("tag") ?? "")
        case "image.create":
            let image = query?.first("fromImage") ?? ""
            let tag = query?.first("tag") ?? ""
            guard !image.utf8.isEmpty else { return newName(repo: query?.first("repo") ?? "", tag: tag) }
            let joined = tag.utf8.isEmpty ? image : image + (tag.utf8.starts(with: "sha256:".utf8) ? "@" : ":") + tag
            return newName(repo: joined, tag: "")
        default:
            return nil
        }
    }

    private static func newName(repo: String, tag: String) -> (names: [String], ids: [String])? {
        ImageNames.target(repo: repo, tag: tag).map { ([$0], []) }
    }
}
