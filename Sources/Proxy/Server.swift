import Glibc
import HTTP1
import Policy
import Posix
import Tenancy

public struct ServerConfiguration: Sendable {
    public var listenPath: String
    public var upstreamPath: String
    public var socketMode: UInt32 = 0o660
    public var socketGroup: UInt32?
    /// A stale socket at `listenPath` is replaced only if it is this one (a
    /// job's socket restored after a restart: the one serve made before);
    /// nil: any stale socket.
    public var replacesSocket: NodeIdentity? = nil
    public var limits: HTTPLimits = .default
    /// How long in-flight requests may take to finish after SIGTERM/SIGINT.
    public var gracePeriodSeconds: Int = 10
    /// How long a client may take to finish a request head it has started
    /// (a dribbling client is answered 408 and closed). Idle keep-alive
    /// connections and streams are never timed out.
    public var headTimeoutSeconds: Int = 30
    /// Open client connections at most, in all (each costs two threads).
    public var maxConnections: Int = 4096
    /// Open client connections at most per peer uid (SO_PEERCRED); 0: no limit.
    public var maxConnectionsPerUID: Int = 1024
    /// Open client connections of the whole process, shared by the main
    /// socket and every job socket (whose servers copy this configuration,
    /// so they share the object); nil: no such cap.
    public var budget: ConnectionBudget?
    /// Memory requests being read to be judged may hold, the whole process
    /// (shared with the job sockets' servers like `budget`).
    public var requestMemory = RequestMemory()
    /// Requests per second per peer (`PeerRates`), shared like `budget`.
    public var peerRates = PeerRates()
    /// Event-loop threads serving keep-alive request/response traffic
    /// (`EventLoop`); 0: every connection gets its own two threads. Job
    /// sockets always use threads (their scope asks the daemon, blocking).
    public var eventLoops: Int = 1
    /// How an event loop makes the sends of one batch of events.
    public var sendBatching: SendBatching = .ioUring
    /// Where a build's context is spooled (an unlinked file) while its
    /// Dockerfile is read and judged, before anything is forwarded.
    public var spoolDirectory: String = ServerConfiguration.defaultSpoolDirectory
    /// The largest build context spooled; a larger one is refused (413).
    public var maxBuildContextBytes: UInt64 = 8 << 30

    public static var defaultSpoolDirectory: String {
        if let dir = getenv("TMPDIR"), dir.pointee != 0 { return String(cString: dir) }
        return "/var/tmp"  // disk on most systems; /tmp is often tmpfs (memory)
    }

    public init(listenPath: String, upstreamPath: String) {
        self.listenPath = listenPath
        self.upstreamPath = upstreamPath
    }
}

public struct ServerError: Error, CustomStringConvertible {
    public let description: String
}

/// Owns the listening socket and the set of live connections.
public final class Server: @unchecked Sendable {
    public let configuration: ServerConfiguration
    public let context: ServerContext
    private var listener: FileDescriptor?
    /// The listener while `bind(publish: false)` keeps it off its path.
    private var unpublished: StagedListener?
    /// The socket at its path: removed from the directory it was made in
    /// at `stop`, only while that name is still this socket.
    private var published: StagedListener?
    private let connections = Locked(ConnectionTable())
    /// Held in reserve for answering while descriptors run out (see
    /// `shedWhileOutOfDescriptors`). Touched by the accept thread only.
    private var spare = Server.openSpare()
    private var shortage = DescriptorShortage()

    /// The event loops (none on a job socket, or with `eventLoops` 0).
    private var loops: [EventLoop] = []
    private var nextLoop = 0

    struct ConnectionTable {
        var byID: [UInt64: any ClientConnection] = [:]
        var perUID: [UInt32: Int] = [:]
    }
    private let stopping = Locked(false)

    public init(configuration: ServerConfiguration, policy: Policy, audit: AuditLog, job: JobBinding? = nil) {
        self.configuration = configuration
        self.context = ServerContext(upstreamPath: configuration.upstreamPath, limits: configuration.limits,
                                     policy: policy, audit: audit, headTimeoutSeconds: configuration.headTimeoutSeconds,
                                     job: job, spoolDirectory: configuration.spoolDirectory,
                                     maxBuildContextBytes: configuration.maxBuildContextBytes,
                                     requestMemory: configuration.requestMemory, peerRates: configuration.peerRates)
    }

