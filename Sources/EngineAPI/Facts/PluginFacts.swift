import GoJSON

/// Plugins run as containers managed by the daemon, with the privileges
/// their config declares. `POST /plugins/pull` and `/plugins/{name}/upgrade`
/// carry the client's consent as a list of privileges, and the daemon
/// refuses the request unless that list equals what the plugin requires
/// (`validatePrivileges` in plugin/backend_linux.go); so judging the list
/// judges what the plugin gets. `POST /plugins/{name}/set` can later point a
/// settable mount at a host path or a device at a host device.
public enum PluginFacts {
    /// Whether a plugin route's {name} may be an ID or ID prefix: the
    /// plugin store (`resolvePluginID`) takes a full ID, then a name, then
    /// any prefix of an ID (lower-case hex) that names no plugin.
    public static func mayBeID(_ name: String) -> Bool {
        !name.utf8.isEmpty && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The names `computePrivileges` emits (identical in 20.10 and 28.x).
    static func privileges(_ list: GoValue) -> RequestFacts {
        var facts = RequestFacts()
        for (i, privilege) in list.elements.enumerated() {
            let name = privilege.at("Name")?.text ?? ""
            let values = privilege.at("Value")?.elements.map { $0.text ?? "" } ?? []
            let field = "[\(i)]"
            if name.bytesEqual("network") {
                for value in values { ContainerFacts.classify(value, .network, field: "\(field) network", into: &facts) }
            } else if name.bytesEqual("host ipc namespace") {
                facts.add(.hostNamespace(.ipc), "\(field) \(name)", values.joined(separator: ","))
            } else if name.bytesEqual("host pid namespace") {
                facts.add(.hostNamespace(.pid), "\(field) \(name)", values.joined(separator: ","))
            } else if name.bytesEqual("mount") {
                for value in values {
                    let path = value.bytesHavePrefix("/") ? PathClean.clean(value) : value
                    facts.add(.hostPath(path: path, readOnly: false, sharedPropagation: false), "\(field) mount", value)
                }
            } else if name.bytesEqual("device") || name.bytesEqual("allow-all-devices") {
                facts.add(.device, "\(field) \(name)", values.joined(separator: ","))
            } else if name.bytesEqual("capabilities") {
                for value in values {
                    let cap = Capability.normalise(value)
                    if !Capability.isDefault(cap) { facts.add(.capabilityAdd(cap), "\(field) capabilities", value) }
                }
            } else {
                facts.add(.unjudged("plugin privilege \"\(name)\""), field, values.joined(separator: ","))
            }
        }
        return facts
    }

    /// Settings as `newSettable` (plugin/v2/settable.go) reads them:
    /// `name[.field][=value]`, split at the first "=", the field after the
    /// last "." of the name. A mount's settable field is `source` (a host
    /// path), a device's is `path`. Without a field the daemon picks the
    /// only settable one, which may be a mount source or a device path: such
    /// a setting with a path-like value (a "/" anywhere, or a leading ".":
    /// `m=..` is a relative mount source, the plugin bundle's parent) is not
    /// judged.
    static func settings(_ args: GoValue) -> RequestFacts {
        var facts = RequestFacts()
        for (i, arg) in args.elements.enumerated() {
            let raw = arg.text ?? ""
            let bytes = Array(raw.utf8)
            let eq = bytes.firstIndex(of: UInt8(ascii: "="))
            let name = Array(bytes[..<(eq ?? bytes.endIndex)])
            let value = eq.map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) } ?? ""
            var setField = ""
            if let dot = name.lastIndex(of: UInt8(ascii: ".")), dot > 0 {
                setField = String(decoding: name[(dot + 1)...], as: UTF8.self)
            }
            let field = "[\(i)]"
            if setField.bytesEqual("source") {
                let path = value.bytesHavePrefix("/") ? PathClean.clean(value) : value
                facts.add(.hostPath(path: path, readOnly: false, sharedPropagation: false), field, raw)
            } else if setField.bytesEqual("path") {
                facts.add(.device, field, raw)
            } else if setField.utf8.isEmpty && (value.bytesContain(UInt8(ascii: "/")) || value.bytesHavePrefix(".")) {
                facts.add(.unjudged("a plugin setting that may be a mount source or device path (write name.source=… or name.path=…)"), field, raw)
            }
        }
        return facts
    }
}
