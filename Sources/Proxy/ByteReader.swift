import Glibc
import Posix

/// A read buffer over one socket. Owned by exactly one thread.
final class ByteReader {
    let fd: FileDescriptor
    private var storage: UnsafeMutableRawBufferPointer
    private(set) var start = 0
    private(set) var end = 0
    /// Bytes read from the socket so far.
    private(set) var totalRead: UInt64 = 0

    /// The capacity it was made with. With `shrinksWhenEmpty`, storage
    /// grown past it (the event loop's hand-off of a whole request, a long
    /// head) is given back once every byte in it has been used, so an idle
    /// connection holds no more than this.
    let baseCapacity: Int
    let shrinksWhenEmpty: Bool
    /// Called once, when grown storage is given back (or with the reader).
    private var onShrink: (() -> Void)?

    var capacity: Int { storage.count }

    /// `initial`: bytes already received from `fd` (by the event loop), read first.
    init(fd: FileDescriptor, capacity: Int = 64 * 1024, initial: [UInt8] = [], shrinksWhenEmpty: Bool = false) {
        self.fd = fd
        self.baseCapacity = capacity
        self.shrinksWhenEmpty = shrinksWhenEmpty
        self.storage = .allocate(byteCount: max(capacity, initial.count), alignment: 16)
        if !initial.isEmpty {
            initial.withUnsafeBytes { storage.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            end = initial.count
        }
    }

    deinit {
        storage.deallocate()
        onShrink?()
    }

    /// Keeps `hold` (the `--max-request-memory` of the bytes this reader
    /// was made with) until the reader shrinks back to `baseCapacity`.
    func keep(_ hold: RequestMemory.Hold) {
        onShrink = { withExtendedLifetime(hold) {} }
    }

    var count: Int { end - start }
    var isEmpty: Bool { start == end }

    /// Reads more bytes; false at end of stream. Grows the buffer up to
    /// `limit` when it is full of unconsumed bytes.
    func fill(limit: Int = 1 << 20) throws(SystemError) -> Bool {
        if start == end {
            start = 0
            end = 0
            if shrinksWhenEmpty && storage.count > baseCapacity {
                storage.deallocate()
                storage = .allocate(byteCount: baseCapacity, alignment: 16)
                let shrunk = onShrink
                onShrink = nil
                shrunk?()
            }
        } else if end == storage.count {
            if start > 0 {
                storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: end - start)
                end -= start
                start = 0
            } else if storage.count < limit {
                let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: min(storage.count * 2, limit), alignment: 16)
                grown.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: end)
                storage.deallocate()
                storage = grown
            }
        }
        if end == storage.count { return true }  // full at the limit: caller decides
        let n = try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[end...]))
        if n == 0 { return false }
        end += n
        totalRead += UInt64(n)
        return true
    }

    /// As `fill`, but only until `deadline` (monotonic nanoseconds): past it,
    /// or when no byte comes before it, throws EAGAIN. An absolute deadline,
    /// so a client sending a byte now and then cannot stretch it. Leaves
    /// SO_RCVTIMEO set; the caller clears it when it stops timing.
    func fill(limit: Int = 1 << 20, before deadline: UInt64) throws(SystemError) -> Bool {
        guard fd.setReceiveTimeout(until: deadline) else { throw SystemError("read", code: EAGAIN) }
        return try fill(limit: limit)
    }

    func withAvailable<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[start..<end]))
    }

    /// The same bytes, to be changed in place (a response head's field value).
    func withAvailableMutable<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(rebasing: storage[start..<end]))
    }

    func consume(_ n: Int) {
        precondition(n <= end - start)
        start += n
    }

    /// Takes up to `max` buffered bytes out.
    func take(max: Int) -> UnsafeRawBufferPointer {
        let n = min(max, end - start)
        let slice = UnsafeRawBufferPointer(rebasing: storage[start..<(start + n)])
        start += n
        return slice
    }
}
