import Glibc
import Posix
import Testing
@testable import Proxy

/// A connection the event loop hands to a thread arrives with the bytes the
/// loop had read (up to a head and a whole 1 MiB body). The thread's reader
/// counts them against `--max-request-memory` beyond its own 64 KiB, and
/// gives its grown buffer and that charge back once it has used them, so an
/// idle handed-off connection holds 64 KiB, not a request's worth.
@Suite("Hand-off bytes count against --max-request-memory until used")
struct HandOffMemoryTests {
    static func pair() -> (FileDescriptor, FileDescriptor) {
        var fds: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    struct Row: CustomStringConvertible, Sendable {
        let name: String
        let handedBytes: Int
        let charged: Int
        var description: String { name }
    }

    static let rows: [Row] = [
        Row(name: "a hand-off within a reader's own buffer is not charged", handedBytes: 1000, charged: 0),
        Row(name: "a hand-off of a head and a 1 MiB body is charged beyond 64 KiB",
            handedBytes: (256 << 10) + (1 << 20), charged: (256 << 10) + (1 << 20) - (64 << 10)),
    ]

    @Test(arguments: rows) func chargedUntilUsed(_ row: Row) throws {
        let memory = RequestMemory(limit: 4 << 20)
        let (a, b) = Self.pair()
        defer { a.close(); b.close() }
        let reader = ByteReader(fd: a, initial: [UInt8](repeating: 0x41, count: row.handedBytes), shrinksWhenEmpty: true)
        let excess = row.handedBytes - LoopBuffer.uncountedBytes
        if excess > 0 {
            let hold = RequestMemory.Hold(memory)
            hold.charge(excess)
            reader.keep(hold)
        }
        #expect(memory.held == row.charged)
        #expect(reader.capacity == max(row.handedBytes, 64 << 10))
        // The thread uses the handed bytes, then waits for the next request.
        _ = reader.take(max: reader.count)
        try b.writeAll([0x42])
        #expect(try reader.fill())
        #expect(memory.held == 0, "given back once the handed bytes are used")
        #expect(reader.capacity == 64 << 10, "an idle connection holds its own buffer only")
        #expect(reader.count == 1)
    }

    @Test func aReaderThatEndsGivesItsChargeBack() {
        let memory = RequestMemory(limit: 4 << 20)
        let (a, b) = Self.pair()
        defer { a.close(); b.close() }
        do {
            let reader = ByteReader(fd: a, initial: [UInt8](repeating: 0, count: 1 << 20), shrinksWhenEmpty: true)
            let hold = RequestMemory.Hold(memory)
            hold.charge((1 << 20) - (64 << 10))
            reader.keep(hold)
            #expect(memory.held == (1 << 20) - (64 << 10))
        }
        #expect(memory.held == 0)
    }

    @Test func aChargeIsNeverRefusedButLaterTakesAre() {
        let memory = RequestMemory(limit: 1 << 20)
        let hold = RequestMemory.Hold(memory)
        hold.charge(2 << 20)
        #expect(memory.held == 2 << 20)
        #expect(memory.take(1) == .overLimit)
    }
}

/// A job's share of `--max-request-memory` (found 2026-12-02: one job's
/// slow large bodies held all of it, and every socket's large creates got
/// a 503).
@Suite struct RequestMemoryJobShareTests {
    @Test("a job's requests hold at most half of the limit; another job and the main socket take the rest")
    func aJobHoldsAtMostHalf() {
        let memory = RequestMemory(limit: 8 << 20)
        var holds = (0..<4).map { _ in RequestMemory.Hold(memory, job: "a") }
        for hold in holds { #expect(hold.take(1 << 20)) }
        let over = RequestMemory.Hold(memory, job: "a")
        #expect(!over.take(1))
        #expect(over.refused == .overJobShare)
        #expect(memory.refusal(over.refused, job: "a").contains("job a's requests"))
        let other = RequestMemory.Hold(memory, job: "b"), runner = RequestMemory.Hold(memory)
        #expect(other.take(2 << 20) && runner.take(2 << 20))
        #expect(!runner.take(1))
        #expect(runner.refused == .overLimit)
        // The job's holds end: its whole share is free again.
        holds.removeAll()
        #expect(memory.held == 4 << 20)
        let again = RequestMemory.Hold(memory, job: "a")
        #expect(again.take(4 << 20))
        #expect(memory.held == 8 << 20)
    }
}
