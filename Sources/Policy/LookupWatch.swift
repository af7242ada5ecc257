import EngineAPI

/// The host environment of a what-if that asks the daemon (`explain`,
/// `suggest`): another environment, noting every look-up the daemon could
/// not answer. `serve` refuses what it cannot look up, so such a what-if
/// gives `serve`'s decision only for a daemon that cannot be reached either;
/// the command says so, naming the socket it asked, rather than leaving a
/// "could not be looked up" in a reason as the only sign.
///
/// For one thread (a command line's); the proxy never uses it.
public final class LookupWatch: HostEnvironment, @unchecked Sendable {
    let base: HostEnvironment
    /// Why each look-up the daemon could not answer failed, in order, once each.
    public private(set) var failures: [String] = []

    public init(_ base: HostEnvironment) { self.base = base }

    private func noted<T>(_ answer: T, _ why: String?) -> T {
        if let why, !failures.contains(why) { failures.append(why) }
        return answer
    }

    public func resolve(hostPath: String) -> ResolvedHostPath { base.resolve(hostPath: hostPath) }
    public func namesThisHost(_ name: String) -> Bool { base.namesThisHost(name) }
    public func grantsSocket(_ path: String) -> Bool { base.grantsSocket(path) }

    public func container(_ reference: String) -> ContainerLookup {
        let answer = base.container(reference)
        if case .unavailable(let why) = answer { return noted(answer, why) }
        return answer
    }

    public func volume(_ name: String) -> VolumeLookup {
        let answer = base.volume(name)
        if case .unavailable(let why) = answer { return noted(answer, why) }
        return answer
    }

    public func network(_ reference: String) -> NetworkLookup {
        let answer = base.network(reference)
        if case .unavailable(let why) = answer { return noted(answer, why) }
        return answer
    }

    public func targetContainer(_ reference: TargetReference) -> TargetContainerLookup {
        let answer = base.targetContainer(reference)
        if case .unavailable(let why) = answer { return noted(answer, why) }
        return answer
    }

    /// What to tell the user when some look-up failed (nil when none did):
    /// which socket was asked and why it failed.
    public func notice(upstream: String) -> String? {
        guard let first = failures.first else { return nil }
        let more = failures.count > 1 ? " (and \(failures.count - 1) more failure\(failures.count == 2 ? "" : "s"))" : ""
        return "the daemon at \(upstream) could not answer a look-up: \(first)\(more); give --upstream the socket serve protects"
    }
}
