import Testing
@testable import Proxy

/// How many log bytes one byte a client sends becomes (SECURITY.md,
/// docs/audit-log.md "How large a record can be"). A client's bytes reach a
/// record as strings decoded as Go decodes them; each class of byte a JSON
/// string can carry must be written at most three times as long as it was
/// sent: an invalid UTF-8 byte, which Go's decoder makes U+FFFD (3 bytes),
/// is the most; escapes and `"`/`\` twice; DEL and the rest once (DEL was
/// written `\u007f`: 6 times, then again in each place it was quoted). Tests/integration/test_audit_growth.py measures whole records.
@Suite struct AuditGrowthTests {
    struct Class: Sendable, CustomTestStringConvertible {
        let name: String
        /// One unit as a client sends it in a JSON string (or a query).
        let sent: [UInt8]
        /// What Go's decoder makes of it.
        let decoded: String
        /// How the record writes it.
        let written: String
        var testDescription: String { name }
    }

    static let classes: [Class] = [
        Class(name: "DEL, raw", sent: [0x7F], decoded: "\u{7f}", written: "\u{7f}"),
        Class(name: "C0 control, escaped", sent: Array("\\u0001".utf8), decoded: "\u{01}", written: "\\u0001"),
        Class(name: "newline, escaped", sent: Array("\\n".utf8), decoded: "\n", written: "\\n"),
        Class(name: "invalid UTF-8 (Go: U+FFFD)", sent: [0xFF], decoded: "\u{fffd}", written: "\u{fffd}"),
        Class(name: "lone surrogate, escaped (Go: U+FFFD)", sent: Array("\\ud800".utf8), decoded: "\u{fffd}", written: "\u{fffd}"),
        Class(name: "<>& (Go's HTML escapes are not needed)", sent: Array("<>&".utf8), decoded: "<>&", written: "<>&"),
        Class(name: "U+2028, raw", sent: Array("\u{2028}".utf8), decoded: "\u{2028}", written: "\\u2028"),
        Class(name: "U+2029, raw", sent: Array("\u{2029}".utf8), decoded: "\u{2029}", written: "\\u2029"),
        Class(name: "quote, escaped", sent: Array("\\\"".utf8), decoded: "\"", written: "\\\""),
        Class(name: "backslash, escaped", sent: Array("\\\\".utf8), decoded: "\\", written: "\\\\"),
        Class(name: "quote, in a query (%22)", sent: Array("%22".utf8), decoded: "\"", written: "\\\""),
        Class(name: "ASCII", sent: Array("a".utf8), decoded: "a", written: "a"),
    ]

    static func rendered(_ text: String, bounded: Bool = false) -> [UInt8] {
        var renderer = AuditLineRenderer(run: "r")
        renderer.reset()
        if bounded { renderer.boundedString(text) } else { renderer.string(text) }
        return renderer.object
    }

    @Test("each byte class is written at most three times as long as it was sent", arguments: classes)
    func perByte(_ c: Class) {
        let text = String(repeating: c.decoded, count: 1000)
        let out = Self.rendered(text)
        #expect(out == Array(("\"" + String(repeating: c.written, count: 1000) + "\"").utf8))
        #expect(out.count - 2 <= 3 * 1000 * c.sent.count, "\(out.count - 2) bytes for \(1000 * c.sent.count)")
        // The same escapes wherever a record's strings are written.
        var writer: [UInt8] = []
        JSONObjectWriter.appendString(text, to: &writer)
        #expect(writer == out)
    }

    @Test("a reason or error keeps at most 1,536 of its bytes, whatever it quotes", arguments: classes)
    func boundedReason(_ c: Class) {
        let text = "[host-paths]: HostConfig.Binds[0] \"" + String(repeating: c.decoded, count: 100_000) + "\" is not allowed; add it"
        let out = Self.rendered(text, bounded: true)
        let kept = AuditLineRenderer.bounded(text)
        #expect(kept.utf8.count <= 1024 + 512 + 32)
        #expect(kept.hasPrefix("[host-paths]: HostConfig.Binds[0] \"") && kept.hasSuffix("\" is not allowed; add it"))
        #expect(kept.contains("…(\(text.utf8.count) bytes)…"))
        #expect(out.count <= 6 * (1024 + 512) + 64)
        // Short ones are written whole.
        #expect(Self.rendered("denied", bounded: true) == Self.rendered("denied"))
    }

    @Test("a record names the container it acts in by at most 1,600 bytes of its name (a client names containers)")
    func targetContainerName() {
        var r = AuditRecord(connection: 1, request: 1, peer: nil, method: "POST", target: "/v1.41/containers/abc/exec",
                            route: "exec.create", group: "exec", apiVersion: "1.41", decision: "deny", rule: "containers",
                            reason: nil, policy: "ci.toml", status: nil, startedAt: (0, 0))
        r.targetContainer = (id: String(repeating: "a", count: 64), name: String(repeating: "n", count: 200_000))
        let object = r.requestObject(seq: 0, run: "r")
        #expect(object.count < 4096)
        #expect(String(decoding: object, as: UTF8.self).contains("…(200000 bytes)…"))
    }

    @Test("a result record is at most 32 KiB whatever the request: a long method, target, API version, reason or error keeps its head and tail")
    func resultRecord() {
        let long = String(repeating: "\"", count: 200_000)
        var r = AuditRecord(connection: 1, request: 1, peer: nil, method: String(repeating: "G", count: 200_000),
                            target: "/v" + String(repeating: "1", count: 200_000) + "/" + long, route: nil, group: nil,
                            apiVersion: String(repeating: "1", count: 200_000), decision: "deny", rule: "unknown-route",
                            reason: String(repeating: "\u{01}", count: 200_000), policy: "ci.toml", status: nil, startedAt: (0, 0))
        r.error = String(repeating: "\u{01}", count: 200_000)
        #expect(r.resultObject(seq: 0, run: "r").count < 32 << 10)
        // The request record has the method, target and version whole.
        #expect(r.requestObject(seq: 0, run: "r").count > 1_000_000)
    }

    @Test("the digest of a cut fact is the SHA-256 of the whole string")
    func factDigest() {
        let limits = RequestJudge.auditFactLimits(bodyBytes: 0)
        #expect(limits.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(limits.maxStringBytes == 256 && limits.maxPerKind == 256 && limits.maxBytes == 4096)
    }
}
