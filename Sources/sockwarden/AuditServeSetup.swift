import Glibc
import Policy
import Posix
import Proxy

/// `serve`'s audit trail, hot reload and metrics: options, start-up,
/// signals (SIGHUP reload, SIGUSR1 reopen) and shutdown, kept out of
/// ServeCommand.swift.
struct AuditServeOptions {
    static let flagNames = ["audit-failure", "audit-queue", "audit-anchor", "metrics-socket", "policy-poll"]

    var auditPath = "-"
    var failure = AuditLog.FailurePolicy.refuse
    var queue = 16384
    /// Seconds between anchors on stderr (0: none).
    var anchorSeconds = 60
    var metricsSocket: String?
    /// 0: do not watch the policy file (SIGHUP still reloads).
    var pollMilliseconds = 1000

    init(_ flags: Flags) {
        auditPath = flags["audit-log"] ?? "-"
        if let text = flags["audit-failure"] {
            guard let f = AuditLog.FailurePolicy(rawValue: text) else {
                fail("serve: --audit-failure must be refuse or continue, got \(text)")
            }
            failure = f
        }
        if let text = flags["audit-queue"] {
            guard let n = Int(text), n >= 4 else { fail("serve: --audit-queue must be a number of records, at least 4, got \(text)") }
            queue = n
        }
        if let text = flags["audit-anchor"] {
            guard let n = Int(text), n >= 0, n <= 86400 else {
                fail("serve: --audit-anchor must be seconds between anchors on stderr (0: none, at most 86400), got \(text)")
            }
            anchorSeconds = n
        }
        if let text = flags["metrics-socket"] {
            do {
                metricsSocket = try socketPath(text, flag: "--metrics-socket")
            } catch {
                fail("serve: \(error)")
            }
        }
        if let text = flags["policy-poll"] {
            guard let seconds = Double(text), seconds >= 0, seconds <= 3600 else {
                fail("serve: --policy-poll must be seconds between polls (0: do not watch the file), got \(text)")
            }
            pollMilliseconds = seconds == 0 ? 0 : max(50, Int(seconds * 1000))
        }
    }
}

/// Parses policy bytes as `sockwarden check` does, then applies `adjust`
/// (e.g. `--mode`), for start-up and every reload alike.
func makePolicyParser(path: String, adjust: @escaping @Sendable (inout Policy) -> Void) -> PolicyWatcher.Parser {
    { bytes in
        switch parsePolicy(bytes: bytes, path: path) {
        case .success(var policy):
            adjust(&policy)
            return .success(policy)
        case .failure(let error):
            return .failure(PolicyWatcher.PolicyLoadFailure(error.description))
        }
    }
}

/// The policy file read once at start-up: the policy and its digest. Exits 2 when invalid.
func readPolicyForServe(path: String, parser: PolicyWatcher.Parser) -> PolicyInForce {
    let bytes: [UInt8]
    do {
        bytes = try Files.read(path)
    } catch {
        fail("serve: refusing to start: \(path): cannot read the policy: \(error)")
    }
    switch parser(bytes) {
    case .success(let policy):
        checkPolicyFileTrust(path, command: "serve")
        return PolicyInForce(policy: policy, digest: PolicyWatcher.digest(bytes), loadedAt: wallClock())
    case .failure(let failure):
        fail("serve: refusing to start on an invalid policy:\n\(failure.message)")
    }
}

/// Opens the audit log (exits 1 when it cannot be opened).
func openAuditLog(_ options: AuditServeOptions) -> AuditLog {
    do {
        return try AuditLog(path: options.auditPath, failurePolicy: options.failure, capacity: options.queue,
                            anchorSeconds: options.anchorSeconds)
    } catch {
        fail("serve: cannot open the audit log: \(error); check the directory exists and is writable, or use --audit-log - for stdout", code: 1)
    }
}

/// What `serve` runs next to the server for the audit trail.
final class AuditTrail: @unchecked Sendable {
    let audit: AuditLog
    let watcher: PolicyWatcher
    let options: AuditServeOptions
    private var metricsServer: MetricsServer?