    /// Creates the listening socket. A stale socket file (nobody accepts on it)
    /// is replaced; a socket a live process serves is never taken over.
    /// Listens on the configured path. With `publish` false the socket
    /// stays under a temporary name until `publish()`, so `serve` can open
    /// its other sockets first: clients that wait for this path find all up.
    public func bind(publish: Bool = true) throws {
        let path = configuration.listenPath
        switch UnixSocket.removeStale(path: path, ifStill: configuration.replacesSocket) {
        case .absent, .staleSocket:
            break
        case .liveSocket where configuration.replacesSocket != nil:
            throw ServerError(description: "\(path) is not the socket serve made there before it restarted (its directory was changed); refusing to replace it")
        case .liveSocket:
            throw ServerError(description: "another process is serving \(path); stop it first, or choose another --listen path")
        case .notASocket:
            throw ServerError(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        do {
            let staged = try UnixSocket.listenStaged(path: path, mode: configuration.socketMode, group: configuration.socketGroup)
            if publish { try staged.publish(); published = staged } else { unpublished = staged }
            listener = staged.descriptor
        } catch {
            throw ServerError(description: "cannot listen on \(path): \(error)")
        }
        if let warning = DescriptorShortage.limitWarning(maxConnections: configuration.maxConnections) {
            report(warning)
        }
        if context.jobScope == nil && loops.isEmpty {
            for _ in 0..<configuration.eventLoops {
                do {
                    let loop = try EventLoop(context: context, sendBatching: configuration.sendBatching, onClose: { [weak self] id, peer in self?.remove(id, peer: peer) },
                                             handOff: { [weak self] handed in self?.takeOver(handed) })
                    try loop.start()
                    loops.append(loop)
                } catch {
                    report("sockwarden: cannot start an event loop (\(error)); connections get their own threads")
                    break
                }
            }
        }
    }

    /// A job's server goes at `job close`, which waits only so long for its
    /// connections (a thread in a daemon look-up does not notice the
    /// shutdown): those still open can no longer reach `remove` (their
    /// callbacks hold the server weakly), so their slots of the budget all
    /// sockets share are given back now, once.
    deinit {
        let left = connections.withLock { table -> Int in
            defer { table.byID.removeAll() }
            return table.byID.count
        }
        for _ in 0..<left { configuration.budget?.give() }
        // A closed job's server: its listening socket and spare descriptor were
        // never closed, two descriptors per job for as long as serve ran (found
        // 2026-12-02, session 23, by a review).
        listener?.close()
        if spare >= 0 { Glibc.close(spare) }
    }

    private func remove(_ id: UInt64, peer: PeerCredentials?) {
        let removed = connections.withLock { table -> Bool in
            guard table.byID.removeValue(forKey: id) != nil else { return false }
            if let uid = peer?.uid { table.perUID[uid, default: 1] -= 1 }
            return true
        }
        if removed { configuration.budget?.give() }
    }

    /// A connection an event loop hands over: from now on it has its own threads.
    private func takeOver(_ handed: LoopHandOff) {
        let connection = Connection(client: handed.client, peer: handed.peer, context: context, id: handed.id,
                                    upstream: handed.upstream, prebuffered: handed.prebuffered, caller: handed.caller,
                                    charged: handed.charged) { [weak self] done in
            self?.remove(done.id, peer: done.peer)
        }
        connections.withLock { $0.byID[handed.id] = connection }
        do {
            try connection.start()
        } catch {
            report("sockwarden: cannot start a connection thread: \(error)")
        }
    }

    /// Accepts until `stop()`. An admitted connection goes to an event loop
    /// (which may hand it to threads later), or with no loop gets two threads.
    public func serve() {
        guard let listener else { return }
        while true {
            let client: FileDescriptor
            do {
                client = try UnixSocket.accept(listener)
            } catch {
                if stopping.withLock({ $0 }) { return }
                switch error.code {
                case EMFILE, ENFILE:
                    shedWhileOutOfDescriptors(listener, error)
                case ENOBUFS, ENOMEM:
                    // Out of memory: say so, back off, keep going.
                    report("sockwarden: accept failed: \(error); backing off")
                    usleep(100_000)
                case ECONNABORTED, EPROTO:
                    continue
                default:
                    if stopping.withLock({ $0 }) { return }
                    report("sockwarden: accept failed: \(error)")
                    usleep(10_000)
                }
                continue
            }
            if stopping.withLock({ $0 }) {
                client.close()
                return
            }
            let peer = UnixSocket.peerCredentials(client, withGroups: context.peerGroupsNeeded)
            if let refusal = admissionRefusal(peer) {
                refuse(client, peer: peer, message: refusal, rule: "connection-limit")
                continue
            }
            // The connection needs one more descriptor, for the daemon; one
            // more is kept as headroom for transient use (glibc opens
            // /sys/devices/system/cpu/online when a new thread gets a malloc
            // arena), so that the daemon connection rarely fails with EMFILE.
            if let error = Server.probeSpareDescriptors(2, like: client), error.code == EMFILE || error.code == ENFILE {
                noteShortage(error)
                refuse(client, peer: peer, message: shortage.clientMessage, rule: "fd-exhaustion", error: "\(error)")
                continue
            }
            endShortage()
            if !loops.isEmpty {
                let loop = loops[nextLoop % loops.count]
                nextLoop &+= 1
                let id = context.nextConnectionID()
                connections.withLock { table in
                    table.byID[id] = LoopEntry(id: id, peer: peer)
                    if let uid = peer?.uid { table.perUID[uid, default: 0] += 1 }
                }
                configuration.budget?.take()
                loop.adopt(client, peer: peer, id: id)
                continue
            }
            let connection = Connection(client: client, peer: peer, context: context) { [weak self] done in
                self?.remove(done.id, peer: done.peer)
            }
            connections.withLock { table in
                table.byID[connection.id] = connection
                if let uid = peer?.uid { table.perUID[uid, default: 0] += 1 }
            }
            configuration.budget?.take()
            do {
                try connection.start()
            } catch {
                report("sockwarden: cannot start a connection thread: \(error)")
            }
        }
    }

    /// Stops accepting and removes the socket file. Idle keep-alive
    /// connections are closed; busy ones may finish within the grace period.
    public func stop() {
        let already = stopping.withLock { s -> Bool in
            defer { s = true }
            return s
        }
        if already { return }
        if let listener {
            // Unlink first: shutdown wakes the accept loop, whose thread may
            // then drain and exit the process before a later unlink runs.
            if let staged = unpublished { staged.discard() } else { published?.remove() }
            listener.shutdown(reading: true, writing: true)
        }
        for loop in loops { loop.drain() }
        closeIdleConnections()
    }

    /// A job is closed (`JobRegistry.close`): requests judged from now on are
    /// refused (`ServerContext.jobClosed`) and the socket is removed. A
    /// connection is shut down, busy, streaming and hijacked ones included,
    /// as soon as none of its requests is waiting for the daemon's answer;
    /// after `seconds` every one left is. Returns when all have ended (or a
    /// second after that), so that what they created exists for the reap.
    /// True if a connection was shut down with a request at the daemon (its
    /// work may end after the reap).
    public func closeJob(within seconds: Int) -> Bool {
        context.markJobClosed()
        stop()
        let deadline = monotonicNanoseconds() + UInt64(seconds) * 1_000_000_000
        var shut = Set<UInt64>()
        var cutInFlight = false
        while monotonicNanoseconds() < deadline + 1_000_000_000 {
            let open = connections.withLock { Array($0.byID.values) }
            if open.isEmpty { break }
            let late = monotonicNanoseconds() >= deadline
            for connection in open {
                let busy = connection.awaitingDaemon
                if shut.contains(connection.id) {
                    if busy { cutInFlight = true }
                    continue
                }
                guard late || !busy else { continue }
                if busy { cutInFlight = true }
                shut.insert(connection.id)
                connection.terminate()
            }
            usleep(20_000)
        }
        return cutInFlight
    }

    public var openConnections: Int { connections.withLock { $0.byID.count } }

    /// Connections open on every socket of the process (the main socket's and
    /// every job socket's share `--max-connections-total`), else this one's.
    public var openConnectionsOnAllSockets: Int { configuration.budget?.inUse ?? openConnections }

    /// Why a new connection from `peer` is refused, or nil to admit it.
    private func admissionRefusal(_ peer: PeerCredentials?) -> String? {
        connections.withLock { table in
            if table.byID.count >= configuration.maxConnections {
                return "sockwarden: too many open connections (\(configuration.maxConnections), --max-connections); close idle clients and retry"
            }
            if configuration.maxConnectionsPerUID > 0, let uid = peer?.uid,
               table.perUID[uid, default: 0] >= configuration.maxConnectionsPerUID {
                return "sockwarden: uid \(uid) has \(configuration.maxConnectionsPerUID) connections open (--max-connections-per-uid); close idle clients and retry"
            }
            if let budget = configuration.budget, budget.inUse >= budget.limit {
                return "sockwarden: too many open connections on all of this proxy's sockets (\(budget.limit), --max-connections-total); close idle clients and retry"
            }
            return nil
        }
    }

    /// Answers 503 on a connection that is not admitted, records it, closes it.
    private func refuse(_ client: FileDescriptor, peer: PeerCredentials?, message: String, rule: String, error: String? = nil) {
        if rule == "fd-exhaustion" { shortage.refused += 1 }
        let response = LocalResponse(status: 503, message: message, close: true)
        let bytes = response.serialized(headRequest: false)
        client.setSendTimeout(milliseconds: 1000)
        let written = (try? client.writeAll(bytes)) != nil
        client.shutdown(reading: false, writing: true)
        client.close()
        // The policy in force for this peer, with its digest and mode, and
        // the job, as every other record of this socket carries them.
        let inForce = context.policyInForce(for: peer)
        var record = AuditRecord(connection: context.nextConnectionID(), request: context.nextRequestID(), peer: peer,
                                 method: "-", target: "-", route: nil, group: nil, apiVersion: nil, decision: "deny",
                                 rule: rule, reason: message, policy: inForce.policy.name, status: nil,
                                 startedAt: wallClock())
        record.mode = inForce.policy.mode.rawValue
        record.policyDigest = inForce.digest
        if let job = context.job { record.job = (job.owner.id, job.labels) }
        record.status = 503
        record.bytesOut = written ? UInt64(bytes.count) : 0
        record.error = error
        context.audit.write(record)
    }

    /// Waits until every connection has ended or the grace period is over.
    /// Returns the number still open.
    public func drain() -> Int {
        let deadline = monotonicNanoseconds() + UInt64(configuration.gracePeriodSeconds) * 1_000_000_000
        while openConnections > 0 && monotonicNanoseconds() < deadline {
            closeIdleConnections()
            usleep(20_000)
        }
        return openConnections
    }

    private func closeIdleConnections() {
        let idle = connections.withLock { $0.byID.values.filter { $0.isIdle } }
        for connection in idle { connection.terminate() }
    }

    /// The published socket's file (device and inode), nil before it is published.
    public var socketNode: NodeIdentity? { published?.node }

    /// Puts a listener bound with `bind(publish: false)` at its path.
    public func publish() throws {
        guard let staged = unpublished else { return }
        unpublished = nil
        do {
            try staged.publish()
            published = staged
        } catch {
            listener = nil
            throw ServerError(description: "cannot listen on \(staged.path): \(error)")
        }
    }

    public func closeListener() {
        unpublished?.discard()
        unpublished = nil
        listener?.close()
        listener = nil
    }

    // MARK: - Running out of file descriptors

    /// accept4 failed with EMFILE/ENFILE: a client waits in the backlog and
    /// there is no descriptor to take it. Frees the spare descriptor, takes
    /// the client with it, answers 503 (a Docker-style error the CLI prints),
    /// records it and closes it, then takes the spare back. Connections
    /// already open are untouched. With no spare to free (someone else took
    /// the slot), backs off for 100 ms instead of spinning; the client waits
    /// in the backlog until descriptors free up.
    private func shedWhileOutOfDescriptors(_ listener: FileDescriptor, _ error: SystemError) {
        noteShortage(error)
        if spare < 0 { spare = Server.openSpare() }
        guard spare >= 0, Server.readable(listener) else {
            usleep(100_000)
            return
        }
        Glibc.close(spare)
        spare = -1
        defer { spare = Server.openSpare() }
        guard let client = try? UnixSocket.accept(listener) else {
            usleep(100_000)
            return
        }
        if stopping.withLock({ $0 }) {
            client.close()
            return
        }
        refuse(client, peer: UnixSocket.peerCredentials(client), message: shortage.clientMessage,
               rule: "fd-exhaustion", error: "\(error)")
    }

    /// Starts or continues a shortage: reported on stderr when it starts and
    /// at most every 10 s while it lasts.
    private func noteShortage(_ error: SystemError) {
        let now = monotonicNanoseconds()
        if !shortage.active {
            shortage.active = true
            shortage.startedAt = now
            shortage.lastReport = now
            report("sockwarden: out of file descriptors (\(error); \(DescriptorShortage.limitText), "
                   + "\(openConnectionsOnAllSockets) connection(s) open on all sockets): new connections get a 503 until descriptors free up; "
                   + "open connections are served as usual")
        } else if now - shortage.lastReport >= 10_000_000_000 {
            shortage.lastReport = now
            report("sockwarden: still out of file descriptors after \(shortage.seconds(now)) s: "
                   + "\(shortage.refused) connection(s) refused so far, \(openConnectionsOnAllSockets) open on all sockets")
        }
    }

    /// A connection was admitted: a shortage, if any, is over.
    private func endShortage() {
        guard shortage.active else { return }
        report("sockwarden: file descriptors available again after \(shortage.seconds(monotonicNanoseconds())) s; "
               + "\(shortage.refused) connection(s) were refused with a 503 meanwhile")
        shortage = DescriptorShortage()
    }

    /// A descriptor nobody uses, to be closed when one is needed at once.
    private static func openSpare() -> Int32 {
        open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }

    /// Whether `count` more descriptors can be had right now: dup(2)s of
    /// `fd`, closed at once. The proxy never forks, so no CLOEXEC is needed.
    private static func probeSpareDescriptors(_ count: Int, like fd: FileDescriptor) -> SystemError? {
        var copies: [Int32] = []
        defer { for copy in copies { Glibc.close(copy) } }
        for _ in 0..<count {
            let copy = dup(fd.rawValue)
            if copy < 0 { return SystemError.last("dup") }
            copies.append(copy)
        }
        return nil
    }

    /// poll(2) with no wait: a client is waiting in the backlog.
    private static func readable(_ fd: FileDescriptor) -> Bool {
        var p = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) == 1
    }
}

/// A streak of EMFILE/ENFILE, as the accept thread sees it.
struct DescriptorShortage {
    var active = false
    var refused = 0
    var startedAt: UInt64 = 0
    var lastReport: UInt64 = 0

