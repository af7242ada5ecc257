import EngineAPI
import GoJSON

/// The facts of a request (what it asks the daemon for) as a JSON object,
/// for the audit log's `facts` field and `explain --json`, and back again,
/// for `sockwarden suggest`.
///
/// Shape: one key per kind of fact (stable snake_case names), each an array
/// of the asks of that kind in request order. Every ask has the body field
/// it came from and the value as written; kinds with parameters add them.
///
/// ```json
/// {"image":[{"field":"Image","value":"alpine","reference":"alpine"}],
///  "capability_add":[{"field":"HostConfig.CapAdd[0]","value":"NET_ADMIN","capability":"CAP_NET_ADMIN"}],
///  "host_path":[{"field":"HostConfig.Binds[0]","value":"/srv:/x:ro","path":"/srv","read_only":true,"shared_propagation":false}]}
/// ```
public enum FactsJSON {
    /// A parameter of a kind of fact.
    enum Parameter {
        case string(String)
        case bool(Bool)
        case integer(Int64?)
    }

    /// The stable name of a kind of fact and its parameters.
    static func describe(_ kind: Ask.Kind) -> (name: String, parameters: [(String, Parameter)]) {
        switch kind {
        case .privileged: return ("privileged", [])
        case .hostNamespace(let ns): return ("host_namespace", [("namespace", .string(ns.rawValue))])
        case .joinNamespace(let ns): return ("join_namespace", [("namespace", .string(ns.rawValue))])
        case .unrecognisedMode(let ns): return ("unrecognised_mode", [("namespace", .string(ns.rawValue))])
        case .capabilityAdd(let cap): return ("capability_add", [("capability", .string(cap))])
        case .device: return ("device", [])
        case .seccompUnconfined: return ("seccomp_unconfined", [])
        case .seccompCustomProfile: return ("seccomp_profile", [])
        case .apparmorUnconfined: return ("apparmor_unconfined", [])
        case .apparmorProfile(let p): return ("apparmor_profile", [("profile", .string(p))])
        case .selinuxLabel: return ("selinux_label", [])
        case .unrecognisedSecurityOption: return ("unrecognised_security_option", [])
        case .systemPathsUnconfined: return ("system_paths_unconfined", [])
        case .noNewPrivileges(let on): return ("no_new_privileges", [("enabled", .bool(on))])
        case .sysctl(let name): return ("sysctl", [("name", .string(name))])
        case .runtime(let name): return ("runtime", [("name", .string(name))])
        case .registry(let host): return ("registry", [("host", .string(host))])
        case .logDriver(let name): return ("log_driver", [("name", .string(name))])
        case .logOption(let key): return ("log_option", [("key", .string(key))])
        case .oomProtection: return ("oom_protection", [])
        case .ulimit(let name): return ("ulimit", [("name", .string(name))])
        case .cgroupParent(let path): return ("cgroup_parent", [("path", .string(path))])
        case .hostPath(let path, let readOnly, let shared):
            return ("host_path", [("path", .string(path)), ("read_only", .bool(readOnly)), ("shared_propagation", .bool(shared))])
        case .volumeDriver(let d): return ("volume_driver", [("driver", .string(d))])
        case .volumeDriverOptions: return ("volume_driver_options", [])
        case .namedVolume(let name): return ("named_volume", [("name", .string(name))])
        case .namedNetwork(let name): return ("named_network", [("name", .string(name))])
        case .volumesFrom(let c): return ("volumes_from", [("container", .string(c))])
        case .unrecognisedMount: return ("unrecognised_mount", [])
        case .hostPort(let address, let port): return ("host_port", [("address", .string(address)), ("port", .string(port))])
        case .publishAllPorts: return ("publish_all_ports", [])
        case .image(let reference): return ("image", [("reference", .string(reference))])
        case .imageName(let name): return ("image_name", [("name", .string(name))])
        case .imageLoad: return ("image_load", [])
        case .swarmAddress(let host): return ("swarm_address", [("host", .string(host))])
        case .swarmRemote(let remote): return ("swarm_remote", [("remote", .string(remote))])
        case .user(let user): return ("user", [("user", .string(user))])
        case .memory(let bytes): return ("memory", [("bytes", .integer(bytes))])
        case .nanoCPUs(let nano): return ("nano_cpus", [("nano_cpus", .integer(nano))])
        case .pidsLimit(let pids): return ("pids_limit", [("pids", .integer(pids))])
        case .annotation(let key): return ("annotation", [("key", .string(key))])
        case .remoteContext: return ("remote_context", [])
        case .buildKit: return ("buildkit", [])
        case .networkDriver(let d): return ("network_driver", [("driver", .string(d))])
        case .networkDriverOptions: return ("network_driver_options", [])
        case .networkSubnet: return ("network_subnet", [])
        case .unjudged(let what): return ("unjudged", [("what", .string(what))])
        }
    }

