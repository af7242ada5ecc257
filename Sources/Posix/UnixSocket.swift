import CShims
import Glibc
import Synchronization

/// Credentials of the process at the other end of an AF_UNIX socket (SO_PEERCRED).
public struct PeerCredentials: Sendable, Equatable {
    public let pid: Int32
    public let uid: UInt32
    public let gid: UInt32
    /// Its supplementary groups at connect (SO_PEERGROUPS), when asked for.
    public let groups: [UInt32]

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Whether the peer is in group `gid`: its primary group or one of its
    /// supplementary groups (read only when asked for).
    public func isInGroup(_ gid: UInt32) -> Bool {
        self.gid == gid || groups.contains(gid)
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
    /// appeared at `path` meanwhile).
    /// The backlog is the kernel's maximum (`net.core.somaxconn`, 4096 by
    /// default): a burst of CI clients connecting while the accept thread is
    /// busy waits in it instead of failing with EAGAIN.
    public static func listen(path: String, mode: UInt32, group: UInt32?, backlog: Int32 = 4096) throws(SystemError) -> StagedListener {
        let staged = try listenStaged(path: path, mode: mode, group: group, backlog: backlog)
        try staged.publish()
        return staged
    }

    /// Like `listen`, but leaves the socket under its temporary name until
    /// `publish()`: a program with several sockets publishes the one its
    /// clients wait for last, so that one appearing means all are up.
    ///
    /// The socket's directory is opened once, before the bind, and every name
    /// in it is made, linked and removed through that descriptor
    /// (`PinnedDirectory`): whoever can write a directory on the way (a
    /// runner naming a job's `--socket`) may point the path elsewhere later,
    /// and `job close` removed the socket by its path, so root deleted any
    /// file of that name where the path then led (found 2026-12-02, session
    /// 23). The node is changed through a descriptor of itself, never by the
    /// path: a symlink put there between the bind and a chmod by path would
    /// have changed the file it points to (found 2026-12-02: a root-owned 0600
    /// file made 0660). A node that is not a socket is refused.
    public static func listenStaged(path: String, mode: UInt32, group: UInt32?, backlog: Int32 = 4096) throws(SystemError) -> StagedListener {
        guard path.utf8.count <= 107 else { throw SystemError("bind \(path)", code: ENAMETOOLONG) }
        let (directoryPath, name) = split(path)
        let directory = try PinnedDirectory(directoryPath)
        let staging = stagingName()
        let fd = try retryingEINTR("socket") { sw_unix_stream_socket() }
        let old = umask(0o177)
        let bound = sw_unix_bind(fd, directory.address(of: staging))
        let bindError = sw_errno()
        umask(old)
        if bound != 0 {
            Glibc.close(fd)
            throw SystemError("bind", code: bindError)
        }
        func fail(_ call: String) -> SystemError {
            let error = SystemError.last(call)
            Glibc.close(fd)
            unlinkat(directory.fd, staging, 0)
            return error
        }
        let node = openat(directory.fd, staging, 0o10000000 /* O_PATH */ | O_NOFOLLOW | O_CLOEXEC)
        if node < 0 { throw fail("open \(path)'s staging name (O_PATH)") }
        defer { Glibc.close(node) }
        // The node bind made is this process's, 0600 (the umask) and has one name. Whoever can
        // write the directory could rename a hard link to another socket (one it may use, such as
        // the main socket) over the staging name before the open: the chown and chmod below
        // changed that socket (found 2026-12-02, session 23, by a review).
        var st = stat()
        guard fstat(node, &st) == 0, st.st_mode & S_IFMT == S_IFSOCK, st.st_uid == geteuid(), st.st_nlink == 1,
              st.st_mode & 0o7777 == 0o600 else {
            let error = SystemError("bind \(path): the staging name was replaced by something other than the socket just made", code: EEXIST)
            Glibc.close(fd)
            throw error
        }
        if let group, fchownat(node, "", UInt32.max, group, 0x1000 /* AT_EMPTY_PATH */) != 0 { throw fail("chown") }
        if chmod("/proc/self/fd/\(node)", mode_t(mode)) != 0 { throw fail("chmod") }
        if Glibc.listen(fd, backlog) != 0 { throw fail("listen") }
        return StagedListener(descriptor: FileDescriptor(rawValue: fd), path: path, directory: directory, name: name,
                              staging: staging, node: NodeIdentity(st))
    }

    /// A path's directory ("." for a bare name, "/" for one at the root) and last name.
    static func split(_ path: String) -> (directory: String, name: String) {
        let bytes = Array(path.utf8)
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return (".", path) }
        let directory = slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
        return (directory, String(decoding: bytes[(slash + 1)...], as: UTF8.self))
    }

    private static let stagingCounter = Atomic<Int>(0)

    /// A name beside the socket for it while it is being set up.
    static func stagingName() -> String {
        let counter = stagingCounter.add(1, ordering: .relaxed).newValue
        return ".sw-\(getpid())-\(counter).sock"
    }

