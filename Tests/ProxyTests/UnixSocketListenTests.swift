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
        defer { listener.close(); unlink(path); rmdir(dir) }
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

    @Test("a staging name is used only where it fits a socket address")
    func stagingFits() {
        #expect(UnixSocket.stagingPath(for: "/run/sockwarden/ci.sock")?.hasPrefix("/run/sockwarden/.sw-") == true)
        let long = "/" + String(repeating: "d", count: 100) + "/ci.sock"
        #expect(UnixSocket.stagingPath(for: long) == nil)
    }
}
