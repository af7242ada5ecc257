import Testing
@testable import HTTP1

struct ChunkedCase: CustomStringConvertible, Sendable {
    let name: String
    let input: String
    /// nil: must fail.
    let decoded: String?
    var allowTrailers = false
    var description: String { name }
}

let chunkedCases: [ChunkedCase] = [
    .init(name: "two chunks", input: "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", decoded: "abcde"),
    .init(name: "uppercase hex size", input: "A\r\n0123456789\r\n0\r\n\r\n", decoded: "0123456789"),
    .init(name: "leading zeros in size", input: "0003\r\nabc\r\n000\r\n\r\n", decoded: "abc"),
    .init(name: "extension is dropped", input: "3;name=value\r\nabc\r\n0;x\r\n\r\n", decoded: "abc"),
    .init(name: "trailing whitespace after size", input: "3 \t\r\nabc\r\n0\r\n\r\n", decoded: "abc"),
    .init(name: "empty body", input: "0\r\n\r\n", decoded: ""),
    .init(name: "whitespace before extension is refused", input: "3 ;x\r\nabc\r\n0\r\n\r\n", decoded: nil),
    .init(name: "non-hex size", input: "zz\r\nabc\r\n0\r\n\r\n", decoded: nil),
    .init(name: "size with junk after digits", input: "3x\r\nabc\r\n0\r\n\r\n", decoded: nil),
    .init(name: "empty size line", input: "\r\nabc\r\n0\r\n\r\n", decoded: nil),
    .init(name: "negative size", input: "-3\r\nabc\r\n0\r\n\r\n", decoded: nil),
    .init(name: "size of 17 hex digits", input: "00000000000000003\r\nabc\r\n0\r\n\r\n", decoded: nil),
    .init(name: "bare LF after size", input: "3\nabc\r\n0\r\n\r\n", decoded: nil),
    .init(name: "data longer than its size", input: "3\r\nabcd\r\n0\r\n\r\n", decoded: nil),
    .init(name: "data not followed by CRLF", input: "3\r\nabcXY0\r\n\r\n", decoded: nil),
    .init(name: "control byte in an extension", input: "3;a\u{1}\r\nabc\r\n0\r\n\r\n", decoded: nil),
    .init(name: "trailer fields refused on requests", input: "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", decoded: nil),
    .init(name: "trailer fields passed on responses", input: "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", decoded: "abc", allowTrailers: true),
]

@Suite("Chunked bodies")
struct ChunkedTests {
    @Test("decoding is the same all at once and byte by byte", arguments: chunkedCases, Feed.allCases)
    func decode(_ c: ChunkedCase, _ feed: Feed) {
        let input = bytes(c.input)
        let result = feed.chunked(input + bytes("NEXT"), allowTrailers: c.allowTrailers)
        if let decoded = c.decoded {
            #expect(result.status == .done)
            #expect(String(decoding: result.data, as: UTF8.self) == decoded)
            #expect(result.consumed == input.count, "bytes after the body belong to the next message")
        } else {
            guard case .failure = result.status else {
                Issue.record("\(c.name): accepted with \(result.status)")
                return
            }
        }
    }

    @Test("an unfinished body asks for more")
    func unfinished() {
        let result = Feed.allAtOnce.chunked(bytes("5\r\nab"))
        #expect(result.status == .needMore)
        #expect(String(decoding: result.data, as: UTF8.self) == "ab")
    }

    @Test("re-encoding decoded data gives a canonical body that decodes to the same bytes")
    func reencode() {
        let original = bytes("3;ext\r\nabc\r\n00002\r\nde\r\n0\r\n\r\n")
        let decoded = Feed.allAtOnce.chunked(original).data
        let canonical = ChunkedEncoder.chunkHeader(decoded.count) + decoded + ChunkedEncoder.chunkTrailer + ChunkedEncoder.lastChunk
        #expect(String(decoding: canonical, as: UTF8.self) == "5\r\nabcde\r\n0\r\n\r\n")
        #expect(Feed.byteByByte.chunked(canonical).data == decoded)
    }
}
