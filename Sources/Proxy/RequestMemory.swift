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
    private let state = Locked((held: 0, refused: 0))

    public init(limit: Int = RequestMemory.defaultLimit) { self.limit = limit }

    /// Bytes held now.
    public var held: Int { state.withLock { $0.held } }
    /// Requests refused so far because the memory was held.
    public var refusals: Int { state.withLock { $0.refused } }

    /// Takes `bytes`; false (nothing taken, a refusal counted) when that
    /// would go past the limit.
    func take(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        return state.withLock { s in
            if s.held + bytes > limit {
                s.refused += 1
                return false
            }
            s.held += bytes
            return true
        }
    }

    /// Takes `bytes` whatever is held already: for memory that is held
    /// anyway (bytes the event loop already read, handed to a thread).
    func charge(_ bytes: Int) {
        guard bytes > 0 else { return }
        state.withLock { $0.held += bytes }
    }

    func give(_ bytes: Int) {
        guard bytes > 0 else { return }
        state.withLock { $0.held -= bytes }
    }

    /// What the client is told (503): the cap, the flag, what to do.
    var refusal: String {
        "sockwarden: requests being read to be judged already hold \(limit >> 20) MiB of memory "
            + "(--max-request-memory); nothing of this request was forwarded; retry it, "
            + "or send large bodies one at a time"
    }

    /// The audit record's reason for such a refusal.
    var recordReason: String {
        "requests being read to be judged already held \(limit >> 20) MiB (--max-request-memory); nothing was forwarded"
    }

    /// Bytes taken for one request served on a thread; given back when the
    /// request is done with (the hold is dropped).
    final class Hold {
        let memory: RequestMemory
        private(set) var bytes = 0

        init(_ memory: RequestMemory) { self.memory = memory }

        /// Takes `more` bytes; false when refused.
        func take(_ more: Int) -> Bool {
            guard memory.take(more) else { return false }
            bytes += more
            return true
        }

        /// Takes `more` bytes that are held anyway (never refused).
        func charge(_ more: Int) {
            memory.charge(more)
            bytes += more
        }

        deinit { memory.give(bytes) }
    }
}
