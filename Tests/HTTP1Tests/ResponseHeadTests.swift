import Testing
@testable import HTTP1

struct ResponseCase: CustomStringConvertible, Sendable {
    let name: String
    let input: String
    let requestMethod: String
    let status: Int
    let framing: BodyFraming
    let keepAlive: Bool
    var description: String { name }
}

let responseCases: [ResponseCase] = [
    .init(name: "json with length", input: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n",
          requestMethod: "GET", status: 200, framing: .length(2), keepAlive: true),
    .init(name: "chunked logs stream", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
          requestMethod: "GET", status: 200, framing: .chunked, keepAlive: true),
    .init(name: "attach upgraded", input: "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
          requestMethod: "POST", status: 101, framing: .untilClose, keepAlive: false),
    .init(name: "old raw-stream attach runs until close", input: "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n",
          requestMethod: "POST", status: 200, framing: .untilClose, keepAlive: true),
    .init(name: "no content", input: "HTTP/1.1 204 No Content\r\n\r\n", requestMethod: "POST", status: 204, framing: .none, keepAlive: true),
    .init(name: "not modified", input: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", requestMethod: "POST", status: 304, framing: .none, keepAlive: true),
    .init(name: "HEAD response has no body whatever its length", input: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
          requestMethod: "HEAD", status: 200, framing: .none, keepAlive: true),
    .init(name: "100 continue is interim", input: "HTTP/1.1 100 Continue\r\n\r\n", requestMethod: "PUT", status: 100, framing: .none, keepAlive: true),
    .init(name: "HTTP/1.0 response closes", input: "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", requestMethod: "GET", status: 200, framing: .length(0), keepAlive: false),
    .init(name: "connection close", input: "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", requestMethod: "GET", status: 400, framing: .length(0), keepAlive: false),
    .init(name: "status line without reason", input: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", requestMethod: "GET", status: 200, framing: .length(0), keepAlive: true),
]

@Suite("Response status lines")
struct ResponseStatusLineTests {
    /// Go's client refuses a bad status line when it has read it; both parsers
    /// refuse it then too, before the rest of the head, however it arrives.
    @Test("a malformed status line is refused without the rest of the head", arguments: Feed.allCases)
    func earlyRefusal(_ feed: Feed) {
        for line in ["OKOK\r\n", "HTTP/1.1 20 OK\r\nX: y\r\n", "HTTP/2.0 200 OK\r\n", "0\r\n"] {
            guard case .failure(let error) = feed.responseHead(bytes(line)) else {
                Issue.record("\(line): not refused by parse")
                continue
            }
            #expect(error.code == .malformedStatusLine)
            guard case .failure(let summaryError) = feed.responseSummary(bytes(line)) else {
                Issue.record("\(line): not refused by parseSummary")
                continue
            }
            #expect(summaryError.code == .malformedStatusLine)
        }
        // A good status line still waits for the rest of the head.
        guard case .needMore = feed.responseSummary(bytes("HTTP/1.1 200 OK\r\nX: y\r\n")) else {
            Issue.record("a good status line does not wait for the head")
            return
        }
    }
}

@Suite("Response heads")
struct ResponseHeadTests {
    @Test("daemon response heads give status, framing and persistence", arguments: responseCases, Feed.allCases)
    func parse(_ c: ResponseCase, _ feed: Feed) {
        guard case .complete(let head, let consumed) = feed.responseHead(bytes(c.input) + bytes("body")) else {
            Issue.record("\(c.name): not parsed")
            return
        }
        #expect(consumed == c.input.utf8.count)
        #expect(head.status == c.status)
        #expect(head.framing(requestMethod: c.requestMethod) == c.framing)
        #expect(head.keepAlive == c.keepAlive)
        #expect(head.isInterim == (c.status == 100))
    }

    @Test("a malformed status line is refused", arguments: ["HTTP/1.1 2OO OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n", "ICY 200 OK\r\n\r\n"])
    func malformed(_ input: String) {
        guard case .failure(let error) = Feed.allAtOnce.responseHead(bytes(input)) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .malformedStatusLine)
    }
}
