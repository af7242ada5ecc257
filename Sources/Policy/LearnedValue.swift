/// Whether a value from an audit log may go into a policy list as `suggest`
/// learns it. A job recorded in audit or warn mode chooses what the log
/// holds: one the loader refuses (registry "[::1]:1") made the whole
/// suggestion fail to load (found by a red team 2026-12-02). Such a value
/// is not learned: its request is listed as asked for but not allowed, and
/// the rest of the log is learned.
enum LearnedValue {
    /// Why `value` may not be learned into the list `setting` ("section.key"), as the
    /// loader would load it; nil when it may.
    static func refusal(_ value: String, into setting: String) -> String? {
        switch setting {
        case "registries.allow": return PolicyLoader.registryProblem(value)
        case "host-paths.allow": return PolicyLoader.hostPathProblem(value)
        default: return nil
        }
    }
}
