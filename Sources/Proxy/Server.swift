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
    private let connections = Locked(ConnectionTable())

    struct ConnectionTable {
        var byID: [UInt64: Connection] = [:]
        var perUID: [UInt32: Int] = [:]
    }
    private let stopping = Locked(false)

    public init(configuration: ServerConfiguration, policy: Policy, audit: AuditLog, job: JobBinding? = nil) {
        self.configuration = configuration
        self.context = ServerContext(upstreamPath: configuration.upstreamPath, limits: configuration.limits,
                                     policy: policy, audit: audit, headTimeoutSeconds: configuration.headTimeoutSeconds,
                                     job: job)
    }

    /// Creates the listening socket. A stale socket file (nobody accepts on it)
    /// is replaced; a socket a live process serves is never taken over.
    public func bind() throws {
        let path = configuration.listenPath
        switch UnixSocket.probe(path: path) {
        case .absent:
            break
        case .staleSocket:
            unlink(path)
        case .liveSocket:
            throw ServerError(description: "another process is serving \(path); stop it first, or choose another --listen path")
        case .notASocket:
            throw ServerError(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        do {
            listener = try UnixSocket.listen(path: path, mode: configuration.socketMode, group: configuration.socketGroup)
        } catch {
            throw ServerError(description: "cannot listen on \(path): \(error)")
        }
    }

    /// Accepts until `stop()`. Each connection gets its own two threads.
    public func serve() {
        guard let listener else { return }
        while true {
            let client: FileDescriptor
            do {
                client = try UnixSocket.accept(listener)
            } catch {
                if stopping.withLock({ $0 }) { return }
                switch error.code {
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: say so, back off, keep going.
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
            let peer = UnixSocket.peerCredentials(client)
            if let refusal = admissionRefusal(peer) {
                refuse(client, peer: peer, message: refusal)
                continue
            }
            let connection = Connection(client: client, peer: peer, context: context) { [weak self] done in
                self?.connections.withLock { table in
                    table.byID.removeValue(forKey: done.id)
                    if let uid = done.peer?.uid { table.perUID[uid, default: 1] -= 1 }
                }
            }
            connections.withLock { table in
                table.byID[connection.id] = connection
                if let uid = peer?.uid { table.perUID[uid, default: 0] += 1 }
            }
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
            listener.shutdown(reading: true, writing: true)
            unlink(configuration.listenPath)
        }
        closeIdleConnections()
    }

    public var openConnections: Int { connections.withLock { $0.byID.count } }

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
            return nil
        }
    }

    /// Answers 503 on a connection that is not admitted, records it, closes it.
    private func refuse(_ client: FileDescriptor, peer: PeerCredentials?, message: String) {
        let response = LocalResponse(status: 503, message: message, close: true)
        let bytes = response.serialized(headRequest: false)
        client.setSendTimeout(milliseconds: 1000)
        let written = (try? client.writeAll(bytes)) != nil
        client.shutdown(reading: false, writing: true)
        client.close()
        var record = AuditRecord(connection: context.nextConnectionID(), request: context.nextRequestID(), peer: peer,
                                 method: "-", target: "-", route: nil, group: nil, apiVersion: nil, decision: "deny",
                                 rule: "connection-limit", reason: message, policy: context.policy.name, status: 503,
                                 startedAt: wallClock())
        record.bytesOut = written ? UInt64(bytes.count) : 0
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

    public func closeListener() {
        listener?.close()
        listener = nil
    }
}

func report(_ message: String) {
    let line = message + "\n"
    _ = line.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
}
