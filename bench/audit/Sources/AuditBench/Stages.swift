@testable import Proxy

/// The writer thread's per-record work, stage by stage, through the audit
/// log's own (internal) renderer.
struct Stages {
    let run = "8d18ae0ceff3"
    var lastHash = AuditChain.genesis
    var seq: UInt64 = 0

    /// The record's members as JSON (no prev, no hash).
    func render(_ kind: Kind) -> [UInt8] {
        kind.result ? kind.record.resultObject(seq: seq, run: run) : kind.record.requestObject(seq: seq, run: run)
    }

    /// Chains and hashes a rendered object into its line.
    mutating func seal(_ object: [UInt8]) -> [UInt8] {
        let sealed = AuditChain.seal(object: object, prev: lastHash)
        lastHash = sealed.hash
        seq += 1
        return sealed.line
    }

    /// Render and seal, appended to `batch` as the writer does.
    mutating func line(_ kind: Kind, onto batch: inout [UInt8]) {
        batch += seal(render(kind))
    }
}
