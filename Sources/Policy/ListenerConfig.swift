/// `serve --listeners FILE`: static job sockets and per-peer policies, for
/// setups without a runner hook. Same TOML subset and error style as policy
/// files.
///
/// ```toml
/// [[job]]                                  # a static job socket
/// id = "team-a"                            # its owner label io.sockwarden.job=team-a
/// policy = "/etc/sockwarden/ci.toml"
/// socket = "/run/sockwarden/team-a.sock"   # optional; default <jobs-dir>/<id>.sock
/// mode = "0660"                            # optional; default 0666 in the jobs dir
/// group = "team-a"                         # optional
///
/// [[peer]]                                 # the main socket's policy for one peer
/// uid = 1000                               # or gid = 1000
/// policy = "/etc/sockwarden/read-only.toml"
/// ```
public struct ListenerConfig: Sendable {
    public struct StaticJob: Sendable, Hashable {
        public let id: String
        public let policy: String
        public let socket: String?
        public let mode: UInt32?
        public let group: String?
    }

    public struct PeerPolicy: Sendable, Hashable {
        public let uid: UInt32?
        public let gid: UInt32?
        public let policy: String
        /// The line it was written on: the first matching entry wins.
        public let line: Int
    }

    public var jobs: [StaticJob] = []
    public var peers: [PeerPolicy] = []

    public static func parse(source: String, fileName: String) throws(PolicyError) -> ListenerConfig {
        func fail(_ position: TOMLPosition, _ message: String) -> PolicyError {
            PolicyError(file: fileName, line: position.line, column: position.column, message: message)
        }
        let document: TOMLTable
        do {
            document = try TOMLParser.parse(source)
        } catch {
            throw PolicyError(file: fileName, line: error.line, column: error.column, message: error.message)
        }
        var config = ListenerConfig()
        for entry in document.entries {
            guard entry.key == "job" || entry.key == "peer" else {
                throw fail(entry.keyPosition, "unknown table [\(entry.key)]; a listeners file has [[job]] and [[peer]] tables")
            }
            guard let items = entry.node.array else {
                throw fail(entry.keyPosition, "\(entry.key) must be an array of tables: write [[\(entry.key)]]")
            }
            for item in items {
                guard let table = item.table else { throw fail(item.position, "expected [[\(entry.key)]] tables") }
                var values: [String: TOMLNode] = [:]
                let allowed = entry.key == "job" ? ["id", "policy", "socket", "mode", "group"] : ["uid", "gid", "policy"]
                for field in table.entries {
                    guard allowed.contains(field.key) else {
                        throw fail(field.keyPosition, "unknown key \"\(field.key)\" in [[\(entry.key)]]\(Suggest.didYouMean(field.key, in: allowed)); the allowed keys are \(allowed.joined(separator: ", "))")
                    }
                    values[field.key] = field.node
                }
                guard let policy = values["policy"]?.string else { throw fail(item.position, "[[\(entry.key)]] needs policy = \"FILE\"") }
                if entry.key == "job" {
                    guard let id = values["id"]?.string else { throw fail(item.position, "[[job]] needs id = \"...\"") }
                    var mode: UInt32?
                    if let text = values["mode"]?.string {
                        guard let m = UInt32(text, radix: 8), m <= 0o777 else { throw fail(values["mode"]!.position, "mode must be octal like \"0660\"") }
                        mode = m
                    }
                    if config.jobs.contains(where: { $0.id == id }) { throw fail(item.position, "duplicate job id \"\(id)\"") }
                    config.jobs.append(StaticJob(id: id, policy: policy, socket: values["socket"]?.string, mode: mode, group: values["group"]?.string))
                } else {
                    // A value that is no id is an error, not a missing key: `gid = "3001"` beside
                    // `uid = 2001` was dropped without a word (found 2026-12-02, session 23).
                    for key in ["uid", "gid"] {
                        if let node = values[key], node.integer.flatMap({ UInt32(exactly: $0) }) == nil {
                            throw fail(node.position, "\(key) must be a whole number from 0 to 4294967295, written without quotes")
                        }
                    }
                    let uid = values["uid"]?.integer.flatMap { UInt32(exactly: $0) }
                    let gid = values["gid"]?.integer.flatMap { UInt32(exactly: $0) }
                    guard (uid == nil) != (gid == nil) else { throw fail(item.position, "[[peer]] needs exactly one of uid = N or gid = N") }
                    config.peers.append(PeerPolicy(uid: uid, gid: gid, policy: policy, line: item.position.line))
                }
            }
        }
        return config
    }
}