    /// Installs the policy with its digest, writes the `start` record
    /// (exits 1 if it cannot be written), starts the writer, the file
    /// watcher and the metrics socket.
    init(server: Server, policyPath: String, initial: PolicyInForce, parser: @escaping PolicyWatcher.Parser,
         options: AuditServeOptions, listen: String, upstream: String, socketGroup: UInt32?) {
        self.options = options
        audit = server.context.audit
        server.context.install(initial.policy, digest: initial.digest)
        watcher = PolicyWatcher(path: policyPath, context: server.context, parse: parser)
        let audit = audit
        do {
            try audit.start(first: AuditEvent("start") { w in
                w.field("version", version)
                w.field("pid", Int(getpid()))
                w.field("listen", listen)
                w.field("upstream", upstream)
                w.field("policy", initial.policy.name)
                w.field("policy_path", policyPath)
                w.field("policy_digest", initial.digest)
                w.field("mode", initial.policy.mode.rawValue)
                w.field("audit_failure", options.failure.rawValue)
                w.field("chain", audit.chainOrigin)
            })
        } catch {
            server.stop()
            fail("serve: cannot write the audit log \(options.auditPath): \(error); refusing to serve unrecorded", code: 1)
        }
        if options.pollMilliseconds > 0 {
            do {
                try watcher.startPolling(intervalMilliseconds: options.pollMilliseconds)
            } catch {
                Files.writeStderr("sockwarden: warning: cannot watch \(policyPath) for changes (\(error)); SIGHUP still reloads it\n")
            }
        }
        if let path = options.metricsSocket {
            let context = server.context
            do {
                let metrics = try MetricsServer(path: path, group: socketGroup) { [server] in
                    let inForce = context.policyInForce
                    let live = MetricsSnapshot.Live(
                        openConnections: server.openConnectionsOnAllSockets, auditBacklog: audit.backlog, auditHealthy: audit.healthy,
                        policyName: inForce.policy.name, policyDigest: inForce.digest, policyMode: inForce.policy.mode.rawValue,
                        policyLoadedAt: Double(inForce.loadedAt.seconds) + Double(inForce.loadedAt.nanoseconds) / 1e9,
                        requestMemoryBytes: context.requestMemory.held, requestMemoryRefusals: context.requestMemory.refusals,
                        peerRateWaits: context.peerRates.waits, peerRateGivenBack: context.peerRates.givenBack)
                    return context.metrics.snapshot(live: live).render()
                }
                try metrics.start()
                metricsServer = metrics
            } catch {
                server.stop()
                _ = audit.close(last: AuditEvent("stop") { w in w.field("reason", "the metrics socket could not be opened") }, timeoutSeconds: 5)
                fail("serve: --metrics-socket: \(error)", code: 1)
            }
        }
    }

    /// SIGHUP reloads the policy, SIGUSR1 reopens the audit log. False for
    /// other signals (the caller shuts down).
    func handle(signal: Int32) -> Bool {
        switch signal {
        case SIGHUP:
            watcher.reload(trigger: "sighup")
            return true
        case SIGUSR1:
            audit.reopen()
            return true
        default:
            return false
        }
    }

    /// Writes the `stop` record and waits (up to 10 s) for the log to be
    /// written; says how many records were lost if it could not be.
    func finish(reason: String) {
        metricsServer?.remove()
        // `open`: requests still open (the grace period ended): a reviewer
        // finds that many without a result, and knows why.
        let left = audit.close(last: { open in
            AuditEvent("stop") { w in
                w.field("reason", reason)
                w.field("open", open)
            }
        }, timeoutSeconds: 10)
        if left > 0 {
            Files.writeStderr("sockwarden: AUDIT RECORDS LOST: \(left) record(s) could not be written before exit "
                + "(the log is failing, or exchanges were still open when the grace period ended)\n")
        }
    }
}

/// Refuses (exit 2) a policy file every user can change; warns on stderr
/// about one that others than root and this user can (`PolicyFileTrust`).
func checkPolicyFileTrust(_ path: String, command: String) {
    switch policyFileTrust(path) {
    case .refused(let message): fail("\(command): refusing to start: \(message)")
    case .warning(let message): Files.writeStderr("sockwarden: WARNING: \(message)\n")
    case .fine: break
    }
}

enum PolicyFileTrustVerdict {
    case fine
    case warning(String)
    case refused(String)
}

func policyFileTrust(_ path: String) -> PolicyFileTrustVerdict {
    let problems = PolicyFileTrust.problems(path)
    guard let message = PolicyFileTrust.message(path, problems) else { return .fine }
    if problems.contains(where: \.everyone) { return .refused("\(message). A policy file every user can change is not loaded") }
    return .warning(message)
}
