import Glibc
import Posix
import Policy
import Testing
@testable import Proxy

/// Names that would make a look-up path other than the object's own are
/// never asked about: `/volumes/..` is `/`, and the daemon's answer for it
/// would be read as the volume's. The look-up's socket does not exist, so a
/// question that reached it would fail differently.
@Suite("Daemon look-ups refuse names that are no path component")
struct DaemonLookupTests {
    let lookup = DaemonLookup(upstreamPath: "/nonexistent/sockwarden-test.sock")

    @Test("a volume named . or .. cannot be judged", arguments: [".", ".."])
    func dotVolumes(_ name: String) {
        #expect(lookup.volume(name) == .unavailable("\"\(name)\" cannot be asked about"))
    }

    @Test("an ordinary name is asked about (and here the daemon cannot be reached)")
    func ordinaryName() {
        guard case .unavailable(let why) = lookup.volume("cache") else {
            Issue.record("expected the daemon to be unreachable")
            return
        }
        #expect(why.contains("cannot connect"), "\(why)")
    }
}

/// What the daemon said when it refused a look-up reaches the user: the
/// docker CLI prints the denial, and "the daemon answered 400" alone does
/// not say that a prefix was ambiguous.
@Suite("A failed look-up says what the daemon said")
struct DaemonLookupFailureTests {
    /// A one-shot daemon on a Unix socket that answers every request with `status` and `body`.
    static func daemon(status: String, body: String) throws -> (path: String, listener: FileDescriptor) {
        let path = "/tmp/sw-lookup-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listener = try UnixSocket.listen(path: path, mode: 0o600, group: nil).descriptor
        try spawnDetachedThread {
            while let client = try? UnixSocket.accept(listener) {
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = buffer.withUnsafeMutableBytes { Glibc.read(client.rawValue, $0.baseAddress, $0.count) }
                try? client.writeAll(Array("HTTP/1.0 \(status)\r\nContent-Type: application/json\r\n\r\n\(body)".utf8))
                client.close()
            }
            listener.close()  // shut down by the test: closed here, after the last accept
        }
        return (path, listener)
    }

    @Test("an ambiguous container prefix", arguments: [TargetReference.container("ab"), .exec("e")])
    func ambiguous(_ reference: TargetReference) throws {
        let daemon = try Self.daemon(status: "400 Bad Request", body: #"{"message":"multiple IDs found with provided prefix: ab"}"# + "\n")
        defer { daemon.listener.shutdown(reading: true, writing: true); unlink(daemon.path) }
        let lookup = DaemonLookup(upstreamPath: daemon.path)
        guard case .unavailable(let why) = lookup.targetContainer(reference) else {
            Issue.record("expected a failure")
            return
        }
        #expect(why == "the daemon answered 400: multiple IDs found with provided prefix: ab", "\(why)")
        guard case .unavailable(let network) = lookup.network("n"), case .unavailable(let volume) = lookup.volume("v") else {
            Issue.record("expected failures")
            return
        }
        #expect(network.contains("multiple IDs") && volume.contains("multiple IDs"), "\(network) / \(volume)")
    }

    @Test("an answer with no message is still named by its status")
    func noMessage() throws {
        let daemon = try Self.daemon(status: "500 Internal Server Error", body: "oops")
        defer { daemon.listener.shutdown(reading: true, writing: true); unlink(daemon.path) }
        #expect(DaemonLookup(upstreamPath: daemon.path).network("n") == .unavailable("the daemon answered 500"))
    }
}
