import Posix

/// Memory that requests being read to be judged hold beyond a connection's
/// own read buffer (64 KiB): a long head, a body read whole. Counted across
/// every socket of the process (job sockets copy the server configuration,
/// so they share the object). A request that would take it past `limit` is
/// answered 503 and nothing of it is forwarded, so clients sending large
/// bodies slowly, however many, cannot make the proxy hold
/// `--max-connections-total` times a MiB (`--max-request-memory`).
public final class RequestMemory: @unchecked Sendable {
    public static let defaultLimit = 256 << 20

    public let limit: Int
    private let state = Locked((held: 0, refused: 0, byJob: [String: Int]()))

    /// The most one job's requests may hold: half of the limit, so that
    /// one job's slow large bodies leave room for the others' (found
    /// 2026-12-02: 287 connections of one job held all 256 MiB).
    var perJob: Int { limit / 2 }

    public init(limit: Int = RequestMemory.defaultLimit) { self.limit = limit }

    /// Bytes held now.
    public var held: Int { state.withLock { $0.held } }
    /// Requests refused so far because the memory was held.
    public var refusals: Int { state.withLock { $0.refused } }

    enum Taken: Equatable {
        case taken
        /// Every request together would hold more than `limit`.
        case overLimit
        /// The job's requests would hold more than `perJob`.
        case overJobShare
    }

    /// Takes `bytes` (for a request of `job`, nil off job sockets); nothing
    /// is taken, and a refusal counted, when that would go past the limit
    /// or the job's share.
    func take(_ bytes: Int, job: String? = nil) -> Taken {
        guard bytes > 0 else { return .taken }
        return state.withLock { s in
            if s.held + bytes > limit {
                s.refused += 1
                return .overLimit
            }
            if let job {
                let jobHeld = s.byJob[job, default: 0] + bytes
                if jobHeld > perJob {
                    s.refused += 1
                    return .overJobShare
                }
                s.byJob[job] = jobHeld
            }
            s.held += bytes
            return .taken
        }
    }

    /// Takes `bytes` whatever is held already: for memory that is held
    /// anyway (bytes the event loop already read, handed to a thread).
    func charge(_ bytes: Int) {
        guard bytes > 0 else { return }
        state.withLock { $0.held += bytes }
    }

    func give(_ bytes: Int, job: String? = nil) {
        guard bytes > 0 else { return }
        state.withLock { s in
            s.held -= bytes
            if let job {
                let left = s.byJob[job, default: 0] - bytes
                s.byJob[job] = left > 0 ? left : nil
            }
        }
    }

    /// What the client is told (503): the cap, the flag, what to do.
    func refusal(_ why: Taken, job: String?) -> String {
        if why == .overJobShare, let job {
            return "sockwarden: job \(job)'s requests being read to be judged already hold \(perJob >> 20) MiB of memory, "
                + "its share (half of --max-request-memory); nothing of this request was forwarded; retry it, "
                + "or send large bodies one at a time"
        }
        return "sockwarden: requests being read to be judged already hold \(limit >> 20) MiB of memory "
            + "(--max-request-memory); nothing of this request was forwarded; retry it, "
            + "or send large bodies one at a time"
    }

    /// The audit record's reason for such a refusal.
    func recordReason(_ why: Taken, job: String?) -> String {
        if why == .overJobShare, let job {
            return "job \(job)'s requests being read to be judged already held \(perJob >> 20) MiB, half of --max-request-memory; nothing was forwarded"
        }
        return "requests being read to be judged already held \(limit >> 20) MiB (--max-request-memory); nothing was forwarded"
    }

    /// Bytes taken for one request served on a thread; given back when the
    /// request is done with (the hold is dropped).
    final class Hold {
        let memory: RequestMemory
        /// The job whose request holds it (nil off job sockets).
        let job: String?
        private(set) var bytes = 0
        /// Why the last `take` was refused.
        private(set) var refused = Taken.taken

        init(_ memory: RequestMemory, job: String? = nil) {
            self.memory = memory
            self.job = job
        }

        /// Takes `more` bytes; false when refused (`refused` says why).
        func take(_ more: Int) -> Bool {
            let taken = memory.take(more, job: job)
            guard taken == .taken else {
                refused = taken
                return false
            }
            bytes += more
            return true
        }

        /// Takes `more` bytes that are held anyway (never refused; not the job's share).
        func charge(_ more: Int) {
            memory.charge(more)
            charged += more
        }

        private var charged = 0

        deinit {
            memory.give(bytes, job: job)
            memory.give(charged)
        }
    }
}
