import Testing

// FuzzHTTP1Response's `GoClientModel` (a hand transcription of go1.19's
// net/http client reading) against Go itself: the golden table that
// scripts/go-http-oracle/regen.py generated with go1.19's own code. The
// model's file, the table and its parser are symlinks into
// fuzz/Sources/FuzzHTTP1Response/ and Tests/HTTP1Tests/, so this target
// compiles the very files the fuzz target and HTTP1Tests do. The fuzz
// target lets the proxy refuse whatever it likes, so a model that misreads
// a form the proxy refuses would go unnoticed there; not here.

/// The one type of the fuzz target that the model uses.
enum ProxyTrace {
    struct Head: Equatable, CustomStringConvertible {
        let status: Int
        let range: Range<Int>
        var description: String { "\(status)@\(range.lowerBound)-\(range.upperBound)" }
    }
}

@Suite("GoClientModel as go1.19 reads it")
struct GoClientModelTests {
    /// Whether the model's answer is Go's: the same outcome, heads, body start,
    /// end and reuse (a refusal: refused alike, wherever and however).
    static func agrees(_ m: GoAnswer, _ g: GoResponseCase.Answer) -> Bool {
        guard m.start == g.start else { return false }
        let heads = m.heads.map { GoResponseCase.Head(status: $0.status, range: $0.range) }
        switch (m.outcome, g.outcome) {
        case (.refused, .refused):
            return true
        case (.truncated, .truncated):
            return heads == g.heads
        case (.untilClose, .untilClose):
            return heads == g.heads && m.bodyStart == g.bodyStart
        case (.complete(let end, let reuse), .complete):
            return heads == g.heads && end == g.end && reuse == g.reuse && (m.bodyStart == g.bodyStart || g.body.isEmpty)
        default:
            return false
        }
    }

    @Test("the model reads every golden stream as Go does", arguments: GoResponseCase.all)
    func model(_ c: GoResponseCase) {
        let answers = GoClientModel.read(c.stream, methods: c.methods.isEmpty ? ["GET"] : c.methods, maxAnswers: 8)
        let report = "go: \(c.answers.map { "\($0.outcome) @\($0.start) \($0.heads) body@\($0.bodyStart) end \($0.end) \($0.reuse ? "reuse" : "") \($0.error)" })\nmodel: \(answers)"
        #expect(answers.count == c.answers.count, "as many answers as Go reads:\n\(report)")
        for (i, g) in c.answers.enumerated() where i < answers.count {
            #expect(Self.agrees(answers[i], g), "answer \(i):\n\(report)")
        }
    }
}
