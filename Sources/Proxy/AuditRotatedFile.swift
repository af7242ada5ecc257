/// Where the chain of an empty audit log continues when `serve` starts on
/// it: a log rotated (logrotate `create` or `copytruncate`) while `serve`
/// was not running has no record to continue and no running writer to
/// write a `reopen`, yet its records follow those of the rotated copy. The
/// rotated copy is the file of the same directory whose name is the log's
/// followed by `.` or `-` and a digit (`audit.jsonl.1`, `audit.jsonl-20261201`) that
/// was written last (newest modification time; the name breaks a tie).
/// Only that one is considered: an older copy would skip the records of a
/// newer one (compressed, say), and the chain would not hold. Pure.
enum AuditRotatedFile {
    struct Candidate: Equatable {
        let name: String
        let modified: (seconds: Int, nanoseconds: Int)

        static func == (a: Candidate, b: Candidate) -> Bool {
            a.name == b.name && a.modified == b.modified
        }
    }

    /// The name of the rotated copy of `logName` among the regular files of
    /// its directory, nil when there is none.
    static func newest(of logName: String, among files: [Candidate]) -> String? {
        let copies = files.filter { isRotatedCopy($0.name, of: logName) }
        return copies.max { a, b in
            if a.modified != b.modified { return a.modified < b.modified }
            return a.name < b.name
        }?.name
    }

    /// logrotate's names: the log's, `.` or `-`, then a digit (a number,
    /// a `dateext` date); `audit.jsonl-ci`, another log, is not a copy.
    static func isRotatedCopy(_ name: String, of logName: String) -> Bool {
        let name = Array(name.utf8), log = Array(logName.utf8)
        guard !log.isEmpty, name.count > log.count + 1, Array(name[0..<log.count]) == log else { return false }
        guard name[log.count] == UInt8(ascii: ".") || name[log.count] == UInt8(ascii: "-") else { return false }
        return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(name[log.count + 1])
    }
}
