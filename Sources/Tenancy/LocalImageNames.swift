import EngineAPI
import GoJSON

/// Names of shared images made on this host, and pulls that would move them.
///
/// A tagged pull (`POST /images/create?fromImage=`, or a build with
/// `pull=1`, where dockerd 20.10's `pullForBuilder` pulls every `FROM` and
/// `COPY --from` image again) puts the name on whatever the registry serves
/// under it. For a shared image that was pulled from there (it has a digest
/// reference in the name's repository) that is the same source again. For one
/// made on this host (built, imported, loaded or tagged by the runner, never
/// pulled under that name: `mycompany/base:v1` built locally is
/// `docker.io/mycompany/base`) it is whoever controls that repository on the
/// registry, and the runner's and every job's `docker run mycompany/base:v1`
/// then runs it (found 2026-12-01).
public enum LocalImageNames {
    /// Whether pulling the normalised tagged name `target` would move it
    /// off a shared image made on this host: the image the daemon has
    /// under it (`repoDigests` from its inspect) has no digest reference in
    /// `target`'s repository. A pull by digest moves no name: false.
    public static func pullReplaces(target: String, repoDigests: [String]) -> Bool {
        guard !target.utf8.contains(UInt8(ascii: "@")), let repository = DigestReferences.repository(target) else { return false }
        return !repoDigests.contains { digest in
            digest.utf8.contains(UInt8(ascii: "@")) && DigestReferences.repository(digest) == repository
        }
    }

    /// The runner's names in `repository` (normalised, `docker.io/library/x`):
    /// tags there on shared images (no owner label; not a job's claim, which
    /// `claimed` answers for a normalised tag on an image ID) that have no
    /// digest reference there. `images` is the daemon's image list filtered
    /// by the repository. While there is one, no job may pull into the
    /// repository, by tag or digest, nor push such an image: either would
    /// give the runner's image a digest reference there (a registry serving
    /// its exact config and layers, which `docker save` gives any job, makes
    /// the pulled image the same image), after which it would pass for
    /// pulled (`pullReplaces`). Reproduced 2026-12-01.
    public static func localTags(in repository: String, images: [JSONValue],
                                 claimed: (String, String) -> Bool) -> [String] {
        var found: [String] = []
        for image in images {
            guard case .object(let fields) = image else { continue }
            func value(_ key: String) -> JSONValue? { fields.last(where: { $0.key == key })?.value }
            func strings(_ key: String) -> [String] {
                guard case .array(let listed)? = value(key) else { return [] }
                return listed.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
            }
            guard case .string(let id)? = value("Id") else { continue }
            if DiskUsageFilter.labels(value("Labels")).contains(where: { $0.key == JobOwner.labelKey }) { continue }
            let digests = strings("RepoDigests")
            for tag in strings("RepoTags") {
                guard let normal = ImageReference.normalise(tag), DigestReferences.repository(normal) == repository,
                      !claimed(normal, id), pullReplaces(target: normal, repoDigests: digests) else { continue }
                found.append(normal)
            }
        }
        return found
    }

    /// The answer to a pull or push into a repository with the runner's names.
    public static func repositoryRefusal(repository: String, local: String, route: String) -> TenancyRefusal {
        TenancyRefusal(status: 409, message: "sockwarden: \(local) is a shared image made on this host (built, imported or loaded, not pulled from its registry); \(route) into \(repository) could move that name, or make the image pass for one pulled from there, for every job; use another repository name on a job socket")
    }

    /// The answer to such a pull on a job socket.
    public static func refusal(name: String, build: Bool) -> TenancyRefusal {
        TenancyRefusal(status: 409, message: "sockwarden: the image name \(name) is on a shared image made on this host (built, imported or loaded, not pulled from its registry); \(build ? "a build with --pull" : "a pull") would put the name on whatever the registry serves under it, for every job; \(build ? "build without --pull" : "pull it by digest or under another name") on a job socket")
    }

    /// Whether a build asks the daemon to pull its base images
    /// (`PullParent: httputils.BoolValue(r, "pull")`: the first value,
    /// trimmed and lower-cased; false only for "", "0", "no", "false",
    /// "none"). A query Go might read differently (one that does not parse,
    /// a value with bytes outside printable ASCII) counts as asking.
    public static func buildPulls(rawQuery: String?) -> Bool {
        guard let raw = rawQuery else { return false }
        guard let query = GoQuery.parse(raw) else { return true }
        guard let value = query.first("pull") else { return false }
        let bytes = Array(value.utf8)
        if bytes.contains(where: { $0 >= 0x7F || ($0 < 0x20 && !(0x09...0x0D).contains($0)) }) { return true }
        var text = bytes[...]
        while let f = text.first, f == 0x20 || (0x09...0x0D).contains(f) { text.removeFirst() }
        while let l = text.last, l == 0x20 || (0x09...0x0D).contains(l) { text.removeLast() }
        let lower = String(decoding: text.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
        return !["", "0", "no", "false", "none"].contains(lower)
    }
}
