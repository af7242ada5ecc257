import EngineAPI
import GoJSON
import Testing
@testable import Policy

/// How an audit record's facts are cut (`FactsJSON.Limits`): a long string
/// keeps its first 256 bytes and says how long it was and its digest; past
/// the budget, asks are counted in `"omitted"`; what was cut is not read
/// back as if it were whole.
@Suite("Facts cut for the audit log")
struct FactsAuditLimitsTests {
    /// A stand-in digest (the proxy passes SHA-256): the string's length.
    static let limits = FactsJSON.Limits(maxPerKind: 256, maxBytes: 4096, maxStringBytes: 256, digest: { "d\($0.utf8.count)" })

    static func object(_ bytes: [UInt8]) -> [JSONMember]? {
        guard case .success(.object(let members)) = JSONParser.parse(bytes) else { return nil }
        return members
    }

    @Test("a string longer than the cap keeps its first bytes, on a code point, with its length and digest",
          arguments: ["\u{7f}", "a", "é", "日", "🐳", "\u{2028}"])
    func cutString(_ unit: String) throws {
        // "/" and as many whole units as fit in the other 255 bytes.
        let kept = 1 + 255 / unit.utf8.count * unit.utf8.count
        let path = "/" + String(repeating: unit, count: 4000)
        let facts = RequestFacts([Ask(.hostPath(path: path, readOnly: false, sharedPropagation: false),
                                      field: "HostConfig.Binds[0]", value: path + ":/m")])
        let rendered = FactsJSON.render(facts, limits: Self.limits)
        let groups = try #require(Self.object(rendered))
        guard case .array(let entries) = groups.first?.value, case .object(let entry) = entries.first else {
            Issue.record("not one entry: \(String(decoding: rendered, as: UTF8.self))")
            return
        }
        func member(_ key: String) -> JSONValue? { entry.first { $0.key == key }?.value }
        guard case .string(let shown)? = member("path") else { Issue.record("no path"); return }
        #expect(shown.hasSuffix("…") && shown.utf8.count == kept + "…".utf8.count)
        #expect(path.hasPrefix(String(shown.dropLast())))
        #expect(member("field") == .string("HostConfig.Binds[0]"))
        #expect(member("cut") == .object([
            JSONMember("value", .object([JSONMember("bytes", .number("\(path.utf8.count + 3)")), JSONMember("sha256", .string("d\(path.utf8.count + 3)"))])),
            JSONMember("path", .object([JSONMember("bytes", .number("\(path.utf8.count)")), JSONMember("sha256", .string("d\(path.utf8.count)"))])),
        ]))
        #expect(rendered.count < 2048)
        // Not read back as a whole ask: suggest must not learn a cut path.
        let value = try #require({ if case .success(let v) = JSONParser.parse(rendered) { return v } else { return nil } }())
        #expect(FactsJSON.wasCut(value))
        #expect(FactsJSON.parse(value)?.asks.isEmpty == true)
    }

    @Test("a string of the cap's length or less is written whole, with no cut member")
    func wholeString() throws {
        let path = "/" + String(repeating: "a", count: 255)
        let facts = RequestFacts([Ask(.hostPath(path: path, readOnly: true, sharedPropagation: false), field: "HostConfig.Binds[0]", value: path)])
        let rendered = FactsJSON.render(facts, limits: Self.limits)
        #expect(rendered == FactsJSON.render(facts))
        guard case .success(let value) = JSONParser.parse(rendered) else { Issue.record("not JSON"); return }
        #expect(!FactsJSON.wasCut(value) && FactsJSON.parse(value) == facts)
    }

    @Test("past the byte budget the asks left are counted in omitted; one entry may overshoot it")
    func budget() throws {
        let asks = (0..<2000).map { Ask(.capabilityAdd("CAP_A\($0)"), field: "HostConfig.CapAdd[\($0)]", value: "A\($0)") }
            + [Ask(.privileged, field: "HostConfig.Privileged", value: "true")]
        let rendered = FactsJSON.render(RequestFacts(asks), limits: Self.limits)
        #expect(rendered.count <= 4096 + 2048)
        let groups = try #require(Self.object(rendered))
        #expect(groups.map(\.key) == ["capability_add", "privileged", "omitted"])
        guard case .array(let caps) = groups[0].value, case .object(let omitted) = groups[2].value else {
            Issue.record("shape"); return
        }
        #expect(omitted.map(\.key) == ["capability_add", "privileged"])
        #expect(omitted.first?.value == .number("\(2000 - caps.count)"))
    }

    @Test("the audit budget: 4 KiB plus twice the body, at most 64 KiB",
          arguments: [(0, 4096), (1000, 6096), (30_000, 64_096), (31_000, 64 << 10), (10 << 20, 64 << 10)])
    func auditBudget(_ body: Int, budget: Int) {
        #expect(FactsJSON.auditBudget(bodyBytes: body) == budget)
    }

    @Test("strings are escaped as Go's encoder escapes them (without its HTML escapes)",
          arguments: [
              ("\u{7f}", "\u{7f}"), ("\u{01}", "\\u0001"), ("\n", "\\n"), ("\"", "\\\""), ("\\", "\\\\"),
              ("<>&", "<>&"), ("\u{2028}", "\\u2028"), ("\u{2029}", "\\u2029"), ("\u{fffd}", "\u{fffd}"),
              ("\u{85}", "\u{85}"), ("a\u{2028}b\u{2027}", "a\\u2028b\u{2027}"),
          ])
    func escapes(_ s: String, json: String) {
        var out: [UInt8] = []
        JSONText.appendString(s, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "\"" + json + "\"")
    }
}
