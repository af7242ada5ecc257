import CShims
import Glibc

/// An epoll instance (level-triggered) whose registrations carry a 64-bit token.
public struct Epoll: Sendable {
    public let fd: Int32

    public static let readable: UInt32 = 0x001   // EPOLLIN
    public static let writable: UInt32 = 0x004   // EPOLLOUT
    public static let error: UInt32 = 0x008      // EPOLLERR
    public static let hangup: UInt32 = 0x010     // EPOLLHUP

    public init() throws(SystemError) {
        let fd = sw_epoll_create()
        if fd < 0 { throw SystemError.last("epoll_create1") }
        self.fd = fd
    }

    public func add(_ target: FileDescriptor, events: UInt32, token: UInt64) throws(SystemError) {
        if sw_epoll_ctl(fd, 1 /* EPOLL_CTL_ADD */, target.rawValue, events, token) != 0 { throw SystemError.last("epoll_ctl") }
    }

    public func modify(_ target: FileDescriptor, events: UInt32, token: UInt64) {
        _ = sw_epoll_ctl(fd, 3 /* EPOLL_CTL_MOD */, target.rawValue, events, token)
    }

    public func remove(_ target: FileDescriptor) {
        _ = sw_epoll_ctl(fd, 2 /* EPOLL_CTL_DEL */, target.rawValue, 0, 0)
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever); fills the buffers and
    /// returns how many registrations are ready (0 on timeout or EINTR).
    public func wait(tokens: UnsafeMutablePointer<UInt64>, events: UnsafeMutablePointer<UInt32>, max: Int,
                     timeoutMilliseconds: Int32) -> Int {
        let n = tokens.withMemoryRebound(to: CUnsignedLongLong.self, capacity: max) { t in
            sw_epoll_wait(fd, t, events, Int32(max), timeoutMilliseconds)
        }
        return n < 0 ? 0 : Int(n)
    }
}

/// The outcome of one non-blocking read or write.
public enum NonBlockingResult: Equatable, Sendable {
    case done(Int)
    case wouldBlock
    /// read(2) returned 0.
    case end
    case failed(SystemError)
}

extension FileDescriptor {
    public func setNonBlocking(_ on: Bool) {
        _ = sw_set_nonblocking(rawValue, on ? 1 : 0)
    }

    /// One read(2) on a non-blocking descriptor.
    public func readNonBlocking(into buffer: UnsafeMutableRawBufferPointer) -> NonBlockingResult {
        while true {
            let n = Glibc.read(rawValue, buffer.baseAddress, buffer.count)
            if n > 0 { return .done(n) }
            if n == 0 { return .end }
            let code = sw_errno()
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failed(SystemError("read", code: code))
        }
    }

    /// One send(2) (MSG_NOSIGNAL) on a non-blocking socket.
    public func sendNonBlocking(_ buffer: UnsafeRawBufferPointer) -> NonBlockingResult {
        while true {
            let n = sw_send(rawValue, buffer.baseAddress, buffer.count)
            if n >= 0 { return .done(n) }
            let code = sw_errno()
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failed(SystemError("send", code: code))
        }
    }
}

/// An eventfd for waking an epoll loop from another thread.
public struct EventFD: Sendable {
    public let fd: FileDescriptor

    public init() throws(SystemError) {
        let raw = sw_eventfd()
        if raw < 0 { throw SystemError.last("eventfd") }
        fd = FileDescriptor(rawValue: raw)
    }

    public func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(fd.rawValue, &one, 8)
    }

    public func reset() {
        var value: UInt64 = 0
        _ = Glibc.read(fd.rawValue, &value, 8)
    }
}
