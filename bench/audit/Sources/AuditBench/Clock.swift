import Glibc

/// CPU time, not wall-clock: the machine is shared.
enum Clock {
    static func thread() -> UInt64 { read(CLOCK_THREAD_CPUTIME_ID) }
    static func process() -> UInt64 { read(CLOCK_PROCESS_CPUTIME_ID) }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var t = timespec()
        clock_gettime(clock, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Voluntary + involuntary context switches of the process so far.
    static func contextSwitches() -> Int {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return u.ru_nvcsw + u.ru_nivcsw
    }

    /// Thread CPU nanoseconds per iteration of `body` over `count`
    /// iterations: the best of `rounds` (the least disturbed).
    static func perIteration(rounds: Int, count: Int, _ body: (Int) -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            let t0 = thread()
            for i in 0..<count { body(i) }
            best = min(best, Double(thread() - t0) / Double(count))
        }
        return best
    }
}

/// Keeps the optimiser from dropping work whose result is unused.
@inline(never) func consume<T>(_ value: T) { withExtendedLifetime(value) {} }
