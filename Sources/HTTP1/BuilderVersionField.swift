/// `Builder-Version`, the field of dockerd's `/_ping` answer that tells a
/// client which builder `docker build` uses when `DOCKER_BUILDKIT` is not
/// set: "2" BuildKit, "1" the classic builder. dockerd 23 and later say "2"
/// (20.10 only with `"features": {"buildkit": true}`), and a docker CLI
/// before 23 then builds with BuildKit, whose streams a policy that refuses
/// them answers with 403: `docker build` fails for a job that never asked
/// for BuildKit. Where BuildKit is refused the proxy tells the client "1",
/// as the daemon itself does with `features.buildkit = false`.
public enum BuilderVersionField {
    private static let name = Array("builder-version:".utf8)

    /// Rewrites, in place, the value of every `Builder-Version` field of a
    /// response head whose value is `2` to `1` (one byte for one: the
    /// head's length and the body's framing are unchanged). `head` is the
    /// head's bytes, status line and field lines, as received. Returns
    /// whether a field was rewritten.
    @discardableResult
    public static func announceClassicBuilder(in head: UnsafeMutableRawBufferPointer) -> Bool {
        // On every proxied ping where BuildKit is refused: lines found with
        // memchr, and only one starting with B or b is compared (a byte loop
        // over the head was ~2% of a ping's CPU, bench/profile).
        let bytes = UnsafeRawBufferPointer(head)
        var rewrote = false
        // The status line first: no field there.
        var lineStart = (ByteClass.nextLineFeed(bytes, from: 0, to: head.count) ?? head.count) + 1
        while lineStart < head.count {
            let lineEnd = ByteClass.nextLineFeed(bytes, from: lineStart, to: head.count) ?? head.count
            if lineEnd - lineStart > name.count, head[lineStart] | 0x20 == UInt8(ascii: "b"),
               let value = valueOfBuilderVersion(head, from: lineStart, to: lineEnd) {
                head[value] = UInt8(ascii: "1")
                rewrote = true
            }
            lineStart = lineEnd + 1
        }
        return rewrote
    }

    /// The index of the `2` when the line `head[from..<to]` (without its
    /// LF) is `Builder-Version:` (any case), optional whitespace, `2`,
    /// optional whitespace (and the CR of a CRLF).
    private static func valueOfBuilderVersion(_ head: UnsafeMutableRawBufferPointer, from: Int, to: Int) -> Int? {
        guard to - from > name.count else { return nil }
        for (offset, expected) in name.enumerated() {
            var byte = head[from + offset]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            guard byte == expected else { return nil }
        }
        var index = from + name.count
        while index < to && isWhitespace(head[index]) { index += 1 }
        guard index < to, head[index] == UInt8(ascii: "2") else { return nil }
        let value = index
        index += 1
        while index < to && (isWhitespace(head[index]) || head[index] == ByteClass.cr) { index += 1 }
        return index == to ? value : nil
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == ByteClass.sp || byte == ByteClass.htab
    }
}
