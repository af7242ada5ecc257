import EngineAPI

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
