@testable import EngineAPI
import GoJSON
import Testing

/// `FieldTable` (hostConfigFacts' look-ups by name) answers exactly as
/// `GoValue.at`, and `isOldAPITopLevelKey` exactly as the set it replaced
/// on the create path.
@Suite("Facts: field look-ups by name")
struct FieldTableTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let value: GoValue
        var testDescription: String { name }
    }

    static let decodedCreate: GoValue = {
        guard case .success(let decoded) = GoDecoder.decodeFirstValue(
            Array(#"{"Image":"busybox","HostConfig":{"Binds":["/srv:/srv"],"NetworkMode":"none","Privileged":true,"CpuRealtimeRuntime":5,"BlkioDeviceWriteIOps":[],"Memory":7,"MemorySwappiness":-1,"OomKillDisable":false}}"#.utf8),
            as: .structure(ContainerCreateBody.wrapper)) else { return .null }
        return decoded.value
    }()

    static let rows: [Row] = [
        Row(name: "a decoded create's HostConfig (a pointer)", value: decodedCreate.at("HostConfig") ?? .null),
        Row(name: "a decoded create's top level", value: decodedCreate),
        Row(name: "a name twice: the first in field order",
            value: .structure([GoFieldValue("Memory", .int(1)), GoFieldValue("Cgroup", .string("")), GoFieldValue("Memory", .int(2))])),
        Row(name: "names of one length, and of lengths 32 apart (one bucket)",
            value: .structure([GoFieldValue("PidMode", .string("a")), GoFieldValue("IpcMode", .string("b")),
                               GoFieldValue("X", .int(1)), GoFieldValue(String(repeating: "Y", count: 33), .int(2))])),
        Row(name: "canonically equivalent, other bytes (as at's ==)",
            value: .structure([GoFieldValue("Lin\u{212A}s", .int(1)), GoFieldValue("Links", .int(2))])),
        Row(name: "pointers to a struct", value: .pointer(.pointer(.structure([GoFieldValue("Privileged", .bool(true))])))),
        Row(name: "an empty struct", value: .structure([])),
        Row(name: "a nil pointer", value: .pointer(.null)),
        Row(name: "no struct", value: .string("Privileged")),
    ]

    static let asked = ["Privileged", "NetworkMode", "Binds", "CpuRealtimeRuntime", "BlkioDeviceWriteIOps", "Memory",
                        "MemorySwappiness", "OomKillDisable", "Image", "HostConfig", "Cgroup", "PidMode", "IpcMode",
                        "X", String(repeating: "Y", count: 33), "Links", "Lin\u{212A}s", "Mounts", "", "memory"]

    @Test("at(name) is GoValue.at(name)", arguments: rows)
    func sameAsAt(_ row: Row) {
        let table = FieldTable(row.value)
        #expect(table.value == row.value.deref)
        for name in Self.asked {
            #expect(table.at(name) == row.value.at(name), "\(name)")
        }
    }

    @Test("isOldAPITopLevelKey is the set's answer, or Cpuset")
    func oldAPIKeys() {
        let names = Array(ContainerCreateBody.topLevelHostConfigKeys) + Array(ContainerCreateBody.configKeys)
            + ["Cpuset", "HostConfig", "NetworkingConfig", "", "privileged", "Lin\u{212A}s", "Links", "CpusetCpus", "Cpuset "]
        for name in names {
            let expected = ContainerCreateBody.topLevelHostConfigKeys.contains(name) || name == "Cpuset"
            #expect(ContainerCreateBody.isOldAPITopLevelKey(name) == expected, "\(name)")
        }
        #expect(ContainerCreateBody.isOldAPITopLevelKey("Privileged"))
        #expect(!ContainerCreateBody.isOldAPITopLevelKey("Image"))
    }
}
