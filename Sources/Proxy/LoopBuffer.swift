/// Bytes received on one socket and not used yet: a window over raw memory
/// that is borrowed from the loop's `BufferPool` while it holds bytes and
/// given back when it is empty, so an idle connection holds no buffer.
/// Owned by the loop thread.
struct LoopBuffer {
    /// What a request holds before it counts against `--max-request-memory`.
    static var uncountedBytes: Int { BufferPool.defaultSize }
    private var storage: UnsafeMutableRawBufferPointer?
    private(set) var start = 0
    private(set) var end = 0
    /// Bytes of `storage` beyond the pool's size, taken from `chargedTo`.
    private var charged = 0
    private var chargedTo: RequestMemory?
    /// Growing was refused by the `RequestMemory` passed to `space`.
    private(set) var overBudget = false

    var count: Int { end - start }
    var isEmpty: Bool { start == end }
    var hasStorage: Bool { storage != nil }

    func withAvailable<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let storage else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(rebasing: storage[start..<end]))
    }

    /// The same bytes, to be changed in place (a response head's field value).
    func withAvailableMutable<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        guard let storage else { return try body(UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeMutableRawBufferPointer(rebasing: storage[start..<end]))
    }

    func bytes() -> [UInt8] { withAvailable { Array($0) } }

    mutating func consume(_ n: Int) {
        precondition(n <= count)
        start += n
        if start == end {
            start = 0
            end = 0
        }
    }

    /// Room to read into, growing up to `limit` bytes in all (moving the
    /// bytes to the front first); nil when `limit` bytes are buffered, or
    /// when growing past the pool's size would take more of `memory` than
    /// it has left (then `overBudget` is set and stays set).
    mutating func space(_ pool: BufferPool, limit: Int, memory: RequestMemory? = nil) -> UnsafeMutableRawBufferPointer? {
        if count >= limit { return nil }
        guard let current = storage else {
            let fresh = pool.take()
            storage = fresh
            return UnsafeMutableRawBufferPointer(rebasing: fresh[0..<min(fresh.count, limit)])
        }
        if end == current.count {
            if start > 0 {
                current.baseAddress!.copyMemory(from: current.baseAddress! + start, byteCount: end - start)
                end -= start
                start = 0
            } else {
                let size = min(current.count * 2, max(limit, current.count))
                if let memory {
                    guard !overBudget, memory.take(size - pool.size - charged) == .taken else {
                        overBudget = true
                        return nil
                    }
                    charged = size - pool.size
                    chargedTo = memory
                }
                let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
                grown.baseAddress!.copyMemory(from: current.baseAddress!, byteCount: end)
                pool.give(current)
                storage = grown
            }
        }
        let room = min(storage!.count, start + limit) - end
        return room > 0 ? UnsafeMutableRawBufferPointer(rebasing: storage![end..<(end + room)]) : nil
    }

    /// `n` bytes were read into the last `space`.
    mutating func commit(_ n: Int) { end += n }

    /// Gives the memory back when no bytes are held.
    mutating func releaseIfEmpty(_ pool: BufferPool) {
        guard isEmpty, let storage else { return }
        pool.give(storage)
        self.storage = nil
        chargedTo?.give(charged)
        charged = 0
        chargedTo = nil
    }

    /// Gives the memory back, dropping whatever it held.
    mutating func release(_ pool: BufferPool) {
        start = 0
        end = 0
        releaseIfEmpty(pool)
    }
}

/// Read buffers of one size, reused between the connections of one loop.
/// Keeps at most `keep` free; others (and grown buffers) are freed.
final class BufferPool {
    /// The size of a pool's buffers: what a request may hold before it
    /// counts against `--max-request-memory`.
    static let defaultSize = 64 * 1024

    let size: Int
    let keep: Int
    private var free: [UnsafeMutableRawBufferPointer] = []

    init(size: Int = BufferPool.defaultSize, keep: Int = 32) {
        self.size = size
        self.keep = keep
    }

    deinit { for buffer in free { buffer.deallocate() } }

    var freeCount: Int { free.count }

    func take() -> UnsafeMutableRawBufferPointer {
        free.popLast() ?? .allocate(byteCount: size, alignment: 16)
    }

    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        if buffer.count == size && free.count < keep {
            free.append(buffer)
        } else {
            buffer.deallocate()
        }
    }
}
