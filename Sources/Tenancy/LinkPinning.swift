import GoJSON

extension OwnerReferences {
    /// The create body with every `HostConfig.Links` entry naming its
    /// container by the full ID `resolve` gives, the alias kept as the daemon
    /// reads it (`opts.ParseLink`, split on the ":" byte): `name` →
    /// `<id>:name`, `name:alias` → `<id>:alias`, `/name:/parent/alias` →
    /// `<id>:alias`. nil when an entry is malformed or does not resolve.
    public static func pinningLinks(_ body: GoValue, resolve: (String) -> String?) -> GoValue? {
        guard case .structure(var fields) = body, let h = fields.firstIndex(where: { $0.name == "HostConfig" }) else { return body }
        var hostConfig = fields[h].value
        var pointer = false
        if case .pointer(let inner) = hostConfig { hostConfig = inner; pointer = true }
        guard case .structure(var hcFields) = hostConfig, let l = hcFields.firstIndex(where: { $0.name == "Links" }),
              case .slice(let items) = hcFields[l].value, !items.isEmpty else { return body }
        var pinned: [GoValue] = []
        for item in items {
            guard let link = pinnedLink(item.stringValue ?? "", resolve: resolve) else { return nil }
            pinned.append(.string(link))
        }
        hcFields[l] = GoFieldValue(hcFields[l].name, .slice(pinned))
        fields[h] = GoFieldValue(fields[h].name, pointer ? .pointer(.structure(hcFields)) : .structure(hcFields))
        return .structure(fields)
    }

    static func pinnedLink(_ link: String, resolve: (String) -> String?) -> String? {
        let parts = link.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard !link.utf8.isEmpty, parts.count <= 2 else { return nil }
        var name = parts[0]
        var alias = parts.count == 2 ? parts[1] : link
        if parts.count == 2, name.utf8.first == UInt8(ascii: "/") {
            name = String(decoding: name.utf8.dropFirst(), as: UTF8.self)
            alias = String(decoding: alias.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last ?? [], as: UTF8.self)
        }
        guard let id = resolve(name.dropPrefix("/") ?? name) else { return nil }
        return id + ":" + alias
    }
}
