import Testing
@testable import Proxy

/// The writer renders a request's identity members once and repeats them in
/// its result (`AuditLineRenderer+Identity.swift`). Each case renders a
/// sequence of records with one renderer and checks every result against
/// a renderer that has seen nothing (no kept identity), byte for byte.
struct IdentityReuseCase: Sendable, CustomTestStringConvertible {
    let name: String
    /// The records, in the order the writer gets them; `true`: a result.
    let steps: @Sendable () -> [(record: AuditRecord, result: Bool)]
    /// How many results must find their identity kept.
    let reused: Int
    var testDescription: String { name }
}

private func record(connection: UInt64, request: UInt64, target: String = "/_ping") -> AuditRecord {
    var r = AuditRecordTests.record()
    r.connection = connection
    r.request = request
    r.target = target
    return r
}

private func answered(_ r: AuditRecord) -> AuditRecord {
    var r = r
    r.status = 200
    r.bytesOut = 289
    return r
}

let identityReuseCases: [IdentityReuseCase] = [
    IdentityReuseCase(name: "a result right after its request repeats the request's identity", steps: {
        let a = record(connection: 1, request: 1)
        return [(a, false), (answered(a), true)]
    }, reused: 1),
    IdentityReuseCase(name: "other connections' records in between", steps: {
        let a = record(connection: 1, request: 1), b = record(connection: 2, request: 2), c = record(connection: 3, request: 3)
        return [(a, false), (b, false), (c, false), (answered(b), true), (answered(a), true), (answered(c), true)]
    }, reused: 3),
    IdentityReuseCase(name: "a request side changed after its request record is rendered anew", steps: {
        let a = record(connection: 1, request: 1)
        var changed = answered(a)
        changed.decision = "allow"
        changed.reason = "changed after the request record"
        return [(a, false), (changed, true)]
    }, reused: 0),
    IdentityReuseCase(name: "a connection with the same slot in between takes the slot", steps: {
        let a = record(connection: 6, request: 1)
        let b = record(connection: 6 + UInt64(RenderedIdentities.slots), request: 2, target: "/v1.41/info")
        return [(a, false), (b, false), (answered(a), true), (answered(b), true)]
    }, reused: 1),
    IdentityReuseCase(name: "a target too long for the result's bounded form is rendered bounded", steps: {
        let a = record(connection: 1, request: 1, target: "/" + String(repeating: "x", count: 3000))
        return [(a, false), (answered(a), true)]
    }, reused: 0),
    IdentityReuseCase(name: "an identity larger than a slot is rendered", steps: {
        var a = record(connection: 1, request: 1)
        a.reason = String(repeating: "r", count: RenderedIdentities.slotBytes)
        return [(a, false), (answered(a), true)]
    }, reused: 0),
    IdentityReuseCase(name: "a result whose request was never rendered", steps: {
        [(answered(record(connection: 1, request: 1)), true)]
    }, reused: 0),
    IdentityReuseCase(name: "the next request on a connection has its own identity", steps: {
        let a = record(connection: 1, request: 1), b = record(connection: 1, request: 2, target: "/version")
        return [(a, false), (answered(a), true), (b, false), (answered(b), true), (answered(b), true)]
    }, reused: 2),
]

@Suite struct AuditIdentityReuseTests {
    @Test(arguments: identityReuseCases)
    func resultEqualsAFreshRendering(_ c: IdentityReuseCase) {
        var renderer = AuditLineRenderer(run: "abc", seq: 7)
        var reused = 0
        for step in c.steps() {
            if step.result {
                let kept = renderer.identities.kept(owner: step.record.askedStorage, connection: step.record.connection)
                renderer.renderResult(step.record)
                if kept { reused += 1 }
                #expect(renderer.object == step.record.resultObject(seq: 7, run: "abc"), "\(c.name)")
            } else {
                renderer.renderRequest(step.record)
                #expect(renderer.object == step.record.requestObject(seq: 7, run: "abc"), "\(c.name)")
            }
        }
        #expect(reused == c.reused, "\(c.name)")
    }

    @Test("a kept identity is given once, to the record that owns it")
    func keptOnceForItsOwner() {
        var identities = RenderedIdentities()
        defer { identities.deallocate() }
        let owner = record(connection: 3, request: 1).askedStorage
        let other = record(connection: 3, request: 2).askedStorage
        let bytes: [UInt8] = Array(",\"conn\":3".utf8)
        bytes.withUnsafeBufferPointer { identities.store($0, owner: owner, connection: 3) }
        #expect(identities.take(owner: other, connection: 3) == nil)
        #expect(identities.take(owner: owner, connection: 4) == nil)
        #expect(identities.take(owner: owner, connection: 3).map(Array.init) == bytes)
        #expect(identities.take(owner: owner, connection: 3) == nil)
    }
}
