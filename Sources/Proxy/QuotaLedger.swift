import Posix

/// A job's container creates (and updates of a container's limits) that
/// passed its quota check and are not answered yet. The check and the reservation happen under `serial`, and
/// the check counts what is reserved, so concurrent creates of one job
/// cannot together overshoot the quota. A reservation ends when its
/// `QuotaReservation` is released: when the exchange that carries it ends
/// (answered, failed or never forwarded). Until then a container the daemon
/// already lists may be counted twice: the check errs on the side of refusing.
final class QuotaLedger: @unchecked Sendable {
    struct Held: Equatable {
        var containers = 0
        var memory: Int64 = 0
        var nanoCPUs: Int64 = 0
    }

    /// Serialises check-and-reserve of one job.
    let serial = Locked(())
    private let held = Locked(Held())

    var current: Held { held.withLock { $0 } }

    /// `containers`: 1 for a create, 0 for an update of a container's limits.
    func reserve(containers: Int = 1, memory: Int64, nanoCPUs: Int64) -> QuotaReservation {
        held.withLock { h in
            h.containers += containers
            h.memory = JobScope.saturating(h.memory, memory)
            h.nanoCPUs = JobScope.saturating(h.nanoCPUs, nanoCPUs)
        }
        return QuotaReservation(ledger: self, containers: containers, memory: memory, nanoCPUs: nanoCPUs)
    }

    fileprivate func release(containers: Int, memory: Int64, nanoCPUs: Int64) {
        held.withLock { h in
            h.containers -= containers
            h.memory = max(0, h.memory - max(0, memory))
            h.nanoCPUs = max(0, h.nanoCPUs - max(0, nanoCPUs))
        }
    }
}

/// One create's (or update's) reservation; released when the last reference goes away.
final class QuotaReservation: @unchecked Sendable {
    private let ledger: QuotaLedger
    private let containers: Int
    private let memory: Int64
    private let nanoCPUs: Int64

    fileprivate init(ledger: QuotaLedger, containers: Int, memory: Int64, nanoCPUs: Int64) {
        self.ledger = ledger
        self.containers = containers
        self.memory = memory
        self.nanoCPUs = nanoCPUs
    }

    deinit { ledger.release(containers: containers, memory: memory, nanoCPUs: nanoCPUs) }
}
