import Testing
@testable import Proxy

/// The hash chain: sealing, the hash's documented definition, and that
/// `AuditChainVerifier` finds every kind of tampering at the right line.
@Suite struct AuditChainTests {
    /// A chain of `n` small records, as the writer would produce them.
    static func chain(_ n: Int, prev: String = AuditChain.genesis, event: (Int) -> String = { _ in "request" }) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var last = prev
        for i in 0..<n {
            let object = Array("{\"v\":1,\"seq\":\(i),\"event\":\"\(event(i))\",\"req\":\(i)}".utf8)
            let sealed = AuditChain.seal(object: object, prev: last)
            lines.append(Array(sealed.line.dropLast()))   // without the newline
            last = sealed.hash
        }
        return lines
    }

    /// Feeds lines; returns the first break (line numbers from 1).
    static func verify(_ lines: [[UInt8]], file: String = "audit.jsonl", _ configure: (inout AuditChainVerifier) -> Void = { _ in }) -> AuditChainVerifier.Break? {
        var v = AuditChainVerifier()
        configure(&v)
        for (i, line) in lines.enumerated() {
            if let b = v.feed(line[...], file: file, number: i + 1) { return b }
        }
        return nil
    }

    @Test func hashIsSHA256OfTheLineWithoutItsHashMember() {
        let prev = String(repeating: "ab", count: 32)
        let sealed = AuditChain.seal(object: Array("{\"v\":1,\"event\":\"start\"}".utf8), prev: prev)
        let body = "{\"v\":1,\"event\":\"start\",\"prev\":\"\(prev)\"}"
        #expect(sealed.hash == SHA256.hex(Array(body.utf8)))
        #expect(String(decoding: sealed.line, as: UTF8.self) == "{\"v\":1,\"event\":\"start\",\"prev\":\"\(prev)\",\"hash\":\"\(sealed.hash)\"}\n")
        #expect(AuditChain.check(line: sealed.line.dropLast()) == .sealed(prev: prev, hash: sealed.hash))
    }

    @Test func anIntactChainVerifies() {
        var v = AuditChainVerifier()
        for (i, line) in AuditChainTests.chain(50).enumerated() {
            #expect(v.feed(line[...], file: "f", number: i + 1) == nil)
        }
        #expect(v.records == 50)
        #expect(v.anchor == AuditChain.genesis)
    }

    struct Tamper: Sendable, CustomTestStringConvertible {
        let id: String
        let apply: @Sendable ([[UInt8]]) -> [[UInt8]]
        /// Line where the break must be reported, and a word its problem contains.
        let line: Int
        let says: String
        var testDescription: String { id }
    }

    static let tampers: [Tamper] = [
        Tamper(id: "one byte of a record changed", apply: { lines in
            var l = lines
            let i = l[3].firstIndex(of: UInt8(ascii: "3"))!   // "req":3
            l[3][i] = UInt8(ascii: "4")
            return l
        }, line: 4, says: "hash mismatch"),
        Tamper(id: "a record deleted", apply: { lines in
            var l = lines
            l.remove(at: 5)
            return l
        }, line: 6, says: "broken link"),
        Tamper(id: "a record duplicated", apply: { lines in
            var l = lines
            l.insert(l[2], at: 3)
            return l
        }, line: 4, says: "broken link"),
        Tamper(id: "two records swapped", apply: { lines in
            var l = lines
            l.swapAt(6, 7)
            return l
        }, line: 7, says: "broken link"),
        Tamper(id: "the hash member removed", apply: { lines in
            var l = lines
            l[8] = Array(l[8].prefix(l[8].count - 76)) + Array("}".utf8)
            return l
        }, line: 9, says: "not a sealed"),
        Tamper(id: "an empty line inserted", apply: { lines in
            var l = lines
            l.insert([], at: 4)
            return l
        }, line: 5, says: "empty line"),
        Tamper(id: "the chain restarted at genesis", apply: { lines in
            Array(lines[0..<5]) + AuditChainTests.chain(3)
        }, line: 6, says: "restarts"),
        Tamper(id: "the first records cut, a chain built anew", apply: { lines in
            Array(lines[0..<2]) + AuditChainTests.chain(3, prev: String(repeating: "1", count: 64))
        }, line: 3, says: "broken link"),
    ]

    @Test(arguments: tampers)
    func tamperingIsFoundAtItsLine(_ t: Tamper) {
        let lines = t.apply(AuditChainTests.chain(12))
        let found = AuditChainTests.verify(lines)
        #expect(found?.line == t.line, "\(String(describing: found))")
        #expect(found?.problem.contains(t.says) == true, "\(String(describing: found))")
        #expect(found?.file == "audit.jsonl")
    }

    @Test(arguments: tampers)
    func onlyTheRecordsBeforeABreakCountAsVerified(_ t: Tamper) {
        // `verify` prints "FAILED: N record(s) verified before FILE:LINE":
        // N must not count the broken record itself.
        var v = AuditChainVerifier()
        var found: AuditChainVerifier.Break?
        for (i, line) in t.apply(AuditChainTests.chain(12)).enumerated() {
            found = v.feed(line[...], file: "audit.jsonl", number: i + 1)
            if found != nil { break }
        }
        #expect(found != nil)
        #expect(v.records == t.line - 1, "\(String(describing: found)), \(v.records) counted")
    }

    @Test func anIncompleteLastLineIsABreak() {
        var v = AuditChainVerifier()
        let lines = AuditChainTests.chain(3)
        #expect(v.feed(lines[0][...], file: "f", number: 1) == nil)
        let b = v.feed(lines[1].prefix(40), file: "f", number: 2, complete: false)
        #expect(b?.line == 2 && b?.problem.contains("incomplete") == true)
    }

    @Test func rotatedFilesChainAcrossTheBoundary() {
        let all = AuditChainTests.chain(10)
        var v = AuditChainVerifier()
        for (i, line) in all[0..<4].enumerated() { #expect(v.feed(line[...], file: "audit.jsonl.1", number: i + 1) == nil) }
        for (i, line) in all[4...].enumerated() { #expect(v.feed(line[...], file: "audit.jsonl", number: i + 1) == nil) }
        // Out of order: the newer file first.
        var w = AuditChainVerifier()
        for (i, line) in all[4...].enumerated() { #expect(w.feed(line[...], file: "audit.jsonl", number: i + 1) == nil) }
        let b = w.feed(all[0][...], file: "audit.jsonl.1", number: 1)
        #expect(b?.file == "audit.jsonl.1" && b?.line == 1)
    }

    @Test func aLaterPieceIsAnchoredUnlessGenesisIsRequired() {
        let all = AuditChainTests.chain(6)
        var v = AuditChainVerifier()
        #expect(v.feed(all[3][...], file: "f", number: 1) == nil)
        #expect(v.anchor != AuditChain.genesis)
        var strict = AuditChainVerifier()
        strict.requireGenesis = true
        #expect(strict.feed(all[3][...], file: "f", number: 1)?.problem.contains("earlier records are missing") == true)
        var fromStart = AuditChainVerifier()
        fromStart.requireGenesis = true
        #expect(fromStart.feed(all[0][...], file: "f", number: 1) == nil)
    }

    @Test func restartsAreAcceptedOnlyAtStartRecordsWhenAllowed() {
        let first = AuditChainTests.chain(3)
        let restart = AuditChainTests.chain(2) { $0 == 0 ? "start" : "request" }
        let notStart = AuditChainTests.chain(2)
        #expect(AuditChainTests.verify(first + restart)?.line == 4)
        #expect(AuditChainTests.verify(first + restart) { $0.allowRestarts = true } == nil)
        #expect(AuditChainTests.verify(first + notStart) { $0.allowRestarts = true }?.line == 4)
    }

    @Test func anAllowedRestartWithoutAStopBeforeItIsFlagged() {
        // With --allow-restarts each run is its own chain: the end of a run
        // can be cut unseen. A run that ended cleanly wrote `stop` last.
        let cut = AuditChainTests.chain(3)
        let clean = AuditChainTests.chain(3) { $0 == 2 ? "stop" : "request" }
        let restart = AuditChainTests.chain(2) { $0 == 0 ? "start" : "request" }
        for (before, flagged) in [(cut, true), (clean, false)] {
            var v = AuditChainVerifier()
            v.allowRestarts = true
            for (i, line) in (before + restart).enumerated() { #expect(v.feed(line[...], file: "f", number: i + 1) == nil) }
            #expect(v.restarts.count == 1 && v.restarts[0].hasPrefix("f:4"))
            #expect(v.restarts.first?.contains("no stop record") == flagged, "\(v.restarts)")
        }
    }

    @Test func aFileTailIsReadForTheNextRecord() {
        let lines = AuditChainTests.chain(3)
        let text: [UInt8] = lines.flatMap { $0 + [UInt8(10)] }
        guard case .sealed(let hash, let seq) = AuditLogTail.parse(text, isFileStart: true) else {
            Issue.record("tail not sealed")
            return
        }
        #expect(AuditChain.check(line: lines[2][...]) == .sealed(prev: AuditChainTests.prevOf(lines[2]), hash: hash))
        #expect(seq == 2)
        #expect(AuditLogTail.parse([], isFileStart: true) == .empty)
        #expect(AuditLogTail.parse(Array(text.dropLast()), isFileStart: true) == .unusable("its last line is incomplete (no newline)", needsNewline: true))
        if case .unusable(_, false) = AuditLogTail.parse(Array("{\"old\":true}\n".utf8), isFileStart: true) {} else {
            Issue.record("an unsealed last line must be unusable")
        }
    }

    static func prevOf(_ line: [UInt8]) -> String {
        guard case .sealed(let prev, _) = AuditChain.check(line: line[...]) else { return "" }
        return prev
    }
}
