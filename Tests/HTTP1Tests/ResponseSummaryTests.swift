import Testing
@testable import HTTP1

/// `ResponseHeadParser.parseSummary` must accept and refuse exactly what
/// `parse` does and decide the same framing, persistence and status:
/// framing is where request smuggling lives, so every head here, well
/// formed or not, is run through both parsers and compared.
struct SummaryCase: CustomStringConvertible, Sendable {
    let name: String
    let head: [UInt8]
    var description: String { name }

    init(_ name: String, _ head: String) {
        self.name = name
        self.head = Array(head.utf8)
    }

    init(_ name: String, bytes: [UInt8]) {
        self.name = name
        self.head = bytes
    }
}

let summaryCases: [SummaryCase] = [
    .init("dockerd ping", "HTTP/1.1 200 OK\r\nApi-Version: 1.51\r\nCache-Control: no-cache, no-store, must-revalidate\r\nContent-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\nDocker-Experimental: false\r\nOstype: linux\r\nPragma: no-cache\r\nServer: Docker/28.2.2 (linux)\r\nDate: Mon, 30 Nov 2026 01:00:00 GMT\r\n\r\nOK"),
    .init("created with a length", "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 88\r\n\r\n"),
    .init("chunked stream", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
    .init("chunked in capitals", "HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: CHUNKED\r\n\r\n"),
    .init("chunked after another coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
    .init("chunked not last runs until close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
    .init("chunked in an earlier field only", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"),
    .init("chunked in the last of two fields", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
    .init("empty transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\nContent-Length: 3\r\n\r\n"),
    .init("transfer coding of only a comma", "HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n"),
    .init("trailing comma after chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n"),
    .init("chunked with inner whitespace", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip ,\t chunked \t\r\n\r\n"),
    .init("chunked with a parameter", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"),
    .init("transfer coding wins over length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
    .init("length then transfer coding not chunked", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: identity\r\n\r\n"),
    .init("two equal lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
    .init("two different lengths: the first counts", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n"),
    .init("unreadable first length, readable second", "HTTP/1.1 200 OK\r\nContent-Length: x\r\nContent-Length: 7\r\n\r\n"),
    .init("length with a sign", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n"),
    .init("length as a list", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n"),
    .init("length with surrounding whitespace", "HTTP/1.1 200 OK\r\nContent-Length: \t 5 \t\r\n\r\n"),
    .init("empty length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"),
    .init("length past int64", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n"),
    .init("largest length", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n"),
    .init("twenty-digit length", "HTTP/1.1 200 OK\r\nContent-Length: 00000000000000000001\r\n\r\n"),
    .init("zero length", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    .init("length name in mixed case", "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 12\r\n\r\n"),
    .init("name that only starts like a length", "HTTP/1.1 200 OK\r\nContent-Lengthy: 12\r\n\r\n"),
    .init("no framing at all", "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n"),
    .init("no fields", "HTTP/1.1 200 OK\r\n\r\n"),
    .init("connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
    .init("connection close in capitals in a list", "HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE \r\n\r\n"),
    .init("connection close in a second field", "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
    .init("connection closed is not close", "HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n"),
    .init("connection with empty tokens", "HTTP/1.1 200 OK\r\nConnection: ,, ,\r\nContent-Length: 0\r\n\r\n"),
    .init("HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
    .init("HTTP/1.0 with keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n"),
    .init("HTTP/1.0 with keep-alive and close", "HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n"),
    .init("HTTP/1.0 with keep-alive among others", "HTTP/1.0 200 OK\r\nConnection: foo,keep-alive\r\n\r\n"),
    .init("upgrade to a raw stream", "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"),
    .init("100 continue", "HTTP/1.1 100 Continue\r\n\r\n"),
    .init("102 processing with a length", "HTTP/1.1 102 Processing\r\nContent-Length: 4\r\n\r\n"),
    .init("204 with a length", "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\n"),
    .init("304 chunked", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"),
    .init("status without reason", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
    .init("status with an empty reason", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"),
    .init("status 999", "HTTP/1.1 999 Whatever\r\n\r\n"),
    .init("status 099", "HTTP/1.1 099 Low\r\n\r\n"),
    .init("status with a sign", "HTTP/1.1 +99 Signed\r\n\r\n"),
    .init("status with a minus", "HTTP/1.1 -10 Signed\r\n\r\n"),
    .init("status with letters", "HTTP/1.1 2OO OK\r\n\r\n"),
    .init("status glued to reason", "HTTP/1.1 200OK\r\n\r\n"),
    .init("two-digit status", "HTTP/1.1 20 OK\r\n\r\n"),
    .init("four-digit status", "HTTP/1.1 2000 OK\r\n\r\n"),
    .init("two spaces after the version", "HTTP/1.1  200 OK\r\n\r\n"),
    .init("tab after the version", "HTTP/1.1\t200 OK\r\n\r\n"),
    .init("lowercase version", "http/1.1 200 OK\r\n\r\n"),
    .init("HTTP/2 status line", "HTTP/2.0 200 OK\r\n\r\n"),
    .init("HTTP/1.2 status line", "HTTP/1.2 200 OK\r\n\r\n"),
    .init("not HTTP at all", "ICY 200 OK\r\n\r\n"),
    .init("short status line", "HTTP/1.1\r\n\r\n"),
    .init("obs-fold continuation", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n chunked\r\n\r\n"),
    .init("whitespace before the colon", "HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n"),
    .init("tab before the colon", "HTTP/1.1 200 OK\r\nContent-Length\t: 5\r\n\r\n"),
    .init("field without colon", "HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\n"),
    .init("empty field name", "HTTP/1.1 200 OK\r\n: 5\r\n\r\n"),
    .init("field name with a slash", "HTTP/1.1 200 OK\r\nContent/Length: 5\r\n\r\n"),
    .init("control byte in a value", "HTTP/1.1 200 OK\r\nX-Note: a\u{01}b\r\nContent-Length: 5\r\n\r\n"),
    .init("DEL in a length value", "HTTP/1.1 200 OK\r\nContent-Length: 5\u{7F}\r\n\r\n"),
    .init("malformed field after the framing fields", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nBad Name: x\r\n\r\n"),
    .init("malformed status line and malformed field", "HTTP/1.1 2x0 OK\r\nBad Name: x\r\n\r\n"),
    .init("bare LF ends a field", "HTTP/1.1 200 OK\r\nContent-Length: 5\n\r\n"),
    .init("bare LF ends the status line", "HTTP/1.1 200 OK\nContent-Length: 5\r\n\r\n"),
    .init("bare CR inside a value", "HTTP/1.1 200 OK\r\nContent-Length: 5\rX: y\r\n\r\n"),
    .init("starts with an empty line", "\r\nHTTP/1.1 200 OK\r\n\r\n"),
    .init("incomplete head", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"),
    .init("colon in the value", "HTTP/1.1 200 OK\r\nLocation: http://x:80/\r\nContent-Length: 1\r\n\r\n"),
    .init("colon right after the name and no value", "HTTP/1.1 200 OK\r\nX::\r\nContent-Length: 1\r\n\r\n"),
    .init("obs-text in values", bytes: Array("HTTP/1.1 200 OK\r\nX-Name: caf".utf8) + [0xC3, 0xA9, 0xFF] + Array("\r\nContent-Length: 1\r\n\r\n".utf8)),
    .init("obs-text in a length", bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: 1".utf8) + [0xB9] + Array("\r\n\r\n".utf8)),
    .init("obs-text in the transfer coding", bytes: Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunke".utf8) + [0xE4] + Array("\r\n\r\n".utf8)),
    .init("non-ASCII reason phrase", bytes: Array("HTTP/1.1 200 ".utf8) + [0xC0, 0xFF] + Array("\r\nContent-Length: 1\r\n\r\n".utf8)),
    .init("NUL in the status code", bytes: Array("HTTP/1.1 2".utf8) + [0] + Array("0 OK\r\n\r\n".utf8)),
]

/// Every pair of these field lines after each of these status lines: the
/// orders and combinations a hand-written table misses.
let summaryStatusLines = ["HTTP/1.1 200 OK", "HTTP/1.0 200 OK", "HTTP/1.1 204 No Content", "HTTP/1.1 101 Switching", "HTTP/1.1 100 Continue"]
let summaryFieldLines = [
    "Content-Length: 3", "Content-Length: 0", "content-length: 4", "Content-Length: -1", "Content-Length: 3 3",
    "Transfer-Encoding: chunked", "Transfer-Encoding: Chunked ", "transfer-encoding: gzip", "Transfer-Encoding: gzip, chunked",
    "Transfer-Encoding: chunked , gzip", "Transfer-Encoding:", "Connection: close", "Connection: keep-alive",
    "connection: Keep-Alive, Close", "Connection: upgrade", "X-Other: chunked", "Content-Type: text/plain",
    " folded: yes", "Bad Name: x", "Bad\u{7}: x", "X: \u{0}",
]

/// A field line as a test name can show it (control bytes escaped).
func printable(_ line: String) -> String {
    line.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
}

@Suite("Response summaries")
struct ResponseSummaryTests {
    static let methods = ["GET", "HEAD", "POST"]

    /// Both refuse with the same error, or both accept with the same consumed, status, framing and persistence.
    static func same(_ full: HeadParseResult<ResponseHead>, _ summary: HeadParseResult<ResponseSummary>) -> Bool {
        switch (full, summary) {
        case (.needMore, .needMore):
            return true
        case (.failure(let a), .failure(let b)):
            return a.code == b.code && a.message == b.message
        case (.complete(let a, let usedA), .complete(let b, let usedB)):
            return usedA == usedB && a.version == b.version && a.status == b.status && a.isInterim == b.isInterim
                && a.keepAlive == b.keepAlive
                && methods.allSatisfy { a.framing(requestMethod: $0) == b.framing(requestMethod: $0) }
        default:
            return false
        }
    }

    static func compare(_ head: [UInt8], feed: Feed) {
        let full = feed.responseHead(head)
        let summary = feed.responseSummary(head)
        switch (full, summary) {
        case (.needMore, .needMore):
            break
        case (.failure(let a), .failure(let b)):
            #expect(a.code == b.code)
            #expect(a.message == b.message)
        case (.complete(let a, let usedA), .complete(let b, let usedB)):
            #expect(usedA == usedB)
            #expect(a.version == b.version)
            #expect(a.status == b.status)
            #expect(a.isInterim == b.isInterim)
            #expect(a.keepAlive == b.keepAlive)
            for method in methods {
                #expect(a.framing(requestMethod: method) == b.framing(requestMethod: method), "\(method)")
            }
        default:
            Issue.record("the parsers disagree: \(full) vs \(summary)")
        }
    }

    @Test("a summary agrees with the full parse of the same head", arguments: summaryCases, Feed.allCases)
    func agrees(_ c: SummaryCase, _ feed: Feed) {
        Self.compare(c.head, feed: feed)
        Self.compare(c.head + Array("body bytes\r\n\r\n".utf8), feed: feed)
    }

    @Test("a summary agrees with the full parse on every pair of framing fields", arguments: summaryStatusLines)
    func agreesOnPairs(_ status: String) {
        for first in summaryFieldLines {
            for second in summaryFieldLines {
                let head = bytes("\(status)\r\n\(first)\r\n\(second)\r\n\r\n")
                let full = Feed.allAtOnce.responseHead(head)
                let summary = Feed.allAtOnce.responseSummary(head)
                #expect(Self.same(full, summary), "\(status) | \(printable(first)) | \(printable(second))")
            }
        }
    }

    @Test("a summary gives the framing the relay needs", arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", "GET", BodyFraming.length(2), true),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", .chunked, true),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 2\r\n\r\n", "GET", .chunked, true),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", "HEAD", .none, true),
        ("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", "GET", .length(0), false),
        ("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", "GET", .length(1), false),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", "GET", .untilClose, true),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", "GET", .length(2), true),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n\r\n", "GET", .untilClose, false),
    ])
    func framing(_ input: String, _ method: String, _ framing: BodyFraming, _ keepAlive: Bool) {
        guard case .complete(let summary, let consumed) = Feed.allAtOnce.responseSummary(bytes(input)) else {
            Issue.record("not parsed")
            return
        }
        #expect(consumed == input.utf8.count)
        #expect(summary.framing(requestMethod: method) == framing)
        #expect(summary.keepAlive == keepAlive)
    }

    @Test("a summary after an interim response reads the next head")
    func interimThenFinal() {
        var parser = ResponseHeadParser()
        let input = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}")
        let first = input.withUnsafeBytes { parser.parseSummary($0) }
        guard case .complete(let interim, let used) = first else {
            Issue.record("interim not parsed")
            return
        }
        #expect(interim.isInterim)
        parser.reset()
        let second = input[used...].withUnsafeBytes { parser.parseSummary(UnsafeRawBufferPointer($0)) }
        guard case .complete(let final, _) = second else {
            Issue.record("final not parsed")
            return
        }
        #expect(final.status == 201)
        #expect(final.framing(requestMethod: "POST") == .length(2))
    }

    @Test("the token byte class agrees with its definition on every byte")
    func tokenMasks() {
        for b in 0...255 {
            #expect(ByteClass.isTokenChar(UInt8(b)) == ByteClass.isTokenCharBySet(UInt8(b)), "byte \(b)")
        }
    }

    @Test("an oversized head is refused by both parsers")
    func tooLarge() {
        let head = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Pad: 0123456789abcdef\r\n", count: 100) + "\r\n"
        let limits = HTTPLimits(maxHeadBytes: 1024, maxHeaderCount: 256)
        var full = ResponseHeadParser(limits: limits)
        var summary = ResponseHeadParser(limits: limits)
        let a = bytes(head).withUnsafeBytes { full.parse($0) }
        let b = bytes(head).withUnsafeBytes { summary.parseSummary($0) }
        guard case .failure(let e1) = a, case .failure(let e2) = b else {
            Issue.record("accepted: \(a) \(b)")
            return
        }
        #expect(e1.code == .headTooLarge)
        #expect(e2.code == .headTooLarge)
    }
}
