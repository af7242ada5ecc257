import EngineAPI

/// The memory and CPU limits of a container, as a job's quotas count them
/// (`[jobs] max-memory`, `max-cpus`): what the daemon will enforce, not what
/// the body spells.
public struct ResourceLimits: Sendable, Equatable {
    /// `Memory`, `NanoCpus`, `CpuQuota`, `CpuPeriod` as in a HostConfig or
    /// an update body (0: not set).
    public var memory: Int64
    public var nanoCPUs: Int64
    public var cpuQuota: Int64
    public var cpuPeriod: Int64

    public init(memory: Int64 = 0, nanoCPUs: Int64 = 0, cpuQuota: Int64 = 0, cpuPeriod: Int64 = 0) {
        self.memory = memory
        self.nanoCPUs = nanoCPUs
        self.cpuQuota = cpuQuota
        self.cpuPeriod = cpuPeriod
    }

    /// Bytes of memory; 0 when unlimited.
    public var effectiveMemory: Int64 { max(0, memory) }

    /// Nano-CPUs; 0 when unlimited. As dockerd 20.10 (`getCPUResources`):
    /// `NanoCpus` becomes a quota over a 100 ms period, then a non-zero
    /// `CpuPeriod` and `CpuQuota` replace the period and the quota, so
    /// `CpuQuota: -1` lifts a `NanoCpus` limit. A quota without a period is
    /// counted as unlimited (its period is the host's).
    public var effectiveNanoCPUs: Int64 {
        if cpuQuota == 0 && cpuPeriod == 0 { return max(0, nanoCPUs) }
        var period: Int64 = nanoCPUs > 0 ? 100_000 : 0
        var quota: Int64 = nanoCPUs > 0 ? nanoCPUs / 10_000 : 0
        if cpuPeriod != 0 { period = cpuPeriod }
        if cpuQuota != 0 { quota = cpuQuota }
        return CPUQuota.nanoCPUs(quota: quota, period: period)
    }

    /// The limits after `POST /containers/{id}/update` with `update`: the
    /// daemon changes only the fields that are non-zero in the update.
    public func updated(by update: ResourceLimits) -> ResourceLimits {
        ResourceLimits(memory: update.memory != 0 ? update.memory : memory,
                       nanoCPUs: update.nanoCPUs != 0 ? update.nanoCPUs : nanoCPUs,
                       cpuQuota: update.cpuQuota != 0 ? update.cpuQuota : cpuQuota,
                       cpuPeriod: update.cpuPeriod != 0 ? update.cpuPeriod : cpuPeriod)
    }
}
