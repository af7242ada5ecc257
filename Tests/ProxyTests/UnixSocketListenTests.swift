import Glibc
import Testing
@testable import Posix

/// A listening socket's path appears only once it is ready: with its mode,
/// listening, and with nothing left beside it.
@Suite("Listening sockets appear ready")
struct UnixSocketListenTests {
    static func privateDir() -> String {
        makeTemporaryDirectory("sw-listen")
    }

    static func entries(_ dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    @Test("the path has the asked mode and accepts connections, and no staging name is left", arguments: [0o660, 0o600, 0o666] as [UInt32])
    func appearsWithItsMode(_ mode: UInt32) throws {
        let dir = Self.privateDir()
        let path = dir + "/s.sock"
        let listener = try UnixSocket.listen(path: path, mode: mode, group: nil)
        defer { listener.descriptor.close(); unlink(path); rmdir(dir) }
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o7777 == mode_t(mode))
        #expect(st.st_mode & S_IFMT == S_IFSOCK)
        #expect(Self.entries(dir) == ["s.sock"])
        let client = try UnixSocket.connect(path: path)
        client.close()
    }

    @Test("a file that appeared at the path is not replaced")
    func doesNotReplace() throws {
        let dir = Self.privateDir()
        let path = dir + "/s.sock"
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        close(fd)
        defer { unlink(path); rmdir(dir) }
        #expect(throws: SystemError.self) { try UnixSocket.listen(path: path, mode: 0o660, group: nil) }
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG)
        #expect(Self.entries(dir) == ["s.sock"])
    }

    @Test("a staged socket stays off its path until published, and discarding it leaves nothing")
    func stagedUntilPublished() throws {
        let dir = Self.privateDir()
        let path = dir + "/s.sock"
        defer { unlink(path); rmdir(dir) }
        let published = try UnixSocket.listenStaged(path: path, mode: 0o660, group: nil)
        #expect(access(path, F_OK) != 0)
        #expect(Self.entries(dir).count == 1 && Self.entries(dir) != ["s.sock"])
        try published.publish()
        #expect(Self.entries(dir) == ["s.sock"])
        let client = try UnixSocket.connect(path: path)
        client.close()
        published.descriptor.close()
        unlink(path)

        let discarded = try UnixSocket.listenStaged(path: path, mode: 0o660, group: nil)
        discarded.discard()
        discarded.descriptor.close()
        #expect(Self.entries(dir).isEmpty)
    }

    @Test("a path longer than a socket address is refused, as bind refuses it")
    func tooLong() {
        let long = "/" + String(repeating: "d", count: 100) + "/ci.sock"
        #expect(throws: SystemError.self) { try UnixSocket.listen(path: long, mode: 0o660, group: nil) }
    }

    /// A directory `real` with the socket, reached through a symlink `d`
    /// that is then pointed at `victim`, where a file of the same name is.
    static func repointed() throws -> (dir: String, listener: StagedListener) {
        let dir = privateDir()
        mkdir(dir + "/real", 0o755)
        mkdir(dir + "/victim", 0o755)
        symlink(dir + "/real", dir + "/d")
        let listener = try UnixSocket.listen(path: dir + "/d/s.sock", mode: 0o660, group: nil)
        close(open(dir + "/victim/s.sock", O_WRONLY | O_CREAT, 0o600))
        unlink(dir + "/d")
        symlink(dir + "/victim", dir + "/d")
        return (dir, listener)
    }

    static func cleanUp(_ dir: String) {
        for name in ["real/s.sock", "victim/s.sock", "d"] { unlink(dir + "/" + name) }
        for name in ["real", "victim", ""] { rmdir(dir + "/" + name) }
    }

    @Test("removing a socket removes it from the directory it was made in, not where its path leads now")
    func removesInItsDirectory() throws {
        let (dir, listener) = try Self.repointed()
        defer { listener.descriptor.close(); Self.cleanUp(dir) }
        listener.remove()
        #expect(Self.entries(dir + "/real").isEmpty)
        #expect(Self.entries(dir + "/victim") == ["s.sock"])
    }

    @Test("a name that is no longer the socket is not removed")
    func keepsAReplacedName() throws {
        let dir = Self.privateDir()
        let path = dir + "/s.sock"
        let listener = try UnixSocket.listen(path: path, mode: 0o660, group: nil)
        defer { listener.descriptor.close(); unlink(path); rmdir(dir) }
        unlink(path)
        close(open(path, O_WRONLY | O_CREAT, 0o600))
        listener.remove()
        #expect(Self.entries(dir) == ["s.sock"])
    }

    @Test("a stale socket is removed; a live one and a file are kept")
    func removesOnlyStaleSockets() throws {
        let dir = Self.privateDir()
        defer { for name in ["stale.sock", "live.sock", "file"] { unlink(dir + "/" + name) }; rmdir(dir) }
        let stale = try UnixSocket.listen(path: dir + "/stale.sock", mode: 0o600, group: nil)
        stale.descriptor.close()
        let live = try UnixSocket.listen(path: dir + "/live.sock", mode: 0o600, group: nil)
        defer { live.descriptor.close() }
        close(open(dir + "/file", O_WRONLY | O_CREAT, 0o600))
        #expect(UnixSocket.removeStale(path: dir + "/stale.sock") == .staleSocket)
        #expect(UnixSocket.removeStale(path: dir + "/live.sock") == .liveSocket)
        #expect(UnixSocket.removeStale(path: dir + "/file") == .notASocket)
        #expect(UnixSocket.removeStale(path: dir + "/nothing.sock") == .absent)
        #expect(Set(Self.entries(dir)) == ["live.sock", "file"])
    }
}
