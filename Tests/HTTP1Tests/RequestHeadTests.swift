import Testing
@testable import HTTP1

struct AcceptedHead: CustomStringConvertible, Sendable {
    let name: String
    let input: String
    let method: String
    let target: String
    let framing: BodyFraming
    let keepAlive: Bool
    var expectsContinue = false
    var upgrade: String?
    var description: String { name }
}

let acceptedHeads: [AcceptedHead] = [
    .init(name: "docker CLI ping", input: "GET /_ping HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\n\r\n",
          method: "GET", target: "/_ping", framing: .none, keepAlive: true),
    .init(name: "create with content length", input: "POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n",
          method: "POST", target: "/v1.41/containers/create", framing: .length(2), keepAlive: true),
    .init(name: "chunked body, any case", input: "POST /build HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: ChUnKeD\r\n\r\n",
          method: "POST", target: "/build", framing: .chunked, keepAlive: true),
    .init(name: "identical duplicate content lengths collapse", input: "PUT /x HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n",
          method: "PUT", target: "/x", framing: .length(5), keepAlive: true),
    .init(name: "leading zeros in content length", input: "PUT /x HTTP/1.1\r\nHost: d\r\nContent-Length: 007\r\n\r\n",
          method: "PUT", target: "/x", framing: .length(7), keepAlive: true),
    .init(name: "connection close", input: "GET /info HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n",
          method: "GET", target: "/info", framing: .none, keepAlive: false),
    .init(name: "HTTP/1.0 closes by default and needs no Host", input: "GET /_ping HTTP/1.0\r\n\r\n",
          method: "GET", target: "/_ping", framing: .none, keepAlive: false),
    .init(name: "HTTP/1.0 keep-alive", input: "GET /_ping HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
          method: "GET", target: "/_ping", framing: .none, keepAlive: true),
    .init(name: "attach upgrade to tcp", input: "POST /v1.41/containers/abc/attach?stream=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
          method: "POST", target: "/v1.41/containers/abc/attach?stream=1", framing: .none, keepAlive: true, upgrade: "tcp"),
    .init(name: "upgrade header without connection token is no upgrade", input: "POST /session HTTP/1.1\r\nHost: d\r\nUpgrade: h2c\r\n\r\n",
          method: "POST", target: "/session", framing: .none, keepAlive: true),
    .init(name: "expect 100-continue with a body", input: "PUT /containers/a/archive?path=/ HTTP/1.1\r\nHost: d\r\nContent-Length: 10\r\nExpect: 100-Continue\r\n\r\n",
          method: "PUT", target: "/containers/a/archive?path=/", framing: .length(10), keepAlive: true, expectsContinue: true),
    .init(name: "whitespace around values is trimmed", input: "GET /x HTTP/1.1\r\nHost:\t d \t\r\nContent-Length:  3 \r\n\r\n",
          method: "GET", target: "/x", framing: .length(3), keepAlive: true),
    .init(name: "obs-text in a value is allowed, as Go does", input: "GET /x HTTP/1.1\r\nHost: d\r\nX-Note: caf\u{e9}\r\n\r\n",
          method: "GET", target: "/x", framing: .none, keepAlive: true),
    .init(name: "empty header value", input: "GET /x HTTP/1.1\r\nHost: d\r\nX-Empty:\r\n\r\n",
          method: "GET", target: "/x", framing: .none, keepAlive: true),
    .init(name: "close among other connection tokens, any case", input: "GET /x HTTP/1.1\r\nHost: d\r\nConnection: keep-alive , CLOSE\r\n\r\n",
          method: "GET", target: "/x", framing: .none, keepAlive: false),
    .init(name: "close in a second connection field", input: "GET /x HTTP/1.1\r\nHost: d\r\nConnection: keep-alive\r\nconnection: close\r\n\r\n",
          method: "GET", target: "/x", framing: .none, keepAlive: false),
    .init(name: "closed is not close", input: "GET /x HTTP/1.1\r\nHost: d\r\nConnection: closed, ,\r\n\r\n",
          method: "GET", target: "/x", framing: .none, keepAlive: true),
    .init(name: "HTTP/1.0 keep-alive after another token", input: "GET /_ping HTTP/1.0\r\nConnection: te,\tkeep-alive\r\n\r\n",
          method: "GET", target: "/_ping", framing: .none, keepAlive: true),
    .init(name: "upgrade token in a second connection field, first upgrade value wins", input: "GET /x HTTP/1.1\r\nHost: d\r\nConnection: keep-alive\r\nUpgrade: tcp\r\nCONNECTION: Upgrade\r\nupgrade: h2c\r\n\r\n",
          method: "GET", target: "/x", framing: .none, keepAlive: true, upgrade: "tcp"),
    .init(name: "empty upgrade value with the upgrade token", input: "GET /x HTTP/1.1\r\nHost: d\r\nConnection: upgrade\r\nUpgrade:\r\n\r\n",
          method: "GET", target: "/x", framing: .none, keepAlive: true, upgrade: ""),
]

