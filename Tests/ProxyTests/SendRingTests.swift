import Glibc
@testable import Posix
import Testing

/// `SendRing`: the event loop's batch of sends in one io_uring call. Each
/// send must have the outcome one `sendNonBlocking` would have had, and the
/// bytes must arrive as sent, on the socket named.
@Suite struct SendRingTests {
    /// What the peer of a socket in the batch is like when the batch is sent.
    enum Peer: String, CaseIterable, Sendable {
        /// Reads: the bytes arrive whole.
        case reads
        /// Its receive buffer is full: nothing fits (would block).
        case full
        /// Closed: the send fails with EPIPE, without a SIGPIPE.
        case closed
    }

    /// Where io_uring is missing or refused the loop sends one by one, and
    /// these tests are skipped (reported as such).
    static let ioUringAvailable = (try? SendRing.open(entries: 8)) != nil

    struct Pair {
        let mine: FileDescriptor
        let peer: FileDescriptor
    }

    static func pair() -> Pair {
        var fds: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        let pair = Pair(mine: FileDescriptor(rawValue: fds[0]), peer: FileDescriptor(rawValue: fds[1]))
        pair.mine.setNonBlocking(true)
        pair.peer.setNonBlocking(true)
        return pair
    }

    static func fill(_ fd: FileDescriptor) {
        let chunk = [UInt8](repeating: 0x61, count: 65536)
        while chunk.withUnsafeBytes({ fd.sendNonBlocking($0) }) != .wouldBlock {}
    }

    static func drain(_ fd: FileDescriptor) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while case .done(let n) = buffer.withUnsafeMutableBytes({ fd.readNonBlocking(into: $0) }) { out += buffer[0..<n] }
        return out
    }

    /// Every mix of peers in one batch: each send's outcome is its own.
    static let batches: [[Peer]] = [
        [.reads], [.reads, .reads, .reads], [.reads, .full, .reads], [.closed, .reads], [.full, .closed, .reads, .reads],
    ]

    @Test(.enabled(if: ioUringAvailable), arguments: batches)
    func eachSendOfABatchHasItsOwnOutcome(_ peers: [Peer]) throws {
        let ring = try SendRing.open(entries: 8)
        signal(SIGPIPE, SIG_IGN)  // a SIGPIPE would end the test process; the send must not raise one anyway
        let pairs = peers.map { _ in SendRingTests.pair() }
        // Each descriptor closed once: tests run in parallel, and a second
        // close would close whatever another test was given that number.
        defer {
            for (peer, p) in zip(peers, pairs) {
                p.mine.close()
                if peer != .closed { p.peer.close() }
            }
        }
        for (peer, p) in zip(peers, pairs) {
            switch peer {
            case .reads: break
            case .full: SendRingTests.fill(p.mine)
            case .closed: p.peer.close()
            }
        }
        let payloads = peers.indices.map { i in Array("GET /_ping HTTP/1.1\r\nHost: \(i)\r\n\r\n".utf8) }
        var outcomes = [NonBlockingResult?](repeating: nil, count: peers.count)
        let sends = zip(pairs, payloads).map { p, bytes in
            bytes.withUnsafeBytes { SendRing.Send(fd: p.mine, bytes: $0) }  // the arrays outlive the call
        }
        ring.send(sends) { i, result in outcomes[i] = result }
        for (i, peer) in peers.enumerated() {
            switch peer {
            case .reads:
                #expect(outcomes[i] == .done(payloads[i].count), "send \(i)")
                #expect(SendRingTests.drain(pairs[i].peer) == payloads[i], "send \(i)")
            case .full:
                #expect(outcomes[i] == .wouldBlock, "send \(i)")
            case .closed:
                #expect(outcomes[i] == .failed(SystemError("send", code: EPIPE)), "send \(i)")
            }
        }
        #expect(ring.usable)
    }

    /// When the kernel takes only part of a batch, or a send does not
    /// complete inside the call (both unexpected with MSG_DONTWAIT; forced
    /// here), every send is still made exactly once, in order on its
    /// socket: what the kernel did not make is made one by one, the ring is
    /// given up, and later batches are sent one by one.
    @Test(.enabled(if: ioUringAvailable), arguments: [(3, false), (1, false), (0, true), (2, true)])
    func aBatchTheKernelDoesNotCompleteIsFinishedOneByOne(_ fault: (submitLimit: Int, forceAsync: Bool)) throws {
        let ring = try SendRing.open(entries: 8)
        ring.injectFaults(submitLimit: fault.submitLimit, forceAsync: fault.forceAsync)
        let pairs = (0..<6).map { _ in SendRingTests.pair() }
        defer { for p in pairs { p.mine.close(); p.peer.close() } }
        let first = pairs.indices.map { i in Array("first \(i)\n".utf8) }
        let second = pairs.indices.map { i in Array("second \(i)\n".utf8) }
        for (round, payloads) in [first, second].enumerated() {
            var outcomes = [NonBlockingResult?](repeating: nil, count: pairs.count)
            let sends = zip(pairs, payloads).map { p, bytes in
                bytes.withUnsafeBytes { SendRing.Send(fd: p.mine, bytes: $0) }  // the arrays outlive the call
            }
            ring.send(sends) { i, result in outcomes[i] = result }
            #expect(outcomes == payloads.map { .done($0.count) }, "round \(round)")
            // A partial submission always gives the ring up; sends forced onto
            // the kernel's workers usually complete late, but may be done
            // before the ring looks (seen under load), and then nothing misbehaved.
            if fault.submitLimit > 0 {
                #expect(!ring.usable, "round \(round): a ring that misbehaved is given up")
            }
        }
        for (i, p) in pairs.enumerated() {
            #expect(SendRingTests.drain(p.peer) == first[i] + second[i], "socket \(i): each payload once, in order")
        }
    }

    /// More sends than one call takes are the caller's to split; the ring
    /// says how many it takes, and a full ring's worth goes in one call.
    @Test(.enabled(if: ioUringAvailable)) func aFullRingOfSendsGoesInOneCall() throws {
        let ring = try SendRing.open(entries: 8)
        let pairs = (0..<ring.capacity).map { _ in SendRingTests.pair() }
        defer { for p in pairs { p.mine.close(); p.peer.close() } }
        let payload = Array("x".utf8)
        var outcomes: [NonBlockingResult] = []
        payload.withUnsafeBytes { bytes in
            ring.send(pairs.map { SendRing.Send(fd: $0.mine, bytes: bytes) }) { _, result in outcomes.append(result) }
        }
        #expect(outcomes == Array(repeating: .done(1), count: ring.capacity))
        #expect(pairs.allSatisfy { SendRingTests.drain($0.peer) == payload })
    }
}