    /// The most asks of one kind an audit record lists. The facts of a
    /// body are much larger than the body (`["A","A",…]` in CapAdd: 4 bytes
    /// each in the body, 70 in the facts), so a client could make each
    /// record 14 times its request; past this many, a kind's asks are
    /// counted in `"omitted"` instead (every kind is still listed).
    public static let auditMaxPerKind = 256

    /// The longest string (in UTF-8 bytes) an audit record's facts quote
    /// whole: a longer `field`, `value` or parameter is written as its first
    /// bytes (at most this many, whole code points) and `…`, and the entry
    /// gets a last member `"cut":{"<member>":{"bytes":N,"sha256":"<hex>"}}`
    /// (the whole string's length and digest: the record stays evidence of
    /// what was judged). A client cannot make one ask's entry larger than
    /// about 1.3 KiB.
    public static let auditMaxStringBytes = 256

    /// The bytes an audit record's facts may take for a request whose body
    /// (the part of the request its facts come from; for a build, its
    /// Dockerfile) has `bodyBytes` bytes: 4 KiB, plus twice the body, at
    /// most 64 KiB. Once the facts are that long, the asks left are counted
    /// in `"omitted"`. With the string cap, the facts of any request are at
    /// most this plus one entry and the `"omitted"` member (docs/audit-log.md).
    public static func auditBudget(bodyBytes: Int) -> Int {
        min(64 << 10, 4 << 10 + 2 * max(0, bodyBytes))
    }

    /// How an audit record's facts are cut (`render(_:limits:)`).
    public struct Limits: Sendable {
        public var maxPerKind: Int
        /// Past this many bytes of output, asks are counted in `"omitted"`.
        public var maxBytes: Int
        /// Strings longer than this are cut (`auditMaxStringBytes`).
        public var maxStringBytes: Int
        /// SHA-256 of a cut string, 64 lowercase hex digits.
        public var digest: @Sendable (String) -> String

        public init(maxPerKind: Int = .max, maxBytes: Int = .max, maxStringBytes: Int = .max,
                    digest: @escaping @Sendable (String) -> String = { _ in "" }) {
            self.maxPerKind = maxPerKind
            self.maxBytes = maxBytes
            self.maxStringBytes = maxStringBytes
            self.digest = digest
        }

        /// An audit record's: `auditMaxPerKind`, `auditBudget(bodyBytes:)`,
        /// `auditMaxStringBytes`.
        public static func audit(bodyBytes: Int, digest: @escaping @Sendable (String) -> String) -> Limits {
            Limits(maxPerKind: auditMaxPerKind, maxBytes: auditBudget(bodyBytes: bodyBytes),
                   maxStringBytes: auditMaxStringBytes, digest: digest)
        }
    }

    /// The facts as one JSON object (no trailing newline). With `maxPerKind`,
    /// the asks of a kind beyond it are left out and counted in a last
    /// member, `"omitted":{"<kind>":N,…}`.
    public static func render(_ facts: RequestFacts) -> [UInt8] { render(facts, limits: Limits()) }

