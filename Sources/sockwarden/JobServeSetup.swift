import Glibc
import Policy
import Posix
import Proxy
import Tenancy

/// `serve --admin-socket`: the job registry (restored from the state
/// directory) and the admin socket, each serving on its own thread.
struct JobService {
    let registry: JobRegistry
    let admin: AdminServer?

    static let flagNames = ["admin-socket", "jobs-dir", "state-dir", "job-policy", "job-policies", "listeners", "reap-after-close"]

    /// `--listeners FILE`: static job sockets (opened at start, with no TTL)
    /// and per-peer policies of the main socket (reloaded on SIGHUP and when
    /// their files change: `PeerPolicies`).
    static func startListeners(_ path: String, flags: Flags, configuration: ServerConfiguration, policyPath: String,
                               audit: AuditLog, server: Server, jobs: JobService?) -> (jobs: JobService?, peers: PeerPolicies?) {
        let config: ListenerConfig
        do {
            let bytes = try Files.read(path)
            // As a policy: invalid UTF-8 refused (not replaced, which could name another file).
            guard let source = String(validating: bytes, as: UTF8.self) else { fail("serve: --listeners: \(path):1:1: the file is not valid UTF-8") }
            config = try ListenerConfig.parse(source: source, fileName: path)
        } catch {
            fail("serve: --listeners: \(error)")
        }
        // It names the policies of peers and static jobs: whoever can write it chooses them.
        checkPolicyFileTrust(path, command: "serve: --listeners")
        var peers: [(uid: UInt32?, gid: UInt32?, policy: PolicyInForce)] = []
        for peer in config.peers {
            switch loadPolicy(path: peer.policy) {
            case .success(let policy):
                checkPolicyFileTrust(peer.policy, command: "serve: --listeners: [[peer]] at line \(peer.line)")
                let digest = (try? Files.read(peer.policy)).map { PolicyWatcher.digest($0) } ?? ""
                peers.append((peer.uid, peer.gid, PolicyInForce(policy: policy, digest: digest, loadedAt: (Int(time(nil)), 0))))
            case .failure(let error): fail("serve: --listeners: [[peer]] at line \(peer.line): \(error.description)")
            }
        }
        server.context.peerPolicies = peers
        var peerPolicies: PeerPolicies?
        if !config.peers.isEmpty {
            let watcher = PeerPolicies(peers: config.peers, context: server.context)
            do {
                try watcher.startPolling()
            } catch {
                Files.writeStderr("sockwarden: warning: cannot watch the [[peer]] policies for changes (\(error)); SIGHUP still reloads them\n")
            }
            peerPolicies = watcher
        }
        guard !config.jobs.isEmpty else { return (jobs, peerPolicies) }
        let service = jobs ?? start(adminPath: nil, flags: flags, configuration: configuration, policyPath: policyPath, audit: audit,
                                    server: server)
        for job in config.jobs {
            var gid: UInt32?
            if let group = job.group {
                guard let g = Files.groupID(group) else { fail("serve: --listeners: job \(job.id): no group \"\(group)\"") }
                gid = g
            }
            switch service.registry.open(id: job.id, policyPath: job.policy, labels: [], ttlSeconds: nil, persist: false,
                                         socket: job.socket, mode: job.mode, group: gid) {
            case .success(let info): Files.writeStderr("sockwarden: static job \(job.id) on \(info.socket)\n")
            case .failure(let error): fail("serve: --listeners: job \(job.id): \(error.description)", code: 1)
            }
        }
        return (service, peerPolicies)
    }

    static func start(adminPath: String?, flags: Flags, configuration: ServerConfiguration, policyPath: String,
                      audit: AuditLog, server: Server) -> JobService {
        server.context.ownerLabelReserved = true
        var lateReaps = LateReaps.standard
        if let text = flags["reap-after-close"] {
            guard let offsets = LateReaps.parse(text) else {
                fail("serve: --reap-after-close must be none, or ascending whole seconds after a job's close, 1 to 86400, comma separated (such as 10,30,60,120); got \(text)")
            }
            lateReaps = offsets
        }
        let settings = JobRegistry.Settings(
            jobsDirectory: flags["jobs-dir"] ?? "/run/sockwarden/jobs",
            stateDirectory: flags["state-dir"] ?? "/var/lib/sockwarden/jobs",
            defaultPolicyPath: flags["job-policy"] ?? policyPath,
            base: configuration,
            reapAfterClose: lateReaps,
            jobPoliciesDirectory: JobPolicyPlace.clean(absolutePath(flags["job-policies"]
                ?? AdminServer.directory(of: absolutePath(flags["job-policy"] ?? policyPath)))))
        let registry: JobRegistry
        do {
            registry = try JobRegistry(settings: settings, audit: audit) { path in
                // Whoever may run `job open` names the file: one anybody but root and serve's user
                // can change, or reach through a directory or symlink of theirs, is refused before it
                // is read, so its parse errors quote nothing of a file the caller could not read
                // (found 2026-12-02, session 23, by a review). Walked again after the read.
                switch policyFileTrust(path) {
                case .refused(let message), .warning(let message):
                    return .invalid("\(message). A job policy anyone but root and serve's user can change is not loaded")
                case .fine: break
                }
                // Read once it has been still (a file rewritten in place is not read half-way), and
                // digested from the same bytes.
                let bytes: [UInt8]
                switch PolicyWatcher.readQuiet(path) {
                case .read(let read, _): bytes = read
                case .unreadable(let message): return .invalid(message)
                case .busy: return .invalid("\(path): the file kept changing; write a new policy beside it and rename it into place")
                }
                switch parsePolicy(bytes: bytes, path: path) {
                case .success(let policy):
                    switch policyFileTrust(path) {
                    case .refused(let message): return .invalid(message)
                    case .warning(let message):
                        // Refused, not warned about: whoever may run `job open` names the file (a runner
                        // given `sudo sockwarden job *` wrote its own policy; found 2026-12-02).
                        return .invalid("\(message). A job policy anyone but root and serve's user can change is not loaded")
                    case .fine: break
                    }
                    return .loaded(policy, digest: PolicyWatcher.digest(bytes))
                case .failure(let error): return .invalid(error.description)
                }
            }
        } catch {
            fail("serve: cannot prepare the job directories: \(error)", code: 1)
        }
        for message in registry.restore() { Files.writeStderr("sockwarden: \(message)\n") }
        let admin = adminPath.map { AdminServer(path: $0, registry: registry) }
        do {
            if let admin {
                try admin.bind()
                try spawnDetachedThread(name: "sw-admin") { admin.serve() }
            }
            try spawnDetachedThread(name: "sw-jobs") {
                while true {
                    sleep(1)
                    registry.expire()
                    registry.reapLate()
                    for failure in registry.pollPolicies() {
                        Files.writeStderr("sockwarden: job policy file changed: JOB POLICY RELOAD FAILED: \(failure)\n")
                    }
                }
            }
        } catch {
            fail("serve: admin socket: \(error)", code: 1)
        }
        Files.writeStderr("sockwarden: admin socket \(adminPath ?? "(none)"); job sockets in \(settings.jobsDirectory), state in \(settings.stateDirectory)\n")
        return JobService(registry: registry, admin: admin)
    }

    /// SIGHUP: reload the jobs' policies (and say loudly which failed).
    func reload() {
        for failure in registry.reloadPolicies() {
            Files.writeStderr("sockwarden: SIGHUP: JOB POLICY RELOAD FAILED: \(failure)\n")
        }
    }

    func stop() {
        admin?.stop()
        registry.stopListeners()
    }
}
