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

    /// A request thread whose client's stdin into a taken-over stream has
    /// ended watches the client until it is gone for good or the stream is
    /// over (`watchClientUntilTheStreamEnds`): `waitForHangUp` must return
    /// for exactly those, and not for a half-closed client that still reads
    /// the daemon's output.
    enum HijackEnd: String, CaseIterable, Sendable {
        case clientHalfClosedStillReading, clientClosed, clientClosedWithOutputUnread
        case streamOverThisSideShutBothWays, clientHalfClosedAndOutputOver
    }

    static let hijackEndCases: [(HijackEnd, wakes: Bool)] = [
        (.clientHalfClosedStillReading, false), (.clientClosed, true), (.clientClosedWithOutputUnread, true),
        (.streamOverThisSideShutBothWays, true), (.clientHalfClosedAndOutputOver, true),
    ]

    @Test(arguments: hijackEndCases) func theWatchOnAHijackedClientEndsWhenItIsGoneOrTheStreamIsOver(_ c: (HijackEnd, wakes: Bool)) {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        let mine = FileDescriptor(rawValue: fds[0])
        let client = FileDescriptor(rawValue: fds[1])
        defer { mine.close() }
        client.shutdown(reading: false, writing: true)  // its stdin ended: the watch begins
        switch c.0 {
        case .clientHalfClosedStillReading: break
        case .clientClosed: client.close()
        case .clientClosedWithOutputUnread:
            _ = send(mine.rawValue, "y", 1, 0)
            client.close()
        case .streamOverThisSideShutBothWays: mine.shutdown(reading: true, writing: true)
        case .clientHalfClosedAndOutputOver: mine.shutdown(reading: false, writing: true)
        }
        #expect(mine.peerHungUp == c.wakes, "\(c.0)")
        if c.wakes && mine.peerHungUp { mine.waitForHangUp() }  // the same condition, waited for: returns at once
        if !c.wakes || c.0 == .streamOverThisSideShutBothWays || c.0 == .clientHalfClosedAndOutputOver { client.close() }
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

    /// A write to a peer that does not read (a daemon busy streaming a quiet
    /// answer) asks, each time its send timeout passes, whether to give up;
    /// it gives up when told, and finishes when the peer reads after all.
    enum Sender: String, CaseIterable, Sendable { case send, sendfile }
    static let writeCases: [(Sender, peerReads: Bool)] = [
        (.send, false), (.send, true), (.sendfile, false), (.sendfile, true),
    ]

    @Test(arguments: writeCases) func aWriteToAPeerThatDoesNotReadAsksWhetherToGiveUp(_ c: (Sender, peerReads: Bool)) throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        let mine = FileDescriptor(rawValue: fds[0])
        let peer = FileDescriptor(rawValue: fds[1])
        defer { mine.close(); peer.close() }
        mine.setSendTimeout(milliseconds: 20)
        let bytes = [UInt8](repeating: 7, count: 4 << 20)
        let asked = Locked(0)
        let stop: () -> Bool = {
            let n = asked.withLock { $0 += 1; return $0 }
            return !c.peerReads && n >= 3
        }
        let reader = Locked(0)
        if c.peerReads {
            try spawnDetachedThread {
                usleep(100_000)  // the sender waits a few timeouts first
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while reader.withLock({ $0 }) < bytes.count {
                    let n = buffer.withUnsafeMutableBytes { Glibc.read(peer.rawValue, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    reader.withLock { $0 += n }
                }
            }
        }
        var failure: SystemError?
        do {
            switch c.0 {
            case .send:
                try mine.writeAll(bytes, stoppingWhen: stop)
            case .sendfile:
                var spool = try SpoolFile.create(in: "/tmp")
                defer { spool.descriptor.close() }
                let appended = bytes.withUnsafeBytes { raw in (try? spool.append(raw)) != nil }
                #expect(appended)
                try spool.send(to: mine, stoppingWhen: stop)
            }
        } catch {
            failure = error
        }
        if c.peerReads {  // let the reader finish before its socket is closed
            let end = monotonicNanoseconds() + 10_000_000_000
            while reader.withLock({ $0 }) < bytes.count && monotonicNanoseconds() < end { usleep(1000) }
        }
        #expect(asked.withLock { $0 } >= (c.peerReads ? 1 : 3), "the sender never asked")
        if c.peerReads {
            #expect(failure == nil, "\(String(describing: failure))")
        } else {
            #expect(failure?.code == ECONNABORTED, "\(String(describing: failure))")
        }
    }
}
