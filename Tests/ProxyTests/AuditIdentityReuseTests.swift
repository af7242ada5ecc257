import Testing
@testable import Proxy

/// The writer renders a request's identity members once and repeats them in
/// its result (`AuditLineRenderer+Identity.swift`). Each case renders a
/// sequence of records with one renderer and checks every result against
/// a renderer that has seen nothing (no kept identity), byte for byte.
struct IdentityReuseCase: Sendable, CustomTestStringConvertible {
    enum Step: Sendable {
        case request(AuditRecord)
        case result(AuditRecord)
        /// The record's result, changed first: the change is made when the
        /// step is reached, after the records before it were rendered.
        case resultChangedNow(AuditRecord, @Sendable (inout AuditRecord) -> Void)
    }

    let name: String
    /// The records, in the order the writer gets them.
    let steps: @Sendable () -> [Step]
    /// How many results must find their identity kept.
    let reused: Int
    var testDescription: String { name }
}

/// The longest method, target or API version a result repeats whole.
private let boundedLength = AuditLineRenderer.boundedHead + AuditLineRenderer.boundedTail + 32

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
        return [.request(a), .result(answered(a))]
    }, reused: 1),
    IdentityReuseCase(name: "other connections' records in between", steps: {
        let a = record(connection: 1, request: 1), b = record(connection: 2, request: 2), c = record(connection: 3, request: 3)
        return [.request(a), .request(b), .request(c), .result(answered(b)), .result(answered(a)), .result(answered(c))]
    }, reused: 3),
    IdentityReuseCase(name: "a request side changed after its request record is rendered anew", steps: {
        let a = record(connection: 1, request: 1)
        return [.request(a), .resultChangedNow(answered(a), { $0.decision = "allow"; $0.reason = "changed after the request record" })]
    }, reused: 0),
    IdentityReuseCase(name: "a change to the outcome alone keeps the identity", steps: {
        let a = record(connection: 1, request: 1)
        return [.request(a), .resultChangedNow(answered(a), { $0.error = "client went away"; $0.bytesIn = 7 })]
    }, reused: 1),
    IdentityReuseCase(name: "a connection with the same slot in between takes the slot", steps: {
        let a = record(connection: 6, request: 1)
        let b = record(connection: 6 + UInt64(RenderedIdentities.slots), request: 2, target: "/v1.41/info")
        return [.request(a), .request(b), .result(answered(a)), .result(answered(b))]
    }, reused: 1),
    IdentityReuseCase(name: "a target too long for the result's bounded form is rendered bounded", steps: {
        let a = record(connection: 1, request: 1, target: "/" + String(repeating: "x", count: 3000))
        return [.request(a), .result(answered(a))]
    }, reused: 0),
    IdentityReuseCase(name: "a target one byte short of being bounded, longer than a slot, is rendered whole", steps: {
        let a = record(connection: 1, request: 1, target: "/" + String(repeating: "x", count: boundedLength - 1))
        return [.request(a), .result(answered(a))]
    }, reused: 0),
    IdentityReuseCase(name: "a method as long as the bound leaves the slot empty, and the slot's earlier owner gone", steps: {
        var a = record(connection: 1, request: 1)
        a.method = String(repeating: "M", count: boundedLength + 1)
        let earlier = record(connection: 1 + UInt64(RenderedIdentities.slots), request: 2)
        return [.request(earlier), .request(a), .result(answered(a)), .result(answered(earlier))]
    }, reused: 0),
    IdentityReuseCase(name: "a long API version is rendered bounded", steps: {
        var a = record(connection: 1, request: 1)
        a.apiVersion = String(repeating: "1.", count: boundedLength)
        return [.request(a), .result(answered(a))]
    }, reused: 0),
    IdentityReuseCase(name: "a job socket's record with its job, pull and tag, and no peer", steps: {
        var a = record(connection: 1, request: 1)
        a.peer = nil
        a.job = (id: "j1", labels: [(key: "ci", value: "x\"y")])
        a.pulledFor = (request: 9, line: 3)
        a.taggedFor = 12
        return [.request(a), .result(answered(a))]
    }, reused: 1),
    IdentityReuseCase(name: "a forwarded target is repeated with the identity", steps: {
        var a = record(connection: 1, request: 1, target: "/v1.41/containers/web/exec")
        a.forwardedTarget = "/v1.41/containers/" + String(repeating: "ab", count: 32) + "/exec"
        return [.request(a), .result(answered(a))]
    }, reused: 1),
    IdentityReuseCase(name: "a forwarded target set after the request record is rendered anew", steps: {
        let a = record(connection: 1, request: 1, target: "/v1.41/build?pull=1")
        return [.request(a), .resultChangedNow(answered(a), { $0.forwardedTarget = "/v1.41/build?pull=0" })]
    }, reused: 0),
    IdentityReuseCase(name: "a forwarded target too long for the result's bounded form is rendered bounded", steps: {
        var a = record(connection: 1, request: 1)
        a.forwardedTarget = "/" + String(repeating: "f", count: 3000)
        return [.request(a), .result(answered(a))]
    }, reused: 0),
    IdentityReuseCase(name: "an identity larger than a slot is rendered", steps: {
        var a = record(connection: 1, request: 1)
        a.reason = String(repeating: "r", count: RenderedIdentities.slotBytes)
        return [.request(a), .result(answered(a))]
    }, reused: 0),
    IdentityReuseCase(name: "a result whose request was never rendered", steps: {
        [.result(answered(record(connection: 1, request: 1)))]
    }, reused: 0),
    IdentityReuseCase(name: "the next request on a connection has its own identity", steps: {
        let a = record(connection: 1, request: 1), b = record(connection: 1, request: 2, target: "/version")
        return [.request(a), .result(answered(a)), .request(b), .result(answered(b)), .result(answered(b))]
    }, reused: 2),
]

@Suite struct AuditIdentityReuseTests {
    @Test(arguments: identityReuseCases)
    func resultEqualsAFreshRendering(_ c: IdentityReuseCase) {
        var renderer = AuditLineRenderer(run: "abc", seq: 7)
        var reused = 0
        for step in c.steps() {
            var result: AuditRecord
            switch step {
            case .request(let r):
                renderer.renderRequest(r)
                #expect(renderer.object == r.requestObject(seq: 7, run: "abc"), "\(c.name)")
                continue
            case .result(let r):
                result = r
            case .resultChangedNow(let r, let change):
                result = r
                change(&result)
            }
            if renderer.identities.kept(owner: result.askedStorage, connection: result.connection) { reused += 1 }
            renderer.renderResult(result)
            #expect(renderer.object == result.resultObject(seq: 7, run: "abc"), "\(c.name)")
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
