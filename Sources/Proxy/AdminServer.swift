import Glibc
import GoJSON
import HTTP1
import Posix

/// The admin socket: `POST /jobs`, `GET /jobs`, `DELETE /jobs/{id}`, JSON in
/// and out, one request per connection. Only root, or the user sockwarden
/// runs as, may use it (SO_PEERCRED), whatever the socket's mode.
public final class AdminServer: @unchecked Sendable {
    let path: String
    let registry: JobRegistry
    private var listener: StagedListener?

    public init(path: String, registry: JobRegistry) {
        self.path = path
        self.registry = registry
    }

    public func bind() throws(ServerError) {
        switch UnixSocket.removeStale(path: path) {
        case .absent, .staleSocket: break
        case .liveSocket: throw ServerError(description: "another process is serving \(path)")
        case .notASocket: throw ServerError(description: "\(path) exists and is not a socket")
        }
        do {
            listener = try UnixSocket.listen(path: path, mode: 0o600, group: nil, backlog: 64)
        } catch {
            throw ServerError(description: "cannot listen on \(path): \(error)")
        }
    }

    public func serve() {
        guard let listener = listener?.descriptor else { return }
        while true {
            guard let client = try? UnixSocket.accept(listener) else {
                usleep(10_000)
                continue
            }
            let registry = registry
            do {
                try spawnDetachedThread(name: "sw-admin-conn") { AdminServer.handle(client, registry: registry) }
            } catch {
                client.close()
            }
        }
    }

    public func stop() {
        listener?.descriptor.shutdown(reading: true, writing: true)
        listener?.remove()
    }

    /// A file's directory, as written ("/" for one at the root).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Ten years: anything longer is a mistake (and `now + ttl` must not overflow).
    static let maxTTL = 10 * 365 * 24 * 3600

