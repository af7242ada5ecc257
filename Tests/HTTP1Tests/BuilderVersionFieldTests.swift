import Testing
@testable import HTTP1

@Suite("Builder-Version in a ping answer")
struct BuilderVersionFieldTests {
    /// (head as the daemon sent it, head as passed on, rewritten)
    @Test("BuildKit's version 2 is told as the classic builder's 1, nothing else changes", arguments: [
        ("HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\nBuilder-Version: 2\r\nContent-Length: 2\r\n\r\n",
         "HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\nBuilder-Version: 1\r\nContent-Length: 2\r\n\r\n", true),
        ("HTTP/1.1 200 OK\r\nbuilder-version:2\r\n\r\n", "HTTP/1.1 200 OK\r\nbuilder-version:1\r\n\r\n", true),
        ("HTTP/1.1 200 OK\r\nBUILDER-VERSION: \t2 \r\n\r\n", "HTTP/1.1 200 OK\r\nBUILDER-VERSION: \t1 \r\n\r\n", true),
        ("HTTP/1.1 200 OK\nBuilder-Version: 2\n\n", "HTTP/1.1 200 OK\nBuilder-Version: 1\n\n", true),
        ("HTTP/1.1 200 OK\r\nBuilder-Version: 2\r\nBuilder-Version: 2\r\n\r\n",
         "HTTP/1.1 200 OK\r\nBuilder-Version: 1\r\nBuilder-Version: 1\r\n\r\n", true),
        // The classic builder already, or a value that does not mean BuildKit to a client: as sent.
        ("HTTP/1.1 200 OK\r\nBuilder-Version: 1\r\n\r\n", "HTTP/1.1 200 OK\r\nBuilder-Version: 1\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nBuilder-Version: 22\r\n\r\n", "HTTP/1.1 200 OK\r\nBuilder-Version: 22\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nBuilder-Version: 2x\r\n\r\n", "HTTP/1.1 200 OK\r\nBuilder-Version: 2x\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nBuilder-Version:\r\n\r\n", "HTTP/1.1 200 OK\r\nBuilder-Version:\r\n\r\n", false),
        // Other fields that hold the name or the value.
        ("HTTP/1.1 200 OK\r\nX-Builder-Version: 2\r\n\r\n", "HTTP/1.1 200 OK\r\nX-Builder-Version: 2\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nBuilder-Versions: 2\r\n\r\n", "HTTP/1.1 200 OK\r\nBuilder-Versions: 2\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nApi-Version: 2\r\n\r\n", "HTTP/1.1 200 OK\r\nApi-Version: 2\r\n\r\n", false),
        ("Builder-Version: 2 200 OK\r\n\r\n", "Builder-Version: 2 200 OK\r\n\r\n", false),
        ("", "", false),
    ])
    func rewrite(_ received: String, _ passedOn: String, _ rewritten: Bool) {
        var bytes = Array(received.utf8)
        let result = bytes.withUnsafeMutableBytes { BuilderVersionField.announceClassicBuilder(in: $0) }
        #expect(String(decoding: bytes, as: UTF8.self) == passedOn)
        #expect(result == rewritten)
    }
}
