import EngineAPI
import Glibc
import GoJSON
import Policy
import Posix
import Tenancy

/// Read-only questions to the daemon that judging needs (the mounts a
/// `VolumesFrom` source would lend). One HTTP/1.0 GET per question on a new
/// connection to the upstream socket, so the answer is never chunked and the
/// connection is never shared with a client's; bounded in size and time.
struct DaemonLookup: Sendable {
    let upstreamPath: String
    static let maxResponse = 4 << 20
    static let timeoutMilliseconds = 10_000

    enum Answer {
        case ok(JSONValue)
        case notFound
        case failed(String)
    }

    func get(_ path: String) -> Answer {
        let (status, body, error) = exchange("GET", path)
        if let error { return .failed(error) }
        if status == 404 { return .notFound }
        guard status == 200 else { return .failed(Self.refusal(status, body)) }
        switch JSONParser.parse(body) {
        case .success(let value): return .ok(value)
        case .failure(let error): return .failed("the daemon's answer is not JSON: \(error)")
        }
    }

    /// Why a look-up failed, for the denial the user reads: the status,
    /// and the message of the daemon's error answer when it gave one
    /// ("multiple IDs found with provided prefix: ab").
    static func refusal(_ status: Int, _ body: [UInt8]) -> String {
        guard case .success(let value) = JSONParser.parse(body), let message = value.member("message")?.string,
              !message.utf8.isEmpty else { return "the daemon answered \(status)" }
        return "the daemon answered \(status): \(message.utf8.count > 300 ? String(message.prefix(300)) + "…" : message)"
    }

    /// The status of a DELETE (0 when the daemon could not be asked).
    func delete(_ path: String) -> Int {
        exchange("DELETE", path).status
    }

    /// A DELETE: the status and body of the answer (`error` set when the
    /// daemon could not be asked).
    func deleteAnswer(_ path: String) -> (status: Int, body: [UInt8], error: String?) {
        exchange("DELETE", path)
    }

    /// The status of a POST with a JSON body (0 when the daemon could not be asked).
    func post(_ path: String, json: [UInt8]) -> Int {
        exchange("POST", path, json: json).status
    }

    /// A POST without a body: the status and body of the answer (`error`
    /// set when the daemon could not be asked).
    func postAnswer(_ path: String) -> (status: Int, body: [UInt8], error: String?) {
        exchange("POST", path)
    }

    /// The `message` of a daemon's error answer.
    static func message(_ body: [UInt8]) -> String? {
        guard case .success(let value) = JSONParser.parse(body) else { return nil }
        return value.member("message")?.string
    }