    func seconds(_ now: UInt64) -> String {
        let tenths = (now - startedAt) / 100_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    var clientMessage: String {
        "sockwarden: the proxy is out of file descriptors (\(DescriptorShortage.limitText)); "
            + "retry later, or ask the operator to raise the limit (LimitNOFILE=, ulimit -n)"
    }

    /// The process's RLIMIT_NOFILE, as text.
    static var limitText: String {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return "RLIMIT_NOFILE unknown" }
        return "RLIMIT_NOFILE \(limit.rlim_cur)"
    }

    /// Each connection holds two descriptors (client and daemon) and the
    /// process about 16 more. A warning when the soft limit is below what
    /// `--max-connections` needs, so it is known before it bites.
    static func limitWarning(maxConnections: Int) -> String? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        let needed = UInt64(maxConnections) * 2 + 32
        guard UInt64(limit.rlim_cur) < needed else { return nil }
        let fits = UInt64(limit.rlim_cur) > 32 ? (UInt64(limit.rlim_cur) - 32) / 2 : 0
        return "sockwarden: warning: RLIMIT_NOFILE is \(limit.rlim_cur): about \(fits) connections fit before "
            + "descriptors run out (--max-connections \(maxConnections) needs \(needed)); raise it "
            + "(LimitNOFILE= in the systemd unit, ulimit -n) or lower --max-connections"
    }
}

