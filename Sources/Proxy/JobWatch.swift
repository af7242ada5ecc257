import Glibc
import Posix

/// What a job lives as long as, besides its TTL: a process (the runner's job
/// process, named by pid and its start time, so a reused pid is not taken for
/// it) or a container on the daemon (the CI job's own container). When it is
/// gone, the job is closed and reaped, also when sockwarden finds that on
/// start.
public enum JobWatch: Sendable, Equatable {
    case process(pid: Int32, startTime: UInt64)
    /// The container's full ID; gone when the daemon no longer has it.
    case container(id: String)

    /// A process by pid, with its start time read now; nil if there is none.
    public static func process(_ pid: Int32) -> JobWatch? {
        startTime(of: pid).map { .process(pid: pid, startTime: $0) }
    }

    /// Field 22 of /proc/PID/stat (after the parenthesised command name,
    /// which may itself contain spaces and parentheses).
    static func startTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let bytes = try? Files.read("/proc/\(pid)/stat"),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state); field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

    enum Liveness { case alive, gone, unknown }

    func liveness(_ lookup: DaemonLookup) -> Liveness {
        switch self {
        case .process(let pid, let start):
            return JobWatch.startTime(of: pid) == start ? .alive : .gone
        case .container(let id):
            switch lookup.get("/containers/\(DaemonLookup.escape(id))/json") {
            case .ok: return .alive
            case .notFound: return .gone
            case .failed: return .unknown
            }
        }
    }

    var description: String {
        switch self {
        case .process(let pid, _): return "process \(pid)"
        case .container(let id): return "container \(id.prefix(12))"
        }
    }
}