    public static func render(_ facts: RequestFacts, maxPerKind: Int) -> [UInt8] {
        render(facts, limits: Limits(maxPerKind: maxPerKind))
    }

    public static func render(_ facts: RequestFacts, limits: Limits) -> [UInt8] {
        // Kinds in order of first appearance, each with its asks in request
        // order, written straight into one buffer.
        let described = facts.asks.map { describe($0.kind) }
        var out: [UInt8] = []
        out.reserveCapacity(min(64 + 96 * described.count, limits.maxBytes))
        out.append(UInt8(ascii: "{"))
        var written = [Bool](repeating: false, count: described.count)
        var firstGroup = true
        var omitted: [(String, Int)] = []
        for i in described.indices where !written[i] {
            JSONText.appendMember(described[i].name, to: &out, first: firstGroup)
            firstGroup = false
            out.append(UInt8(ascii: "["))
            var entries = 0
            var left = 0
            for j in i..<described.count where !written[j] && described[j].name == described[i].name {
                written[j] = true
                guard entries < limits.maxPerKind, out.count < limits.maxBytes else {
                    left += 1
                    continue
                }
                if entries > 0 { out.append(UInt8(ascii: ",")) }
                entries += 1
                appendEntry(facts.asks[j], described[j].parameters, limits, to: &out)
            }
            out.append(UInt8(ascii: "]"))
            if left > 0 { omitted.append((described[i].name, left)) }
        }
        if !omitted.isEmpty {
            JSONText.appendMember("omitted", to: &out, first: firstGroup)
            out.append(UInt8(ascii: "{"))
            for (n, (name, count)) in omitted.enumerated() {
                JSONText.appendMember(name, to: &out, first: n == 0)
                out += String(count).utf8
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func appendEntry(_ ask: Ask, _ parameters: [(String, Parameter)], _ limits: Limits,
                                    to out: inout [UInt8]) {
        var cut: [(key: String, whole: String)] = []
        func appendString(_ key: String, _ s: String) {
            let prefix = cutPrefix(s, maxBytes: limits.maxStringBytes)
            guard let prefix else { return JSONText.appendString(s, to: &out) }
            JSONText.appendString(prefix + "…", to: &out)
            cut.append((key, s))
        }
        out.append(UInt8(ascii: "{"))
        JSONText.appendMember("field", to: &out, first: true)
        appendString("field", ask.field)
        JSONText.appendMember("value", to: &out)
        appendString("value", ask.value)
        for (key, parameter) in parameters {
            JSONText.appendMember(key, to: &out)
            switch parameter {
            case .string(let s): appendString(key, s)
            case .bool(let b): out += (b ? "true" : "false").utf8
            case .integer(let n): out += (n.map(String.init) ?? "null").utf8
            }
        }
        if !cut.isEmpty {
            JSONText.appendMember("cut", to: &out)
            out.append(UInt8(ascii: "{"))
            for (n, (key, whole)) in cut.enumerated() {
                JSONText.appendMember(key, to: &out, first: n == 0)
                out += "{\"bytes\":\(whole.utf8.count),\"sha256\":".utf8
                JSONText.appendString(limits.digest(whole), to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The longest prefix of `s` of at most `maxBytes` UTF-8 bytes that ends
    /// on a character boundary, when `s` is longer; nil when it fits.
    static func cutPrefix(_ s: String, maxBytes: Int) -> String? {
        let utf8 = s.utf8
        guard utf8.count > maxBytes else { return nil }
        var end = utf8.index(utf8.startIndex, offsetBy: maxBytes)
        // A continuation byte (10xxxxxx) is inside a character: back off to its start.
        while end > utf8.startIndex && (utf8[end] & 0xC0) == 0x80 {
            end = utf8.index(before: end)
        }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }

    /// True when rendered facts left asks out (`"omitted"`: `maxPerKind`,
    /// `maxBytes`) or cut an ask's strings short (an entry's `"cut"`).
    public static func wasCut(_ value: JSONValue) -> Bool {
        guard case .object(let groups) = value else { return false }
        return groups.contains { group in
            if group.key == "omitted" { return true }
            guard case .array(let entries) = group.value else { return false }
            return entries.contains { entry in
                if case .object(let members) = entry { return members.contains { $0.key == "cut" } }
                return false
            }
        }
    }

    /// One line per ask, for `explain`: `kind  field = "value"`.
    public static func textLines(_ facts: RequestFacts) -> [String] {
        let named = facts.asks.map { (describe($0.kind).name, $0) }
        let width = (named.map(\.0.count).max() ?? 0) + 2
        return named.map { name, ask in
            name + String(repeating: " ", count: width - name.count) + "\(ask.field) = \(quoted(ask.value))"
        }
    }

    static func quoted(_ s: String) -> String {
        var bytes: [UInt8] = []
        JSONText.appendString(s, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads back what `render` wrote. nil when it is not such an object
    /// (unknown kinds or missing parameters included: never guessed). The
    /// asks an `"omitted"` member counts, and those whose strings were cut
    /// short (`"cut"`), are not there (`wasCut` tells).
    public static func parse(_ value: JSONValue) -> RequestFacts? {
        guard case .object(let groups) = value else { return nil }
        var asks: [Ask] = []
        for group in groups where !(group.key == "omitted" && { if case .object = group.value { return true } else { return false } }()) {
            guard case .array(let entries) = group.value else { return nil }
            for entry in entries {
                guard case .object(let members) = entry else { return nil }
                // An ask whose strings were cut short is not there whole (`wasCut` tells).
                if members.contains(where: { $0.key == "cut" }) { continue }
                func member(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }
                func string(_ key: String) -> String? { if case .string(let s)? = member(key) { return s } else { return nil } }
                func bool(_ key: String) -> Bool? { if case .bool(let b)? = member(key) { return b } else { return nil } }
                func integer(_ key: String) -> Int64?? {
                    switch member(key) {
                    case .null?: return .some(nil)
                    case .number(let n)?: return Int64(n).map { .some($0) }
                    default: return nil
                    }
                }
                func namespace() -> Namespace? { string("namespace").flatMap(Namespace.init(rawValue:)) }
                guard let field = string("field"), let text = string("value") else { return nil }
                let kind: Ask.Kind?
                switch group.key {
                case "privileged": kind = .privileged
                case "host_namespace": kind = namespace().map { .hostNamespace($0) }
                case "join_namespace": kind = namespace().map { .joinNamespace($0) }
                case "unrecognised_mode": kind = namespace().map { .unrecognisedMode($0) }
                case "capability_add": kind = string("capability").map { .capabilityAdd($0) }
                case "device": kind = .device
                case "seccomp_unconfined": kind = .seccompUnconfined
                case "seccomp_profile": kind = .seccompCustomProfile
                case "apparmor_unconfined": kind = .apparmorUnconfined
                case "apparmor_profile": kind = string("profile").map { .apparmorProfile($0) }
                case "selinux_label": kind = .selinuxLabel
                case "unrecognised_security_option": kind = .unrecognisedSecurityOption
                case "system_paths_unconfined": kind = .systemPathsUnconfined
                case "no_new_privileges": kind = bool("enabled").map { .noNewPrivileges($0) }
                case "sysctl": kind = string("name").map { .sysctl(name: $0) }
                case "runtime": kind = string("name").map { .runtime($0) }
                case "registry": kind = string("host").map { .registry($0) }
                case "log_driver": kind = string("name").map { .logDriver($0) }
                case "log_option": kind = string("key").map { .logOption($0) }
                case "oom_protection": kind = .oomProtection
                case "ulimit": kind = string("name").map { .ulimit($0) }
                case "cgroup_parent": kind = string("path").map { .cgroupParent($0) }
                case "host_path":
                    if let path = string("path"), let ro = bool("read_only"), let shared = bool("shared_propagation") {
                        kind = .hostPath(path: path, readOnly: ro, sharedPropagation: shared)
                    } else {
                        kind = nil
                    }
                case "volume_driver": kind = string("driver").map { .volumeDriver($0) }
                case "volume_driver_options": kind = .volumeDriverOptions
                case "named_volume": kind = string("name").map { .namedVolume($0) }
                case "named_network": kind = string("name").map { .namedNetwork($0) }
                case "volumes_from": kind = string("container").map { .volumesFrom(container: $0) }
                case "unrecognised_mount": kind = .unrecognisedMount
                case "host_port":
                    if let address = string("address"), let port = string("port") {
                        kind = .hostPort(address: address, port: port)
                    } else {
                        kind = nil
                    }
                case "publish_all_ports": kind = .publishAllPorts
                case "image": kind = string("reference").map { .image($0) }
                case "image_name": kind = string("name").map { .imageName($0) }
                case "image_load": kind = .imageLoad
                case "swarm_address": kind = string("host").map { .swarmAddress(host: $0) }
                case "swarm_remote": kind = string("remote").map { .swarmRemote($0) }
                case "user": kind = string("user").map { .user($0) }
                case "memory": kind = integer("bytes").flatMap { $0 }.map { .memory($0) }
                case "nano_cpus": kind = integer("nano_cpus").flatMap { $0 }.map { .nanoCPUs($0) }
                case "pids_limit": kind = integer("pids").map { .pidsLimit($0) }
                case "annotation": kind = string("key").map { .annotation($0) }
                case "remote_context": kind = .remoteContext
                case "buildkit": kind = .buildKit
                case "network_driver": kind = string("driver").map { .networkDriver($0) }
                case "network_driver_options": kind = .networkDriverOptions
                case "network_subnet": kind = .networkSubnet
                case "unjudged": kind = string("what").map { .unjudged($0) }
                default: kind = nil
                }
                guard let kind else { return nil }
                asks.append(Ask(kind, field: field, value: text))
            }
        }
        return RequestFacts(asks)
    }
}

/// Minimal JSON text building (RFC 8259 §7 string escapes, as Go's encoder
/// writes them; non-ASCII passes through as UTF-8), for the pure layers.
enum JSONText {
    static func appendMember(_ key: String, to out: inout [UInt8], first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        appendString(key, to: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// Escapes as Go's encoder does (without its HTML escapes): `"`, `\\`,
    /// controls below 0x20, and U+2028 and U+2029 (line breaks to
    /// JavaScript and Python's splitlines); DEL and other non-ASCII as is.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            // Runs of bytes that need no escape go in whole.
            var run = 0
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                let separator = b == 0xE2 && i + 1 < bytes.count && bytes[i] == 0x80 && (bytes[i + 1] == 0xA8 || bytes[i + 1] == 0xA9)
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || separator else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<(i - 1)]))
                if separator {
                    out += Array(bytes[i + 1] == 0xA8 ? "\\u2028".utf8 : "\\u2029".utf8)
                    i += 2
                } else {
                    appendEscaped(b, to: &out)
                }
                run = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ b: UInt8, to out: inout [UInt8]) {
        switch b {
        case UInt8(ascii: "\""): out += [92, 34]
        case UInt8(ascii: "\\"): out += [92, 92]
        case 10: out += [92, UInt8(ascii: "n")]
        case 13: out += [92, UInt8(ascii: "r")]
        case 9: out += [92, UInt8(ascii: "t")]
        default:
            let hex = Array("0123456789abcdef".utf8)
            out += [92, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 15)]]
        }
    }

    /// Encodes a parsed JSON value (members in order; numbers as written).
    static func encode(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let n): out += n.utf8
        case .string(let s): appendString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                encode(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                appendMember(member.key, to: &out, first: i == 0)
                encode(member.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
