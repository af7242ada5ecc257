/// The host environment of one request's judging: another environment,
/// asked at most once per object, and for at most `maxLookups` objects. A
/// body can name one container, volume or network thousands of times
/// (`VolumesFrom`, `Links`, binds, 1 MiB of them), and each name was a
/// look-up on the daemon: one create cost dockerd a thousand inspects
/// (found 2026-12-02). A request that names more objects than that cannot
/// be judged (`.unavailable`), as when the daemon cannot be asked.
///
/// For one judgement on one thread.
final class LookupMemo: HostEnvironment, @unchecked Sendable {
    static let maxLookups = 256

    private let base: HostEnvironment
    private var containers: [String: ContainerLookup] = [:]
    private var volumes: [String: VolumeLookup] = [:]
    private var networks: [String: NetworkLookup] = [:]
    private var targets: [TargetReference: TargetContainerLookup] = [:]
    private var lookups = 0

    init(_ base: HostEnvironment) { self.base = base }

    static let tooMany = "the request names more than \(maxLookups) objects to look up on the daemon; name fewer"

    private func remembered<Key: Hashable, Answer>(_ key: Key, in cache: inout [Key: Answer], tooMany: Answer,
                                                   ask: () -> Answer) -> Answer {
        if let answer = cache[key] { return answer }
        guard lookups < Self.maxLookups else { return tooMany }
        lookups += 1
        let answer = ask()
        cache[key] = answer
        return answer
    }

    func container(_ reference: String) -> ContainerLookup {
        remembered(reference, in: &containers, tooMany: .unavailable(Self.tooMany)) { base.container(reference) }
    }

    func volume(_ name: String) -> VolumeLookup {
        remembered(name, in: &volumes, tooMany: .unavailable(Self.tooMany)) { base.volume(name) }
    }

    func network(_ reference: String) -> NetworkLookup {
        remembered(reference, in: &networks, tooMany: .unavailable(Self.tooMany)) { base.network(reference) }
    }

    func targetContainer(_ reference: TargetReference) -> TargetContainerLookup {
        remembered(reference, in: &targets, tooMany: .unavailable(Self.tooMany)) { base.targetContainer(reference) }
    }

    func resolve(hostPath: String) -> ResolvedHostPath { base.resolve(hostPath: hostPath) }
    func grantsSocket(_ path: String) -> Bool { base.grantsSocket(path) }
    func namesThisHost(_ name: String) -> Bool { base.namesThisHost(name) }
}
