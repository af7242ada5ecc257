import EngineAPI
import Foundation
import GoJSON
import Testing

/// The single-pass decoder against the reference path on real and fuzzed
/// bodies, for the body schema of every judged route: the same value, bytes
/// consumed and encoding, or the same error.
@Suite("Single-pass decoding on the fuzz corpus and captured bodies")
struct DirectDecodeCorpusTests {
    static let schemas: [(String, GoType)] = [
        ("container.create", .structure(ContainerCreateBody.wrapper)),
        ("container.update", .structure(BodySchemas.Container.updateConfig)),
        ("exec.create", .structure(BodySchemas.Exec.options)),
        ("volume.create", .structure(BodySchemas.Volume.createOptions)),
        ("network.create", .structure(BodySchemas.Network.createRequest)),
        ("network.connect", .structure(BodySchemas.Network.connectOptions)),
        ("service.create", .structure(BodySchemas.Swarm.serviceSpec)),
        ("swarm.init", .structure(BodySchemas.Swarm.initRequest)),
        ("swarm.join", .structure(BodySchemas.Swarm.joinRequest)),
        ("swarm.update", .structure(BodySchemas.Swarm.spec)),
        ("plugin.pull", BodySchemas.Plugin.privileges),
        ("plugin.set", BodySchemas.Plugin.setArgs),
    ]

    /// fuzz/corpus/FuzzGoJSON and fuzz/crashes/FuzzGoJSON, and bench/bodies.
    static func corpus() -> [(String, [UInt8])] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        var out: [(String, [UInt8])] = []
        for dir in ["fuzz/corpus/FuzzGoJSON", "fuzz/crashes/FuzzGoJSON", "bench/bodies"] {
            let url = root.appendingPathComponent(dir)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            for name in names.sorted() {
                if let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) {
                    out.append(("\(dir)/\(name)", [UInt8](data)))
                }
            }
        }
        return out
    }

    @Test("agrees with the reference path on every corpus file, for every judged schema")
    func corpusAgrees() {
        let files = Self.corpus()
        #expect(files.count > 100, "the fuzz corpus was not found")
        for (name, bytes) in files {
            for (route, schema) in Self.schemas {
                check(bytes, schema, "\(name) as \(route)")
            }
        }
    }

    @Test("agrees with the reference path on the captured client bodies", arguments: CapturedBodies.all)
    func capturedAgree(_ body: CapturedBody) {
        for (route, schema) in Self.schemas where route == body.route {
            check(Array(body.body.utf8), schema, body.route)
        }
    }

    private func check(_ input: [UInt8], _ type: GoType, _ label: String) {
        let fast = GoDecoder.decodeFirstValue(input, as: type)
        let reference = GoDecoder.decodeFirstValueReference(input, as: type)
        switch (fast, reference) {
        case (.success(let f), .success(let r)):
            #expect(f.consumed == r.consumed, "\(label): consumed")
            #expect(f.value == r.value, "\(label): value")
            #expect(GoEncoder.encodeChecked(f.value, as: type) == GoEncoder.encodeChecked(r.value, as: type), "\(label): encoding")
        case (.failure(let f), .failure(let r)):
            #expect(f == r, "\(label): error")
        default:
            Issue.record("\(label): single pass \(fast), reference \(reference)")
        }
    }
}
