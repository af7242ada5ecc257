import Glibc
import Policy
import Posix

/// How an event loop makes the sends of one batch of events
/// (`sockwarden serve --send-batching`).
public enum SendBatching: String, Sendable, CaseIterable {
    /// At the end of the batch, all in one io_uring system call; `plain`
    /// where io_uring is missing or refused.
    case ioUring = "io-uring"
    /// At the end of the batch, one send(2) each.
    case plain
    /// Each as soon as it is ready (before 2026-11-30; for comparison).
    case off
}

/// One thread and one epoll instance serving many `LoopConnection`s.
/// Other threads talk to it only through `adopt` and `drain`, which queue
/// work and wake it through an eventfd.
final class EventLoop: @unchecked Sendable {
    let context: ServerContext
    let epoll: Epoll
    private let wakeup: EventFD
    private let inbox = Locked(Inbox())
    /// Called on the loop thread when a connection ends (not on hand-off).
    let onClose: @Sendable (UInt64, PeerCredentials?) -> Void
    /// Called on the loop thread with a connection a thread must take over.
    let handOff: @Sendable (LoopHandOff) -> Void

    // Loop-thread state.
    private var slots: [LoopConnection?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int] = []
    /// Slots of connections with a head deadline or a request held back by its peer's rate.
    var timed = Set<Int>()
    let pool = BufferPool()
    let environment: LoopHostEnvironment
    private(set) var draining = false
    /// Connections with a send put off until the end of this batch of
    /// events (`deferSend`), and whether that batch's sends are under way.
    private var deferred: [LoopConnection] = []
    private(set) var flushing = false
    let sendBatching: SendBatching
    /// The batch's sends in one system call (nil: one send(2) each). Set
    /// up on the loop thread, the only one that submits to it.
    private var sendRing: SendRing?
    private var ringSends: [SendRing.Send] = []
    private var ringOwners: [LoopConnection] = []

    struct Inbox {
        var adopted: [(client: FileDescriptor, peer: PeerCredentials?, id: UInt64)] = []
        var drain = false
    }

    private static let wakeToken = UInt64.max

    init(context: ServerContext, sendBatching: SendBatching = .ioUring, onClose: @escaping @Sendable (UInt64, PeerCredentials?) -> Void,
         handOff: @escaping @Sendable (LoopHandOff) -> Void) throws(SystemError) {
        self.context = context
        self.epoll = try Epoll()
        self.wakeup = try EventFD()
        self.onClose = onClose
        self.handOff = handOff
        self.environment = LoopHostEnvironment(base: context.policyEnvironment)
        self.sendBatching = sendBatching
        try epoll.add(wakeup.fd, events: Epoll.readable, token: EventLoop.wakeToken)
    }

    func start() throws(SystemError) {
        try spawnDetachedThread(stackSize: 1 << 20, name: "sw-loop") { [self] in run() }
    }

    /// Any thread: the loop takes over an accepted, admitted client.
    func adopt(_ client: FileDescriptor, peer: PeerCredentials?, id: UInt64) {
        inbox.withLock { $0.adopted.append((client, peer, id)) }
        wakeup.signal()
    }

    /// Any thread: close idle connections now and the others once their
    /// exchange is over (SIGTERM).
    func drain() {
        inbox.withLock { $0.drain = true }
        wakeup.signal()
    }

    // MARK: - The loop thread

    private func run() {
        if sendBatching == .ioUring {
            do {
                sendRing = try SendRing.open(entries: 256)
                report("sockwarden: an event loop makes the sends of each batch of ready connections in one io_uring call")
            } catch {
                report("sockwarden: io_uring is not available (\(error)); an event loop makes its sends one by one (--send-batching plain)")
            }
        }
        let capacity = 256
        let tokens = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        let events = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        while true {
            let n = epoll.wait(tokens: tokens, events: events, max: capacity, timeoutMilliseconds: waitTimeout())
            for i in 0..<n {
                let token = tokens[i]
                if token == EventLoop.wakeToken {
                    takeInbox()
                    continue
                }
                let slot = Int(token >> 1 & 0x7fff_ffff)
                guard slot < slots.count, let connection = slots[slot], connection.token == token & ~1 else { continue }
                if token & 1 == 0 {
                    connection.clientEvent(events[i])
                } else {
                    connection.upstreamEvent(events[i])
                }
            }
            if !timed.isEmpty { expireHeads() }
            flushDeferred()
        }
    }

