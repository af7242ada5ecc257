import AllocCounter
import Glibc

/// One thing timed: a closure that does one request's worth of a stage and
/// returns a number derived from its result (summed into `sink`, so that the
/// optimiser cannot drop the work).
struct Stage {
    let name: String
    let what: String
    let run: () -> Int
}

/// A stage's result: CPU ns per operation (the best round and the median
/// round) and heap allocations per operation.
struct Measurement {
    let stage: Stage
    let bestNs: Double
    let medianNs: Double
    let allocations: Double
}

nonisolated(unsafe) var sink = 0

/// This thread's CPU time (not wall-clock: the machine is shared).
func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Runs `stage` in `rounds` rounds of enough iterations to last about
/// `roundMs` of CPU each, after a warm-up.
func measure(_ stage: Stage, rounds: Int, roundMs: Double) -> Measurement {
    // Warm up and size the round.
    var iterations = 1
    while true {
        let t0 = threadCPUNanoseconds()
        for _ in 0..<iterations { sink &+= stage.run() }
        let elapsed = Double(threadCPUNanoseconds() - t0)
        if elapsed > roundMs * 1e6 / 4 || iterations >= 1 << 24 {
            iterations = max(1, Int(Double(iterations) * roundMs * 1e6 / max(elapsed, 1)))
            break
        }
        iterations *= 2
    }
    var perOp: [Double] = []
    var allocations = 0.0
    for _ in 0..<rounds {
        let a0 = alloc_counter_total()
        let t0 = threadCPUNanoseconds()
        for _ in 0..<iterations { sink &+= stage.run() }
        let t1 = threadCPUNanoseconds()
        let a1 = alloc_counter_total()
        perOp.append(Double(t1 - t0) / Double(iterations))
        allocations = Double(a1 - a0) / Double(iterations)
    }
    perOp.sort()
    return Measurement(stage: stage, bestNs: perOp[0], medianNs: perOp[perOp.count / 2], allocations: allocations)
}
