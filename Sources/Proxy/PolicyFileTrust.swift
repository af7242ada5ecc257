import Glibc
import Posix

/// Who could change the policy in force besides root and the user sockwarden
/// runs as. `serve` polls its policy file and swaps in whatever valid policy
/// it finds, so anyone who can write the file, or a directory on its way
/// (rename another file in, re-point a symlink), can give themselves every
/// route and `trust-bodies`, without a signal. Checked at start, at every
/// reload, for job and `[[peer]]` policies and by `sockwarden check`.
public enum PolicyFileTrust {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public let description: String
        /// Writable by every user: refused, not only warned about.
        public let everyone: Bool
    }

    /// The problems of `path` as the kernel walks it (symlinks followed,
    /// each directory passed through and the file reached), for a process
    /// whose effective uid is `euid`. Empty when only root and `euid` can
    /// change what the path leads to. A path that cannot be walked to its
    /// end (gone, a dangling or looping link) is a problem for everyone:
    /// a file read just before may have been moved away by whoever can
    /// (found 2026-12-02: the walk stopped there and found nothing wrong).
    public static func problems(_ path: String, euid: UInt32 = geteuid()) -> [Problem] {
        var out: [Problem] = []
        func add(_ p: Problem) { if !out.contains(p) { out.append(p) } }
        func trusted(_ uid: UInt32) -> Bool { uid == 0 || uid == euid }
        func lstatOf(_ p: String) -> stat? {
            var st = stat()
            return lstat(p, &st) == 0 ? st : nil
        }
        func join(_ dir: String, _ name: String) -> String { dir == "/" ? "/" + name : dir + "/" + name }
        func parent(_ p: String) -> String {
            guard let slash = p.lastIndex(of: "/"), slash != p.startIndex else { return "/" }
            return String(p[..<slash])
        }
        func components(_ p: String) -> [String] { p.split(separator: "/").map(String.init) }

        var current = "/"
        var pending: [String]
        if path.hasPrefix("/") {
            pending = components(path)
        } else {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            guard getcwd(&buffer, buffer.count) != nil else { return [] }
            current = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            pending = components(path)
        }
        var links = 0
        func unwalkable(_ at: String) -> [Problem] {
            add(Problem(description: "\(path) cannot be walked to its end (\(at) is gone or unreadable): it changed while it was checked, or leads nowhere", everyone: true))
            return out
        }
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." { continue }
            if name == ".." { current = parent(current); continue }
            let next = join(current, name)
            guard let dir = lstatOf(current), let entry = lstatOf(next) else { return unwalkable(next) }
            if !trusted(dir.st_uid) {
                add(Problem(description: "directory \(current) is owned by uid \(dir.st_uid), who can replace \(next)", everyone: false))
            }
            let sticky = dir.st_mode & S_ISVTX != 0
            // In a sticky directory only the entry's owner (and the directory's) can rename or remove it.
            if dir.st_mode & 0o022 != 0 && !(sticky && trusted(entry.st_uid)) {
                let everyone = dir.st_mode & 0o002 != 0
                add(Problem(description: "directory \(current) is writable by \(everyone ? "every user" : "its group (gid \(dir.st_gid))"), who can replace \(next)", everyone: everyone))
            }
            if entry.st_mode & S_IFMT == S_IFLNK {
                links += 1
                guard links <= 40 else { return unwalkable(next) }
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = readlink(next, &buffer, buffer.count - 1)
                guard n > 0 else { return unwalkable(next) }
                let target = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if target.hasPrefix("/") { current = "/" }
                pending = components(target) + pending
                continue
            }
            current = next
            if pending.isEmpty {
                if !trusted(entry.st_uid) {
                    add(Problem(description: "\(next) is owned by uid \(entry.st_uid)", everyone: false))
                }
                if entry.st_mode & 0o022 != 0 {
                    let everyone = entry.st_mode & 0o002 != 0
                    add(Problem(description: "\(next) is writable by \(everyone ? "every user" : "its group (gid \(entry.st_gid))")", everyone: everyone))
                }
            }
        }
        return out
    }

    /// What to tell the operator, nil when nothing is wrong.
    public static func message(_ path: String, _ problems: [Problem]) -> String? {
        guard !problems.isEmpty else { return nil }
        return "policy \(path) can be changed by others than root and the user sockwarden runs as (a change is reloaded without a signal): "
            + problems.map(\.description).joined(separator: "; ")
            + "; make it and its directories owned by root and writable only by their owner (chown root, chmod go-w)"
    }
}
