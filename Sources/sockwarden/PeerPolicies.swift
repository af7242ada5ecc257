import Glibc
import Policy
import Posix
import Proxy

/// The `[[peer]]` policies of `serve --listeners FILE`, reloaded as
/// `--policy` is: on SIGHUP, and when a file changes (polled every second,
/// read once it has been still). They were read at start only, so a
/// tightened peer policy stayed out of force until a restart while SIGHUP
/// said "reloaded". A file that fails leaves that peer's old policy in
/// force and says so, on stderr and in the audit log.
final class PeerPolicies: @unchecked Sendable {
    let peers: [ListenerConfig.PeerPolicy]
    let context: ServerContext
    /// Reloads are serialised; the identities each file was last read at.
    private let state = Locked([String: PolicyWatcher.FileIdentity?]())
    private let pending = Locked([String: PolicyWatcher.FileIdentity?]())

    init(peers: [ListenerConfig.PeerPolicy], context: ServerContext) {
        self.peers = peers
        self.context = context
        state.withLock { seen in for peer in peers { seen[peer.policy] = PolicyWatcher.identity(peer.policy) } }
    }

    /// Reads every peer policy (or those in `only`) again and installs the
    /// valid ones, all at once. Returns one line per failure.
    @discardableResult
    func reload(trigger: String, only: Set<String>? = nil) -> [String] {
        state.withLock { seen in
            var entries = context.peerPolicies
            var failures: [String] = []
            var changed = false
            for (i, peer) in peers.enumerated() where i < entries.count && (only?.contains(peer.policy) ?? true) {
                let before = entries[i].policy
                let outcome: String
                var error: String?
                var digest: String?
                switch PolicyWatcher.readQuiet(peer.policy) {
                case .unreadable(let message):
                    outcome = "unreadable"; error = message
                    seen[peer.policy] = PolicyWatcher.identity(peer.policy)
                case .busy:
                    outcome = "busy"; error = "\(peer.policy): the file kept changing; write a new policy beside it and rename it into place"
                    seen[peer.policy] = PolicyWatcher.identity(peer.policy)
                case .read(let bytes, let identity):
                    seen[peer.policy] = identity
                    digest = PolicyWatcher.digest(bytes)
                    switch parsePolicy(bytes: bytes, path: peer.policy) {
                    case .failure(let e):
                        outcome = "invalid"; error = e.description
                    case .success(let policy):
                        if case .refused(let message) = policyFileTrust(peer.policy) {
                            outcome = "invalid"; error = message
                        } else if digest == before.digest {
                            outcome = "unchanged"
                        } else {
                            if case .warning(let message) = policyFileTrust(peer.policy) {
                                Files.writeStderr("sockwarden: WARNING: [[peer]] policy: \(message)\n")
                            }
                            entries[i] = (entries[i].uid, entries[i].gid, PolicyInForce(policy: policy, digest: digest!, loadedAt: wallClock()))
                            changed = true
                            outcome = "ok"
                        }
                    }
                }
                let label = trigger == "sighup" ? "SIGHUP" : "policy file changed"
                if let error {
                    failures.append("[[peer]] at line \(peer.line): the old policy \(before.policy.name) (\(before.digest)) stays in force:\n\(error)")
                    Files.writeStderr("sockwarden: PEER POLICY RELOAD FAILED (\(label)): [[peer]] at line \(peer.line): the old policy \(before.policy.name) (\(before.digest)) stays in force:\n\(error)\n")
                } else if outcome == "ok" {
                    Files.writeStderr("sockwarden: \(label): [[peer]] policy \(peer.policy) reloaded (\(entries[i].policy.policy.rules.count) rules, \(digest ?? "?"))\n")
                } else {
                    continue
                }
                let inForce = entries[i].policy
                context.audit.event(.reload(trigger: trigger, outcome: outcome, path: peer.policy, peerLine: peer.line,
                                            fileDigest: digest, inForce: inForce, previousDigest: before.digest, error: error))
            }
            if changed { context.peerPolicies = entries }
            return failures
        }
    }

    /// Looks at the files every second; a file whose identity changed and
    /// then stayed the same for one more look is reloaded.
    func startPolling() throws(SystemError) {
        try spawnDetachedThread(name: "sw-peer-poll") { [self] in
            while true {
                sleep(1)
                var changed = Set<String>()
                for path in Set(peers.map(\.policy)) {
                    let now = PolicyWatcher.identity(path)
                    let seen = state.withLock { $0[path] ?? nil }
                    pending.withLock { waiting in
                        if now == seen {
                            waiting[path] = nil
                        } else if let earlier = waiting[path], earlier == now {
                            waiting[path] = nil
                            changed.insert(path)
                        } else {
                            waiting[path] = .some(now)
                        }
                    }
                }
                if !changed.isEmpty { reload(trigger: "file-change", only: changed) }
            }
        }
    }
}
