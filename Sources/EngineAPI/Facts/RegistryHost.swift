/// The registry a request makes the daemon contact (a pull, push, search,
/// login, distribution inspect, a build's `FROM`, a service's image, a
/// plugin), as dockerd finds it, and whether that host is this machine
/// itself: a registry on the host's loopback is a service nothing but the
/// host can reach, which the daemon would otherwise reach for a job.
public enum RegistryHost {
    /// docker/distribution's `splitDockerDomain`: the part before the first
    /// "/" when it contains "." or ":", is `localhost`, or (28.x's
    /// reference package) has an upper-case letter; else Docker Hub.
    /// `index.docker.io` is Docker Hub. Search terms split the same way
    /// (`registry.ParseSearchIndexInfo`), without the upper-case rule, so
    /// this is the wider reading of both.
    public static func of(reference: String) -> String {
        let bytes = Array(reference.utf8)
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return "docker.io" }
        let first = bytes[..<slash]
        let named = first.contains(UInt8(ascii: ".")) || first.contains(UInt8(ascii: ":"))
            || first.elementsEqual("localhost".utf8) || first.contains(where: { $0 >= 0x41 && $0 <= 0x5A })
        guard named else { return "docker.io" }
        let host = String(decoding: first, as: UTF8.self)
        return host.bytesEqual("index.docker.io") ? "docker.io" : host
    }

    /// The host a search term makes the daemon contact: 20.10's
    /// `splitReposSearchTerm` (the part before the first "/" when it has "."
    /// or ":" or is `localhost`), then, as `newV1EndpointFromStr`, that part
    /// with "https://" before it read by `url.Parse`, so user info
    /// (`u@127.0.0.1:5000/x`) is not the host: read as a login address is,
    /// nil for what is not read as url.Parse does.
    public static func of(searchTerm term: String) -> String? {
        let bytes = Array(term.utf8)
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return "docker.io" }
        let first = bytes[..<slash]
        guard first.contains(UInt8(ascii: ".")) || first.contains(UInt8(ascii: ":"))
            || first.elementsEqual("localhost".utf8) || first.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else {
            return "docker.io"
        }
        return of(loginAddress: "https://" + String(decoding: first, as: UTF8.self))
    }

    /// The host of a login's `serveraddress` (`registry.Service.Auth`:
    /// "https://" is put before an address without "http://" or
    /// "https://", and `url.Parse` gives the host); Docker Hub when empty.
    /// nil for what this does not read as url.Parse does (user info,
    /// percent-escapes, back-slashes, spaces, an empty host).
    public static func of(loginAddress address: String) -> String? {
        if address.utf8.isEmpty { return "docker.io" }
        var rest = Array(address.utf8)[...]
        if address.bytesHavePrefix("https://") {
            rest = rest.dropFirst(8)
        } else if address.bytesHavePrefix("http://") {
            rest = rest.dropFirst(7)
        }
        let authority = rest.prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
        guard !authority.isEmpty, !authority.contains(where: { b in
            b <= 0x20 || b >= 0x7F || b == UInt8(ascii: "@") || b == UInt8(ascii: "%") || b == UInt8(ascii: "\\")
        }) else { return nil }
        let host = String(decoding: authority, as: UTF8.self)
        return host.bytesEqual("index.docker.io") ? "docker.io" : host
    }

    /// Whether `host` (`name[:port]`) names this machine, or may: loopback
    /// and link-local and unspecified IPv4 addresses, `localhost` and the
    /// names Debian's /etc/hosts and systemd give it by default, any IPv6
    /// literal (not told apart), and numbers a resolver may read as an
    /// address in another form (`127.1`, `2130706433`, `0x7f.1`). The
    /// names this host's own /etc/hosts maps to such addresses, and its
    /// host name, are the proxy's to add (`localNames(hostsFile:)`,
    /// `HostEnvironment.namesThisHost`); a DNS name that resolves to such an
    /// address is not seen (SECURITY.md).
    public static func isThisHost(_ host: String) -> Bool {
        var name = Array(host.utf8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        if name.first == UInt8(ascii: "[") { return true }
        if let colon = name.firstIndex(of: UInt8(ascii: ":")) { name = Array(name[..<colon]) }
        while name.last == UInt8(ascii: ".") { name.removeLast() }
        let text = String(decoding: name, as: UTF8.self)
        if text.isOneOf(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""])
            || text.bytesHaveSuffix(".localhost") {
            return true
        }
        let parts = name.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.allSatisfy(isNumberPart) else { return false }
        // Only a plain dotted quad is told apart; any other numeric form is
        // an address in some resolver's reading, so counts as this host.
        let octets = parts.compactMap { part -> Int? in
            guard part.count <= 3, part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  part.count == 1 || part.first != UInt8(ascii: "0") else { return nil }
            return Int(String(decoding: part, as: UTF8.self)).flatMap { $0 <= 255 ? $0 : nil }
        }
        guard parts.count == 4, octets.count == 4 else { return true }
        return octets[0] == 127 || octets[0] == 0 || (octets[0] == 169 && octets[1] == 254)
    }

    /// A number as inet_aton reads one part: decimal, octal, or 0x hex.
    private static func isNumberPart(_ part: ArraySlice<UInt8>) -> Bool {
        guard !part.isEmpty else { return false }
        if part.count > 2, part.first == UInt8(ascii: "0"), part[part.startIndex + 1] == UInt8(ascii: "x") {
            return part.dropFirst(2).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        }
        return part.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// The name part of `host[:port]`, lower-cased, without trailing dots.
    public static func name(of host: String) -> String {
        var name = host.asciiLowercased.bytesSplit(UInt8(ascii: ":"), maxSplits: 1)[0]
        while name.utf8.last == UInt8(ascii: ".") { name = String(name.utf8.dropLast())! }
        return name
    }

    /// The names an /etc/hosts file maps to an address of this host
    /// (loopback, link-local, unspecified; `::1`, `fe80::/10`),
    /// lower-cased; comments and malformed lines are skipped.
    public static func localNames(hostsFile: [UInt8]) -> Set<String> {
        var names = Set<String>()
        for line in hostsFile.split(separator: UInt8(ascii: "\n")) {
            let text = line.prefix { $0 != UInt8(ascii: "#") }
            let fields = text.split { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
            guard fields.count >= 2 else { continue }
            let address = String(decoding: fields[0], as: UTF8.self).asciiLowercased
            let local: Bool
            if address.bytesContain(UInt8(ascii: ":")) {
                local = address.isOneOf(["::1", "::"]) || address.bytesHavePrefix("fe8") || address.bytesHavePrefix("fe9")
                    || address.bytesHavePrefix("fea") || address.bytesHavePrefix("feb") || address.bytesHavePrefix("::ffff:127.")
            } else {
                local = isThisHost(address)
            }
            guard local else { continue }
            for field in fields.dropFirst() { names.insert(name(of: String(decoding: field, as: UTF8.self))) }
        }
        return names
    }

    /// Whether a policy entry allows `host`: `*` any host but this one's
    /// (`isThisHost`, or `thisHost` when the caller knows more names of
    /// it); `*.example.com` any name under it, any port; else the host,
    /// with its port if it has one, in any letter case (DNS names are).
    public static func allowed(_ host: String, by entries: [String], thisHost: Bool? = nil) -> Bool {
        let local = thisHost ?? isThisHost(host)
        let lowered = host.asciiLowercased
        let name = lowered.bytesSplit(UInt8(ascii: ":"), maxSplits: 1)[0]
        for entry in entries {
            if entry.bytesEqual("*") {
                if !local { return true }
            } else if entry.bytesHavePrefix("*.") {
                if name.bytesHaveSuffix(String(entry.dropFirst())) { return true }
            } else if entry.bytesEqual(lowered) {
                return true
            }
        }
        return false
    }
}