    /// One HTTP/1.0 request; the status and body of the answer.
    private func exchange(_ method: String, _ path: String, json: [UInt8]? = nil) -> (status: Int, body: [UInt8], error: String?) {
        let fd: FileDescriptor
        do {
            fd = try UnixSocket.connect(path: upstreamPath)
        } catch {
            return (0, [], "cannot connect to the daemon: \(error)")
        }
        defer { fd.close() }
        fd.setReceiveTimeout(milliseconds: Self.timeoutMilliseconds)
        fd.setSendTimeout(milliseconds: Self.timeoutMilliseconds)
        do {
            var head = "\(method) \(path) HTTP/1.0\r\nHost: docker\r\nUser-Agent: sockwarden\r\n"
            if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.count)\r\n" }
            try fd.writeAll(Array((head + "\r\n").utf8) + (json ?? []))
        } catch {
            return (0, [], "cannot ask the daemon: \(error)")
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while response.count <= Self.maxResponse {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
            } catch {
                return (0, [], "reading the daemon's answer: \(error)")
            }
            if n == 0 { break }
            response += chunk[0..<n]
        }
        guard response.count <= Self.maxResponse else { return (0, [], "the daemon's answer is too large") }
        guard let end = Self.headEnd(response), response.count >= 12 else { return (0, [], "the daemon's answer is not HTTP") }
        let status = Int(String(decoding: response[9..<12], as: UTF8.self)) ?? 0
        return (status, Array(response[end...]), nil)
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    /// Every byte but unreserved ones percent-encoded: a name from a request
    /// body can never change the path it is looked up under.
    static func escape(_ text: String) -> String {
        var out = ""
        for b in text.utf8 {
            let unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
            if unreserved { out.unicodeScalars.append(Unicode.Scalar(b)) } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// The daemon's inspect answer for an object, nil when it does not exist
    /// or cannot be asked.
    func inspect(_ kind: ObjectKind, _ reference: String) -> JSONValue? {
        let escaped = Self.escape(reference)
        guard !escaped.isEmpty, escaped != ".", escaped != ".." else { return nil }
        if case .ok(let value) = get(kind.inspectPath(escaped)) { return value }
        return nil
    }

    /// What the daemon found for a reference of this kind.
    enum Found {
        case object(JSONValue)
        case notFound
        /// A prefix (or, for networks, a name) several objects share, among
        /// every object on the daemon (`JobView.daemonSaysAmbiguous`).
        case ambiguous
        case failed(String)
    }

    /// The daemon's inspect of an object, telling an ambiguous reference
    /// from a failure.
    func find(_ kind: ObjectKind, _ reference: String) -> Found {
        let escaped = Self.escape(reference)
        guard !escaped.isEmpty, escaped != ".", escaped != ".." else { return .notFound }
        let (status, body, error) = exchange("GET", kind.inspectPath(escaped))
        if let error { return .failed(error) }
        if status == 404 { return .notFound }
        guard status == 200 else {
            if JobView.daemonSaysAmbiguous(kind, status: status, message: Self.message(body) ?? "") { return .ambiguous }
            return .failed(Self.refusal(status, body))
        }
        switch JSONParser.parse(body) {
        case .success(let value): return .object(value)
        case .failure(let error): return .failed("the daemon's answer is not JSON: \(error)")
        }
    }

    /// The container an exec, attach or copy acts in, with its host access:
    /// `GET /containers/{ref}/json` (for an exec, `GET /exec/{id}/json`
    /// first, for its container).
    func targetContainer(_ reference: TargetReference) -> TargetContainerLookup {
        var container: String
        switch reference {
        case .container(let name):
            container = name
        case .exec(let id):
            let escaped = Self.escape(id)
            guard !escaped.isEmpty, escaped != ".", escaped != ".." else { return .notFound }
            switch get("/exec/\(escaped)/json") {
            case .notFound: return .notFound
            case .failed(let why): return .unavailable(why)
            case .ok(let info):
                guard let id = info.member("ContainerID")?.string, !id.isEmpty else { return .unavailable("the daemon's answer has no ContainerID") }
                container = id
            }
        }
        let escaped = Self.escape(container)
        guard !escaped.isEmpty, escaped != ".", escaped != ".." else { return .notFound }
        let (status, body, error) = exchange("GET", "/containers/\(escaped)/json")
        if let error { return .unavailable(error) }
        if status == 404 { return .notFound }
        guard status == 200 else { return .unavailable(Self.refusal(status, body)) }
        guard let inspected = InspectedContainer.facts(inspect: body) else { return .unavailable("the daemon's answer is not a container's") }
        return .found(id: inspected.id, name: inspected.name, user: inspected.user, facts: inspected.facts)
    }

    /// `GET /networks/{id}`: the driver a network was created with.
    func network(_ reference: String) -> NetworkLookup {
        let escaped = Self.escape(reference)
        guard !escaped.isEmpty, escaped != ".", escaped != ".." else { return .notFound }
        switch get("/networks/\(escaped)") {
        case .notFound: return .notFound
        case .failed(let why): return .unavailable(why)
        case .ok(let network):
            guard let driver = network.member("Driver")?.string else { return .unavailable("the daemon's answer has no Driver") }
            return .found(driver: driver)
        }
    }

    /// `GET /volumes/{name}`: the driver and options a volume was created with.
    func volume(_ name: String) -> VolumeLookup {
        let escaped = Self.escape(name)
        // `/volumes/.` would be a different path; the local driver refuses such names, a plugin might not.
        guard !escaped.isEmpty, escaped != ".", escaped != ".." else { return .unavailable("\"\(name)\" cannot be asked about") }
        switch get("/volumes/\(escaped)") {
        case .notFound: return .notFound
        case .failed(let why): return .unavailable(why)
        case .ok(let volume):
            guard let driver = volume.member("Driver")?.string else { return .unavailable("the daemon's answer has no Driver") }
            return .found(driver: driver, options: Self.options(of: volume))
        }
    }

    /// A volume's `Options` (null when created without any).
    static func options(of volume: JSONValue) -> [String: String] {
        var options: [String: String] = [:]
        for member in volume.member("Options")?.object ?? [] { options[member.key] = member.value.string ?? "" }
        return options
    }

    /// `GET /containers/{ref}/json`, then `GET /volumes/{name}` for each volume.
    func container(_ reference: String) -> ContainerLookup {
        let escaped = Self.escape(reference)
        guard !escaped.isEmpty, escaped != ".", escaped != ".." else { return .notFound }
        switch get("/containers/\(escaped)/json") {
        case .notFound: return .notFound
        case .failed(let why): return .unavailable(why)
        case .ok(let info):
            guard let id = info.member("Id")?.string, id.utf8.count == 64 else { return .unavailable("the daemon's answer has no Id") }
            var mounts: [ContainerMount] = []
            for m in info.member("Mounts")?.array ?? [] {
                var mount = ContainerMount(type: m.member("Type")?.string ?? "", name: m.member("Name")?.string ?? "",
                                           source: m.member("Source")?.string ?? "", driver: m.member("Driver")?.string ?? "",
                                           readWrite: m.member("RW")?.bool ?? true, propagation: m.member("Propagation")?.string ?? "")
                if mount.type == "volume", !mount.name.isEmpty, case .ok(let volume) = get("/volumes/\(Self.escape(mount.name))") {
                    mount.volumeOptions = Self.options(of: volume)
                }
                mounts.append(mount)
            }
            return .found(id: id, mounts: mounts)
        }
    }
}

extension JSONValue {
    /// The last member with this exact key (Go's decoder: later duplicates win).
    func member(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    var object: [JSONMember]? { if case .object(let o) = self { return o } else { return nil } }
}