    /// A connection has bytes to send: they go out with the other sends of
    /// this batch of events, once every ready connection has been read and
    /// judged. On one CPU, a send that wakes the daemon or a client lets it
    /// preempt the loop; sends made back to back, after the batch's work, are
    /// preempted about once per batch rather than once per send (bench/README.md,
    /// "Sends at the end of a batch").
    var defersSends: Bool { sendBatching != .off && !flushing }

    func deferSend(_ connection: LoopConnection) {
        guard !connection.sendDeferred else { return }
        connection.sendDeferred = true
        deferred.append(connection)
    }

    private func flushDeferred() {
        guard !deferred.isEmpty else { return }
        flushing = true
        let batch = deferred
        deferred.removeAll(keepingCapacity: true)
        if let ring = sendRing {
            if ring.usable {
                sendAtOnce(batch, ring: ring)
            } else {
                report("sockwarden: io_uring did not complete a send at once; an event loop makes its sends one by one from now on")
                sendRing = nil
            }
        }
        for connection in batch { connection.sendDeferredBytes() }
        flushing = false
    }

    /// Makes the batch's sends in one system call; each connection then
    /// takes its send's outcome instead of sending (`batchedSend`).
    private func sendAtOnce(_ batch: [LoopConnection], ring: SendRing) {
        for connection in batch {
            guard let send = connection.pendingSend() else { continue }
            ringOwners.append(connection)
            ringSends.append(send)
            if ringSends.count == ring.capacity { sendRingful(ring) }
        }
        sendRingful(ring)
    }

    private func sendRingful(_ ring: SendRing) {
        guard !ringSends.isEmpty else { return }
        ring.send(ringSends) { i, result in ringOwners[i].batchedSend = result }
        ringSends.removeAll(keepingCapacity: true)
        ringOwners.removeAll(keepingCapacity: true)
    }

    private func waitTimeout() -> Int32 {
        guard !timed.isEmpty else { return -1 }
        let now = monotonicNanoseconds()
        var earliest = UInt64.max
        for slot in timed {
            guard let connection = slots[slot] else { continue }
            if connection.headDeadline != 0 { earliest = min(earliest, connection.headDeadline) }
            if connection.resumeAt != 0 { earliest = min(earliest, connection.resumeAt) }
        }
        if earliest == .max { return -1 }
        if earliest <= now { return 0 }
        return Int32(min((earliest - now + 999_999) / 1_000_000, 60_000))
    }

    private func expireHeads() {
        let now = monotonicNanoseconds()
        for slot in timed {
            guard let connection = slots[slot] else { continue }
            if connection.headDeadline != 0 && connection.headDeadline <= now { connection.headTimedOut() }
            if connection.resumeAt != 0 && connection.resumeAt <= now { connection.resume() }
        }
    }

    private func takeInbox() {
        wakeup.reset()
        let (adopted, drain) = inbox.withLock { box -> ([(client: FileDescriptor, peer: PeerCredentials?, id: UInt64)], Bool) in
            defer { box.adopted.removeAll() }
            return (box.adopted, box.drain)
        }
        for (client, peer, id) in adopted { admit(client, peer: peer, id: id) }
        if drain && !draining {
            draining = true
            for case let connection? in slots where connection.isIdle { connection.close() }
        }
    }