func report(_ message: String) {
    let line = message + "\n"
    _ = line.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
}

/// Open client connections counted across servers (the main socket and the
/// job sockets): every connection may hold audit-queue reservations, which
/// all sockets share, so their sum is capped below what the queue holds.
/// Checked when a connection is admitted, counted when it is entered in its
/// server's table and given back when it leaves it (two sockets admitting at
/// the same instant may each pass the check: the cap is exact to within the
/// number of sockets).
public final class ConnectionBudget: @unchecked Sendable {
    public let limit: Int
    private let open = Locked(0)

    public init(limit: Int) { self.limit = limit }

    public var inUse: Int { open.withLock { $0 } }
    func take() { open.withLock { $0 += 1 } }
    func give() { open.withLock { $0 -= 1 } }
}

/// An open client connection, as the server's table sees it.
protocol ClientConnection: AnyObject, Sendable {
    var id: UInt64 { get }
    var peer: PeerCredentials? { get }
    /// Nothing in flight: safe to close on shutdown.
    var isIdle: Bool { get }
    /// A request was forwarded and its answer has not begun.
    var awaitingDaemon: Bool { get }
    func terminate()
}

extension Connection: ClientConnection {}

/// A connection an event loop serves; the loop itself closes it on shutdown.
final class LoopEntry: ClientConnection {
    let id: UInt64
    let peer: PeerCredentials?
    init(id: UInt64, peer: PeerCredentials?) {
        self.id = id
        self.peer = peer
    }
    var isIdle: Bool { false }
    var awaitingDaemon: Bool { false }
    func terminate() {}
}
