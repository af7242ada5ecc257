import Glibc
import Posix
import CShims

/// The audit log: hash-chained JSON lines (docs/audit-log.md), written by
/// one dedicated writer thread.
///
/// Concurrency model: connection threads only *enqueue* (`admit`, `write`,
/// `event`) under one mutex; they never touch the file. The writer thread
/// renders records (JSON, SHA-256 chain), writes them in batches with
/// write(2), and retries failed writes; it alone owns the file descriptor
/// and the chain state. Capacity is counted in records: each admitted
/// request takes two slots at once (its `request` record, queued, and its
/// `result` record, reserved), so a result is never refused.
///
/// Failure policy: when the log cannot take a request's record (writes are
/// failing, or `capacity` records are queued), `refuse` answers the request
/// with a 503 and forwards nothing; `continue` serves it unrecorded and
/// counts the loss (stderr, metrics, and a `gap` record once writing works
/// again). Records already queued are never discarded: a failed write is
/// retried until it succeeds (or the process exits, which reports how many
/// were left).
public final class AuditLog: @unchecked Sendable {
    public enum FailurePolicy: String, Sendable, CaseIterable {
        case refuse
        case `continue`
    }

    public let path: String
    public let failurePolicy: FailurePolicy
    public let capacity: Int
    /// The most result reservations one job's requests may hold: a quarter
    /// of the queue (see `reservedByJob`).
    var reservedPerJob: Int { max(2, capacity / 4) }
    public let metrics: Metrics
    /// Identifies this process's records (`run`); request ids restart per run.
    public let run: String
    /// How the chain was picked up when the file was opened (for `start`).
    public private(set) var chainOrigin: String = "new"
    let retryNanoseconds: UInt64
    /// How often the writer names its last written record on stderr (an
    /// anchor kept by journald, outside the file); 0: never.
    let anchorNanoseconds: UInt64

    private enum Entry {
        case request(AuditRecord)
        case result(AuditRecord)
        case event(AuditEvent)
    }

    // Shared state, under `mutex`.
    // Allocated, not stored in the object: a pthread mutex must not move,
    // and a pointer is not checked for exclusive access at every lock.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private let progress: UnsafeMutablePointer<pthread_cond_t>
    private var queue: [Entry] = []
    private var reserved = 0
    /// Results reserved for each job's requests (`reservedPerJob` at most):
    /// a request holds its reservation until its exchange ends, a quiet
    /// stream for as long as it is open, so one job's streams (and the
    /// requests pipelined behind them) could otherwise hold the whole
    /// queue, and every socket would answer 503 (found 2026-12-02).
    private var reservedByJob: [String: Int] = [:]
    /// Jobs that reached their share, each named once in a `job-share`
    /// event until half of its share is free again.
    private var jobsAtShare = Set<String>()
    /// Rendered by the writer but not yet (fully) written.
    private var inFlight = 0
    private var failing = false
    private var failure = ""
    private var full = false
    private var troubleSince: (seconds: Int, nanoseconds: Int)?
    private var refusedInTrouble = 0
    private var droppedInTrouble = 0
    private var reopenRequested = false
    private var closing = false
    private var writerDone = false
    /// The writer waits on `wake`: only then is it signalled (under load it
    /// is busy or gathering a batch, and a record costs no futex wake).
    private var writerWaiting = false