    private func admit(_ client: FileDescriptor, peer: PeerCredentials?, id: UInt64) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = slots.count
            slots.append(nil)
            generations.append(0)
        }
        generations[slot] &+= 1
        let token = UInt64(generations[slot]) << 32 | UInt64(slot) << 1
        client.setNonBlocking(true)
        let connection = LoopConnection(id: id, slot: slot, token: token, client: client, peer: peer, loop: self)
        do {
            try epoll.add(client, events: Epoll.readable, token: token)
        } catch {
            report("sockwarden: cannot watch a connection: \(error)")
            client.close()
            freeSlots.append(slot)
            onClose(id, peer)
            return
        }
        slots[slot] = connection
        if draining { connection.close() }
    }

    /// The connection is gone (closed or handed off): its slot is free.
    func forget(_ connection: LoopConnection) {
        guard connection.slot < slots.count, slots[connection.slot] === connection else { return }
        slots[connection.slot] = nil
        freeSlots.append(connection.slot)
        timed.remove(connection.slot)
    }

    /// Registers `fd` for `mask` (removes it for 0); returns what it is registered for now.
    func register(_ fd: FileDescriptor, mask: UInt32, was: UInt32?, token: UInt64) -> UInt32? {
        if mask == was { return was }
        if mask == 0 {
            if was != nil { epoll.remove(fd) }
            return nil
        }
        if was == nil {
            do { try epoll.add(fd, events: mask, token: token) } catch { return nil }
        } else {
            epoll.modify(fd, events: mask, token: token)
        }
        return mask
    }
}

/// The host as the loop's judging sees it: paths are resolved as usual
/// (up to a budget per request, past which the request is judged again on
/// a thread: see `resolve`), but asking the daemon about a container (VolumesFrom) or a named volume would block the
/// loop, so it is only noted, and the request is handed to a thread,
/// which judges it again with the real lookup.
final class LoopHostEnvironment: HostEnvironment, @unchecked Sendable {
    let base: HostEnvironment
    /// Loop thread only.
    var neededLookup = false
    /// Host paths resolved for the request being judged, and their
    /// components (loop thread only; `startJudging` resets them).
    private(set) var resolvedPaths = 0
    private(set) var resolvedComponents = 0

    /// How much host-path resolution one request may have on the loop.
    /// realpath(3) makes a system call per component (and `resolveReal`
    /// a few more realpath calls for a missing path), so a body with more
    /// host paths, or longer ones, is judged again on a thread, like one
    /// that needs the daemon. Real bodies have a few binds of a few
    /// components each.
    static let loopPathLimit = 16
    static let loopComponentLimit = 256

    init(base: HostEnvironment) { self.base = base }

    /// Before judging a request on the loop.
    func startJudging() {
        neededLookup = false
        resolvedPaths = 0
        resolvedComponents = 0
    }

    func resolve(hostPath: String) -> ResolvedHostPath {
        resolvedPaths += 1
        resolvedComponents += LoopHostEnvironment.components(hostPath)
        if resolvedPaths > LoopHostEnvironment.loopPathLimit || resolvedComponents > LoopHostEnvironment.loopComponentLimit {
            neededLookup = true
            var placeholder = ResolvedHostPath(realPath: nil, exposesDaemon: false)
            placeholder.unresolvable = "resolved on a connection thread"
            return placeholder
        }
        return base.resolve(hostPath: hostPath)
    }

    /// The "/"-separated components of a path (what realpath walks).
    static func components(_ path: String) -> Int {
        var count = 0
        var inComponent = false
        for b in path.utf8 {
            if b == UInt8(ascii: "/") {
                inComponent = false
            } else if !inComponent {
                inComponent = true
                count += 1
            }
        }
        return count
    }

    func container(_ reference: String) -> ContainerLookup {
        neededLookup = true
        return .unavailable("looked up on a connection thread")
    }

    /// A named volume is looked up on a thread too (the daemon's answer
    /// decides how an existing one is judged).
    func volume(_ name: String) -> VolumeLookup {
        neededLookup = true
        return .unavailable("looked up on a connection thread")
    }

    /// So is a network joined by name.
    func network(_ reference: String) -> NetworkLookup {
        neededLookup = true
        return .unavailable("looked up on a connection thread")
    }

    /// So is the container an exec, attach or copy acts in.
    func targetContainer(_ reference: TargetReference) -> TargetContainerLookup {
        neededLookup = true
        return .unavailable("looked up on a connection thread")
    }

    func grantsSocket(_ path: String) -> Bool { base.grantsSocket(path) }

    /// Reads /etc/hosts (a small local file) on the loop: only for a
    /// request that names a registry.
    func namesThisHost(_ name: String) -> Bool { base.namesThisHost(name) }
}
