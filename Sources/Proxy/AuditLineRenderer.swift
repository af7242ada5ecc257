/// The audit writer's renderer: one record's line is built with pointer
/// stores in one reused buffer, chained and hashed in place (SHA-256 over
/// the buffer, no copy), then appended to the writer's output. No String
/// building, no Foundation, no allocation once the buffer has grown to the
/// largest record. The bytes are exactly those docs/audit-log.md specifies
/// (Tests/ProxyTests/AuditGoldenTests.swift holds them); the members are
/// rendered in `AuditLineRenderer+Records.swift`.
///
/// Owns the chain: `seq` and `prev` of the next record. Noncopyable: the
/// buffer is owned, and two copies would fork the chain.
struct AuditLineRenderer: ~Copyable {
    let run: String
    /// `seq` of the next record.
    private(set) var seq: UInt64
    /// `hash` of the last record (`prev` of the next), 64 lowercase hex digits.
    private let prevHex: UnsafeMutablePointer<UInt8>
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    /// The identity members of request records whose result has not been
    /// rendered yet (`AuditLineRenderer+Identity.swift`).
    var identities = RenderedIdentities()

    init(run: String, seq: UInt64 = 0, prev: String = AuditChain.genesis) {
        self.run = run
        self.seq = seq
        prevHex = .allocate(capacity: 64)
        capacity = 4096
        base = .allocate(capacity: capacity)
        restart(seq: seq, prev: prev)
    }

    deinit {
        prevHex.deallocate()
        base.deallocate()
        identities.deallocate()
    }

    var prev: String { String(decoding: UnsafeBufferPointer(start: prevHex, count: 64), as: UTF8.self) }

    /// Continues a chain: the next record has `seq` and chains to `prev`
    /// (64 hex digits; anything else restarts at genesis).
    mutating func restart(seq: UInt64, prev: String) {
        self.seq = seq
        let digits = Array(prev.utf8)
        let usable = digits.count == 64 ? digits : Array(AuditChain.genesis.utf8)
        prevHex.update(from: usable, count: 64)
    }

    // MARK: - Lines

    mutating func request(_ record: AuditRecord, into out: inout [UInt8]) {
        renderRequest(record)
        seal(into: &out)
    }

    mutating func result(_ record: AuditRecord, into out: inout [UInt8]) {
        renderResult(record)
        seal(into: &out)
    }

    mutating func event(_ event: AuditEvent, into out: inout [UInt8]) {
        renderEvent(event)
        seal(into: &out)
    }

