import EngineAPI
import GoJSON
import Tenancy

/// The `ONBUILD` triggers stored in a build's base images: the daemon runs
/// them at `FROM` as if they were in the Dockerfile, so what they name or
/// download is judged like the Dockerfile's own instructions. Only images
/// on the daemon can be read; one the daemon pulls during the build cannot
/// (SECURITY.md).
enum BaseImageTriggers {
    enum Found {
        case references([DockerfileReference])
        /// A reason to refuse: the daemon could not say, or a trigger
        /// cannot be read as the daemon reads it.
        case refused(String)
    }

    static func references(of dockerfile: [DockerfileReference], lookup: DaemonLookup) -> Found {
        var found: [DockerfileReference] = []
        var seen = Set<String>()
        for base in dockerfile where base.kind == .from && !base.onBuild && seen.insert(base.value).inserted {
            let escaped = DaemonLookup.escape(base.value)
            guard !escaped.isEmpty, escaped != ".", escaped != ".." else { continue }
            let triggers: [String]
            switch lookup.get(ObjectKind.image.inspectPath(escaped)) {
            case .notFound: continue
            case .failed(let why):
                return .refused("line \(base.line): cannot read the ONBUILD triggers of the base image \(base.value): \(why); try again")
            case .ok(let info):
                triggers = (info.member("Config")?.member("OnBuild")?.array ?? []).map { $0.string ?? "" }
            }
            if triggers.isEmpty { continue }
            switch parse(triggers) {
            case .parsed(let references):
                found += references.map {
                    DockerfileReference(kind: $0.kind, value: $0.value, line: base.line, onBuild: true)
                }
            case .undecidable(let reason, _):
                return .refused("line \(base.line): an ONBUILD trigger of the base image \(base.value): \(reason)")
            }
        }
        return .references(found)
    }

    /// The triggers as the classic builder runs them: each parsed on its own
    /// with the default escape token, in a stage of the child build.
    static func parse(_ triggers: [String]) -> DockerfileParse {
        var text = Array("FROM scratch\n".utf8)
        for trigger in triggers {
            // A trigger holding a line break is not one instruction: refuse.
            if trigger.utf8.contains(10) || trigger.utf8.contains(13) {
                return .undecidable(reason: "a trigger spans lines", line: 0)
            }
            text += Array(trigger.utf8) + [10]
        }
        return Dockerfile.references(text, buildArgs: [:])
    }
}
