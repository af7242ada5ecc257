// Fuzz target: the HTTP/1.1 request head parser (and the response head
// parser, which reads the daemon's answers), on arbitrary bytes.
//
// Properties:
// 1. No crash, whatever the bytes.
// 2. Deterministic: a fresh parser gives the same outcome twice.
// 3. Incremental = at once: feeding the buffer as the proxy does (the whole
//    buffer received so far, growing, to one parser) gives the same outcome
//    as parsing it in one call, for random cut points (and byte by byte for
//    inputs up to 256 bytes).
// 4. Round trip: an accepted head, serialised as the proxy forwards it
//    (`RequestHead.serialized()`), parses back to an equal head using every
//    byte, and re-serialises to the same bytes; the judged-body form
//    (`serialized(framing: .length(n), dropping: ["expect"])`) parses to the
//    same head with that length and without Expect.
// 5. The event loop's response-head summary (`parseSummary`) agrees with
//    the full response parser: same outcome (need more, error and its
//    message, or success), bytes consumed, status, keep-alive, interim and
//    framing for GET, HEAD and POST, at once and fed in pieces. The framing
//    decision is what request smuggling would exploit.

import FuzzSupport
import HTTP1

/// The proxy's limits, and small ones so the limit paths are reached with short inputs.
let limitSets: [HTTPLimits] = [.default, HTTPLimits(maxHeadBytes: 200, maxHeaderCount: 5, maxChunkLineBytes: 64)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP1Request(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    var random = InputRandom(bytes)
    for limits in limitSets {
        let once = parseRequest(bytes, limits: limits, ends: [bytes.count])
        Property.check(same(once, parseRequest(bytes, limits: limits, ends: [bytes.count])),
                       "request head parsing is deterministic")
        let ends = random.pieceEnds(length: bytes.count, count: 1 + random.below(4))
        let fed = parseRequest(bytes, limits: limits, ends: ends)
        Property.check(same(once, fed), "request head fed in pieces ending at \(ends) = at once: \(show(fed)) vs \(show(once))")
        if !bytes.isEmpty && bytes.count <= 256 {
            let dribbled = parseRequest(bytes, limits: limits, ends: Array(1...max(1, bytes.count)))
            Property.check(same(once, dribbled), "request head fed byte by byte = at once: \(show(dribbled)) vs \(show(once))")
        }
        if case .complete(let head, let consumed) = once {
            Property.check(consumed > 0 && consumed <= bytes.count, "consumed \(consumed) is within the input")
            roundTrip(head, judgedBodyLength: UInt64(bytes.count - consumed))
        }

        let response = parseResponse(bytes, limits: limits, ends: [bytes.count])
        Property.check(same(response, parseResponse(bytes, limits: limits, ends: [bytes.count])),
                       "response head parsing is deterministic")
        Property.check(same(response, parseResponse(bytes, limits: limits, ends: ends)),
                       "response head fed in pieces ending at \(ends) = at once")
        if case .complete(let head, _) = response {
            _ = head.framing(requestMethod: "GET")
            _ = head.framing(requestMethod: "HEAD")
            _ = head.keepAlive
            _ = head.isInterim
        }
        for cut in [[bytes.count], ends] {
            let full = parseResponse(bytes, limits: limits, ends: cut)
            let summary = parseSummary(bytes, limits: limits, ends: cut)
            Property.check(agree(full, summary), "response summary = full parse (pieces ending at \(cut)): \(summary) vs \(show(full))")
        }
    }
    return 0
}

/// The proxy's way: one parser, handed the whole buffer received so far,
/// growing to each of `ends`, until it stops needing more.
func feed<H>(_ bytes: [UInt8], ends: [Int], _ parse: (UnsafeRawBufferPointer) -> HeadParseResult<H>) -> HeadParseResult<H> {
    var result = HeadParseResult<H>.needMore
    bytes.withUnsafeBytes { raw in
        for end in ends {
            result = parse(UnsafeRawBufferPointer(rebasing: raw[0..<end]))
            if case .needMore = result { continue }
            return
        }
    }
    return result
}

func parseRequest(_ bytes: [UInt8], limits: HTTPLimits, ends: [Int]) -> HeadParseResult<RequestHead> {
    var parser = RequestHeadParser(limits: limits)
    return feed(bytes, ends: ends) { parser.parse($0) }
}

func parseResponse(_ bytes: [UInt8], limits: HTTPLimits, ends: [Int]) -> HeadParseResult<ResponseHead> {
    var parser = ResponseHeadParser(limits: limits)
    return feed(bytes, ends: ends) { parser.parse($0) }
}

func parseSummary(_ bytes: [UInt8], limits: HTTPLimits, ends: [Int]) -> HeadParseResult<ResponseSummary> {
    var parser = ResponseHeadParser(limits: limits)
    return feed(bytes, ends: ends) { parser.parseSummary($0) }
}

func roundTrip(_ head: RequestHead, judgedBodyLength: UInt64) {
    let wire = head.serialized()
    var parser = RequestHeadParser()
    guard case .complete(let again, let consumed) = parser.parse(wire) else {
        Property.fail("the forwarded head \(Printable.bytes(wire)) does not parse back: \(show(RequestHeadParser().parsing(wire)))")
    }
    Property.check(again == head, "the forwarded head parses back to the same head: \(again) vs \(head)")
    Property.check(consumed == wire.count, "the forwarded head is read whole (\(consumed) of \(wire.count) bytes)")
    Property.check(again.serialized() == wire, "serialising the re-parsed head gives the same bytes")

    // As forwarded after the body was judged: plain length, no Expect.
    let judged = head.serialized(framing: .length(judgedBodyLength), dropping: ["expect"])
    parser.reset()
    guard case .complete(let forwarded, let used) = parser.parse(judged) else {
        Property.fail("the judged-body head \(Printable.bytes(judged)) does not parse back")
    }
    var expected = head.headers
    expected.remove("expect")
    Property.check(used == judged.count, "the judged-body head is read whole")
    Property.check(forwarded.method == head.method && forwarded.target == head.target && forwarded.version == head.version,
                   "the judged-body head keeps the request line")
    Property.check(forwarded.headers == expected, "the judged-body head keeps every field but Expect, in order")
    Property.check(forwarded.framing == .length(judgedBodyLength), "the judged-body head has Content-Length \(judgedBodyLength)")
    Property.check(!forwarded.expectsContinue, "the judged-body head expects no 100-continue")
    Property.check(forwarded.keepAlive == head.keepAlive && forwarded.upgrade == head.upgrade,
                   "the judged-body head keeps connection persistence and upgrade")
}

extension RequestHeadParser {
    func parsing(_ bytes: [UInt8]) -> HeadParseResult<RequestHead> {
        var copy = self
        return copy.parse(bytes)
    }
}

func same<H: Equatable>(_ a: HeadParseResult<H>, _ b: HeadParseResult<H>) -> Bool {
    switch (a, b) {
    case (.needMore, .needMore): return true
    case (.complete(let x, let m), .complete(let y, let n)): return x == y && m == n
    // HTTPError's == compares codes only; the message must match too.
    case (.failure(let x), .failure(let y)): return x.code == y.code && x.message == y.message
    default: return false
    }
}

func show<H>(_ r: HeadParseResult<H>) -> String {
    switch r {
    case .needMore: return "needMore"
    case .complete(let h, let n): return "complete(\(h), consumed: \(n))"
    case .failure(let e): return "failure(\(e))"
    }
}


func agree(_ full: HeadParseResult<ResponseHead>, _ summary: HeadParseResult<ResponseSummary>) -> Bool {
    switch (full, summary) {
    case (.needMore, .needMore):
        return true
    case (.failure(let a), .failure(let b)):
        return a.status == b.status && a.message == b.message
    case (.complete(let head, let n), .complete(let s, let m)):
        return n == m && head.version == s.version && head.status == s.status && head.keepAlive == s.keepAlive
            && head.isInterim == s.isInterim
            && ["GET", "HEAD", "POST"].allSatisfy { head.framing(requestMethod: $0) == s.framing(requestMethod: $0) }
    default:
        return false
    }
}
