import CShims
import Glibc

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Starts a detached pthread with a small stack. Connection threads mostly sit
/// in read(2), so 256 KiB is plenty and keeps thousands of idle clients cheap.
/// `name` (at most 15 bytes, longer is cut) is what `top -H`, `ps -L` and
/// perf show for the thread: sw-loop, sw-audit, sw-request, sw-response, ….
public func spawnDetachedThread(stackSize: Int = 256 * 1024, name: String? = nil,
                                _ body: @escaping @Sendable () -> Void) throws(SystemError) {
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    defer { pthread_attr_destroy(&attr) }
    pthread_attr_setstacksize(&attr, stackSize)
    pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
    let named: @Sendable () -> Void = name.map { name in
        let bytes = Array(name.utf8.prefix(15)) + [0]
        return {
            bytes.withUnsafeBufferPointer { _ = sw_set_thread_name(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self)) }
            body()
        }
    } ?? body
    let box = Unmanaged.passRetained(ThreadBody(named)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, &attr, { raw in
        let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
        body.run()
        return nil
    }, box)
    if rc != 0 {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        throw SystemError("pthread_create", code: rc)
    }
}

/// A mutex around a value. Small and explicit; used where two connection
/// threads share state.
public final class Locked<Value>: @unchecked Sendable {
    // Both live outside the object: a pthread mutex must not move, and the
    // value, reached through a pointer under the mutex, is not checked for
    // exclusive access at run time on every use (the mutex is the check).
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        self.value = .allocate(capacity: 1)
        self.value.initialize(to: value)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}

/// A blocking FIFO for handing work between two threads of one connection.
public final class BlockingQueue<Element>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var items: [Element] = []
    private var head = 0

    public init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    public func push(_ item: Element) {
        pthread_mutex_lock(&mutex)
        items.append(item)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    public func pop() -> Element {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while head == items.count { pthread_cond_wait(&condition, &mutex) }
        return takeHead()
    }

    /// As `pop`, but waits at most `timeoutMilliseconds`; nil when nothing came.
    public func pop(timeoutMilliseconds: Int) -> Element? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if head == items.count {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            var until = timespec(tv_sec: now.tv_sec + timeoutMilliseconds / 1000,
                                 tv_nsec: now.tv_nsec + (timeoutMilliseconds % 1000) * 1_000_000)
            if until.tv_nsec >= 1_000_000_000 {
                until.tv_sec += 1
                until.tv_nsec -= 1_000_000_000
            }
            while head == items.count {
                if pthread_cond_timedwait(&condition, &mutex, &until) == ETIMEDOUT { break }
            }
            if head == items.count { return nil }
        }
        return takeHead()
    }

    /// The first queued item; the mutex is held and the queue is not empty.
    private func takeHead() -> Element {
        let item = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return item
    }

    /// Takes everything queued now, without waiting.
    public func drain() -> [Element] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        let rest = Array(items[head...])
        items.removeAll(keepingCapacity: false)
        head = 0
        return rest
    }
}

/// Signals handled by a dedicated thread through sigwait(3).
public enum SignalWaiter {
    /// Blocks `signals` for this thread and every thread started after it.
    public static func block(_ signals: [Int32]) {
        signals.withUnsafeBufferPointer { _ = sw_block_signals($0.baseAddress, Int32($0.count)) }
    }

    public static func wait(_ signals: [Int32]) -> Int32 {
        signals.withUnsafeBufferPointer { sw_wait_signals($0.baseAddress, Int32($0.count)) }
    }

    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }
}

/// Monotonic clock in nanoseconds.
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Wall clock as (seconds, nanoseconds) since the epoch.
public func wallClock() -> (seconds: Int, nanoseconds: Int) {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return (ts.tv_sec, ts.tv_nsec)
}
