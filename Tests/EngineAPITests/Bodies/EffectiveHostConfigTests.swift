@testable import EngineAPI
import GoJSON
import Testing

/// getHostConfig() on hand-built decoded values (what GoDecoder produces for
/// the wrapper: present fields only, in schema order, with canonical names).
@Suite("Container create: which HostConfig the daemon uses")
struct EffectiveHostConfigTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let body: [GoFieldValue]
        let v20: [GoFieldValue]?
        let v28: [GoFieldValue]?
        var testDescription: String { name }
    }

    static func inner(_ fields: [GoFieldValue]) -> GoFieldValue { GoFieldValue("HostConfig", .pointer(.structure(fields))) }
    static let image = GoFieldValue("Image", .string("busybox"))
    static let privileged = GoFieldValue("Privileged", .bool(true))
    static let binds = GoFieldValue("Binds", .slice([.string("/:/host")]))

    static let rows: [Row] = [
        Row(name: "no HostConfig anywhere → none", body: [image], v20: nil, v28: nil),
        Row(name: "top-level only → 20.10 uses it whole, 28.x ignores it",
            body: [image, privileged, binds], v20: [binds, privileged], v28: nil),
        Row(name: "inner only → both use it",
            body: [image, inner([privileged])], v20: [privileged], v28: [privileged]),
        Row(name: "inner present → top-level Privileged/Binds are dropped",
            body: [image, inner([]), privileged, binds], v20: [], v28: []),
        Row(name: "inner present → zero Memory/MemorySwap/CpuShares/CpusetCpus/VolumeDriver come from the top",
            body: [image,
                   inner([GoFieldValue("VolumeDriver", .string("")), GoFieldValue("Memory", .int(0))]),
                   GoFieldValue("VolumeDriver", .string("nfs")), GoFieldValue("CpuShares", .int(512)),
                   GoFieldValue("Memory", .int(64)), GoFieldValue("MemorySwap", .int(128)),
                   GoFieldValue("CpusetCpus", .string("0-1")), GoFieldValue("KernelMemory", .int(9))],
            v20: [GoFieldValue("VolumeDriver", .string("nfs")), GoFieldValue("CpuShares", .int(512)),
                  GoFieldValue("Memory", .int(64)), GoFieldValue("CpusetCpus", .string("0-1")),
                  GoFieldValue("MemorySwap", .int(128))],
            v28: [GoFieldValue("VolumeDriver", .string("")), GoFieldValue("Memory", .int(0))]),
        Row(name: "inner non-zero values win over the top level",
            body: [inner([GoFieldValue("Memory", .int(1))]), GoFieldValue("Memory", .int(2))],
            v20: [GoFieldValue("Memory", .int(1))], v28: [GoFieldValue("Memory", .int(1))]),
        Row(name: "HostConfig null → the top level is used (20.10)",
            body: [GoFieldValue("HostConfig", .null), privileged], v20: [privileged], v28: nil),
        Row(name: "Cpuset fills an empty CpusetCpus (20.10 only)",
            body: [inner([]), GoFieldValue("Cpuset", .string("3"))],
            v20: [GoFieldValue("CpusetCpus", .string("3"))], v28: []),
        Row(name: "Cpuset does not override CpusetCpus",
            body: [inner([GoFieldValue("CpusetCpus", .string("1"))]), GoFieldValue("Cpuset", .string("3"))],
            v20: [GoFieldValue("CpusetCpus", .string("1"))], v28: [GoFieldValue("CpusetCpus", .string("1"))]),
        Row(name: "Cpuset alone (no HostConfig at all) is ignored",
            body: [image, GoFieldValue("Cpuset", .string("3"))], v20: nil, v28: nil),
        Row(name: "Cpuset with top-level HostConfig keys lands in it",
            body: [GoFieldValue("Cpuset", .string("3")), privileged],
            v20: [privileged, GoFieldValue("CpusetCpus", .string("3"))], v28: nil),
    ]

    @Test("effectiveHostConfig", arguments: rows)
    func effective(_ row: Row) {
        let body = GoValue.structure(row.body)
        #expect(ContainerCreateBody.effectiveHostConfig(of: body, daemon: .docker20_10) == row.v20.map { .structure(ordered($0)) })
        #expect(ContainerCreateBody.effectiveHostConfig(of: body, daemon: .docker28) == row.v28.map { .structure($0) })
    }

    /// Schema order of HostConfig.
    func ordered(_ fields: [GoFieldValue]) -> [GoFieldValue] {
        let order = Dictionary(uniqueKeysWithValues: BodySchemas.Container.hostConfig.fields.enumerated().map { ($1.name, $0) })
        return fields.sorted { order[$0.name, default: .max] < order[$1.name, default: .max] }
    }
}
