import CShims
import Glibc

/// Non-blocking sends on many sockets made with one system call (io_uring;
/// `send_batch.c`). Each send has the outcome one `sendNonBlocking` would
/// have had. Where io_uring is missing or refused (an old kernel, a seccomp
/// filter, `kernel.io_uring_disabled`), `open` fails and the caller sends one
/// by one. Owned by one thread.
public final class SendRing {
    private var ring: OpaquePointer?
    /// How many sends one `send` call takes at most.
    public let capacity: Int
    private var fds: [Int32]
    private var buffers: [UnsafeRawPointer?]
    private var lengths: [Int]
    private var results: [Int32]

    /// A send to make: `bytes` on `fd`.
    public struct Send {
        public let fd: FileDescriptor
        public let bytes: UnsafeRawBufferPointer
        public init(fd: FileDescriptor, bytes: UnsafeRawBufferPointer) {
            self.fd = fd
            self.bytes = bytes
        }
    }

    public static func open(entries: Int) throws(SystemError) -> SendRing {
        guard let ring = sw_send_ring_open(UInt32(entries)) else { throw SystemError.last("io_uring_setup") }
        return SendRing(ring: ring)
    }

    private init(ring: OpaquePointer) {
        self.ring = ring
        capacity = Int(sw_send_ring_capacity(ring))
        fds = Array(repeating: -1, count: capacity)
        buffers = Array(repeating: nil, count: capacity)
        lengths = Array(repeating: 0, count: capacity)
        results = Array(repeating: 0, count: capacity)
    }

    deinit { sw_send_ring_close(ring) }

    /// Tests only (`sw_send_ring_test_faults`): make the next batches go
    /// wrong as a kernel might, to exercise the fallback below.
    func injectFaults(submitLimit: Int, forceAsync: Bool) {
        if let ring { sw_send_ring_test_faults(ring, UInt32(submitLimit), forceAsync ? 1 : 0) }
    }

    /// False once the ring misbehaved (a send did not complete at once);
    /// the caller then sends one by one.
    public var usable: Bool { ring != nil }

    /// Makes up to `capacity` sends; `outcome(i, result)` gets each one's
    /// outcome, in order. The bytes are not read after this returns. A send
    /// the kernel did not take is made here with `sendNonBlocking`.
    public func send(_ sends: [Send], outcome: (Int, NonBlockingResult) -> Void) {
        precondition(sends.count <= capacity)
        guard let ring else {
            for (i, send) in sends.enumerated() { outcome(i, send.fd.sendNonBlocking(send.bytes)) }
            return
        }
        for (i, send) in sends.enumerated() {
            fds[i] = send.fd.rawValue
            buffers[i] = send.bytes.baseAddress
            lengths[i] = send.bytes.count
        }
        let status = fds.withUnsafeBufferPointer { f in
            buffers.withUnsafeBufferPointer { b in
                lengths.withUnsafeBufferPointer { l in
                    results.withUnsafeMutableBufferPointer { r in
                        sw_send_ring_send(ring, Int32(sends.count), f.baseAddress, b.baseAddress, l.baseAddress, r.baseAddress)
                    }
                }
            }
        }
        if status != 0 {
            // Cancelled, not taken, or the ring is broken: no more batches.
            sw_send_ring_close(ring)
            self.ring = nil
        }
        for (i, send) in sends.enumerated() {
            let result = results[i]
            if status < 0 || result == -ECANCELED {
                outcome(i, send.fd.sendNonBlocking(send.bytes))
            } else if result >= 0 {
                outcome(i, .done(Int(result)))
            } else if result == -EAGAIN || result == -EWOULDBLOCK {
                outcome(i, .wouldBlock)
            } else if result == -EINTR {
                outcome(i, send.fd.sendNonBlocking(send.bytes))
            } else {
                outcome(i, .failed(SystemError("send", code: -result)))
            }
        }
    }
}