    static func handle(_ client: FileDescriptor, registry: JobRegistry) {
        defer { client.close() }
        client.setReceiveTimeout(milliseconds: 10_000)
        guard let peer = UnixSocket.peerCredentials(client), peer.uid == 0 || peer.uid == geteuid() else {
            respond(client, 403, message: "only root or the user sockwarden runs as may use the admin socket")
            return
        }
        guard let (head, body) = readRequest(client) else {
            respond(client, 400, message: "malformed or incomplete request (a request must arrive whole within 10 s)")
            return
        }
        let path = String(head.target.split(separator: "?", maxSplits: 1).first ?? "")
        switch (head.method, path) {
        case ("GET", "/jobs"):
            var out: [UInt8] = [UInt8(ascii: "[")]
            for (i, job) in registry.list().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += encode(job)
            }
            out.append(UInt8(ascii: "]"))
            respond(client, 200, json: out)
        case ("POST", "/jobs"):
            guard case .success(let json) = JSONParser.parse(body), let id = json.member("id")?.string else {
                respond(client, 400, message: "the body must be a JSON object with \"id\" (and optionally \"policy\", \"labels\", \"ttl\" in seconds, \"watch_pid\", \"watch_container\")")
                return
            }
            var ttl: Int?
            if case .number(let text)? = json.member("ttl") {
                guard let n = Int(text), n > 0, n <= Self.maxTTL else {
                    respond(client, 400, message: "ttl must be a positive number of seconds, at most \(Self.maxTTL) (ten years)")
                    return
                }
                ttl = n
            }
            let labels = (json.member("labels")?.object ?? []).map { ($0.key, $0.value.string ?? "") }
            let socket = json.member("socket")?.string
            // On bytes, as the kernel reads the path (Swift Characters join "/" or "." with a combining mark).
            if let socket, socket.utf8.first != UInt8(ascii: "/") || socket.utf8.split(separator: UInt8(ascii: "/")).contains(where: { $0.elementsEqual("..".utf8) }) {
                respond(client, 400, message: "socket must be an absolute, clean path")
                return
            }
            var group: UInt32?
            if let name = json.member("socket_group")?.string {
                guard socket != nil else {
                    respond(client, 400, message: "socket_group needs socket: a socket in the jobs directory is reachable only where it is mounted")
                    return
                }
                guard let gid = Files.groupID(name) else {
                    respond(client, 400, message: "socket_group: no group \"\(name)\" on this host")
                    return
                }
                group = gid
            }
            var watch: JobWatch?
            if case .number(let text)? = json.member("watch_pid") {
                guard let pid = Int32(text), let process = JobWatch.process(pid) else {
                    respond(client, 400, message: "watch_pid \(text) is not a running process (as sockwarden sees /proc)")
                    return
                }
                watch = process
            } else if let container = json.member("watch_container")?.string {
                guard let full = registry.containerID(container) else {
                    respond(client, 400, message: "watch_container: no such container: \(container)")
                    return
                }
                watch = .container(id: full)
            }
            if let policy = json.member("policy")?.string,
               let refusal = JobPolicyPlace.refusal(policy, under: registry.settings.jobPoliciesDirectory
                   ?? JobPolicyPlace.clean(Self.directory(of: registry.settings.defaultPolicyPath))) {
                respond(client, 403, message: refusal)
                return
            }
            switch registry.open(id: id, policyPath: json.member("policy")?.string, labels: labels, ttlSeconds: ttl, socket: socket,
                                 group: group, watch: watch) {
            case .success(let info): respond(client, 201, json: encode(info))
            case .failure(let error): respond(client, error.status, message: error.description)
            }
        case ("DELETE", _) where path.hasPrefix("/jobs/"):
            let id = String(path.dropFirst("/jobs/".count))
            switch registry.close(id: id) {
            case .success(let summary):
                var w = JSONObjectWriter()
                w.raw("removed", stringArray(summary.removed))
                w.raw("failed", stringArray(summary.failed))
                respond(client, summary.failed.isEmpty ? 200 : 500, json: w.finish())
            case .failure(let error):
                respond(client, error.status, message: error.description)
            }
        default:
            respond(client, 404, message: "the admin socket serves GET /jobs, POST /jobs and DELETE /jobs/{id}")
        }
    }

    static func encode(_ info: JobRegistry.JobInfo) -> [UInt8] {
        JobState.encode(info)
    }

    static func stringArray(_ items: [String]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONObjectWriter.appendString(item, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// The whole request must arrive within 10 s (a deadline, not per read):
    /// a client that stops sending does not hold its thread.
    static func readRequest(_ client: FileDescriptor) -> (RequestHead, [UInt8])? {
        var parser = RequestHeadParser(limits: .default)
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        let deadline = monotonicNanoseconds() + 10_000_000_000
        func read() -> Int? {
            guard client.setReceiveTimeout(until: deadline), let n = try? chunk.withUnsafeMutableBytes({ try client.read(into: $0) }), n > 0 else { return nil }
            return n
        }
        while buffer.count < 128 << 10 {
            if !buffer.isEmpty {
                let result = parser.parse(buffer)
                switch result {
                case .complete(let head, let consumed):
                    var body = Array(buffer[consumed...])
                    guard case .length(let n) = head.framing else { return head.framing == .none ? (head, []) : nil }
                    guard n <= 64 << 10 else { return nil }
                    while body.count < Int(n) {
                        guard let count = read() else { return nil }
                        body += chunk[0..<count]
                    }
                    return (head, Array(body.prefix(Int(n))))
                case .failure: return nil
                case .needMore: break
                }
            }
            guard let count = read() else { return nil }
            buffer += chunk[0..<count]
        }
        return nil
    }

    static func respond(_ client: FileDescriptor, _ status: Int, message: String) {
        var w = JSONObjectWriter()
        w.field("message", message)
        respond(client, status, json: w.finish())
    }

    static func respond(_ client: FileDescriptor, _ status: Int, json: [UInt8]) {
        client.setSendTimeout(milliseconds: 10_000)  // a client that does not read cannot hold the thread
        let body = json + [10]
        let head = "HTTP/1.1 \(status) \(LocalResponse.reason(status))\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try? client.writeAll(Array(head.utf8) + body)
    }
}
