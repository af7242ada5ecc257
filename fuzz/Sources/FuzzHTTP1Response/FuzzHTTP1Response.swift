// Fuzz target: the response side of the HTTP/1.1 codec, as the proxy reads
// a daemon's answers (`ResponseFramer`: heads, then the body as framed).
//
// Input: a first line of request methods separated by spaces (the method of
// the 1st, 2nd, … answer, repeated; none: GET), LF, then the bytes the
// daemon sends on one connection (several answers when it keeps it).
//
// Properties:
// 1. No crash; bounded work (at most 8 answers, every step linear in what
//    it is handed).
// 2. Round trip: every head the framer read, parsed in full
//    (`ResponseHeadParser.parse`), re-serialised and parsed again gives the
//    same version, status, fields and framing, and the same summary.
// 3. Split-invariant: feeding the stream as the proxy receives it, in pieces
//    ending at cut points chosen from the input (and byte by byte up to 512
//    bytes), gives the same trace as at once: the same heads, the same body
//    byte ranges, the same failure, the same place where the next answer
//    starts.
// 4. As Go reads it: the trace agrees with `GoClientModel`, go1.19
//    net/http's client reading of the same bytes (ReadResponse,
//    readTransfer, the chunked reader and trailer, the Transport's 1xx loop
//    and connection reuse): where Go takes an answer, the proxy takes the
//    same heads and the same body bytes and reuses the connection alike, or
//    refuses the answer; where Go refuses an answer, the proxy refuses it
//    too (or, short of bytes, has not cleared past the point Go refused at).

import FuzzSupport
import HTTP1

let maxAnswers = 8

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP1Response(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let (line, stream) = input.splitLine()
    var methods = line.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
    if methods.isEmpty { methods = ["GET"] }
    var random = InputRandom(input)

    let once = ProxyTrace.read(stream, methods: methods, ends: [stream.count])
    let again = ProxyTrace.read(stream, methods: methods, ends: [stream.count])
    Property.check(once == again, "framing is deterministic")

    // 2. Round trip of every head.
    for head in once.heads { roundTrip(Array(stream[head.range]), methods: methods) }

    // 3. Split invariance.
    let ends = random.pieceEnds(length: stream.count, count: 1 + random.below(8))
    let pieces = ProxyTrace.read(stream, methods: methods, ends: ends)
    Property.check(pieces == once, "fed in pieces ending at \(ends) = at once:\n\(pieces)\nvs\n\(once)")
    if !stream.isEmpty && stream.count <= 512 {
        let dribbled = ProxyTrace.read(stream, methods: methods, ends: Array(1...stream.count))
        Property.check(dribbled == once, "fed byte by byte = at once:\n\(dribbled)\nvs\n\(once)")
    }

    // 4. Go's reading.
    let go = GoClientModel.read(stream, methods: methods, maxAnswers: maxAnswers)
    compare(proxy: once, go: go)
    return 0
}

// MARK: - Property 2

func roundTrip(_ headBytes: [UInt8], methods: [String]) {
    var parser = ResponseHeadParser()
    guard case .complete(let head, let used) = headBytes.withUnsafeBytes({ parser.parse($0) }), used == headBytes.count else {
        Property.fail("a head the framer read does not parse in full: \(Printable.bytes(headBytes))")
    }
    var wire = Array("\(head.version.rawValue) \(head.status) Reason\r\n".utf8)
    for field in head.headers {
        wire += Array(field.name.utf8) + Array(": ".utf8) + field.value + [13, 10]
    }
    wire += [13, 10]
    var reparser = ResponseHeadParser()
    guard case .complete(let again, let consumed) = wire.withUnsafeBytes({ reparser.parse($0) }) else {
        Property.fail("the re-serialised head \(Printable.bytes(wire)) does not parse")
    }
    Property.check(consumed == wire.count, "the re-serialised head is read whole")
    Property.check(again == head, "the re-serialised head parses to the same head: \(again) vs \(head)")
    var summaryParser = ResponseHeadParser()
    var originalParser = ResponseHeadParser()
    let summary = wire.withUnsafeBytes { summaryParser.parseSummary($0) }
    let original = headBytes.withUnsafeBytes { originalParser.parseSummary($0) }
    guard case .complete(let s1, _) = summary, case .complete(let s0, _) = original else {
        Property.fail("the summary of a head the framer read, or of its re-serialisation, fails")
    }
    Property.check(s1 == s0, "the re-serialised head has the same summary: \(s1) vs \(s0)")
    for method in Set(methods + ["GET", "HEAD"]) {
        Property.check(again.framing(requestMethod: method) == head.framing(requestMethod: method)
                       && s0.framing(requestMethod: method) == head.framing(requestMethod: method),
                       "the same framing for \(method)")
    }
}

// MARK: - The proxy's reading

/// What the framer made of a stream, answer by answer.
struct ProxyTrace: Equatable, CustomStringConvertible {
    struct Head: Equatable { let status: Int; let range: Range<Int> }
    enum Outcome: Equatable {
        /// Ended; the next answer starts right after it (`reuse`) or the connection ends.
        case complete(end: Int, reuse: Bool)
        /// Ran until the daemon closed.
        case untilClose
        /// The stream ended first.
        case truncated
        /// Refused, after clearing everything before `cleared`.
        case failure(cleared: Int, HTTPError.Code)
    }
    struct Answer: Equatable {
        var start: Int
        var heads: [Head] = []
        /// Body bytes cleared, merged into runs.
        var body: [Range<Int>] = []
        var outcome = Outcome.truncated
        var method: String
    }
    var answers: [Answer] = []
    var heads: [Head] { answers.flatMap(\.heads) }