    // Writer state: touched by the writer thread only (and by `start` before it runs).
    private var fd: Int32
    /// Bytes written since the last `sw_start_writeback`.
    private var unflushedBytes = 0
    static let writebackBytes = 8 << 20
    /// Writebacks started (`sw_start_writeback` succeeded) and parts of the
    /// file dropped from the page cache (`sw_drop_written` succeeded); read
    /// by tests after `close`.
    private(set) var writebacksStarted = 0
    private(set) var drops = 0
    /// Where the file ended at the last writeback started, and up to where
    /// its pages have been dropped from the page cache.
    private var writebackStartedTo = 0
    private var droppedTo = 0
    /// Renders, chains and hashes records onto `pending`; holds `seq` and the last hash.
    private var renderer: AuditLineRenderer
    /// The batch being rendered (swapped with `queue`, so neither is copied).
    private var batch: [Entry] = []
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var pendingRecords = 0
    private var lastFailureReport: UInt64 = 0
    /// When the last anchor was written, and the record it named.
    private var lastAnchor: UInt64 = 0
    private var anchoredSeq: UInt64?
    /// When the writer last checked that `path` still names the open file.
    private var lastPlaceCheck: UInt64 = 0
    static let placeCheckNanoseconds: UInt64 = 100_000_000
    /// The open file was removed and `path` cannot be opened again (its
    /// directory is gone, a directory is in its place): nothing is written
    /// until it can, as when writes fail (found 2026-12-02, session 21:
    /// records went on into the removed file, and requests were served).
    private var orphaned: SystemError?
    /// The `seq` of the open file's first record (nil: it does not say): a
    /// removed file took the records from it on with it (the `reopen` event says).
    private var fileFirstSeq: UInt64?

    /// Opens (or creates, mode 0640) the log and picks up its chain: the new
    /// records continue from the last record of an existing file. "-" is
    /// standard output (each run starts a new chain there).
    public init(path: String, failurePolicy: FailurePolicy = .refuse, capacity: Int = 16384,
                metrics: Metrics = Metrics(), retryMilliseconds: Int = 500, anchorSeconds: Int = 0) throws(SystemError) {
        self.anchorNanoseconds = UInt64(max(0, anchorSeconds)) * 1_000_000_000
        self.path = path
        self.failurePolicy = failurePolicy
        self.capacity = max(4, capacity)
        self.metrics = metrics
        self.retryNanoseconds = UInt64(max(10, retryMilliseconds)) * 1_000_000
        var seed = SHA256()
        seed.update("\(getpid()) \(wallClock()) \(monotonicNanoseconds())")
        run = String(SHA256.hexString(seed.finalize()).prefix(12))
        renderer = AuditLineRenderer(run: run)
        // Opened before anything is allocated: a throw leaves nothing behind.
        fd = path == "-" ? STDOUT_FILENO : try AuditLog.open(path)
        mutex = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        progress = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        wake.initialize(to: pthread_cond_t())
        progress.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(progress, nil)
        if path != "-" { pickUpChain() }
        fileFirstSeq = path == "-" ? nil : AuditLog.firstSeq(fd: fd, next: renderer.seq)
    }

