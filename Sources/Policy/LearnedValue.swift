/// Whether a value from an audit log may go into a policy list as `suggest`
/// learns it. A job recorded in audit or warn mode chooses what the log
/// holds: a value the list reads as a pattern (sysctl "*" or "net.ipv4.*",
/// log driver "*", registry "*" or "*.io", swarm address "*") would allow
/// far more than was asked, and one the loader refuses (registry "[::1]:1")
/// made the whole suggestion fail to load (found by a red team 2026-12-02).
/// Such a value is not learned: its request is listed as asked for but not
/// allowed, and the rest of the log is learned.
enum LearnedValue {
    /// The lists whose entries `BodyJudge` reads a `*` in as a wildcard:
    /// sysctls (a trailing `*`, a prefix), log-drivers and log-options
    /// ("*"), registries ("*", "*.domain"), swarm addresses ("*").
    static let patternLists: Set<String> = ["containers.sysctls", "containers.log-drivers", "containers.log-options",
                                            "registries.allow", "swarm.addresses"]

    /// Why `value` may not be learned into the list `setting` ("section.key"), as the
    /// judge would read it or the loader would load it; nil when it may.
    static func refusal(_ value: String, into setting: String) -> String? {
        if patternLists.contains(setting) && value.utf8.contains(UInt8(ascii: "*")) {
            return "\(setting) would read \(PolicyDraft.string(value)) as a pattern, which allows more than was asked"
        }
        switch setting {
        case "registries.allow": return PolicyLoader.registryProblem(value)
        case "host-paths.allow": return PolicyLoader.hostPathProblem(value)
        default: return nil
        }
    }
}
