@testable import Proxy

/// The writer thread's per-record work, stage by stage, through the audit
/// log's own (internal) renderer, `AuditLineRenderer`.
struct Stages: ~Copyable {
    var renderer = AuditLineRenderer(run: "8d18ae0ceff3")
    /// Where `seal` puts lines it measures (emptied each time).
    var scratch: [UInt8] = []

    /// Renders the record's members (no prev, no hash) into the renderer's
    /// buffer; returns their length.
    mutating func render(_ kind: Kind) -> Int {
        if kind.result { renderer.renderResult(kind.record) } else { renderer.renderRequest(kind.record) }
        return renderer.count
    }

    /// The rendered members, for `seal`.
    mutating func object(_ kind: Kind) -> [UInt8] {
        _ = render(kind)
        return renderer.object
    }

    /// Chains and hashes a rendered object into its line (the object is
    /// copied into the buffer first: a memcpy). Returns the line's length.
    mutating func seal(_ object: [UInt8]) -> Int {
        renderer.reset()
        renderer.bytes(object)
        renderer.seal(into: &scratch)
        defer { scratch.removeAll(keepingCapacity: true) }
        return scratch.count
    }

    /// Render and seal, appended to `batch` as the writer does.
    mutating func line(_ kind: Kind, onto batch: inout [UInt8]) {
        if kind.result { renderer.result(kind.record, into: &batch) } else { renderer.request(kind.record, into: &batch) }
    }
}
