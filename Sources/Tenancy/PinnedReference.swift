import GoJSON

/// A job socket forwards a route naming a container (or exec, network) by
/// the full ID it checked, so a rename in between cannot swap it. The
/// daemon's error then names that full ID where, asked directly, it names
/// what the client wrote: `Could not find the file /x in container
/// 229ade6b…` for `docker cp web:/x .`. The answer's message gets the
/// client's reference back, so the job reads what it would read from the
/// daemon itself.
public enum PinnedReference {
    /// The reference the client wrote and the full ID it was forwarded as:
    /// the one path segment where `target` and `forwarded` differ, the
    /// forwarded one a full ID. Nil when the paths differ otherwise.
    public static func pin(target: String, forwarded: String) -> (reference: String, id: String)? {
        let asked = path(target).split(separator: "/", omittingEmptySubsequences: false)
        let sent = path(forwarded).split(separator: "/", omittingEmptySubsequences: false)
        guard asked.count == sent.count else { return nil }
        var found: (reference: String, id: String)?
        for (a, s) in zip(asked, sent) where a != s {
            guard found == nil, isFullID(s), let reference = percentDecoded(a) else { return nil }
            found = (reference, String(s))
        }
        return found
    }

    /// The answer with the full ID written as the client's reference where
    /// dockerd 20.10 writes the reference it was given, or nil when there is
    /// nothing to change. Only there: its other messages name the
    /// container by its ID whatever it was asked with (`Container <ID> is
    /// not running`), and so must the job socket's. The places, each checked
    /// against the daemon (`test_job_id_oracle.py`): an archive's `Could not
    /// find the file <path> in container <reference>` and a kill's `Cannot
    /// kill container: <reference>: …`.
    public static func restoring(_ body: [UInt8], reference: String, id: String) -> [UInt8]? {
        guard reference != id, case .success(.object(let members)) = JSONParser.parse(body) else { return nil }
        var changed = false
        let kept = members.map { member -> JSONMember in
            guard member.key == "message", case .string(let text) = member.value else { return member }
            var restored = text
            let suffix = " in container " + id
            if text.hasSuffix(suffix) { restored = String(text.utf8.dropLast(id.utf8.count))! + reference }
            let prefix = "Cannot kill container: " + id + ":"
            if restored.hasPrefix(prefix) {
                restored = "Cannot kill container: " + reference + ":" + String(restored.utf8.dropFirst(prefix.utf8.count))!
            }
            if restored != text { changed = true }
            return JSONMember("message", .string(restored))
        }
        return changed ? GoEncoder.render(.object(kept)) + [0x0A] : nil
    }

    static func path(_ target: String) -> Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    static func isFullID(_ s: Substring) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// `%XX` decoded, as the daemon's router gives a path variable; nil for a bad escape or invalid UTF-8.
    static func percentDecoded(_ s: Substring) -> String? {
        var out: [UInt8] = []
        var bytes = s.utf8.makeIterator()
        while let b = bytes.next() {
            guard b == UInt8(ascii: "%") else { out.append(b); continue }
            guard let h = bytes.next().flatMap(hexValue), let l = bytes.next().flatMap(hexValue) else { return nil }
            out.append(h << 4 | l)
        }
        return String(validating: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
