import Glibc

/// An anonymous file on disk: created unlinked (`O_TMPFILE`, or a unique
/// name removed at once where the file system lacks it), written in order,
/// then sent whole to a socket with sendfile(2). Nothing is left behind when
/// the process dies. The owner closes it once.
public struct SpoolFile: Sendable {
    public let descriptor: FileDescriptor
    /// Bytes written so far.
    public private(set) var size: UInt64 = 0
    /// Run once when the file is closed (or, failing that, when the last
    /// copy of it is gone): what the file holds is given back (`SpoolBudget`).
    public var onClose: OnceAction?

    public static func create(in directory: String) throws(SystemError) -> SpoolFile {
        var fd = open(directory, 0o20200000 | O_RDWR | O_CLOEXEC, mode_t(0o600)) // O_TMPFILE (__O_TMPFILE | O_DIRECTORY), not in Glibc's Swift overlay
        if fd < 0 {
            guard errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL else {
                throw SystemError.last("open \(directory) (O_TMPFILE)")
            }
            var template = Array((directory + "/sockwarden-spool.XXXXXX").utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            if fd < 0 { throw SystemError.last("mkstemp in \(directory)") }
            _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        }
        return SpoolFile(descriptor: FileDescriptor(rawValue: fd))
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        try descriptor.writeAll(bytes, socket: false)
        size += UInt64(bytes.count)
    }

    /// Sends the whole file to `socket`. On a socket with a send timeout
    /// (SO_SNDTIMEO), `stop()` is asked whenever a send waits that long
    /// whether to give up (ECONNABORTED).
    public func send(to socket: FileDescriptor, stoppingWhen stop: () -> Bool = { false }) throws(SystemError) {
        var offset = off_t(0)
        while UInt64(offset) < size {
            let left = size - UInt64(offset)
            let n = sendfile(socket.rawValue, descriptor.rawValue, &offset, Int(min(left, 1 << 30)))
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    if stop() { throw SystemError("sendfile", code: ECONNABORTED) }
                    continue
                }
                throw SystemError.last("sendfile")
            }
            if n == 0 { throw SystemError("sendfile", code: EIO) }
        }
    }

    /// Up to `count` bytes from `offset` (fewer at the end; empty past it).
    public func read(at offset: UInt64, count: Int) throws(SystemError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { raw in
                pread(descriptor.rawValue, raw.baseAddress! + got, count - got, off_t(offset) + off_t(got))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.last("pread")
            }
            if n == 0 { break }
            got += n
        }
        out.removeSubrange(got...)
        return out
    }

    public func close() {
        descriptor.close()
        onClose?.run()
    }
}

/// An action run once: by `run()`, or when the object goes away without it.
public final class OnceAction: @unchecked Sendable {
    private let action: @Sendable () -> Void
    private let ran = Locked(false)

    public init(_ action: @escaping @Sendable () -> Void) { self.action = action }

    public func run() {
        let first = ran.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { action() }
    }

    deinit { run() }
}
