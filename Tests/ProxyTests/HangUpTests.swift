import Glibc
import Posix
import Testing
@testable import Proxy

/// What a thread that is not reading its client (it waits for a hijack
/// verdict) uses to notice the client is gone: `peerHungUp` on a Unix
/// socket, and a verdict wait that gives up now and then to look.
@Suite struct HangUpTests {
    enum PeerDoes: String, CaseIterable, Sendable {
        case nothing, sendsBytes, shutsDownWriting, closes, closesWithUnreadData
    }

    /// Only a peer gone for good is a hang-up: a half-closed client may still read its answers.
    static let cases: [(PeerDoes, Bool)] = [
        (.nothing, false), (.sendsBytes, false), (.shutsDownWriting, false), (.closes, true), (.closesWithUnreadData, true),
    ]

    @Test(arguments: cases) func hangUp(_ c: (PeerDoes, Bool)) {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        let mine = FileDescriptor(rawValue: fds[0])
        let peer = FileDescriptor(rawValue: fds[1])
        defer { mine.close() }
        switch c.0 {
        case .nothing: break
        case .sendsBytes: _ = send(peer.rawValue, "x", 1, 0)
        case .shutsDownWriting: peer.shutdown(reading: false, writing: true)
        case .closes: peer.close()
        case .closesWithUnreadData:
            _ = send(mine.rawValue, "y", 1, 0)
            peer.close()
        }
        #expect(mine.peerHungUp == c.1, "\(c.0)")
        if !c.1 { peer.close() }
    }

    @Test func aTimedPopGivesUpAndStillTakesWhatComes() {
        let queue = BlockingQueue<Bool>()
        let t0 = monotonicNanoseconds()
        #expect(queue.pop(timeoutMilliseconds: 50) == nil)
        #expect(monotonicNanoseconds() - t0 >= 40_000_000)
        queue.push(true)
        queue.push(false)
        #expect(queue.pop(timeoutMilliseconds: 0) == true)
        #expect(queue.pop(timeoutMilliseconds: 1000) == false)
        #expect(queue.pop(timeoutMilliseconds: 0) == nil)
    }
}
