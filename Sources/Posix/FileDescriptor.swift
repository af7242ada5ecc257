import CShims
import Glibc

/// A raw file descriptor with the few operations the proxy needs.
/// Ownership: whoever created it closes it exactly once; the type does not
/// close on deinit, because connections share fds between two threads.
public struct FileDescriptor: Hashable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// read(2). Returns 0 at end of stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try retryingEINTR("read") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// send(2) with MSG_NOSIGNAL for sockets; write(2) otherwise. Writes everything.
    public func writeAll(_ buffer: UnsafeRawBufferPointer, socket: Bool = true) throws(SystemError) {
        var offset = 0
        while offset < buffer.count {
            let base = buffer.baseAddress! + offset
            let remaining = buffer.count - offset
            let n: Int
            if socket {
                n = try retryingEINTR("send") { sw_send(rawValue, base, remaining) }
            } else {
                n = try retryingEINTR("write") { Glibc.write(rawValue, base, remaining) }
            }
            offset += n
        }
    }

    public func writeAll(_ bytes: [UInt8], socket: Bool = true) throws(SystemError) {
        let result = bytes.withUnsafeBytes { raw -> SystemError? in
            do { try writeAll(raw, socket: socket); return nil } catch { return (error as? SystemError) ?? SystemError("send", code: EIO) }
        }
        if let result { throw result }
    }

    public func writeAll(_ bytes: ArraySlice<UInt8>, socket: Bool = true) throws(SystemError) {
        let result = bytes.withUnsafeBytes { raw -> SystemError? in
            do { try writeAll(raw, socket: socket); return nil } catch { return (error as? SystemError) ?? SystemError("send", code: EIO) }
        }
        if let result { throw result }
    }

    /// As `writeAll`, on a socket with a send timeout (SO_SNDTIMEO): each
    /// time a send waits that long, `stop()` says whether to give up
    /// (ECONNABORTED). For writes to a peer that may not read for a long
    /// time, on behalf of a client that may leave meanwhile.
    public func writeAll(_ buffer: UnsafeRawBufferPointer, stoppingWhen stop: () -> Bool) throws(SystemError) {
        var offset = 0
        while offset < buffer.count {
            let n = sw_send(rawValue, buffer.baseAddress! + offset, buffer.count - offset)
            if n >= 0 {
                offset += n
                continue
            }
            let code = sw_errno()
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else { throw SystemError("send", code: code) }
            if stop() { throw SystemError("send", code: ECONNABORTED) }
        }
    }

    public func writeAll(_ bytes: [UInt8], stoppingWhen stop: () -> Bool) throws(SystemError) {
        let result = bytes.withUnsafeBytes { raw -> SystemError? in
            do { try writeAll(raw, stoppingWhen: stop); return nil } catch { return (error as? SystemError) ?? SystemError("send", code: EIO) }
        }
        if let result { throw result }
    }

    /// shutdown(2). Errors (ENOTCONN after the peer left) are ignored.
    public func shutdown(reading: Bool, writing: Bool) {
        let how: Int32
        switch (reading, writing) {
        case (true, true): how = Int32(SHUT_RDWR)
        case (true, false): how = Int32(SHUT_RD)
        case (false, true): how = Int32(SHUT_WR)
        case (false, false): return
        }
        _ = Glibc.shutdown(rawValue, how)
    }

    /// The peer closed its end for good (POLLHUP or POLLERR: a Unix socket
    /// whose peer shut down writing only is not hung up). Does not wait.
    public var peerHungUp: Bool {
        var p = pollfd(fd: rawValue, events: 0, revents: 0)
        guard poll(&p, 1, 0) == 1 else { return false }
        return p.revents & Int16(POLLHUP | POLLERR) != 0
    }

    /// Blocks until the socket is shut down both ways: its peer closed it
    /// (or shut down its writing and this side its own), or this side shut
    /// it down (POLLHUP), or it failed (POLLERR).
    public func waitForHangUp() {
        var p = pollfd(fd: rawValue, events: 0, revents: 0)
        while poll(&p, 1, -1) < 0 && errno == EINTR {}
    }

    /// close(2), once. EINTR is not retried (Linux closes the fd regardless).
    public func close() {
        _ = Glibc.close(rawValue)
    }

    /// Sets SO_SNDTIMEO; zero clears it.
    public func setSendTimeout(milliseconds: Int) {
        var tv = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        _ = setsockopt(rawValue, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sets SO_RCVTIMEO; zero clears it.
    /// SO_RCVTIMEO set to what is left until `deadline` (monotonic
    /// nanoseconds), at least a millisecond; false when it has passed. For
    /// reads that must all be done by a deadline, however the bytes dribble.
    public func setReceiveTimeout(until deadline: UInt64) -> Bool {
        let now = monotonicNanoseconds()
        guard now < deadline else { return false }
        setReceiveTimeout(milliseconds: max(1, Int((deadline - now + 999_999) / 1_000_000)))
        return true
    }

    public func setReceiveTimeout(milliseconds: Int) {
        var tv = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        _ = setsockopt(rawValue, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
}