struct RejectedHead: CustomStringConvertible, Sendable {
    let name: String
    let input: String
    let code: HTTPError.Code
    let status: Int
    var description: String { name }
}

let rejectedHeads: [RejectedHead] = [
    .init(name: "content length with transfer encoding", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", code: .conflictingFraming, status: 400),
    .init(name: "transfer encoding before content length", input: "POST /x HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", code: .conflictingFraming, status: 400),
    .init(name: "two different content lengths", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", code: .invalidContentLength, status: 400),
    .init(name: "content length list in one field", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 5, 5\r\n\r\n", code: .invalidContentLength, status: 400),
    .init(name: "content length with sign", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: +5\r\n\r\n", code: .invalidContentLength, status: 400),
    .init(name: "negative content length", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: -1\r\n\r\n", code: .invalidContentLength, status: 400),
    .init(name: "content length with letters", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 12a\r\n\r\n", code: .invalidContentLength, status: 400),
    .init(name: "empty content length", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length:\r\n\r\n", code: .invalidContentLength, status: 400),
    .init(name: "content length beyond int64", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 9223372036854775808\r\n\r\n", code: .invalidContentLength, status: 400),
    .init(name: "gzip transfer encoding", input: "POST /x HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", code: .unsupportedTransferEncoding, status: 501),
    .init(name: "two transfer encoding fields", input: "POST /x HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", code: .unsupportedTransferEncoding, status: 501),
    .init(name: "transfer encoding with a trailing comma", input: "POST /x HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked,\r\n\r\n", code: .unsupportedTransferEncoding, status: 501),
    .init(name: "transfer encoding in HTTP/1.0", input: "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", code: .conflictingFraming, status: 400),
    .init(name: "obs-fold continuation line", input: "GET /x HTTP/1.1\r\nHost: d\r\nX-A: 1\r\n 2\r\n\r\n", code: .obsFold, status: 400),
    .init(name: "obs-fold with a tab", input: "GET /x HTTP/1.1\r\nHost: d\r\nX-A: 1\r\n\t2\r\n\r\n", code: .obsFold, status: 400),
    .init(name: "space before colon", input: "GET /x HTTP/1.1\r\nHost : d\r\n\r\n", code: .malformedHeader, status: 400),
    .init(name: "header without colon", input: "GET /x HTTP/1.1\r\nHost: d\r\nNoColon\r\n\r\n", code: .malformedHeader, status: 400),
    .init(name: "empty header name", input: "GET /x HTTP/1.1\r\nHost: d\r\n: v\r\n\r\n", code: .malformedHeader, status: 400),
    .init(name: "NUL in a header value", input: "GET /x HTTP/1.1\r\nHost: d\r\nX-A: a\u{0}b\r\n\r\n", code: .malformedHeader, status: 400),
    .init(name: "bare CR in a header value", input: "GET /x HTTP/1.1\r\nHost: d\r\nX-A: a\rb\r\n\r\n", code: .malformedHeader, status: 400),
    .init(name: "DEL in a header value", input: "GET /x HTTP/1.1\r\nHost: d\r\nX-A: a\u{7f}\r\n\r\n", code: .malformedHeader, status: 400),
    .init(name: "bare LF ends a header line", input: "GET /x HTTP/1.1\r\nHost: d\nX-A: 1\r\n\r\n", code: .bareLineFeed, status: 400),
    .init(name: "bare LF ends the request line", input: "GET /x HTTP/1.1\nHost: d\r\n\r\n", code: .bareLineFeed, status: 400),
    .init(name: "missing Host on HTTP/1.1", input: "GET /x HTTP/1.1\r\nAccept: */*\r\n\r\n", code: .missingHost, status: 400),
    .init(name: "two Host headers", input: "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", code: .duplicateHost, status: 400),
    .init(name: "HTTP/2 request line", input: "GET /x HTTP/2.0\r\nHost: d\r\n\r\n", code: .unsupportedVersion, status: 505),
    .init(name: "lowercase protocol name", input: "GET /x http/1.1\r\nHost: d\r\n\r\n", code: .malformedRequestLine, status: 400),
    .init(name: "two spaces in the request line", input: "GET  /x HTTP/1.1\r\nHost: d\r\n\r\n", code: .malformedRequestLine, status: 400),
    .init(name: "tab in the request line", input: "GET\t/x HTTP/1.1\r\nHost: d\r\n\r\n", code: .malformedRequestLine, status: 400),
    .init(name: "non-ASCII in the target", input: "GET /\u{e9} HTTP/1.1\r\nHost: d\r\n\r\n", code: .malformedRequestLine, status: 400),
    .init(name: "method with a slash", input: "GE/T /x HTTP/1.1\r\nHost: d\r\n\r\n", code: .malformedRequestLine, status: 400),
    .init(name: "leading empty line", input: "\r\nGET /x HTTP/1.1\r\nHost: d\r\n\r\n", code: .malformedRequestLine, status: 400),
    .init(name: "expect something else", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 1\r\nExpect: 200-ok\r\n\r\n", code: .unsupportedExpectation, status: 417),
    .init(name: "expect 100-continue without a body", input: "GET /x HTTP/1.1\r\nHost: d\r\nExpect: 100-continue\r\n\r\n", code: .unsupportedExpectation, status: 417),
    .init(name: "expect 100-continue twice", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 1\r\nExpect: 100-continue\r\nexpect: 100-continue\r\n\r\n", code: .unsupportedExpectation, status: 417),
    .init(name: "empty expect", input: "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 1\r\nExpect:\r\n\r\n", code: .unsupportedExpectation, status: 417),
    .init(name: "host named in capitals twice", input: "GET /x HTTP/1.1\r\nHOST: a\r\nhost: a\r\n\r\n", code: .duplicateHost, status: 400),
    .init(name: "expect 100-continue on HTTP/1.0", input: "POST /x HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n", code: .unsupportedExpectation, status: 417),
]

@Suite("Request heads")
struct RequestHeadTests {
    @Test("accepted heads parse the same all at once and byte by byte", arguments: acceptedHeads, Feed.allCases)
    func accepted(_ c: AcceptedHead, _ feed: Feed) throws {
        let input = bytes(c.input) + bytes("BODY")
        guard case .complete(let head, let consumed) = feed.requestHead(input) else {
            Issue.record("\(c.name): not accepted")
            return
        }
        #expect(consumed == c.input.utf8.count)
        #expect(head.method == c.method)
        #expect(head.target == c.target)
        #expect(head.framing == c.framing)
        #expect(head.keepAlive == c.keepAlive)
        #expect(head.expectsContinue == c.expectsContinue)
        #expect(head.upgrade == c.upgrade)
    }

    @Test("malformed and ambiguous heads are refused with the right status", arguments: rejectedHeads, Feed.allCases)
    func rejected(_ c: RejectedHead, _ feed: Feed) {
        guard case .failure(let error) = feed.requestHead(bytes(c.input)) else {
            Issue.record("\(c.name): accepted")
            return
        }
        #expect(error.code == c.code, "\(error)")
        #expect(error.status == c.status)
    }

    @Test("an incomplete head asks for more")
    func incomplete() {
        for prefix in ["", "GET", "GET /x HTTP/1.1\r\n", "GET /x HTTP/1.1\r\nHost: d\r\n", "GET /x HTTP/1.1\r\nHost: d\r\n\r"] {
            var parser = RequestHeadParser()
            guard case .needMore = parser.parse(bytes(prefix)) else {
                Issue.record("\(prefix.debugDescription) did not ask for more")
                continue
            }
        }
    }

    @Test("a head over the size limit is refused even before it ends", arguments: Feed.allCases)
    func tooLarge(_ feed: Feed) {
        let limits = HTTPLimits(maxHeadBytes: 1024)
        let input = bytes("GET /x HTTP/1.1\r\nHost: d\r\nX-Big: " + String(repeating: "a", count: 2000))
        guard case .failure(let error) = feed.requestHead(input, limits: limits) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .headTooLarge)
        #expect(error.status == 431)
    }

    // Found by fuzz/ (FuzzHTTP1Request; fuzz/crashes/http1-head-outcome-depends-on-arrival):
    // at once, the bare LF past the limit was reported (400); dribbled, the size (431).
    @Test("a head over the size limit is refused as too large however it arrives", arguments: Feed.allCases)
    func tooLargeBeforeLaterErrors(_ feed: Feed) {
        let limits = HTTPLimits(maxHeadBytes: 200, maxHeaderCount: 4)
        for tail in ["\n", "\r\n" + String(repeating: "Y: 1\r\n", count: 10)] {
            let input = bytes("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 200) + tail)
            guard case .failure(let error) = feed.requestHead(input, limits: limits) else {
                Issue.record("accepted")
                continue
            }
            #expect(error.code == .headTooLarge, "tail \(tail.debugDescription)")
        }
    }

    @Test("too many header fields are refused")
    func tooManyHeaders() {
        let limits = HTTPLimits(maxHeaderCount: 4)
        let input = bytes("GET /x HTTP/1.1\r\nHost: d\r\n" + (0..<5).map { "X-\($0): v\r\n" }.joined() + "\r\n")
        guard case .failure(let error) = Feed.allAtOnce.requestHead(input, limits: limits) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .tooManyHeaders)
    }

    @Test("the forwarded head keeps fields in order and re-emits framing canonically")
    func serialization() throws {
        let input = bytes("POST /v1.41/build?t=x HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\nX-Registry-Config: e30=\r\nContent-Type:  application/x-tar \r\n\r\n")
        guard case .complete(let head, _) = Feed.allAtOnce.requestHead(input) else {
            Issue.record("not accepted")
            return
        }
        let expected = "POST /v1.41/build?t=x HTTP/1.1\r\nHost: docker\r\nX-Registry-Config: e30=\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(String(decoding: head.serialized(), as: UTF8.self) == expected)
        // What is forwarded parses back to the same head.
        guard case .complete(let again, _) = Feed.allAtOnce.requestHead(head.serialized()) else {
            Issue.record("serialized head does not parse")
            return
        }
        #expect(again == head)
    }

    @Test("framing fields anywhere leave the other fields in order", arguments: [
        ("Content-Length: 2\r\nHost: d\r\nX-A: 1\r\nX-B: 2\r\n", "Host: d\r\nX-A: 1\r\nX-B: 2\r\nContent-Length: 2\r\n"),
        ("Host: d\r\nX-A: 1\r\nX-B: 2\r\nContent-Length: 2\r\n", "Host: d\r\nX-A: 1\r\nX-B: 2\r\nContent-Length: 2\r\n"),
        ("Host: d\r\nContent-Length: 2\r\nX-A: 1\r\nContent-Length: 2\r\nX-B: 2\r\n", "Host: d\r\nX-A: 1\r\nX-B: 2\r\nContent-Length: 2\r\n"),
        ("Transfer-Encoding: chunked\r\nHost: d\r\nX-A: 1\r\n", "Host: d\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n"),
        ("Host: d\r\nX-A: 1\r\n", "Host: d\r\nX-A: 1\r\n"),
    ])
    func framingFieldsLeaveTheRestInOrder(_ fields: String, _ forwarded: String) {
        guard case .complete(let head, _) = Feed.allAtOnce.requestHead(bytes("POST /x HTTP/1.1\r\n" + fields + "\r\n")) else {
            Issue.record("not accepted: \(fields.debugDescription)")
            return
        }
        #expect(String(decoding: head.serialized(), as: UTF8.self) == "POST /x HTTP/1.1\r\n" + forwarded + "\r\n")
    }

    /// `serialized` as it was written before it counted its size and wrote
    /// in place: the reference the fast one must equal byte for byte.
    static func referenceSerialization(_ head: RequestHead, framing override: BodyFraming?, dropping dropped: Set<String>) -> [UInt8] {
        var out: [UInt8] = []
        out += head.method.utf8
        out.append(ByteClass.sp)
        out += head.target.utf8
        out.append(ByteClass.sp)
        out += head.version.rawValue.utf8
        out += [ByteClass.cr, ByteClass.lf]
        for field in head.headers where dropped.isEmpty || !dropped.contains(where: { field.name.lowercased() == $0.lowercased() }) {
            out += field.name.utf8
            out += [ByteClass.colon, ByteClass.sp]
            out += field.value
            out += [ByteClass.cr, ByteClass.lf]
        }
        switch override ?? head.framing {
        case .none, .untilClose: break
        case .length(let n): out += "Content-Length: \(n)\r\n".utf8
        case .chunked: out += "Transfer-Encoding: chunked\r\n".utf8
        }
        out += [ByteClass.cr, ByteClass.lf]
        return out
    }

    static let serializationCases: [(name: String, head: String, framing: BodyFraming?, dropping: Set<String>)] = [
        ("no body, no override", "GET /_ping HTTP/1.1\r\nHost: d\r\nUser-Agent: x\r\n\r\n", nil, []),
        ("HTTP/1.0", "GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n", nil, []),
        ("no fields at all", "GET /_ping HTTP/1.0\r\n\r\n", nil, []),
        ("a length of its own", "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n\r\n", nil, []),
        ("chunked of its own", "POST /x HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n", nil, []),
        ("a length override of zero", "POST /x HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n", .length(0), []),
        ("a length override of every digit count", "POST /x HTTP/1.1\r\nHost: d\r\n\r\n", .length(1_234_567_890_123), []),
        ("the largest length", "POST /x HTTP/1.1\r\nHost: d\r\n\r\n", .length(UInt64.max), []),
        ("a chunked override", "POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\n\r\n", .chunked, []),
        ("expect dropped in any case", "POST /x HTTP/1.1\r\nHost: d\r\nEXPECT: 100-continue\r\nX-A: 1\r\nContent-Length: 2\r\n\r\n", .length(2), ["expect"]),
        ("empty and non-ASCII values", "POST /x HTTP/1.1\r\nHost: d\r\nX-Empty:\r\nX-Bytes: \u{e9}\u{65e5}\r\n\r\n", nil, []),
    ]

    @Test("the forwarded head is byte for byte the reference rendering", arguments: serializationCases.indices)
    func serializationEqualsTheReference(_ index: Int) {
        let c = RequestHeadTests.serializationCases[index]
        guard case .complete(let head, _) = Feed.allAtOnce.requestHead(bytes(c.head)) else {
            Issue.record("\(c.name): not accepted")
            return
        }
        let fast = head.serialized(framing: c.framing, dropping: c.dropping)
        #expect(fast == RequestHeadTests.referenceSerialization(head, framing: c.framing, dropping: c.dropping), "\(c.name)")
    }

    @Test("pipelined heads are parsed one after another")
    func pipelined() {
        let first = "GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n"
        let second = "GET /version HTTP/1.1\r\nHost: d\r\n\r\n"
        var buffer = bytes(first + second)
        var parser = RequestHeadParser()
        var targets: [String] = []
        while !buffer.isEmpty {
            guard case .complete(let head, let consumed) = parser.parse(buffer) else { break }
            targets.append(head.target)
            buffer.removeFirst(consumed)
            parser.reset()
        }
        #expect(targets == ["/_ping", "/version"])
    }
}
