/// Where `job open --policy FILE` may take a policy from: the directory
/// `serve --job-policies` names (by default the default job policy's), at
/// any depth. The documented `sudo sockwarden job *` rule lets the runner
/// user name any file, and every policy root owns loaded: a fixture or
/// example policy allowing privileged containers and host binds of /etc
/// did (found 2026-12-02, session 23), and the parse errors of a root-only
/// file that is no policy quoted its lines back. A path outside is refused
/// before it is read.
public enum JobPolicyPlace {
    /// Nil when `path` is under `directory`; otherwise why not. Both are
    /// compared as written, after repeated slashes are folded: an absolute
    /// path with no `.` or `..` component (symlinks on the way are the
    /// policy trust check's, which refuses any others can change).
    public static func refusal(_ path: String, under directory: String) -> String? {
        guard let file = components(path), let root = components(directory) else {
            return "policy \(path) must be an absolute path without . or .. components"
        }
        guard file.count > root.count, Array(file.prefix(root.count)) == root else {
            return "policy \(path) is not under \(directory), where this serve takes job policies from (serve --job-policies); "
                + "put the policy there, or ask whoever runs serve to"
        }
        return nil
    }

    /// An absolute path with `.` and repeated slashes dropped and each `..`
    /// taking off the component before it, as written (no symlink is
    /// followed: the path sent is the path checked and read).
    public static func clean(_ path: String) -> String {
        var kept: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { _ = kept.popLast(); continue }
            kept.append(part)
        }
        return "/" + kept.joined(separator: "/")
    }

    /// The components of an absolute path without `.` or `..`, or nil.
    static func components(_ path: String) -> [Substring]? {
        guard path.utf8.first == UInt8(ascii: "/") else { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        return parts
    }
}