    /// Removes a stale socket file at `path` (nobody accepts on it), checked
    /// and removed through its directory opened once, so that a directory
    /// on the way re-pointed in between cannot make it remove another
    /// directory's socket (a live daemon's). Returns what was there: a
    /// `.staleSocket` is gone now.
    /// `ifStill`: only that socket (one serve made before it restarted):
    /// another stale socket the path leads to now is left, and reported as live.
    public static func removeStale(path: String, ifStill expected: NodeIdentity? = nil) -> PathState {
        let (directoryPath, name) = split(path)
        guard let directory = try? PinnedDirectory(directoryPath) else { return probe(path: path) }
        var st = stat()
        if fstatat(directory.fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 { return .absent }
        if (st.st_mode & S_IFMT) != S_IFSOCK { return .notASocket }
        if let expected, NodeIdentity(st) != expected { return .liveSocket }
        let address = directory.address(of: name)
        // Checked through the pinned directory when its name fits an address; otherwise by the path.
        let state = address.utf8.count <= 107 ? probeSocket(address) : probe(path: path)
        if state == .staleSocket { directory.remove(name, ifStill: NodeIdentity(st)) }
        return state
    }

    private static func probeSocket(_ address: String) -> PathState {
        do {
            let fd = try connect(path: address)
            fd.close()
            return .liveSocket
        } catch {
            return error.code == ECONNREFUSED ? .staleSocket : .liveSocket
        }
    }

    /// accept4(2) with SOCK_CLOEXEC.
    public static func accept(_ listener: FileDescriptor) throws(SystemError) -> FileDescriptor {
        FileDescriptor(rawValue: try retryingEINTR("accept4") { sw_accept_cloexec(listener.rawValue) })
    }

    /// `withGroups`: its supplementary groups too (none when they cannot be
    /// read: the kernel will not say).
    public static func peerCredentials(_ fd: FileDescriptor, withGroups: Bool = false) -> PeerCredentials? {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
        guard sw_peer_credentials(fd.rawValue, &pid, &uid, &gid) == 0 else { return nil }
        guard withGroups else { return PeerCredentials(pid: pid, uid: uid, gid: gid) }
        // Few processes have more than 256 groups; NGROUPS_MAX is 65536.
        for room in [256, 65536] {
            var buffer = [UInt32](repeating: 0, count: room)
            let count = buffer.withUnsafeMutableBufferPointer { sw_peer_groups(fd.rawValue, $0.baseAddress, Int32($0.count)) }
            if count >= 0 { return PeerCredentials(pid: pid, uid: uid, gid: gid, groups: Array(buffer.prefix(Int(count)))) }
            if sw_errno() != ERANGE { break }
        }
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
        return probeSocket(path)
    }
}

/// Which file a name was (device and inode).
public struct NodeIdentity: Equatable, Sendable {
    public let device: UInt64
    public let inode: UInt64

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// `device:inode`, as kept in a job's state file.
    public var text: String { "\(device):\(inode)" }

    public init?(text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let d = UInt64(parts[0]), let i = UInt64(parts[1]) else { return nil }
        self.init(device: d, inode: i)
    }
}

/// A directory opened once (`O_PATH`), so names are made, linked and removed
/// in that directory whatever its path leads to later.
public final class PinnedDirectory: Sendable {
    let fd: Int32

    init(_ path: String) throws(SystemError) {
        let fd = open(path, 0o10000000 /* O_PATH */ | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SystemError.last("open \(path)") }
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    /// A socket address of `name` in this directory, through /proc.
    func address(of name: String) -> String { "/proc/self/fd/\(fd)/\(name)" }

    /// Removes `name` if it is still the file `node` (a hard link or symlink
    /// put in its place, or another file, stays).
    @discardableResult
    func remove(_ name: String, ifStill node: NodeIdentity) -> Bool {
        var st = stat()
        guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, NodeIdentity(st) == node else { return false }
        return unlinkat(fd, name, 0) == 0
    }
}

/// A listening socket not yet at its path (see `UnixSocket.listenStaged`).
public struct StagedListener: Sendable {
    public let descriptor: FileDescriptor
    public let path: String
    let directory: PinnedDirectory
    let name: String
    /// The temporary name in `directory`.
    let staging: String
    public let node: NodeIdentity

    /// Links the socket to its path (`link` fails rather than replace a file
    /// that appeared there meanwhile). On failure the socket is closed and the
    /// temporary name removed.
    public func publish() throws(SystemError) {
        if linkat(directory.fd, staging, directory.fd, name, 0) != 0 {
            let error = SystemError.last("link")
            descriptor.close()
            directory.remove(staging, ifStill: node)
            throw error
        }
        directory.remove(staging, ifStill: node)
    }

    /// Removes the temporary name of a socket never published.
    public func discard() {
        directory.remove(staging, ifStill: node)
    }

    /// Removes the published socket's name from the directory it was made in,
    /// if that name is still this socket.
    public func remove() {
        directory.remove(name, ifStill: node)
    }
}
