import Glibc
import GoJSON

/// Secrets a request can carry where the audit log would keep them, and
/// which a log shipped to journald or a collector must not: the values of
/// a build's `buildargs` (CI jobs pass tokens that way, however much
/// Docker's docs advise against it) and the user information of a URL
/// (`https://user:token@host/…` in a build's `remote`, an import's
/// `fromSrc`, a Dockerfile's `ADD`, quoted by a `reason` and the `facts`).
/// Each is written as `REDACTED`; everything else stays as it was, byte
/// for byte. Pure functions of the text; `AuditLineRenderer` applies them
/// to `target`, `forwarded_target`, `reason`, `error` and `facts`.
enum AuditRedaction {
    static let mark = "REDACTED"

    /// A request-target with the values of every `buildargs` parameter
    /// and the user information of every URL in its query redacted; the
    /// same string when there is nothing to redact. Parameters are split
    /// at `&` and `;` and their keys and values percent-decoded as Go's
    /// `url.ParseQuery` does (before Go 1.17 `;` separated too), so an
    /// encoded key (`build%61rgs`) or URL (`https%3A%2F%2Fu%3Ap%40h`) is
    /// found; a changed value is percent-encoded again.
    static func target(_ target: String) -> String {
        // Most targets (a ping's, a create's) have no query: nothing is copied for them.
        guard let questionMark = target.utf8.firstIndex(of: UInt8(ascii: "?")),
              target.utf8[questionMark...].contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "b") })
        else { return target }
        let bytes = Array(target.utf8)
        let question = target.utf8.distance(from: target.utf8.startIndex, to: questionMark)
        var out = Array(bytes[...question])
        var changed = false
        var start = question + 1
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "&"), bytes[end] != UInt8(ascii: ";") { end += 1 }
            let pair = bytes[start..<end]
            out += redactedPair(pair, changed: &changed)
            if end < bytes.count { out.append(bytes[end]) }
            start = end + 1
        }
        return changed ? String(decoding: out, as: UTF8.self) : target
    }

    private static func redactedPair(_ pair: ArraySlice<UInt8>, changed: inout Bool) -> [UInt8] {
        guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return Array(pair) }
        let rawKey = pair[..<equals], rawValue = pair[(equals + 1)...]
        let value = percentDecoded(rawValue)
        var redacted: [UInt8]
        if percentDecoded(rawKey) == Array("buildargs".utf8) {
            redacted = percentEncoded(value.map(redactedBuildArgs) ?? Array(mark.utf8))
        } else if let value {
            let text = redactedUserInfo(value)
            guard text != value else { return Array(pair) }
            redacted = percentEncoded(text)
        } else {
            // Not decodable (the daemon refuses such a query): redact what is readable as it stands.
            redacted = redactedUserInfo(Array(rawValue))
            guard redacted != Array(rawValue) else { return Array(pair) }
        }
        changed = true
        return Array(rawKey) + [UInt8(ascii: "=")] + redacted
    }

    /// `{"K":"v",…}` as `{"K":"REDACTED",…}` (null values kept: they
    /// unset an argument); anything but a JSON object, whole.
    private static func redactedBuildArgs(_ json: [UInt8]) -> [UInt8] {
        guard case .success(.object(let members)) = JSONParser.parse(json) else { return Array(mark.utf8) }
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, member) in members.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONObjectWriter.appendString(member.key, to: &out)
            out.append(UInt8(ascii: ":"))
            if case .null = member.value { out += Array("null".utf8) } else { JSONObjectWriter.appendString(mark, to: &out) }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Text with the user information of every `scheme://user[:password]@host`
    /// in it written as `REDACTED`; the same text when there is none.
    static func text(_ text: String) -> String {
        guard mayHoldUserInfo(text) else { return text }
        let bytes = Array(text.utf8)
        let redacted = redactedUserInfo(bytes)
        return redacted == bytes ? text : String(decoding: redacted, as: UTF8.self)
    }

    /// `text(_:)` for a JSON text already rendered (the facts).
    static func text(_ bytes: [UInt8]) -> [UInt8] {
        let found = bytes.withUnsafeBufferPointer { containsSchemeSeparator($0) }
        return found ? redactedUserInfo(bytes) : bytes
    }

    private static func mayHoldUserInfo(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { containsSchemeSeparator($0) }
    }

    /// Whether `bytes` hold `://` (memchr finds each colon).
    private static func containsSchemeSeparator(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var from = 0
        while from + 3 <= bytes.count, let found = memchr(base + from, Int32(UInt8(ascii: ":")), bytes.count - from) {
            let i = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if i + 3 <= bytes.count, bytes[i + 1] == UInt8(ascii: "/"), bytes[i + 2] == UInt8(ascii: "/") { return true }
            from = i + 1
        }
        return false
    }

    private static func redactedUserInfo(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var copied = 0
        var i = 0
        while i + 3 <= bytes.count {
            guard bytes[i] == UInt8(ascii: ":"), bytes[i + 1] == UInt8(ascii: "/"), bytes[i + 2] == UInt8(ascii: "/") else {
                i += 1
                continue
            }
            let authority = i + 3
            var end = authority
            var lastAt: Int?
            while end < bytes.count, !endsAuthority(bytes[end]) {
                if bytes[end] == UInt8(ascii: "@") { lastAt = end }
                end += 1
            }
            if let lastAt, lastAt > authority {
                out += bytes[copied..<authority]
                out += Array(mark.utf8)
                copied = lastAt
            } else if lastAt == nil, end - authority > 3, bytes[(end - 3)..<end].elementsEqual([0xE2, 0x80, 0xA6]) {
                // A fact's value cut (at 256 bytes, with `…`) inside its authority: no host is
                // that long, so what is left of it may be a user's token. Redacted whole.
                out += bytes[copied..<authority]
                out += Array(mark.utf8)
                copied = end - 3
            }
            i = end
        }
        if copied == 0 { return bytes }
        out += bytes[copied...]
        return out
    }

    /// Where a URL's authority ends: a path, query or fragment, or the end
    /// of the quoted or spaced text it is in.
    private static func endsAuthority(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: "\\"),
             UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): return true
        default: return false
        }
    }

    /// Go's `QueryUnescape`: `%XX` and `+` as a space; nil for a bad escape.
    private static func percentDecoded(_ raw: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            switch raw[i] {
            case UInt8(ascii: "%"):
                guard i + 2 < raw.endIndex, let high = hexValue(raw[i + 1]), let low = hexValue(raw[i + 2]) else { return nil }
                out.append(high << 4 | low)
                i += 3
            case UInt8(ascii: "+"):
                out.append(UInt8(ascii: " "))
                i += 1
            default:
                out.append(raw[i])
                i += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Every byte but the unreserved ones (`A-Za-z0-9-._~`) as `%XX`.
    private static func percentEncoded(_ bytes: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return out
    }
}
