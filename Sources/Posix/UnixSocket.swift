import CShims
import Glibc
import Synchronization

/// Credentials of the process at the other end of an AF_UNIX socket (SO_PEERCRED).
public struct PeerCredentials: Sendable, Equatable {
    public let pid: Int32
    public let uid: UInt32
    public let gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}

public enum UnixSocket {
    /// Connects to a listening AF_UNIX stream socket.
    /// A Unix connect waits while the listener's accept queue is full.
    /// `nonBlocking`: it does not (EAGAIN at once), and the socket stays
    /// non-blocking. `timeoutMilliseconds` > 0 bounds the wait (then EAGAIN);
    /// 0: wait as long as it takes.
    public static func connect(path: String, nonBlocking: Bool = false, timeoutMilliseconds: Int = 0) throws(SystemError) -> FileDescriptor {
        let fd = try retryingEINTR("socket") { sw_unix_stream_socket() }
        let socket = FileDescriptor(rawValue: fd)
        if nonBlocking { socket.setNonBlocking(true) }
        if timeoutMilliseconds > 0 { socket.setSendTimeout(milliseconds: timeoutMilliseconds) }
        if sw_unix_connect(fd, path) != 0 {
            let error = SystemError.last("connect")
            Glibc.close(fd)
            throw error
        }
        if timeoutMilliseconds > 0 { socket.setSendTimeout(milliseconds: 0) }
        return socket
    }

    /// Creates, binds and listens. The file is created under a restrictive umask
    /// and then given `mode`, so it is never more open than asked, not even briefly.
    /// It is made under a temporary name in the same directory and linked to
    /// `path` only once it has its owner and mode and listens, so a client
    /// that connects as soon as `path` appears is neither refused for the mode
    /// nor for the backlog (`link` fails rather than replace a file that
    /// appeared at `path` meanwhile). Where the temporary name would not fit a
    /// socket address, `path` is bound directly.
    /// The backlog is the kernel's maximum (`net.core.somaxconn`, 4096 by
    /// default): a burst of CI clients connecting while the accept thread is
    /// busy waits in it instead of failing with EAGAIN.
    public static func listen(path: String, mode: UInt32, group: UInt32?, backlog: Int32 = 4096) throws(SystemError) -> FileDescriptor {
        let staged = try listenStaged(path: path, mode: mode, group: group, backlog: backlog)
        try staged.publish()
        return staged.descriptor
    }

    /// Like `listen`, but leaves the socket under its temporary name until
    /// `publish()`: a program with several sockets publishes the one its
    /// clients wait for last, so that one appearing means all are up.
    public static func listenStaged(path: String, mode: UInt32, group: UInt32?, backlog: Int32 = 4096) throws(SystemError) -> StagedListener {
        let staging = stagingPath(for: path)
        let made = staging ?? path
        let fd = try retryingEINTR("socket") { sw_unix_stream_socket() }
        let old = umask(0o177)
        let bound = sw_unix_bind(fd, made)
        let bindError = sw_errno()
        umask(old)
        if bound != 0 {
            Glibc.close(fd)
            throw SystemError("bind", code: bindError)
        }
        func fail(_ call: String) -> SystemError {
            let error = SystemError.last(call)
            Glibc.close(fd)
            unlink(made)
            return error
        }
        // The node is changed through a descriptor of what `made` names now, never by the path:
        // whoever can write the directory could put a symlink there between the bind and a
        // chmod by path, which would then change the file it points to (found 2026-12-02: a
        // root-owned 0600 file made 0660). A node that is not a socket is refused.
        let node = open(made, 0o10000000 /* O_PATH */ | O_NOFOLLOW | O_CLOEXEC)
        if node < 0 { throw fail("open \(made) (O_PATH)") }
        defer { Glibc.close(node) }
        var st = stat()
        guard fstat(node, &st) == 0, st.st_mode & S_IFMT == S_IFSOCK else {
            let error = SystemError("bind \(made): the path was replaced by something other than the socket", code: EEXIST)
            Glibc.close(fd)
            throw error
        }
        if let group, fchownat(node, "", UInt32.max, group, 0x1000 /* AT_EMPTY_PATH */) != 0 { throw fail("chown") }
        if chmod("/proc/self/fd/\(node)", mode_t(mode)) != 0 { throw fail("chmod") }
        if Glibc.listen(fd, backlog) != 0 { throw fail("listen") }
        return StagedListener(descriptor: FileDescriptor(rawValue: fd), path: path, staging: staging)
    }

    private static let stagingCounter = Atomic<Int>(0)

    /// A name beside `path` for the socket while it is being set up, or nil
    /// when it would not fit `sun_path` (107 bytes and a NUL).
    static func stagingPath(for path: String) -> String? {
        let bytes = Array(path.utf8)
        let directory = bytes.lastIndex(of: UInt8(ascii: "/")).map { String(decoding: bytes[...$0], as: UTF8.self) } ?? ""
        let counter = stagingCounter.add(1, ordering: .relaxed).newValue
        let staging = "\(directory).sw-\(getpid())-\(counter).sock"
        return staging.utf8.count <= 107 ? staging : nil
    }

    /// accept4(2) with SOCK_CLOEXEC.
    public static func accept(_ listener: FileDescriptor) throws(SystemError) -> FileDescriptor {
        FileDescriptor(rawValue: try retryingEINTR("accept4") { sw_accept_cloexec(listener.rawValue) })
    }

    public static func peerCredentials(_ fd: FileDescriptor) -> PeerCredentials? {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
        guard sw_peer_credentials(fd.rawValue, &pid, &uid, &gid) == 0 else { return nil }
        return PeerCredentials(pid: pid, uid: uid, gid: gid)
    }

    /// What is at `path` now, for deciding whether a listener may take it over.
    public enum PathState: Equatable, Sendable {
        case absent
        case staleSocket      // a socket file nobody answers on
        case liveSocket       // a process accepts connections on it
        case notASocket
    }

    public static func probe(path: String) -> PathState {
        var st = stat()
        if lstat(path, &st) != 0 { return .absent }
        if (st.st_mode & S_IFMT) != S_IFSOCK { return .notASocket }
        do {
            let fd = try connect(path: path)
            fd.close()
            return .liveSocket
        } catch {
            return error.code == ECONNREFUSED ? .staleSocket : .liveSocket
        }
    }
}

/// A listening socket not yet at its path (see `UnixSocket.listenStaged`).
public struct StagedListener: Sendable {
    public let descriptor: FileDescriptor
    public let path: String
    /// The temporary name, or nil when the socket was bound at `path` itself.
    let staging: String?

    /// Links the socket to its path (`link` fails rather than replace a file
    /// that appeared there meanwhile). On failure the socket is closed and the
    /// temporary name removed.
    public func publish() throws(SystemError) {
        guard let staging else { return }
        if link(staging, path) != 0 {
            let error = SystemError.last("link")
            descriptor.close()
            unlink(staging)
            throw error
        }
        unlink(staging)
    }

    /// Removes the temporary name of a socket never published.
    public func discard() {
        if let staging { unlink(staging) }
    }
}
