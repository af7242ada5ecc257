import GoJSON
import Testing
@testable import Proxy

/// The renderer's pieces against what they replace: JSON string escaping
/// (`JSONObjectWriter`), integers (`String(_:)`), times (`rfc3339`), the
/// one-shot digest (the streaming SHA-256), and a buffer that must grow.
@Suite struct AuditLineRendererTests {
    static func rendered(_ body: (inout AuditLineRenderer) -> Void) -> String {
        var r = AuditLineRenderer(run: "r")
        r.reset()
        body(&r)
        return String(decoding: r.object, as: UTF8.self)
    }

    static let strings: [String] = (0..<128).map { String(UnicodeScalar(UInt8($0))) } + [
        "", "plain", "a\"b\\c", "é日本🐳", "\u{2028}\u{2029}", "tab\there\nnewline\r\u{0}", String(repeating: "x\"", count: 5000),
    ]

    @Test(arguments: strings)
    func escapesStringsAsJSONObjectWriterDoes(_ s: String) {
        var expected: [UInt8] = []
        JSONObjectWriter.appendString(s, to: &expected)
        #expect(AuditLineRendererTests.rendered { $0.string(s) } == String(decoding: expected, as: UTF8.self))
    }

    /// Every ASCII byte at every offset of a word-and-a-half string: the
    /// eight-bytes-at-a-time scan must find each one that needs escaping.
    @Test func escapesEveryByteAtEveryOffset() {
        for b in 0..<128 {
            for offset in 0..<17 {
                let s = String(repeating: "a", count: offset) + String(UnicodeScalar(UInt8(b))) + "é" + String(repeating: "z", count: 16 - offset)
                var expected: [UInt8] = []
                JSONObjectWriter.appendString(s, to: &expected)
                #expect(AuditLineRendererTests.rendered { $0.string(s) } == String(decoding: expected, as: UTF8.self), "byte \(b) at \(offset)")
            }
        }
    }

    static let integers: [Int64] = [0, 1, 9, 10, 99, 100, 12345, -1, -10, Int64(Int32.min), Int64.max, Int64.min]

    @Test(arguments: integers)
    func writesIntegersAsStringDoes(_ v: Int64) {
        #expect(AuditLineRendererTests.rendered { $0.int(v) } == String(v))
        if v >= 0 { #expect(AuditLineRendererTests.rendered { $0.uint(UInt64(v)) } == String(v)) }
    }

    @Test func writesTheLargestUnsignedInteger() {
        #expect(AuditLineRendererTests.rendered { $0.uint(UInt64.max) } == String(UInt64.max))
    }

    struct Time: Sendable, CustomTestStringConvertible {
        let seconds: Int, nanoseconds: Int
        var testDescription: String { "\(seconds)s \(nanoseconds)ns" }
    }

    static let times: [Time] = [
        Time(seconds: 1_795_988_597, nanoseconds: 436_000_000), Time(seconds: 0, nanoseconds: 0), Time(seconds: 951_782_400, nanoseconds: 1),
        Time(seconds: 253_402_300_799, nanoseconds: 999_999_999),   // 9999-12-31T23:59:59.999Z
        Time(seconds: 253_402_300_800, nanoseconds: 0),             // year 10000: the String path
        Time(seconds: -62_135_596_800, nanoseconds: 0),             // year 1
        Time(seconds: -1, nanoseconds: 5_000_000), Time(seconds: 5, nanoseconds: -1), Time(seconds: 5, nanoseconds: 1_000_000_000),
    ]

    @Test(arguments: times)
    func writesTimesAsRFC3339Does(_ t: Time) {
        let e = AuditEvent("x", time: (t.seconds, t.nanoseconds)) { _ in }
        let object = AuditLineRendererTests.rendered { $0.renderEvent(e) }
        #expect(object.contains("\"time\":\"\(AuditRecord.rfc3339((t.seconds, t.nanoseconds)))\","))
    }

    @Test func oneShotDigestEqualsStreamingAtEveryLength() {
        for n in 0..<300 {
            let m = SHA256Tests.message(n)
            var streaming = SHA256()
            streaming.update(m.lazy.map { $0 })
            #expect(SHA256.hash(m) == streaming.finalize(), "length \(n)")
        }
    }

    @Test func aRecordLargerThanTheBufferIsWhole() {
        var record = AuditGoldenCases.ping()
        record.target = "/" + String(repeating: "é\"", count: 40_000)
        var renderer = AuditLineRenderer(run: "r")
        var out: [UInt8] = []
        renderer.request(record, into: &out)
        renderer.result(record, into: &out)
        let lines = out.split(separator: 10)
        #expect(lines.count == 2)
        #expect(AuditChain.check(line: lines[1]) == .sealed(prev: AuditChain.check(line: lines[0]).hash ?? "", hash: renderer.prev))
        guard case .success(.object(let members)) = JSONParser.parse(Array(lines[0])) else {
            Issue.record("not a JSON object")
            return
        }
        #expect(members.first { $0.key == "target" }?.value == .string(record.target))
    }
}

extension AuditChain.Link {
    var hash: String? {
        if case .sealed(_, let hash) = self { return hash }
        return nil
    }
}
