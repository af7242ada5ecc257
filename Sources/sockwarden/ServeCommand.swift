import Glibc
import HTTP1
import Policy
import Posix
import Proxy

func runServe(_ args: ArraySlice<String>) -> Never {
    let specs: [Flags.Spec] = (["listen", "upstream", "policy", "audit-log", "socket-mode", "socket-group",
                               "grace-period", "max-head-bytes", "head-timeout",
                               "max-connections", "max-connections-per-uid", "max-connections-total", "mode", "event-loops", "send-batching",
                               "spool-dir", "max-build-context", "max-request-memory", "peer-rate", "peer-burst"] + AuditServeOptions.flagNames
                               + JobService.flagNames).map { .init(name: $0, takesValue: true) }
        + [.init(name: "help", takesValue: false)]
    let flags: Flags
    do {
        flags = try Flags(args, specs: specs)
    } catch {
        fail("serve: \(error); run 'sockwarden help serve'")
    }
    if flags.has("help") {
        print(serveHelp)
        exit(0)
    }
    guard flags.positional.isEmpty else { fail("serve: unexpected argument \(flags.positional[0])") }
    guard let listenText = flags["listen"] else { fail("serve: --listen SOCK is required; run 'sockwarden help serve'") }
    guard let policyPath = flags["policy"] else {
        fail("serve: --policy FILE is required (policies/observe.toml allows everything); run 'sockwarden help serve'")
    }
    let listen: String
    let upstream: String
    do {
        listen = try socketPath(listenText, flag: "--listen")
        upstream = try socketPath(flags["upstream"] ?? "/var/run/docker.sock", flag: "--upstream")
    } catch {
        fail("serve: \(error)")
    }
    var configuration = ServerConfiguration(listenPath: listen, upstreamPath: upstream)
    if let mode = flags["socket-mode"] {
        guard let m = UInt32(mode, radix: 8), m <= 0o777 else { fail("serve: --socket-mode must be octal like 0660, got \(mode)") }
        configuration.socketMode = m
    }
    if let group = flags["socket-group"] {
        guard let gid = Files.groupID(group) else { fail("serve: --socket-group: no group \"\(group)\"") }
        configuration.socketGroup = gid
    }
    if let grace = flags["grace-period"] {
        guard let g = Int(grace), g >= 0, g <= 86400 else { fail("serve: --grace-period must be whole seconds, at most 86400 (a day), got \(grace)") }
        configuration.gracePeriodSeconds = g
    }
    if let n = flags["max-connections"] {
        guard let m = Int(n), m >= 1, m <= 1_000_000 else { fail("serve: --max-connections must be 1 to 1000000, got \(n)") }
        configuration.maxConnections = m
    }
    if let n = flags["max-connections-total"] {
        guard let m = Int(n), m >= 1, m <= 1_000_000 else { fail("serve: --max-connections-total must be 1 to 1000000, got \(n)") }
        configuration.budget = ConnectionBudget(limit: m)
    }
    if let n = flags["max-connections-per-uid"] {
        guard let m = Int(n), m >= 0, m <= 1_000_000 else {
            fail("serve: --max-connections-per-uid must be 0 (no limit) to 1000000, got \(n)")
        }
        configuration.maxConnectionsPerUID = m
    }
    if let n = flags["event-loops"] {
        guard let m = Int(n), m >= 0, m <= 64 else { fail("serve: --event-loops must be 0 to 64, got \(n)") }
        configuration.eventLoops = m
    }
    if let text = flags["send-batching"] {
        guard let batching = SendBatching(rawValue: text) else {
            fail("serve: --send-batching must be io-uring, plain or off, got \(text)")
        }
        configuration.sendBatching = batching
    }
    if let dir = flags["spool-dir"] {
        guard dir.hasPrefix("/") else { fail("serve: --spool-dir must be an absolute path, got \(dir)") }
        configuration.spoolDirectory = dir
    }
    if let text = flags["max-build-context"] {
        guard let n = UInt64(text), n >= 1 << 20 else {
            fail("serve: --max-build-context must be a number of bytes, at least 1048576 (1 MiB), got \(text)")
        }
        configuration.maxBuildContextBytes = n
    }
    if let text = flags["max-request-memory"] {
        guard let n = Int(text), n >= 2 << 20, n <= 1 << 40 else {
            fail("serve: --max-request-memory must be a number of bytes, at least 2097152 (2 MiB: one largest head and body), got \(text)")
        }
        configuration.requestMemory = RequestMemory(limit: n)
    }
    if flags["peer-rate"] != nil || flags["peer-burst"] != nil {
        var rate = PeerRates.defaultPerSecond
        if let text = flags["peer-rate"] {
            guard let n = Int(text), n >= 0, n <= 10_000_000 else {
                fail("serve: --peer-rate must be requests per second, 0 (no limit) to 10000000, got \(text)")
            }
            rate = n
        }
        var burst = flags["peer-rate"] == nil ? PeerRates.defaultBurst : max(1, 2 * rate)
        if let text = flags["peer-burst"] {
            guard let n = Int(text), n >= 1, n <= 100_000_000 else {
                fail("serve: --peer-burst must be a number of requests, 1 to 100000000, got \(text)")
            }
            burst = n
        }
        configuration.peerRates = PeerRates(perSecond: rate, burst: burst) { Files.writeStderr($0 + "\n") }
    } else {
        configuration.peerRates = PeerRates { Files.writeStderr($0 + "\n") }
    }
    if let timeout = flags["head-timeout"] {
        guard let t = Int(timeout), t >= 0, t <= 86400 else {
            fail("serve: --head-timeout must be whole seconds, at most 86400 (a day; 0: none), got \(timeout)")
        }
        configuration.headTimeoutSeconds = t
    }
    if let head = flags["max-head-bytes"] {
        guard let n = Int(head), n >= 1024, n <= 16 << 20 else {
            fail("serve: --max-head-bytes must be at least 1024 and at most 16777216 (16 MiB), got \(head)")
        }
        configuration.limits.maxHeadBytes = n
    }

    let modeOverride: PolicyMode?
    if let text = flags["mode"] {
        guard let mode = PolicyMode(rawValue: text) else {
            fail("serve: --mode must be one of \(PolicyMode.names.joined(separator: ", ")), got \(text)")
        }
        modeOverride = mode
        servePolicyMode.withLock { $0 = mode }
    } else {
        modeOverride = nil
    }
    // Start-up and every reload parse the same way (with --mode applied).
    let parser = makePolicyParser(path: policyPath) { policy in
        if let modeOverride { policy.mode = modeOverride }
    }
    let initial = readPolicyForServe(path: policyPath, parser: parser)
    let policy = initial.policy
    let auditOptions = AuditServeOptions(flags)
    let auditPath = auditOptions.auditPath
    let audit = openAuditLog(auditOptions)

    SignalWaiter.ignoreSIGPIPE()
    let signals = [SIGTERM, SIGINT, SIGHUP, SIGUSR1]
    SignalWaiter.block(signals)

    if configuration.budget == nil {
        // Every open connection may hold audit-queue reservations: all sockets together stay below the queue.
        configuration.budget = ConnectionBudget(limit: max(1, auditOptions.queue / 2))
    }
    let server = Server(configuration: configuration, policy: policy, audit: audit)
    do {
        try server.bind(publish: false)  // published last, below: once the path appears, every socket is up
    } catch {
        fail("serve: \(error)", code: 1)
    }
    // Writes the start record (or exits), watches the policy file, opens --metrics-socket.
    let trail = AuditTrail(server: server, policyPath: policyPath, initial: initial, parser: parser, options: auditOptions,
                           listen: listen, upstream: upstream, socketGroup: configuration.socketGroup)
    let stopSignal = Locked(Int32(0))
    var jobs = flags["admin-socket"].map {
        JobService.start(adminPath: $0, flags: flags, configuration: configuration, policyPath: policyPath, audit: audit,
                         server: server)
    }
    var peerPolicies: PeerPolicies?
    if let listeners = flags["listeners"] {
        (jobs, peerPolicies) = JobService.startListeners(listeners, flags: flags, configuration: configuration, policyPath: policyPath,
                                                         audit: audit, server: server, jobs: jobs)
    }
    let jobService = jobs
    let peers = peerPolicies
    if let modeOverride, modeOverride != .enforce, jobService != nil || peers != nil {
        Files.writeStderr("sockwarden: WARNING: --mode \(modeOverride.rawValue) applies to the [[peer]] and job policies too: "
            + "what they deny is forwarded (a job socket still keeps each job to its own objects)\n")
    }
    do {
        try spawnDetachedThread(name: "sw-signals") {
            while true {
                let signal = SignalWaiter.wait(signals)
                // SIGHUP: reload the policy; SIGUSR1: reopen the audit log.
                if trail.handle(signal: signal) {
                    if signal == SIGHUP {
                        jobService?.reload()
                        peers?.reload(trigger: "sighup")
                    }
                    continue
                }
                stopSignal.withLock { $0 = signal }
                Files.writeStderr("sockwarden: received signal \(signal), shutting down\n")
                jobService?.stop()
                server.stop()
                return
            }
        }
    } catch {
        fail("serve: cannot start the signal thread: \(error)", code: 1)
    }
    do {
        try server.publish()
    } catch {
        server.stop()
        fail("serve: \(error)", code: 1)
    }
    Files.writeStderr("sockwarden: listening on \(listen), forwarding to \(upstream), policy \(policyPath) (\(policy.rules.count) rules, mode \(policy.mode.rawValue)\(modeOverride == nil ? "" : " from --mode")), audit log \(auditPath == "-" ? "stdout" : auditPath)\n")
    DaemonStartChecks.start(upstreamPath: upstream, policy: policy)
    server.serve()
    let left = server.drain()
    server.closeListener()
    if left > 0 {
        Files.writeStderr("sockwarden: grace period over, closing \(left) connection(s) still open\n")
    }
    trail.finish(reason: stopSignal.withLock { $0 == SIGINT ? "SIGINT" : $0 == SIGTERM ? "SIGTERM" : "signal \($0)" })
    exit(0)
}
