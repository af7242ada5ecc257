import EngineAPI
import GoJSON
import Posix
import Tenancy

/// A build's base images as the daemon has them, for their `ONBUILD`
/// triggers, which the Dockerfile reader runs at each `FROM` as dockerd
/// does. One inspect per distinct image, at most `maxImages` per build. On
/// a job socket an image outside the job's view is not read (`absent`): the
/// job scope refuses the build for it afterwards. An image absent from the
/// daemon is pulled during the build with triggers nobody read, and a name
/// re-tagged while the build runs is resolved again by the daemon at its
/// `FROM` (SECURITY.md).
final class BaseImageTriggers: @unchecked Sendable {
    static let maxImages = 64
    let daemon: DaemonLookup
    let scope: JobScope?
    private let seen = Locked([String: BaseImageLookup]())
    /// The image ID whose triggers were read, by the name read (a job
    /// socket's build checks that they are the images it then holds).
    private let ids = Locked([String: String]())

    func readIDs() -> [String: String] { ids.withLock { $0 } }

    init(lookup: DaemonLookup, scope: JobScope?) {
        self.daemon = lookup
        self.scope = scope
    }

    var lookup: (String) -> BaseImageLookup { { [self] name in find(name) } }

    func find(_ name: String) -> BaseImageLookup {
        if let known = seen.withLock({ $0[name] }) { return known }
        if seen.withLock({ $0.count }) >= Self.maxImages {
            return .refused("more than \(Self.maxImages) base images in one build, more than sockwarden reads")
        }
        let found = read(name)
        seen.withLock { $0[name] = found }
        return found
    }

    private func read(_ name: String) -> BaseImageLookup {
        if ImageNames.readsAsIDPrefix(name) && scope != nil { return .absent }  // refused by the job scope
        let escaped = DaemonLookup.escape(name)
        guard !escaped.isEmpty, escaped != ".", escaped != ".." else { return .absent }
        switch daemon.get(ObjectKind.image.inspectPath(escaped)) {
        case .notFound:
            return .absent
        case .failed(let why):
            return .refused("cannot read its ONBUILD triggers on the daemon: \(why); try again")
        case .ok(let info):
            if let scope {
                switch scope.imageAccess(name, info) {
                case .own, .shared: break
                default: return .absent
                }
            }
            if let id = info.member("Id")?.string { ids.withLock { $0[name] = id } }
            return .triggers((info.member("Config")?.member("OnBuild")?.array ?? []).map { $0.string ?? "" })
        }
    }
}

/// The base images of a build as `serve` reads them on a main socket, for
/// `sockwarden explain`, which judged a Dockerfile without its base images'
/// `ONBUILD` triggers and said "allow" where `serve` refused (found
/// 2026-12-02, session 20, by a red-team helper).
public enum BaseImages {
    public static func reader(upstreamPath: String) -> (String) -> BaseImageLookup {
        BaseImageTriggers(lookup: DaemonLookup(upstreamPath: upstreamPath), scope: nil).lookup
    }
}
