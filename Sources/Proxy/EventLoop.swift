import Glibc
import Policy
import Posix

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
    /// Slots of connections with a head deadline.
    var timed = Set<Int>()
    let pool = BufferPool()
    let environment: LoopHostEnvironment
    private(set) var draining = false

    struct Inbox {
        var adopted: [(client: FileDescriptor, peer: PeerCredentials?, id: UInt64)] = []
        var drain = false
    }

    private static let wakeToken = UInt64.max

    init(context: ServerContext, onClose: @escaping @Sendable (UInt64, PeerCredentials?) -> Void,
         handOff: @escaping @Sendable (LoopHandOff) -> Void) throws(SystemError) {
        self.context = context
        self.epoll = try Epoll()
        self.wakeup = try EventFD()
        self.onClose = onClose
        self.handOff = handOff
        self.environment = LoopHostEnvironment(base: context.policyEnvironment)
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
        }
    }

    private func waitTimeout() -> Int32 {
        guard !timed.isEmpty else { return -1 }
        let now = monotonicNanoseconds()
        var earliest = UInt64.max
        for slot in timed {
            if let deadline = slots[slot]?.headDeadline, deadline != 0 { earliest = min(earliest, deadline) }
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

/// The host as the loop's judging sees it: paths are resolved as usual,
/// but asking the daemon about a container (VolumesFrom) or a named volume would block the
/// loop, so it is only noted, and the request is handed to a thread,
/// which judges it again with the real lookup.
final class LoopHostEnvironment: HostEnvironment, @unchecked Sendable {
    let base: HostEnvironment
    /// Loop thread only.
    var neededLookup = false

    init(base: HostEnvironment) { self.base = base }

    func resolve(hostPath: String) -> ResolvedHostPath { base.resolve(hostPath: hostPath) }

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
