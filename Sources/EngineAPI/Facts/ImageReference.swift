/// Image references as the daemon normalises them
/// (`reference.ParseNormalizedNamed` + `TagNameOnly` in docker/distribution):
/// `busybox` is `docker.io/library/busybox:latest`, `index.docker.io/x/y`
/// is `docker.io/x/y:latest`, `localhost:5000/a@sha256:…` keeps its digest.
///
/// Only the common grammar is accepted (lower-case path components of
/// `[a-z0-9._-]`, an optional domain with port, a tag of `[A-Za-z0-9._-]`,
/// an optional `sha256:` digest). Anything else, including references the
/// daemon would resolve as an image ID or ID prefix, normalises to nil and
/// is not judged against a narrowed allow list.
public enum ImageReference {
    public static func normalise(_ reference: String) -> String? {
        var bytes = Array(reference.utf8)
        guard !bytes.isEmpty, bytes.count <= 4096 else { return nil }
        if isHexID(bytes) || reference.bytesHavePrefix("sha256:") { return nil }

        var digest: [UInt8] = []
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            digest = Array(bytes[at...])
            bytes = Array(bytes[..<at])
            let hex = digest.dropFirst("@sha256:".utf8.count)
            guard digest.starts(with: Array("@sha256:".utf8)), hex.count == 64, isHexID(Array(hex)) else { return nil }
        }
        var tag: [UInt8] = []
        let lastSlash = bytes.lastIndex(of: UInt8(ascii: "/")) ?? -1
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")), colon > lastSlash {
            tag = Array(bytes[(colon + 1)...])
            bytes = Array(bytes[..<colon])
            guard !tag.isEmpty, tag.count <= 128, tag[0] != UInt8(ascii: "."), tag[0] != UInt8(ascii: "-"),
                  tag.allSatisfy({ isLowerAlnum($0) || isUpper($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
            else { return nil }
        }

        var components = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
        var domain = Array("docker.io".utf8)
        if components.count > 1 {
            let first = components[0]
            if first.contains(UInt8(ascii: ".")) || first.contains(UInt8(ascii: ":")) || first == Array("localhost".utf8) {
                guard isDomain(first) else { return nil }
                domain = first == Array("index.docker.io".utf8) ? Array("docker.io".utf8) : first
                components.removeFirst()
            }
        }
        guard !components.isEmpty, components.allSatisfy(isPathComponent) else { return nil }
        if domain == Array("docker.io".utf8) && components.count == 1 { components.insert(Array("library".utf8), at: 0) }

        var out = domain
        for c in components { out.append(UInt8(ascii: "/")); out += c }
        if !tag.isEmpty {
            out.append(UInt8(ascii: ":")); out += tag
        } else if digest.isEmpty {
            out += Array(":latest".utf8)
        }
        out += digest
        return String(decoding: out, as: UTF8.self)
    }

    /// Only lower-case hex digits: the daemon may resolve it as an image ID
    /// (or, failing a name lookup, as an ID prefix).
    static func isHexID(_ bytes: [UInt8]) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
    static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }

    /// `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
    static func isPathComponent(_ c: [UInt8]) -> Bool {
        guard let first = c.first, let last = c.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var i = 0
        while i < c.count {
            let b = c[i]
            if isLowerAlnum(b) { i += 1; continue }
            if b == UInt8(ascii: "_") && i + 1 < c.count && c[i + 1] == UInt8(ascii: "_") { i += 2; continue }
            if b == UInt8(ascii: ".") || b == UInt8(ascii: "_") { i += 1; guard i < c.count, isLowerAlnum(c[i]) else { return false }; continue }
            if b == UInt8(ascii: "-") {
                while i < c.count && c[i] == UInt8(ascii: "-") { i += 1 }
                continue
            }
            return false
        }
        return true
    }

    /// A registry host as a policy lists it: `isDomain`.
    public static func isRegistryHost(_ d: [UInt8]) -> Bool { isDomain(d) }

    /// A host name of `[A-Za-z0-9.-]` with an optional numeric port.
    static func isDomain(_ d: [UInt8]) -> Bool {
        let parts = d.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first, !host.isEmpty else { return false }
        guard host.allSatisfy({ isLowerAlnum($0) || isUpper($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) else { return false }
        if parts.count == 2 {
            let port = parts[1]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        }
        return true
    }

    /// A policy pattern: `*`; a reference (normalised like any other); or a
    /// normalised prefix ending in `*` that starts with its domain
    /// (`docker.io/library/busybox:*`, `registry.example.com/team/*`).
    /// Returns the pattern in the form matched, or nil with no meaning.
    public static func normalisePattern(_ pattern: String) -> String? {
        if pattern.bytesEqual("*") { return pattern }
        guard pattern.utf8.last == UInt8(ascii: "*") else { return normalise(pattern) }
        let prefix = Array(pattern.utf8.dropLast())
        guard !prefix.contains(UInt8(ascii: "*")), let slash = prefix.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let domain = Array(prefix[..<slash])
        guard domain.contains(UInt8(ascii: ".")) || domain.contains(UInt8(ascii: ":")) || domain == Array("localhost".utf8),
              isDomain(domain), domain != Array("index.docker.io".utf8) else { return nil }
        return pattern
    }

    /// Whether a reference as written is allowed by normalised patterns.
    public static func allowed(_ reference: String, by patterns: [String]) -> Bool {
        if patterns.contains(where: { $0.bytesEqual("*") }) { return true }
        guard let normal = normalise(reference) else { return false }
        return patterns.contains { p in
            p.utf8.last == UInt8(ascii: "*") ? normal.bytesHavePrefix(String(p.dropLast())) : p.bytesEqual(normal)
        }
    }
}