    var description: String {
        answers.map { "\($0.method) @\($0.start): heads \($0.heads.map { "\($0.status)\($0.range)" }) body \($0.body) \($0.outcome)" }
            .joined(separator: "\n")
    }

    /// Feeds the stream as the proxy receives it: bytes up to each of `ends`
    /// arrive, the framer clears what it can from the bytes not yet cleared
    /// (`FramerDriver`, shared with ResponseGoldenTests).
    static func read(_ stream: [UInt8], methods: [String], ends: [Int]) -> ProxyTrace {
        var trace = ProxyTrace()
        var answer = Answer(start: 0, method: methods[0])
        FramerDriver.run(stream, methods: methods, ends: ends, maxAnswers: maxAnswers) { event in
            switch event {
            case .head(let summary, let range, let arrived, _):
                Property.check(!range.isEmpty && range.upperBound <= arrived, "a head clears bytes that arrived")
                answer.heads.append(Head(status: summary.status, range: range))
            case .body(let range, let arrived):
                Property.check(!range.isEmpty && range.upperBound <= arrived, "a body step clears bytes that arrived")
                if let last = answer.body.last, last.upperBound == range.lowerBound {
                    answer.body[answer.body.count - 1] = last.lowerBound..<range.upperBound
                } else {
                    answer.body.append(range)
                }
            case .refused(let cleared, let error):
                answer.outcome = .failure(cleared: cleared, error.code)
                trace.answers.append(answer)
            case .complete(let end, let reuse):
                answer.outcome = .complete(end: end, reuse: reuse)
                trace.answers.append(answer)
            case .next(let start, let method):
                answer = Answer(start: start, method: method)
            case .ended(let cleared, let untilClose, let waitingForHead):
                Property.check(cleared == stream.count || waitingForHead, "at the end only an incomplete head is left uncleared")
                answer.outcome = untilClose ? .untilClose : .truncated
                trace.answers.append(answer)
            }
        }
        return trace
    }
}

// MARK: - Property 4

func compare(proxy: ProxyTrace, go: [GoAnswer]) {
    for (i, p) in proxy.answers.enumerated() {
        guard i < go.count else {
            Property.fail("the proxy reads an answer \(i) that Go does not:\nproxy \(proxy)\ngo \(go)")
        }
        let g = go[i]
        Property.check(p.start == g.start, "answer \(i) starts at \(p.start) for the proxy, at \(g.start) for Go")
        // Heads the proxy took must be Go's heads (a failing head is not taken).
        for (k, head) in p.heads.enumerated() {
            Property.check(k < g.heads.count && g.heads[k] == head,
                           "answer \(i): head \(k) \(head) is not Go's (\(g.heads)):\nproxy \(proxy)\ngo \(go)")
        }
        let bodyEnd = p.body.last?.upperBound
        switch (p.outcome, g.outcome) {
        case (.failure(let cleared, _), .refused):
            _ = cleared
            return
        case (.failure(let cleared, _), _):
            // Refusing is always allowed; nothing past the answer may have been cleared.
            if case .complete(let end, _) = g.outcome {
                Property.check(cleared <= end, "answer \(i): the proxy cleared up to \(cleared) before refusing, past Go's end \(end)")
            }
            return
        case (_, .refused(let at, let why)):
            // Go refuses: the proxy must not have taken the answer.
            let takenTo = bodyEnd ?? p.heads.last?.range.upperBound ?? p.start
            Property.check(p.outcome == .truncated && takenTo <= at,
                           "answer \(i): Go refuses it at \(at) (\(why)) but the proxy takes it (\(p.outcome), cleared to \(takenTo)):\nproxy \(proxy)")
            return
        case (.truncated, .truncated):
            return
        case (.untilClose, .untilClose):
            Property.check(p.heads == g.heads, "answer \(i): the same heads")
            Property.check(p.body.count <= 1 && (p.body.first?.lowerBound ?? g.bodyStart) == g.bodyStart,
                           "answer \(i): the body runs from \(g.bodyStart) to the close: \(p.body)")
            return
        case (.complete(let end, let reuse), .complete(let goEnd, let goReuse)):
            Property.check(p.heads == g.heads, "answer \(i): the same heads: \(p.heads) vs \(g.heads)")
            let expectedBody: [Range<Int>] = goEnd > g.bodyStart ? [g.bodyStart..<goEnd] : []
            Property.check(p.body == expectedBody, "answer \(i): body \(p.body), Go's \(expectedBody):\nproxy \(proxy)\ngo \(go)")
            Property.check(end == goEnd, "answer \(i) ends at \(end), Go's at \(goEnd)")
            Property.check(reuse == goReuse, "answer \(i): the proxy \(reuse ? "reads" : "reads no") next answer, Go \(goReuse ? "does" : "does not"):\nproxy \(proxy)\ngo \(go)")
            if !reuse { return }
        default:
            Property.fail("answer \(i): the proxy's \(p.outcome) vs Go's \(g.outcome):\nproxy \(proxy)\ngo \(go)")
        }
    }
    // The proxy stopped reading (refusal returned above): Go reads no more either, unless the proxy ran out of answers.
    if proxy.answers.count < maxAnswers, let last = proxy.answers.last, case .complete(_, true) = last.outcome {
        Property.check(go.count == proxy.answers.count, "Go reads an answer after the proxy's last:\nproxy \(proxy)\ngo \(go)")
    }
}
