import GoJSON

/// A `HostConfig.VolumesFrom` entry as `parseVolumesFrom`
/// (daemon/volumes_unix.go) reads it: `container[:mode]`, split at the first
/// ":"; the mode is a comma list where `ro` makes every copied mount
/// read-only, and propagation or copy modes are refused by the daemon.
public struct VolumesFromSpec: Sendable, Hashable {
    public let container: String
    /// The mode as written, "" when absent.
    public let mode: String

    public static func parse(_ spec: String) -> VolumesFromSpec? {
        let bytes = Array(spec.utf8)
        guard !bytes.isEmpty else { return nil }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return VolumesFromSpec(container: spec, mode: "") }
        let container = String(decoding: bytes[..<colon], as: UTF8.self)
        let mode = String(decoding: bytes[(colon + 1)...], as: UTF8.self)
        let options = mode.bytesSplit(UInt8(ascii: ","), maxSplits: Int.max)
        guard !container.utf8.isEmpty, options.allSatisfy({ $0.isOneOf(["ro", "rw", "z", "Z"]) }) else {
            return nil
        }
        return VolumesFromSpec(container: container, mode: mode)
    }

    /// `volume.ReadWrite(mode)`: false when an option is `ro`.
    public var readWrite: Bool {
        !mode.bytesSplit(UInt8(ascii: ","), maxSplits: Int.max).contains { $0.bytesEqual("ro") }
    }

    /// The same entry naming the container by its full ID.
    public func pinned(to id: String) -> String {
        mode.utf8.isEmpty ? id : id + ":" + mode
    }
}

extension RequestInterpreter.Interpretation {
    /// The canonical body with `HostConfig.VolumesFrom` replaced by `entries`
    /// (same count): the container names judged, pinned to their IDs, so a
    /// rename between judging and creating cannot swap the source.
    public func replacingVolumesFrom(_ entries: [String]) -> [UInt8]? {
        guard let value, let schema, case .structure(var fields) = value,
              let h = fields.firstIndex(where: { $0.name == "HostConfig" }) else { return nil }
        guard case .pointer(.structure(var hostFields)) = fields[h].value,
              let v = hostFields.firstIndex(where: { $0.name == "VolumesFrom" }),
              case .slice(let old) = hostFields[v].value, old.count == entries.count else { return nil }
        hostFields[v] = GoFieldValue("VolumesFrom", .slice(entries.map { .string($0) }))
        fields[h] = GoFieldValue("HostConfig", .pointer(.structure(hostFields)))
        guard case .success(let bytes) = GoEncoder.encodeChecked(.structure(fields), as: schema) else { return nil }
        return bytes
    }
}
