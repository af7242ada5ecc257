import Glibc
import GoJSON

/// Secrets a request can carry where the audit log would keep them, and
/// which a log shipped to journald or a collector must not: the values of
/// a build's `buildargs` (CI jobs pass tokens that way, however much
/// Docker's docs advise against it) and the user information of a URL
/// (`https://user:token@host/…` in a build's `remote`, an import's
/// `fromSrc`, a Dockerfile's `ADD`, quoted by a `reason` and the `facts`).
/// Each is written as `REDACTED` (a changed query parameter is written
/// percent-encoded); everything else stays as it was, byte for byte.
/// Pure functions of the text; `AuditLineRenderer` applies them to
/// `target`, `forwarded_target`, `reason`, `error` and `facts`.
enum AuditRedaction {
    static let mark = "REDACTED"

    /// A request-target with the values of every `buildargs` parameter
    /// and the user information of every URL in its query redacted; the
    /// same string when there is nothing to redact. Parameters are split
    /// at `&` and `;` and their keys and values percent-decoded as Go's
    /// `url.ParseQuery` does (before Go 1.17 `;` separated too; a bad
    /// escape is kept as it is), so an encoded key (`build%61rgs`) or URL
    /// (`https%3A%2F%2Fu%3Ap%40h`) is found; a changed value is written
    /// percent-encoded, the other parameters byte for byte. Build args that
    /// are not a JSON object may go on past a raw `&` or `;`: the rest of
    /// the query is withheld. An absolute-form target (refused, recorded)
    /// has its own user information redacted.
    static func target(_ target: String) -> String {
        let utf8 = target.utf8
        let absolute = utf8.first != UInt8(ascii: "/")
        let questionMark = utf8.firstIndex(of: UInt8(ascii: "?"))
        // Most targets (a ping's, a create's) have no query: nothing is copied for them.
        let queryMayHold = questionMark.map { mark in
            utf8[mark...].contains { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "b") }
        } ?? false
        guard absolute || queryMayHold else { return target }
        let bytes = Array(utf8)
        let question = questionMark.map { utf8.distance(from: utf8.startIndex, to: $0) } ?? bytes.count
        let path = Array(bytes[..<question])
        var out = absolute ? redactedUserInfo(path) : path
        var changed = out != path
        var start = question + 1
        if question < bytes.count { out.append(UInt8(ascii: "?")) }
        pairs: while start <= bytes.count, question < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "&"), bytes[end] != UInt8(ascii: ";") { end += 1 }
            switch redactedPair(bytes[start..<end]) {
            case .kept:
                out += bytes[start..<end]
            case .redacted(let pair):
                out += pair
                changed = true
            case .restWithheld(let pair):
                out += pair
                changed = true
                break pairs
            }
            if end < bytes.count { out.append(bytes[end]) }
            start = end + 1
        }
        return changed ? String(decoding: out, as: UTF8.self) : target
    }

    private enum PairRedaction {
        case kept
        case redacted([UInt8])
        /// Redacted, and the rest of the query is not written.
        case restWithheld([UInt8])
    }

    private static func redactedPair(_ pair: ArraySlice<UInt8>) -> PairRedaction {
        guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return .kept }
        let rawKey = Array(pair[..<equals]), rawValue = Array(pair[(equals + 1)...])
        let value = percentDecoded(rawValue[...])
        let prefix = rawKey + [UInt8(ascii: "=")]
        if percentDecoded(rawKey[...]) == Array("buildargs".utf8) {
            guard !rawValue.isEmpty else { return .kept }  // none given
            if let json = redactedBuildArgs(value) { return .redacted(prefix + percentEncoded(json)) }
            return .restWithheld(prefix + Array(mark.utf8))
        }
        let decodedRedacted = redactedUserInfo(value)
        if decodedRedacted != value { return .redacted(prefix + percentEncoded(decodedRedacted)) }
        // As received too: an encoded `/` in a password ends the decoded authority early.
        let rawRedacted = redactedUserInfo(rawValue)
        if rawRedacted != rawValue { return .redacted(prefix + rawRedacted) }
        return .kept
    }

    /// `{"K":"v",…}` as `{"K":"REDACTED",…}` (null values kept: they
    /// unset an argument); nil for anything but a JSON object.
    private static func redactedBuildArgs(_ json: [UInt8]) -> [UInt8]? {
        guard case .success(.object(let members)) = JSONParser.parse(json) else { return nil }
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
            if end - authority > 3, bytes[(end - 3)..<end].elementsEqual([0xE2, 0x80, 0xA6]) {
                // A fact's value cut (at 256 bytes, with `…`) inside its authority: no host is
                // that long, so what is left of it may be a user's token (`@`s or not). Redacted whole.
                out += bytes[copied..<authority]
                out += Array(mark.utf8)
                copied = end - 3
            } else if let lastAt, lastAt > authority {
                out += bytes[copied..<authority]
                out += Array(mark.utf8)
                copied = lastAt
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

    /// Go's `QueryUnescape`: `%XX` and `+` as a space; a bad escape (which
    /// Go refuses) is kept as it is, so what follows it is still read.
    private static func percentDecoded(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            switch raw[i] {
            case UInt8(ascii: "%"):
                guard i + 2 < raw.endIndex, let high = hexValue(raw[i + 1]), let low = hexValue(raw[i + 2]) else {
                    out.append(raw[i])
                    i += 1
                    continue
                }
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
