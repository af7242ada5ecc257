/// `base64.StdEncoding` as encoding/json uses it for []byte (go1.19 = go1.24).
enum GoBase64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let decodeMap: [UInt8] = {
        var map = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { map[Int(c)] = UInt8(i) }
        return map
    }()

    /// `StdEncoding.Decode`: groups of four symbols; `\r` and `\n` are skipped
    /// anywhere; the input must end on a group boundary or with a final group
    /// padded as `xx==` or `xxx=` (newlines allowed between and after the
    /// `=`), and nothing but newlines may follow the padding. Not strict:
    /// the unused low bits of the last symbol may be non-zero. Nil where Go
    /// returns a CorruptInputError.
    static func decode(_ src: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(src.count / 4 * 3)
        var si = 0
        let n = src.count
        @inline(__always) func isNewline(_ c: UInt8) -> Bool { c == 0x0A || c == 0x0D }
        while si < n {
            var quantum = [UInt8](repeating: 0, count: 4)
            var dlen = 4
            var j = 0
            var finished = false
            while j < 4 {
                if si == n {
                    if j == 0 { return out }
                    return nil // partial group without padding
                }
                let c = src[si]
                si += 1
                let v = decodeMap[Int(c)]
                if v != 0xFF {
                    quantum[j] = v
                    j += 1
                    continue
                }
                if isNewline(c) { continue }
                guard c == UInt8(ascii: "=") else { return nil }
                // Padding.
                switch j {
                case 0, 1:
                    return nil
                case 2:
                    while si < n, isNewline(src[si]) { si += 1 }
                    guard si < n, src[si] == UInt8(ascii: "=") else { return nil }
                    si += 1
                default:
                    break
                }
                while si < n, isNewline(src[si]) { si += 1 }
                guard si == n else { return nil } // trailing garbage
                dlen = j
                finished = true
                break
            }
            let val = UInt32(quantum[0]) << 18 | UInt32(quantum[1]) << 12 | UInt32(quantum[2]) << 6 | UInt32(quantum[3])
            out.append(UInt8(truncatingIfNeeded: val >> 16))
            if dlen >= 3 { out.append(UInt8(truncatingIfNeeded: val >> 8)) }
            if dlen >= 4 { out.append(UInt8(truncatingIfNeeded: val)) }
            if finished { return out }
        }
        return out
    }

    /// `StdEncoding.EncodeToString`.
    static func encode(_ src: [UInt8], into out: inout [UInt8]) {
        var i = 0
        while i + 3 <= src.count {
            let v = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
            out.append(alphabet[Int(v >> 18 & 0x3F)])
            out.append(alphabet[Int(v >> 12 & 0x3F)])
            out.append(alphabet[Int(v >> 6 & 0x3F)])
            out.append(alphabet[Int(v & 0x3F)])
            i += 3
        }
        let rest = src.count - i
        if rest == 1 {
            let v = UInt32(src[i]) << 16
            out.append(alphabet[Int(v >> 18 & 0x3F)])
            out.append(alphabet[Int(v >> 12 & 0x3F)])
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        } else if rest == 2 {
            let v = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8
            out.append(alphabet[Int(v >> 18 & 0x3F)])
            out.append(alphabet[Int(v >> 12 & 0x3F)])
            out.append(alphabet[Int(v >> 6 & 0x3F)])
            out.append(UInt8(ascii: "="))
        }
    }
}

/// `base64.URLEncoding` (padded, `-` and `_` for `+` and `/`), as the
/// daemon decodes `X-Registry-Auth` and `X-Registry-Config` and the docker
/// CLI encodes them.
public enum GoBase64URL {
    /// `URLEncoding.Decode` (newlines skipped, as `NewDecoder` skips them);
    /// nil where Go returns a CorruptInputError.
    public static func decode(_ src: [UInt8]) -> [UInt8]? {
        // A `+` or `/` is not in the URL alphabet: corrupt, as in Go.
        guard !src.contains(UInt8(ascii: "+")), !src.contains(UInt8(ascii: "/")) else { return nil }
        return GoBase64.decode(src.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "+") : $0 == UInt8(ascii: "_") ? UInt8(ascii: "/") : $0 })
    }

    /// `URLEncoding.EncodeToString`.
    public static func encode(_ src: [UInt8]) -> String {
        var out: [UInt8] = []
        GoBase64.encode(src, into: &out)
        return String(decoding: out.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }
}
