import Glibc
import HTTP1
import Posix

/// `serve --metrics-socket PATH`: an admin Unix socket answering
/// `GET /metrics` in the Prometheus text format. Each connection gets one
/// answer, on a thread of its own, and is closed; a scraper that stalls is
/// cut after 5 s. At most `maxConnections` are served at once: one more
/// cuts the oldest, so clients that connect and send nothing cannot hold
/// the endpoint while a scraper waits. Separate from the proxy's socket,
/// so it can be given to a monitoring agent without giving it the Engine API.
public final class MetricsServer: @unchecked Sendable {
    public let path: String
    private let listener: StagedListener
    private let render: @Sendable () -> String
    /// The connections being answered, with when each was accepted. An
    /// entry is removed before its descriptor is closed, so a descriptor
    /// found here under the lock is still this connection's.
    private let serving = Locked<[(fd: FileDescriptor, since: UInt64)]>([])
    static let maxConnections = 8

    /// Binds `path` (mode `mode`; a stale socket file is replaced, a live one is not).
    public init(path: String, mode: UInt32 = 0o660, group: UInt32? = nil, render: @escaping @Sendable () -> String) throws {
        switch UnixSocket.removeStale(path: path) {
        case .absent, .staleSocket: break
        case .liveSocket: throw ServerError(description: "another process is serving \(path); choose another --metrics-socket path")
        case .notASocket: throw ServerError(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        do {
            listener = try UnixSocket.listen(path: path, mode: mode, group: group, backlog: 16)
        } catch {
            throw ServerError(description: "cannot listen on \(path): \(error)")
        }
        self.path = path
        self.render = render
    }

    public func start() throws(SystemError) {
        try spawnDetachedThread(name: "sw-metrics") { [self] in
            while true {
                guard let client = try? UnixSocket.accept(listener.descriptor) else {
                    usleep(50_000)
                    continue
                }
                admit(client)
            }
        }
    }

    /// Answers `client` on a thread of its own, first cutting the oldest
    /// connection when `maxConnections` are being answered (its read ends
    /// and its thread closes it).
    private func admit(_ client: FileDescriptor) {
        serving.withLock { serving in
            if serving.count >= MetricsServer.maxConnections, let oldest = serving.min(by: { $0.since < $1.since }) {
                oldest.fd.shutdown(reading: true, writing: true)
                serving.removeAll { $0.fd == oldest.fd }
            }
            serving.append((client, monotonicNanoseconds()))
        }
        do {
            try spawnDetachedThread(stackSize: 128 * 1024, name: "sw-metrics-conn") { [self] in
                answer(client)
                finish(client)
            }
        } catch {
            // No thread: answer here (the endpoint waits for this one only).
            answer(client)
            finish(client)
        }
    }

    private func finish(_ client: FileDescriptor) {
        serving.withLock { serving in serving.removeAll { $0.fd == client } }
        client.close()
    }

    /// Removes the socket file (at shutdown).
    public func remove() {
        listener.remove()
    }

    /// One scrape, served inline: the request must arrive within 5 s in all
    /// (not per read, so a client dribbling bytes cannot hold the endpoint).
    private func answer(_ client: FileDescriptor) {
        let deadline = monotonicNanoseconds() + 5_000_000_000
        client.setSendTimeout(milliseconds: 5000)
        var parser = RequestHeadParser()
        var buffer: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            guard client.setReceiveTimeout(until: deadline), let n = try? client.read(into: chunk), n > 0 else { return }
            buffer += chunk[0..<n]
            switch parser.parse(buffer) {
            case .needMore:
                if buffer.count > 16 * 1024 { return respond(client, 431, "request head too large\n", head: false) }
                continue
            case .failure(let error):
                return respond(client, error.status, "\(error.message)\n", head: false)
            case .complete(let head, _):
                let path = head.target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.target
                guard head.method == "GET" || head.method == "HEAD" else {
                    return respond(client, 405, "only GET /metrics\n", head: false)
                }
                guard path == "/metrics" else {
                    return respond(client, 404, "not found: try GET /metrics\n", head: head.method == "HEAD")
                }
                return respond(client, 200, render(), head: head.method == "HEAD",
                               contentType: "text/plain; version=0.0.4; charset=utf-8")
            }
        }
    }

    private func respond(_ client: FileDescriptor, _ status: Int, _ body: String, head: Bool,
                         contentType: String = "text/plain; charset=utf-8") {
        let bytes = Array(body.utf8)
        var out = Array("HTTP/1.1 \(status) \(status == 200 ? "OK" : LocalResponse.reason(status))\r\n".utf8)
        out += "Content-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n".utf8
        if !head { out += bytes }
        _ = try? client.writeAll(out)
        client.shutdown(reading: false, writing: true)
    }
}