    /// The `seq` of a log file's first record; `next` when it has none yet.
    static func firstSeq(fd: Int32, next: UInt64) -> UInt64? {
        var head = [UInt8](repeating: 0, count: 4096)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return next }
        let line = head[..<n].prefix { $0 != 10 }
        let key = Array("\"seq\":".utf8)
        guard let at = line.indices.first(where: { line[$0...].starts(with: key) }) else { return nil }
        let digits = line[(at + key.count)...].prefix { $0 >= 0x30 && $0 <= 0x39 }
        return digits.isEmpty ? nil : UInt64(String(decoding: digits, as: UTF8.self))
    }

    deinit {
        if fd != STDOUT_FILENO { Glibc.close(fd) }
        pthread_cond_destroy(progress)
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        progress.deallocate()
        wake.deallocate()
        mutex.deallocate()
    }

    /// Opens the log for this process alone: an exclusive lock on the file
    /// (flock), so that a second `serve` given the same `--audit-log` does
    /// not interleave a second chain into it (which `audit verify` then
    /// reports as tampering); it is refused instead.
    static func open(_ path: String) throws(SystemError) -> Int32 {
        let raw = Glibc.open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        if raw < 0 { throw SystemError.last("open \(path)") }
        var info = stat()
        // A regular file only (a device such as /dev/full is no one's log).
        if fstat(raw, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, flock(raw, LOCK_EX | LOCK_NB) != 0 {
            let error = SystemError.last("lock \(path)")
            Glibc.close(raw)
            guard error.code == EWOULDBLOCK else { throw error }
            throw SystemError("another process holds the lock of the audit log \(path) (give each sockwarden serve its own --audit-log)", code: error.code)
        }
        return raw
    }

    /// Continues the chain of an existing file from its last record.
    private func pickUpChain() {
        switch AuditLogTail.read(fd: fd) {
        case .empty:
            chainOrigin = "new"
            // Rotated while no writer ran: the chain goes on from the copy.
            if let (name, hash, lastSeq) = rotatedPredecessor() {
                renderer.restart(seq: lastSeq.flatMap { $0 < .max ? $0 + 1 : nil } ?? 0, prev: hash)
                chainOrigin = "continued from \(name)"
            }
        case .sealed(let hash, let lastSeq):
            // The last seq is read from a file anyone with write access may
            // have edited: UInt64.max (or none) does not trap, it restarts seq.
            renderer.restart(seq: lastSeq.flatMap { $0 < .max ? $0 + 1 : nil } ?? 0, prev: hash)
            chainOrigin = "continued"
        case .unusable(let why, let needsNewline):
            chainOrigin = "restarted: \(why)"
            if needsNewline { pending = [10] }
            Files.writeStderr("sockwarden: warning: the audit log \(path) does not end with a sealed record (\(why)); "
                + "a new chain starts here and `sockwarden audit verify` will report the break. Rotate the file to avoid this.\n")
        }
    }

    /// The last record of the log's rotated copy (`AuditRotatedFile`),
    /// when it ends with a sealed one: the file's name, its hash and seq.
    private func rotatedPredecessor() -> (String, String, UInt64?)? {
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
        let directory = slash.map { $0 == path.utf8.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let logName = slash.map { String(path[path.utf8.index(after: $0)...]) } ?? path
        var files: [AuditRotatedFile.Candidate] = []
        for name in Files.list(directory) where AuditRotatedFile.isRotatedCopy(name, of: logName) {
            var st = stat()
            guard lstat(directory + "/" + name, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            files.append(.init(name: name, modified: (st.st_mtim.tv_sec, st.st_mtim.tv_nsec)))
        }
        guard let name = AuditRotatedFile.newest(of: logName, among: files) else { return nil }
        let copy = Glibc.open(directory + "/" + name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard copy >= 0 else { return nil }
        defer { Glibc.close(copy) }
        guard case .sealed(let hash, let seq) = AuditLogTail.read(fd: copy) else { return nil }
        return (name, hash, seq)
    }

    // MARK: - Hot path (any thread)

    /// Why a request was not recorded (`refuse`: answer 503 with this message).
    /// How long a request waits for room in a full queue before the
    /// failure policy applies (a write that fails is not waited for).
    static let backpressureNanoseconds = 500_000_000
    /// How long the writer lets records gather before a write (when fewer
    /// than 256 wait).
    static let gatherMicroseconds: UInt32 = 2000
    /// Room kept in the writer's output buffer between batches.
    static let keptOutputCapacity = 4 << 20

    public struct Refusal: Sendable {
        public let message: String
    }

    /// Offers the record of a judged request, before anything is forwarded.
    /// nil: recorded (or, under `continue`, knowingly not recorded); a
    /// refusal: answer the request with a 503 and do not forward it.
    func admit(_ record: inout AuditRecord) -> Refusal? {
        record.judgedAt = monotonicNanoseconds()
        metrics.exchangeStarted()
        pthread_mutex_lock(mutex)
        var backlog = queue.count + inFlight + reserved
        if !failing && backlog + 2 > capacity {
            // Backpressure: a full queue is given a moment to drain (the
            // writer signals `progress` after each batch) before refusing.
            var deadline = timespec()
            clock_gettime(CLOCK_REALTIME, &deadline)
            let ns = Int(deadline.tv_nsec) + AuditLog.backpressureNanoseconds
            deadline.tv_sec += ns / 1_000_000_000
            deadline.tv_nsec = ns % 1_000_000_000
            while !failing && !writerDone && queue.count + inFlight + reserved + 2 > capacity {
                if pthread_cond_timedwait(progress, mutex, &deadline) == ETIMEDOUT { break }
            }
            backlog = queue.count + inFlight + reserved
        }
        let job = record.job?.id
        if let job, !closing, !failing, reservedByJob[job, default: 0] >= reservedPerJob {
            // Not the log's trouble, the job's: refused whatever --audit-failure says (a job
            // past its share is not served unrecorded either). Its refused requests are not
            // recorded one by one (each would take a place); a `job-share` event says when it
            // reached its share.
            if jobsAtShare.insert(job).inserted {
                queue.append(.event(AuditEvent("job-share") { w in
                    w.field("job", job)
                    w.field("in_flight", reservedPerJob)
                    w.field("audit_queue", capacity)
                    w.field("note", "the job's further requests are answered 503 and not recorded until some of its exchanges end")
                }))
                wakeWriter()
            }
            pthread_mutex_unlock(mutex)
            record.admission = .notRecorded
            metrics.countRequest(group: record.group, decision: "refused")
            return Refusal(message: "sockwarden: request refused: job \(job) has \(reservedPerJob) requests in flight (open streams, attach and exec sessions, pipelined requests), the most one job may have while the audit log records them (a quarter of --audit-queue \(capacity)); end some (close idle connections) and retry")
        }
        let trouble: String?
        if closing {
            // Shutting down: the stop record is queued and the writer exits
            // once it is written, so a record taken now might never be.
            trouble = "the proxy is shutting down and its audit log is closed"
        } else if failing {
            trouble = "the audit log cannot be written (\(failure))"
        } else if backlog + 2 > capacity {
            trouble = "the audit log cannot keep up (\(backlog) records waiting, --audit-queue \(capacity))"
            if !full {
                full = true
                if troubleSince == nil { troubleSince = wallClock() }
                Files.writeStderr("sockwarden: AUDIT LOG BEHIND: \(backlog) records wait to be written (--audit-queue \(capacity)); "
                    + (failurePolicy == .refuse ? "new requests get a 503 until it catches up\n" : "new records are dropped until it catches up\n"))
            }
        } else {
            trouble = nil
        }
        if let trouble {
            if failurePolicy == .refuse {
                refusedInTrouble += 1
                pthread_mutex_unlock(mutex)
                record.admission = .notRecorded
                metrics.auditRefused.add(1)
                metrics.countRequest(group: record.group, decision: "refused")
                return Refusal(message: "sockwarden: request refused: \(trouble), and sockwarden does not serve requests it cannot record (--audit-failure=refuse). Retry later; operators: see the proxy's stderr")
            }
            droppedInTrouble += 2
            pthread_mutex_unlock(mutex)
            record.admission = .notRecorded
            metrics.auditDropped.add(2)
        } else {
            full = false
            record.admission = .admitted
            queue.append(.request(record))
            reserved += 1
            if let job { reservedByJob[job, default: 0] += 1 }
            wakeWriter()
            pthread_mutex_unlock(mutex)
        }
        metrics.countRequest(group: record.group, decision: record.wouldDeny ? "would_deny" : record.decision)
        return nil
    }

    /// The exchange is over: queues the `result` record (into the slot its
    /// request reserved). A record never admitted is admitted first.
    public func write(_ record: AuditRecord) {
        var record = record
        if case .pending = record.admission { _ = admit(&record) }
        let now = monotonicNanoseconds()
        record.durationNanoseconds = now &- record.startedMonotonic
        metrics.exchangeEnded(bytesIn: record.bytesIn, bytesOut: record.bytesOut,
                              responseNanoseconds: record.respondedAt.map { $0 &- record.startedMonotonic })
        guard case .admitted = record.admission else { return }
        let job = record.job?.id
        pthread_mutex_lock(mutex)
        reserved -= 1
        if let job {
            let left = reservedByJob[job, default: 1] - 1
            reservedByJob[job] = left > 0 ? left : nil
            if left < reservedPerJob / 2 { jobsAtShare.remove(job) }
        }
        queue.append(.result(record))
        wakeWriter()
        pthread_mutex_unlock(mutex)
    }

    /// Queues an event record (start, reload, reopen, …). Never refused.
    public func event(_ event: AuditEvent) {
        pthread_mutex_lock(mutex)
        queue.append(.event(event))
        wakeWriter()
        pthread_mutex_unlock(mutex)
    }

    /// SIGUSR1: reopen the file at `path` (after logrotate moved it).
    public func reopen() {
        pthread_mutex_lock(mutex)
        reopenRequested = true
        wakeWriter()
        pthread_mutex_unlock(mutex)
    }

    /// Signals the writer if it waits for work. Under `mutex`.
    @inline(__always)
    private func wakeWriter() {
        if writerWaiting { pthread_cond_signal(wake) }
    }

    /// Records queued, being written, or reserved for results.
    public var backlog: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return queue.count + inFlight + reserved
    }

    /// False while writes fail.
    public var healthy: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return !failing
    }

    // MARK: - Life cycle

    /// Writes `first` (the `start` record) synchronously, so a log that
    /// cannot be written stops the proxy before it serves; then starts the
    /// writer thread.
    public func start(first: AuditEvent) throws(SystemError) {
        render(.event(first))
        pendingRecords = 1
        if let error = writePending() { throw error }
        pendingRecords = 0
        metrics.auditWritten.add(1)
        try spawnDetachedThread(stackSize: 512 * 1024, name: "sw-audit") { [self] in runWriter() }
    }

    /// Queues `last` (the `stop` record) and waits up to `timeout` seconds
    /// for everything queued to be written. Returns how many records were
    /// left unwritten (reported on stderr by the caller).
    public func close(last: AuditEvent, timeoutSeconds: Int) -> Int {
        close(last: { _ in last }, timeoutSeconds: timeoutSeconds)
    }

    /// `last` is given the number of admitted requests whose `result` is
    /// still to come (exchanges open as the log closes: their results will
    /// not be written), so the `stop` record can say so.
    public func close(last: (_ open: Int) -> AuditEvent, timeoutSeconds: Int) -> Int {
        pthread_mutex_lock(mutex)
        queue.append(.event(last(reserved)))
        closing = true
        wakeWriter()
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += timeoutSeconds
        while !writerDone {
            if pthread_cond_timedwait(progress, mutex, &deadline) == ETIMEDOUT { break }
        }
        let left = queue.count + inFlight + reserved
        pthread_mutex_unlock(mutex)
        return left
    }

    // MARK: - Writer thread

    private func runWriter() {
        while true {
            pthread_mutex_lock(mutex)
            while queue.isEmpty && inFlight == 0 && !reopenRequested && !closing {
                writerWaiting = true
                pthread_cond_wait(wake, mutex)
                writerWaiting = false
            }
            if inFlight == 0 && queue.count < 256 && !reopenRequested && !closing {
                // Let a busy moment gather into one batch: a write(2) and
                // two wake-ups per two milliseconds rather than per record
                // (each wake-up of this thread costs the proxy a context
                // switch; at 30,000 requests a second, 2 ms amortises them
                // over about 60 requests). Records reach the file at most
                // that much later; `close` still writes everything.
                pthread_mutex_unlock(mutex)
                usleep(AuditLog.gatherMicroseconds)
                pthread_mutex_lock(mutex)
            }
            let doReopen = reopenRequested
            reopenRequested = false
            if inFlight == 0 && !queue.isEmpty {
                if queue.count <= 4096 {
                    swap(&batch, &queue)
                } else {
                    batch.append(contentsOf: queue[0..<4096])
                    queue.removeFirst(4096)
                }
                inFlight = batch.count
            }
            if closing && batch.isEmpty && inFlight == 0 && !doReopen {
                announceAnchor(force: true)
                // Another writer may take the file now (a restart in the same process: tests).
                if fd != STDOUT_FILENO { flock(fd, LOCK_UN) }
                writerDone = true
                pthread_cond_broadcast(progress)
                pthread_mutex_unlock(mutex)
                return
            }
            pthread_mutex_unlock(mutex)

            var cause: ReopenCause? = doReopen ? .signal : nil
            // Removed and not yet made again: tried at every turn (each failed one waits `retryNanoseconds`).
            if orphaned != nil { cause = .removed }
            if cause == nil, !batch.isEmpty {
                let now = monotonicNanoseconds()
                if now &- lastPlaceCheck >= AuditLog.placeCheckNanoseconds {
                    lastPlaceCheck = now
                    cause = AuditLog.displacement(fd: fd, path: path)
                }
            }
            if let cause { reopenFile(cause) }
            var work: [Entry] = []
            swap(&work, &batch)
            work.withUnsafeBufferPointer { entries in
                for entry in entries { render(entry) }
            }
            pendingRecords += work.count
            work.removeAll(keepingCapacity: true)
            swap(&work, &batch)
            if pending.isEmpty { continue }
            if let error = orphaned {
                // Held, not written into a file no one can read; `admit` refuses (or counts) meanwhile.
                noteFailure(error)
                waitBeforeRetry()
                continue
            }
            if let error = writePending() {
                noteFailure(error)
                waitBeforeRetry()
            } else {
                noteSuccess()
                announceAnchor(force: false)
            }
        }
    }

    /// Renders one record onto `pending`, advancing the chain.
    private func render(_ entry: Entry) {
        switch entry {
        case .request(let r): renderer.request(r, into: &pending)
        case .result(let r): renderer.result(r, into: &pending)
        case .event(let e): renderer.event(e, into: &pending)
        }
    }

    /// Writes what is pending, from where the last attempt stopped (a line
    /// cut by a failed write is completed by the retry). nil on success.
    private func writePending() -> SystemError? {
        while pendingOffset < pending.count {
            let n = pending.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + pendingOffset, raw.count - pendingOffset)
            }
            if n < 0 {
                let error = SystemError.last("write \(path == "-" ? "stdout" : path)")
                if error.code == EINTR { continue }
                return error
            }
            pendingOffset += n
            unflushedBytes += n
        }
        if unflushedBytes >= AuditLog.writebackBytes && path != "-" {
            // Under sustained load the log grows by tens of MB a second; left
            // to the kernel, gigabytes of it pile up dirty and are written
            // back in bursts that take the CPU from the proxy (bench/README.md,
            // "The audit log's writeback"). Starting the writeback every few
            // MiB keeps it small and steady. It does not wait, and a filter
            // that refuses the call only leaves the kernel's own timing.
            if sw_start_writeback(fd) == 0 { writebacksStarted += 1 }
            unflushedBytes = 0
            // The part whose writeback was started one step earlier is
            // written by now: drop it from the page cache. The proxy never
            // reads its records back, and pages the kernel hands out again
            // at once cost far less to write into than fresh ones (2-10x
            // on this VM: bench/README.md, "The audit log's page cache").
            let end = lseek(fd, 0, SEEK_CUR)
            if writebackStartedTo > droppedTo,
               sw_drop_written(fd, Int64(droppedTo), Int64(writebackStartedTo - droppedTo)) == 0 {
                droppedTo = writebackStartedTo
                drops += 1
            }
            if end > 0 { writebackStartedTo = end }
        }
        // A batch of up to 4096 records is a few MiB: keep that much room
        // (growing it again by doubling costs a copy per step), not more.
        pending.removeAll(keepingCapacity: pending.capacity <= AuditLog.keptOutputCapacity)
        pendingOffset = 0
        return nil
    }

    /// Names the last record written, on stderr (journald keeps it apart
    /// from the file): `audit verify --expect HASH` then fails on a log
    /// whose tail was cut before that record. Every `anchorNanoseconds`,
    /// and when the writer stops (`force`); only for a new record.
    private func announceAnchor(force: Bool) {
        guard anchorNanoseconds > 0, path != "-", renderer.seq > 0 else { return }
        let seq = renderer.seq - 1
        let now = monotonicNanoseconds()
        guard anchoredSeq != seq, force || now &- lastAnchor >= anchorNanoseconds else { return }
        lastAnchor = now
        anchoredSeq = seq
        let hash = renderer.prev
        Files.writeStderr("sockwarden: audit anchor: \(path) record \(seq) (run \(run)) has hash \(hash); "
            + "`sockwarden audit verify --expect \(hash) FILE...` fails if the log no longer reaches it\n")
    }

    private func noteSuccess() {
        let written = pendingRecords
        pendingRecords = 0
        metrics.auditWritten.add(written)
        pthread_mutex_lock(mutex)
        inFlight = 0
        let wasFailing = failing
        failing = false
        var gap: AuditEvent?
        if let since = troubleSince, !full {
            let error = failure
            let refused = refusedInTrouble, dropped = droppedInTrouble
            gap = AuditEvent("gap") { w in
                w.field("since", AuditRecord.rfc3339(since))
                w.field("reason", wasFailing || !error.isEmpty ? "write-failed" : "backlog-full")
                w.field("error", error.isEmpty ? nil : error)
                w.field("refused_requests", refused)
                w.field("dropped_records", dropped)
                w.field("audit_failure", failurePolicy.rawValue)
            }
            troubleSince = nil
            refusedInTrouble = 0
            droppedInTrouble = 0
            failure = ""
        }
        pthread_cond_broadcast(progress)
        pthread_mutex_unlock(mutex)
        if wasFailing {
            Files.writeStderr("sockwarden: audit log \(path == "-" ? "stdout" : path) is writable again; the records held meanwhile are written\n")
        }
        if let gap { event(gap) }
    }

    private func noteFailure(_ error: SystemError) {
        metrics.auditWriteFailures.add(1)
        pthread_mutex_lock(mutex)
        let first = !failing
        failing = true
        failure = error.description
        if troubleSince == nil { troubleSince = wallClock() }
        let held = queue.count + inFlight + reserved
        let refused = refusedInTrouble, dropped = droppedInTrouble
        pthread_mutex_unlock(mutex)
        let now = monotonicNanoseconds()
        if first || now - lastFailureReport >= 30_000_000_000 {
            lastFailureReport = now
            let effect = failurePolicy == .refuse
                ? "new requests get a 503 until it can be written (--audit-failure=refuse); \(refused) refused so far"
                : "requests are served unrecorded (--audit-failure=continue); \(dropped) records dropped so far"
            Files.writeStderr("sockwarden: AUDIT LOG FAILING: \(error); \(effect); \(held) records are held and will be written. "
                + "Free space or fix the file, then send SIGUSR1 to reopen it if it was moved\n")
        }
    }

    /// Sleeps before retrying a failed write; a reopen request or shutdown wakes it.
    private func waitBeforeRetry() {
        pthread_mutex_lock(mutex)
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let ns = Int(deadline.tv_nsec) + Int(retryNanoseconds)
        deadline.tv_sec += ns / 1_000_000_000
        deadline.tv_nsec = ns % 1_000_000_000
        if !reopenRequested {
            writerWaiting = true
            _ = pthread_cond_timedwait(wake, mutex, &deadline)
            writerWaiting = false
        }
        pthread_mutex_unlock(mutex)
    }

    /// Reopens `path` (logrotate has moved the old file away) and records
    /// a `reopen` event that chains to the old file's last record.
    private func reopenFile(_ cause: ReopenCause) {
        metrics.auditReopens.add(1)
        guard path != "-" else {
            Files.writeStderr("sockwarden: SIGUSR1: the audit log is standard output; nothing to reopen\n")
            return
        }
        let why = cause == .signal ? "SIGUSR1" : "the audit log \(path) was \(cause.rawValue) without SIGUSR1"
        if cause == .signal, AuditLog.displacement(fd: fd, path: path) == nil, AuditLog.isRegularFile(fd) {
            // The path still names the open file (nothing moved it): kept, as opening it again would be.
            render(.event(AuditEvent("reopen") { w in
                w.field("path", path)
                w.field("cause", cause.rawValue)
                w.field("outcome", "ok")
            }))
            pendingRecords += 1
            Files.writeStderr("sockwarden: \(why): audit log \(path) reopened (the path still names the same file)\n")
            return
        }
        let fresh: Int32
        do {
            fresh = try AuditLog.open(path)
        } catch {
            if cause == .removed {
                // The old file is gone for reviewers: nothing more goes into it.
                if orphaned == nil {
                    Files.writeStderr("sockwarden: \(why) and cannot be made again: \(error); records are held, not written, until it can (\(failurePolicy == .refuse ? "new requests get a 503" : "requests are served unrecorded"), --audit-failure=\(failurePolicy.rawValue))\n")
                }
                orphaned = SystemError("\(path) was removed and cannot be made again (\(error.call))", code: error.code)
                return
            }
            Files.writeStderr("sockwarden: \(why): cannot reopen the audit log \(path): \(error); still writing to the old file\n")
            render(.event(AuditEvent("reopen") { w in
                w.field("path", path)
                w.field("cause", cause.rawValue)
                w.field("outcome", "failed")
                w.field("error", error.description)
            }))
            pendingRecords += 1
            return
        }
        // What is pending goes to the old file if it can (not a removed
        // one); a line cut short there is written again whole in the new file.
        let removed = cause == .removed || (cause == .signal && AuditLog.displacement(fd: fd, path: path) == .removed)
        if !removed, !pending.isEmpty, writePending() != nil, pendingOffset > 0 {
            let cut = pending[..<pendingOffset].lastIndex(of: 10).map { $0 + 1 } ?? 0
            if cut < pendingOffset {
                Files.writeStderr("sockwarden: \(why): the old audit file ends with a line cut short by a failed write; it is written whole to the new file\n")
            }
            pending.removeFirst(cut)
            pendingOffset = 0
        }
        if removed, pendingOffset > 0 {
            // A line partly written into the removed file: whole in the new one.
            pendingOffset = 0
        }
        // The records the removed file took with it: those written, not those still pending.
        let firstInNewFile = renderer.seq - UInt64(pending.lazy.filter { $0 == 10 }.count)
        if case .unusable(_, true) = AuditLogTail.read(fd: fresh) { pending.insert(10, at: 0) }
        Glibc.close(fd)
        fd = fresh
        orphaned = nil
        let size = max(0, lseek(fd, 0, SEEK_END))
        (writebackStartedTo, droppedTo) = (size, size)
        let lostFrom = fileFirstSeq
        let lostTo: UInt64? = removed && firstInNewFile > (lostFrom ?? 0) ? firstInNewFile - 1 : nil
        render(.event(AuditEvent("reopen") { w in
            w.field("path", path)
            w.field("cause", cause.rawValue)
            w.field("outcome", "ok")
            if let lostTo {
                w.field("lost_from_seq", lostFrom)
                w.field("lost_to_seq", lostTo)
            }
        }))
        fileFirstSeq = AuditLog.firstSeq(fd: fd, next: firstInNewFile)
        pendingRecords += 1
        Files.writeStderr("sockwarden: \(why): audit log \(path) reopened\n")
    }

    /// Why the log is reopened: SIGUSR1, or the writer found that `path`
    /// no longer names the open file (removed, or moved away by a rotation
    /// that sent no signal, with or without a new file in its place).
    enum ReopenCause: String {
        case signal, removed, moved, replaced
    }

    /// Whether `path` still names the regular file `fd` writes to. Records
    /// written to a removed or moved-away file would be lost to reviewers;
    /// checked at most every 0.1 s, before a batch is written.
    static func isRegularFile(_ fd: Int32) -> Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    static func displacement(fd: Int32, path: String) -> ReopenCause? {
        guard path != "-" else { return nil }
        var open = stat()
        guard fstat(fd, &open) == 0, (open.st_mode & S_IFMT) == S_IFREG else { return nil }
        if open.st_nlink == 0 { return .removed }
        var named = stat()
        guard stat(path, &named) == 0 else { return errno == ENOENT ? .moved : nil }
        return named.st_dev == open.st_dev && named.st_ino == open.st_ino ? nil : .replaced
    }
}