    /// The rendered object (`{…}`, before sealing).
    var object: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Turns the rendered object `{…}` into its line
    /// `{…,"prev":"<64>","hash":"<64>"}\n` (AuditChain), appends it to `out`
    /// and advances the chain.
    mutating func seal(into out: inout [UInt8]) {
        precondition(count > 2 && base[count - 1] == UInt8(ascii: "}"), "a record has members")
        count -= 1
        literal(",\"prev\":\"")
        reserve(64 + 10 + 64 + 3)
        (base + count).update(from: prevHex, count: 64)
        count += 64
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: "}"))
        // The hash covers the line up to here: `{…,"prev":"<64>"}`.
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { digest in
            SHA256.digest(UnsafeRawBufferPointer(start: base, count: count), into: digest.baseAddress!)
            SHA256.writeHex(UnsafeRawBufferPointer(digest), into: UnsafeMutableRawPointer(prevHex))
        }
        count -= 1
        literal(",\"hash\":\"")
        (base + count).update(from: prevHex, count: 64)
        count += 64
        literal("\"}\n")
        out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
        seq += 1
    }

    // MARK: - Bytes

    /// Starts a new object.
    mutating func reset() { count = 0 }

    @inline(__always)
    mutating func reserve(_ n: Int) {
        if count &+ n > capacity { grow(count + n) }
    }

    @inline(never)
    private mutating func grow(_ needed: Int) {
        let bigger = max(needed, capacity * 2)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        fresh.initialize(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = bigger
    }

    /// One byte; room must have been reserved.
    @inline(__always)
    mutating func put(_ byte: UInt8) {
        base[count] = byte
        count &+= 1
    }

    @inline(__always)
    mutating func literal(_ text: StaticString) {
        let n = text.utf8CodeUnitCount
        reserve(n)
        (base + count).update(from: text.utf8Start, count: n)
        count &+= n
    }

    mutating func bytes(_ raw: UnsafeBufferPointer<UInt8>) {
        reserve(raw.count)
        if raw.count > 0 { (base + count).update(from: raw.baseAddress!, count: raw.count) }
        count &+= raw.count
    }

    mutating func bytes(_ array: [UInt8]) {
        array.withUnsafeBufferPointer { bytes($0) }
    }

    /// Decimal, as `String(value)` writes it.
    mutating func uint(_ value: UInt64) {
        reserve(20)
        if value < 10 {
            put(UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        var digits = 0
        var v = value
        while v > 0 { digits &+= 1; v /= 10 }
        v = value
        var i = count &+ digits
        while v > 0 {
            i &-= 1
            base[i] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
        }
        count &+= digits
    }

    mutating func int(_ value: Int64) {
        if value < 0 {
            reserve(1)
            put(UInt8(ascii: "-"))
        }
        uint(value.magnitude)
    }

    /// `width` digits, zero-padded (`value` < 10^width).
    @inline(__always)
    mutating func padded(_ value: Int, _ width: Int) {
        var v = value
        var i = count &+ width
        while i > count {
            i &-= 1
            base[i] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
        }
        count &+= width
    }

    /// A JSON string (RFC 8259 §7), escaped as `JSONObjectWriter` does:
    /// `\"`, `\\`, `\n`, `\r`, `\t`, other controls as `\u00xx`, U+2028
    /// and U+2029 as `\u2028` and `\u2029`; everything else, DEL and
    /// non-ASCII included, as is. As Go's encoder writes them (without its
    /// HTML escapes of `<>&`): a string is at most twice its bytes unless
    /// it holds controls, which a client can only send escaped, as long.
    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { raw in
            guard raw.count > 0 else { return literal("\"\"") }
            reserve(raw.count &* 6 &+ 2)
            put(UInt8(ascii: "\""))
            var runStart = 0
            var i = 0
            let n = raw.count
            let p = UnsafeRawPointer(raw.baseAddress!)
            while i < n {
                // Eight bytes at a time while none needs an escape.
                if n &- i >= 8 && !AuditLineRenderer.mayNeedEscape(p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                    i &+= 8
                    continue
                }
                let b = raw[i]
                i &+= 1
                let separator = b == 0xE2 && i &+ 1 < n && raw[i] == 0x80 && (raw[i &+ 1] == 0xA8 || raw[i &+ 1] == 0xA9)
                guard b < 0x20 || b == 0x22 || b == 0x5C || separator else { continue }
                let at = i &- 1
                if runStart < at {
                    (base + count).update(from: raw.baseAddress! + runStart, count: at &- runStart)
                    count &+= at &- runStart
                }
                if separator {
                    // U+2028, U+2029 as `\u2028`, `\u2029` (line breaks to JavaScript and
                    // Python's splitlines, which would cut the record's line).
                    put(92)
                    put(UInt8(ascii: "u"))
                    put(UInt8(ascii: "2"))
                    put(UInt8(ascii: "0"))
                    put(UInt8(ascii: "2"))
                    put(raw[i &+ 1] == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9"))
                    i &+= 2
                    runStart = i
                    continue
                }
                runStart = i
                put(92)
                switch b {
                case 0x22: put(0x22)
                case 0x5C: put(0x5C)
                case 10: put(UInt8(ascii: "n"))
                case 13: put(UInt8(ascii: "r"))
                case 9: put(UInt8(ascii: "t"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    put(UInt8(ascii: "u"))
                    put(UInt8(ascii: "0"))
                    put(UInt8(ascii: "0"))
                    put(hex.utf8Start[Int(b >> 4)])
                    put(hex.utf8Start[Int(b & 15)])
                }
            }
            if runStart < raw.count {
                (base + count).update(from: raw.baseAddress! + runStart, count: raw.count &- runStart)
                count &+= raw.count &- runStart
            }
            put(UInt8(ascii: "\""))
        }
    }

    /// False when none of the eight bytes is a control, `"`, `\\` or 0xE2
    /// (the lead byte of U+2028 and U+2029) (exact: the bit tricks only err
    /// towards true).
    @inline(__always)
    static func mayNeedEscape(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & high != 0 }
        let below20 = (x &- ones &* 0x20) & ~x & high != 0
        return below20 || hasZero(x ^ (ones &* 0x22)) || hasZero(x ^ (ones &* 0x5C)) || hasZero(x ^ (ones &* 0xE2))
    }

    mutating func string(_ text: String?) {
        if let text { string(text) } else { literal("null") }
    }

    /// How much of a `reason` or `error`, of a target container's name and
    /// of a `result` record's method, target and API version a record holds
    /// (before escaping): one longer than `boundedHead + boundedTail + 32`
    /// (1,600 bytes) keeps its first `boundedHead` and last `boundedTail`
    /// bytes (whole code points) around `…(N bytes)…`, N the whole text's
    /// length. Reasons quote what a request asked, which a client can make
    /// as long as its body; the head says what was denied, the tail how to
    /// allow it.
    static let boundedHead = 1024, boundedTail = 512

    /// `string`, of at most `boundedHead + boundedTail` bytes of `text`.
    mutating func boundedString(_ text: String?) {
        guard let text, text.utf8.count > Self.boundedHead + Self.boundedTail + 32 else { return string(text) }
        string(Self.bounded(text))
    }

    static func bounded(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.count > boundedHead + boundedTail + 32 else { return text }
        // A continuation byte (10xxxxxx) is inside a code point: the head
        // ends before it, the tail starts after it.
        var end = utf8.index(utf8.startIndex, offsetBy: boundedHead)
        while end > utf8.startIndex && utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        var start = utf8.index(utf8.endIndex, offsetBy: -boundedTail)
        while start < utf8.endIndex && utf8[start] & 0xC0 == 0x80 { start = utf8.index(after: start) }
        return String(decoding: utf8[..<end], as: UTF8.self) + "…(\(utf8.count) bytes)…"
            + String(decoding: utf8[start...], as: UTF8.self)
    }

    mutating func bool(_ value: Bool) {
        if value { literal("true") } else { literal("false") }
    }
}
