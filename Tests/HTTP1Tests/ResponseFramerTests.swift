import Testing
@testable import HTTP1

/// `ResponseFramer`: where each of a daemon's answers ends, as Go's client
/// reads it, or a refusal. Every case is fed at once and byte by byte.
struct FramerCase: CustomStringConvertible, Sendable {
    enum Outcome: Equatable, Sendable {
        /// Complete; `reuse`: the next answer starts right after it.
        case complete(reuse: Bool)
        case untilClose
        case refused(HTTPError.Code)
    }
    let name: String
    let method: String
    let stream: [UInt8]
    /// Statuses of the heads cleared.
    let statuses: [Int]
    /// Body bytes cleared.
    let body: Int
    let outcome: Outcome
    var description: String { name }

    init(_ name: String, _ method: String, _ stream: String, statuses: [Int], body: Int, _ outcome: Outcome) {
        self.init(name, method, Array(stream.utf8), statuses: statuses, body: body, outcome)
    }

    init(_ name: String, _ method: String, _ stream: [UInt8], statuses: [Int], body: Int, _ outcome: Outcome) {
        self.name = name
        self.method = method
        self.stream = stream
        self.statuses = statuses
        self.body = body
        self.outcome = outcome
    }
}

let ping = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOK"
let logs = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\ne\r\n\u{1}\0\0\0\0\0\0\u{6}hello\n\r\n0\r\n\r\n"

let framerCases: [FramerCase] = [
    .init("a ping with a length", "GET", ping + "NEXT", statuses: [200], body: 2, .complete(reuse: true)),
    .init("a chunked logs stream", "GET", logs + "NEXT", statuses: [200], body: 24, .complete(reuse: true)),
    .init("a chunked body with a trailer", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: 1\r\n\r\nNEXT",
          statuses: [200], body: 19, .complete(reuse: true)),
    .init("an answer to HEAD has no body whatever its length", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nNEXT",
          statuses: [200], body: 0, .complete(reuse: true)),
    .init("204 has no body", "POST", "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\nNEXT", statuses: [204], body: 0, .complete(reuse: true)),
    .init("304 has no body, chunked or not", "POST", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\nNEXT",
          statuses: [304], body: 0, .complete(reuse: true)),
    .init("100 continue, then the answer", "PUT", "HTTP/1.1 100 Continue\r\n\r\n" + ping, statuses: [100, 200], body: 2, .complete(reuse: true)),
    .init("no framing runs until the close", "GET", "HTTP/1.1 200 OK\r\n\r\nraw", statuses: [200], body: 3, .untilClose),
    .init("Connection: close ends the connection", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nxNEXT",
          statuses: [200], body: 1, .complete(reuse: false)),
    .init("a 101 that switches protocols runs until the close", "POST",
          "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n\u{1}\0\0\0\0\0\0\u{2}hi", statuses: [101], body: 10, .untilClose),
    .init("a 101 without an upgrade ends the connection", "GET", "HTTP/1.1 101 Switching\r\n\r\n" + ping,
          statuses: [101], body: 0, .complete(reuse: false)),
    .init("HTTP/1.0 keep-alive with close ends the connection", "GET",
          "HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\nNEXT", statuses: [200], body: 0, .complete(reuse: false)),
    .init("two equal Content-Length values are one", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nxNEXT",
          statuses: [200], body: 1, .complete(reuse: true)),
    .init("two different Content-Length values are refused", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 01\r\n\r\nx",
          statuses: [], body: 0, .refused(.invalidContentLength)),
    .init("different Content-Length values are refused for HEAD too", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
          statuses: [], body: 0, .refused(.invalidContentLength)),
    .init("an unreadable Content-Length is refused", "GET", "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx",
          statuses: [], body: 0, .refused(.invalidContentLength)),
    .init("a coding before chunked is refused", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
          statuses: [], body: 0, .refused(.unsupportedTransferEncoding)),
    .init("a coding other than chunked is refused", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 1\r\n\r\nx",
          statuses: [], body: 0, .refused(.unsupportedTransferEncoding)),
    .init("chunked in two fields is refused", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
          statuses: [], body: 0, .refused(.unsupportedTransferEncoding)),
    .init("Transfer-Encoding in HTTP/1.0 is refused", "GET", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
          statuses: [], body: 0, .refused(.unsupportedTransferEncoding)),
    .init("a trailer declared as Content-Length is refused", "GET",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X, content-length\r\n\r\n0\r\n\r\n", statuses: [], body: 0, .refused(.conflictingFraming)),
    .init("a chunk before a bad one is cleared, then the answer refused", "GET",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\nz\r\n", statuses: [200], body: 6, .refused(.malformedChunk)),
    .init("a trailer line without a colon is refused", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX\r\n\r\n",
          statuses: [200], body: 4, .refused(.malformedChunk)),
    .init("a bare LF in a trailer is refused", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n\r\n",
          statuses: [200], body: 7, .refused(.malformedChunk)),
    .init("a trailer section past Go's 4096-byte buffer is refused", "GET",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + String(repeating: "X: \(String(repeating: "y", count: 95))\r\n", count: 41) + "\r\n",
          statuses: [200], body: 3 + 4096, .refused(.malformedChunk)),
    .init("a chunk line of 4094 bytes and its CRLF is refused, as Go refuses it", "GET",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 4092) + "\r\na\r\n0\r\n\r\n",
          statuses: [200], body: 4094, .refused(.malformedChunk)),
    .init("a chunk line of 4093 bytes and its CRLF is read", "GET",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 4091) + "\r\na\r\n0\r\n\r\nNEXT",
          statuses: [200], body: 4093 + 2 + 3 + 5, .complete(reuse: true)),
    // Go's client refuses a status line as soon as it has read it (found by scripts/go-http-oracle:
    // stray bytes after a 204, 304 or HEAD answer, before the next head).
    .init("a malformed status line is refused before the rest of the head", "GET", "OKOK\r\nX: 1\r\n",
          statuses: [], body: 0, .refused(.malformedStatusLine)),
    .init("stray bytes after a 204 are refused as the next status line", "GET", "2\r\nab",
          statuses: [], body: 0, .refused(.malformedStatusLine)),
    .init("five interim heads are read", "GET", String(repeating: "HTTP/1.1 103 Early Hints\r\n\r\n", count: 5) + ping,
          statuses: [103, 103, 103, 103, 103, 200], body: 2, .complete(reuse: true)),
    .init("a sixth interim head is refused", "GET", String(repeating: "HTTP/1.1 103 Early Hints\r\n\r\n", count: 6) + ping,
          statuses: [103, 103, 103, 103, 103], body: 0, .refused(.tooManyInterimResponses)),
]

