import Glibc
import HTTP1
import Policy
import Posix

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
    private let connections = Locked([UInt64: Connection]())
    private let stopping = Locked(false)

    public init(configuration: ServerConfiguration, policy: Policy, audit: AuditLog) {
        self.configuration = configuration
        self.context = ServerContext(upstreamPath: configuration.upstreamPath, limits: configuration.limits,
                                     policy: policy, audit: audit, headTimeoutSeconds: configuration.headTimeoutSeconds)
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
            let connection = Connection(client: client, context: context) { [weak self] done in
                _ = self?.connections.withLock { $0.removeValue(forKey: done.id) }
            }
            connections.withLock { $0[connection.id] = connection }
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

    public var openConnections: Int { connections.withLock { $0.count } }

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
        let idle = connections.withLock { $0.values.filter { $0.isIdle } }
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
