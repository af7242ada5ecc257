import Glibc
import Posix

/// Room for build contexts being uploaded, shared by every socket of the
/// process. A classic build's context is spooled to disk whole before it is
/// judged; an upload that stops sending holds what it spooled for as long
/// as its client keeps the connection (a slow upload is the client's
/// right), so one job's idle uploads could fill the spool's file system:
/// every build then failed, and on the root file system the host and the
/// audit log with it (found 2026-12-02). Two limits, checked as each upload
/// grows (`grow`):
///
/// - the spool's file system keeps `reserve` free: at most 5% of it, at
///   most 1 GiB (what the host and the audit log need most);
/// - on a job's socket, the job's uploads together hold at most half of
///   the room there is for uploads (free space above the reserve, plus
///   what every upload holds now), so another job can still build.
///
/// An upload holds its share until its spool file is closed, after it was
/// sent on to the daemon (which may read it slowly, or not at all while
/// an earlier stream on the connection is open): `SpoolFile.onClose`.
///
/// The main socket's uploads are not counted per client (the runner's).
final class SpoolBudget: @unchecked Sendable {
    static let shared = SpoolBudget(freeSpace: SpoolBudget.statvfsFreeSpace)

    struct FileSystemSpace: Equatable {
        /// Bytes an unprivileged writer may still use.
        var available: UInt64
        /// The file system's size.
        var total: UInt64
    }

    enum Refusal: Equatable {
        /// The file system would keep less than its reserve.
        case diskNearlyFull(available: UInt64, reserve: UInt64)
        /// The job would hold more than its share.
        case jobShare(job: String, held: UInt64, share: UInt64)
        /// The job is inflating another gzip context.
        case gzipBusy(job: String)

        /// What could not be done, before `message`.
        var what: String {
            if case .gzipBusy = self { return "cannot judge the build context now" }
            return "no room to spool the build context"
        }

        var message: String {
            switch self {
            case .diskNearlyFull(let available, let reserve):
                return "the spool's file system has \(SpoolBudget.mebibytes(available)) free, and sockwarden keeps \(SpoolBudget.mebibytes(reserve)) of it for the host and the audit log; retry when other builds have ended (operators: give --spool-dir more room)"
            case .gzipBusy(let job):
                return "job \(job) is already having a gzip build context inflated to be judged, one at a time per job (each can cost a CPU for minutes); send the context uncompressed (docker build without --compress) or retry when the other build has started"
            case .jobShare(let job, let held, let share):
                return "job \(job)'s build contexts being uploaded or sent on would hold \(SpoolBudget.mebibytes(held)), more than its share (half of the spool's room, \(SpoolBudget.mebibytes(share)) now, less while other jobs' builds hold the spool); retry when its other builds have started, or send a smaller context (.dockerignore)"
            }
        }
    }

    private let freeSpace: @Sendable (String) -> FileSystemSpace?
    /// `total`: what every upload holds (written or about to be); `pending`:
    /// of that, granted and not written yet, which the file system's free
    /// space does not show (found 2026-12-02: grants made side by side all
    /// fitted the same free space, and the reserve was used up).
    private let lock = Locked((total: UInt64(0), pending: UInt64(0), byJob: [String: UInt64]()))

    init(freeSpace: @escaping @Sendable (String) -> FileSystemSpace?) {
        self.freeSpace = freeSpace
    }

    /// What a file system of `total` bytes keeps free.
    static func reserve(total: UInt64) -> UInt64 { min(total / 20, 1 << 30) }

    /// An upload in `directory` (of `job`, nil on the main socket) is about
    /// to write `bytes` more, on top of what it holds; taken (and pending
    /// until `landed`) unless refused.
    func grow(by bytes: UInt64, directory: String, job: String?) -> Refusal? {
        guard let space = freeSpace(directory) else { return nil }  // unknown: the write itself tells
        let reserve = Self.reserve(total: space.total)
        return lock.withLock { state -> Refusal? in
            let available = space.available - min(state.pending, space.available)
            if available < reserve + bytes {
                return .diskNearlyFull(available: available, reserve: reserve)
            }
            if let job {
                let room = available - reserve + state.total
                let held = state.byJob[job, default: 0] + bytes
                if held > room / 2 { return .jobShare(job: job, held: held, share: room / 2) }
                state.byJob[job] = held
            }
            state.total += bytes
            state.pending += bytes
            return nil
        }
    }

    /// `bytes` granted by `grow` were written (or failed to be): the file
    /// system's free space shows them now.
    func landed(_ bytes: UInt64) {
        lock.withLock { $0.pending -= min(bytes, $0.pending) }
    }

    /// An upload's spool file is closed (forwarded, refused or cut): what it
    /// held is given back.
    func release(_ bytes: UInt64, job: String?) {
        guard bytes > 0 else { return }
        lock.withLock { state in
            state.total -= min(bytes, state.total)
            if let job {
                let left = state.byJob[job, default: 0] - min(bytes, state.byJob[job, default: 0])
                state.byJob[job] = left > 0 ? left : nil
            }
        }
    }

    static func statvfsFreeSpace(_ directory: String) -> FileSystemSpace? {
        var st = statvfs()
        guard statvfs(directory, &st) == 0 else { return nil }
        let unit = UInt64(st.f_frsize)
        return FileSystemSpace(available: UInt64(st.f_bavail) * unit, total: UInt64(st.f_blocks) * unit)
    }

    static func mebibytes(_ bytes: UInt64) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}

/// At most one of something per job at a time (nil: not a job's, not counted).
final class JobSlots: @unchecked Sendable {
    private let busy = Locked(Set<String>())

    func begin(_ job: String?) -> Bool {
        guard let job else { return true }
        return busy.withLock { $0.insert(job).inserted }
    }

    func end(_ job: String?) {
        guard let job else { return }
        busy.withLock { _ = $0.remove(job) }
    }
}