@Suite("Response framing")
struct ResponseFramerTests {
    struct Trace: Equatable {
        var statuses: [Int] = []
        var body = 0
        var outcome: FramerCase.Outcome?
    }

    /// Feeds the stream in pieces of `step` bytes as the proxy does, until the answer ends.
    static func frame(_ c: FramerCase, step: Int) -> Trace {
        var framer = ResponseFramer(requestMethod: c.method)
        var trace = Trace()
        var cleared = 0
        var received = 0
        c.stream.withUnsafeBytes { raw in
            while received < raw.count {
                received = min(raw.count, received + step)
                while true {
                    switch framer.step(UnsafeRawBufferPointer(rebasing: raw[cleared..<received])) {
                    case .needMore:
                        break
                    case .head(let head, let n):
                        trace.statuses.append(head.status)
                        cleared += n
                        continue
                    case .body(let n):
                        trace.body += n
                        cleared += n
                        if !framer.isDone { continue }
                    case .failure(let error):
                        trace.outcome = .refused(error.code)
                        return
                    }
                    if framer.isDone {
                        trace.outcome = .complete(reuse: !framer.closeAfter)
                        return
                    }
                    break
                }
            }
        }
        if trace.outcome == nil, framer.end() == .complete { trace.outcome = .untilClose }
        return trace
    }

    @Test("each answer ends where Go's client ends it, or is refused", arguments: framerCases, [Int.max, 1, 7])
    func frames(_ c: FramerCase, _ step: Int) {
        let trace = Self.frame(c, step: step)
        #expect(trace == Trace(statuses: c.statuses, body: c.body, outcome: c.outcome))
    }

    @Test("a body relayed by the connection threads ends where the loop's does")
    func bodyOnly() {
        let body = Array("e\r\n\u{1}\0\0\0\0\0\0\u{6}hello\n\r\n0\r\n\r\nNEXT".utf8)
        var framer = ResponseFramer(body: .chunked)
        let step = body.withUnsafeBytes { framer.step($0) }
        #expect(step == .body(bytes: body.count - 4))
        #expect(framer.isDone && framer.end() == .complete)
        var length = ResponseFramer(body: .length(3))
        #expect(body.withUnsafeBytes { length.step($0) } == .body(bytes: 3))
        #expect(length.isDone)
        var truncated = ResponseFramer(body: .length(300))
        _ = body.withUnsafeBytes { truncated.step($0) }
        #expect(truncated.end() == .truncated)
    }
}
