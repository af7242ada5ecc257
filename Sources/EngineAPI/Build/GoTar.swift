/// The pieces of Go's `archive/tar` reader (Go 1.13–1.19, what dockerd 20.10
/// is built with) that decide how a header block reads: format detection and
/// checksum, octal and base-256 numbers, strings, PAX records. Pure helpers
/// for `BuildContextScanner`; every failure is Go's `ErrHeader` (nil here).
enum GoTar {
    static let blockSize = 512

    /// `block.GetFormat()`.
    enum Format: Equatable { case v7, ustarOrPAX, gnu, star }

    /// One 512-byte header block as `Reader.readHeader` unpacks it.
    struct Header {
        var typeflag: UInt8
        var name: [UInt8]
        var linkname: [UInt8]
        var size: Int64
    }

    /// `readHeader` for a non-zero block: nil when Go fails (unknown format,
    /// bad checksum, a numeric field that does not parse).
    static func readHeader(_ b: [UInt8]) -> Header? {
        guard let format = getFormat(b) else { return nil }
        var p = Parser()
        var name = parseString(b[0..<100])
        let linkname = parseString(b[157..<257])
        let size = p.parseNumeric(b[124..<136])
        _ = p.parseNumeric(b[100..<108])  // mode
        _ = p.parseNumeric(b[108..<116])  // uid
        _ = p.parseNumeric(b[116..<124])  // gid
        _ = p.parseNumeric(b[136..<148])  // mtime
        if format != .v7 {
            _ = p.parseNumeric(b[329..<337])  // devmajor
            _ = p.parseNumeric(b[337..<345])  // devminor
            var prefix: [UInt8] = []
            switch format {
            case .ustarOrPAX:
                prefix = parseString(b[345..<500])
            case .star:
                prefix = parseString(b[345..<476])
                _ = p.parseNumeric(b[476..<488])  // atime
                _ = p.parseNumeric(b[488..<500])  // ctime
            case .gnu:
                // atime and ctime parsed skeptically (golang/go#12594): if
                // either fails, the field is read as a pre-Go1.8 USTAR prefix.
                var p2 = Parser()
                if b[345] != 0 { _ = p2.parseNumeric(b[345..<357]) }
                if b[357] != 0 { _ = p2.parseNumeric(b[357..<369]) }
                if p2.failed {
                    let s = parseString(b[345..<500])
                    if isASCII(s) { prefix = s }
                }
            case .v7:
                break
            }
            if !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
        }
        if p.failed { return nil }
        return Header(typeflag: b[156], name: name, linkname: linkname, size: size)
    }

    /// `block.GetFormat()`; nil for `FormatUnknown` (checksum mismatch).
    static func getFormat(_ b: [UInt8]) -> Format? {
        var p = Parser()
        let value = p.parseOctal(b[148..<156])
        var unsigned: Int64 = 0, signed: Int64 = 0
        for i in 0..<blockSize {
            let c = (148..<156).contains(i) ? UInt8(ascii: " ") : b[i]
            unsigned += Int64(c)
            signed += Int64(Int8(bitPattern: c))
        }
        if p.failed || (value != unsigned && value != signed) { return nil }
        let magic = b[257..<263], version = b[263..<265], trailer = b[508..<512]
        if magic.elementsEqual("ustar\0".utf8) && trailer.elementsEqual("tar\0".utf8) { return .star }
        if magic.elementsEqual("ustar\0".utf8) { return .ustarOrPAX }
        if magic.elementsEqual("ustar ".utf8) && version.elementsEqual(" \0".utf8) { return .gnu }
        return .v7
    }

    /// Go's `parser`: numeric fields, recording the first failure.
    struct Parser {
        var failed = false

        /// `parseNumeric`: base-256 when the top bit is set, else octal.
        mutating func parseNumeric(_ b: ArraySlice<UInt8>) -> Int64 {
            guard let first = b.first, first & 0x80 != 0 else { return parseOctal(b) }
            let inv: UInt8 = first & 0x40 != 0 ? 0xFF : 0
            var x: UInt64 = 0
            for (i, byte) in b.enumerated() {
                var c = byte ^ inv
                if i == 0 { c &= 0x7F }
                if x >> 56 > 0 { failed = true; return 0 }
                x = x << 8 | UInt64(c)
            }
            if x >> 63 > 0 { failed = true; return 0 }
            return inv == 0xFF ? ~Int64(x) : Int64(x)
        }

        /// `parseOctal`: trims spaces and NULs at both ends, stops at a NUL,
        /// then `strconv.ParseUint(s, 8, 64)`.
        mutating func parseOctal(_ b: ArraySlice<UInt8>) -> Int64 {
            var lo = b.startIndex, hi = b.endIndex
            while lo < hi && (b[lo] == 0x20 || b[lo] == 0) { lo += 1 }
            while hi > lo && (b[hi - 1] == 0x20 || b[hi - 1] == 0) { hi -= 1 }
            if lo == hi { return 0 }
            let s = GoTar.parseString(b[lo..<hi])
            var x: UInt64 = 0
            for c in s {
                guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "7"), x >> 61 == 0 else { failed = true; return 0 }
                x = x << 3 | UInt64(c - UInt8(ascii: "0"))
            }
            return Int64(bitPattern: x)
        }
    }

    /// `parser.parseString`: up to the first NUL.
    static func parseString<C: Collection>(_ b: C) -> [UInt8] where C.Element == UInt8 {
        Array(b.prefix { $0 != 0 })
    }

    /// Go's `isASCII` (any byte ≥ 0x80 makes a rune ≥ 0x80 or U+FFFD).
    static func isASCII(_ s: [UInt8]) -> Bool { s.allSatisfy { $0 < 0x80 && $0 != 0 } }

    /// `strconv.ParseInt(s, 10, 64)`.
    static func parseInt(_ s: ArraySlice<UInt8>) -> Int64? {
        var i = s.startIndex
        var negative = false
        if i < s.endIndex && (s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-")) {
            negative = s[i] == UInt8(ascii: "-"); i += 1
        }
        guard i < s.endIndex else { return nil }
        var x: UInt64 = 0
        while i < s.endIndex {
            let c = s[i]
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = x.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            x = a; i += 1
        }
        if negative {
            if x > UInt64(Int64.max) + 1 { return nil }
            return x == UInt64(Int64.max) + 1 ? Int64.min : -Int64(x)
        }
        return x > UInt64(Int64.max) ? nil : Int64(x)
    }

    /// `parsePAXTime`: nil when Go fails.
    static func parsePAXTimeOK(_ s: [UInt8]) -> Bool {
        let dot = s.firstIndex(of: UInt8(ascii: "."))
        let secs = dot.map { s[..<$0] } ?? s[...]
        guard parseInt(secs) != nil else { return false }
        guard let dot else { return true }
        return s[(dot + 1)...].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// `parsePAX`: the records of an extended header's data, later keys
    /// replacing earlier ones; nil when Go fails. GNU sparse offset/numbytes
    /// records are reported through `sparse` (the scanner refuses them).
    static func parsePAX(_ data: [UInt8]) -> (records: [[UInt8]: [UInt8]], sparse: Bool)? {
        var records: [[UInt8]: [UInt8]] = [:]
        var sparse = false
        var s = data[...]
        while !s.isEmpty {
            guard let sp = s.firstIndex(of: 0x20), let n64 = parseInt(s[s.startIndex..<sp]),
                  n64 >= 5, Int64(s.count) >= n64 else { return nil }
            let n = Int(n64)
            let afterSpace = sp + 1 - s.startIndex
            let beforeLastNewLine = n - 1
            if afterSpace >= beforeLastNewLine { return nil }
            let rec = s[(s.startIndex + afterSpace)..<(s.startIndex + beforeLastNewLine)]
            if s[s.startIndex + beforeLastNewLine] != 0x0A { return nil }
            guard let eq = rec.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            let k = Array(rec[..<eq]), v = Array(rec[(eq + 1)...])
            guard validPAXRecord(k, v) else { return nil }
            if k.starts(with: "GNU.sparse.".utf8) { sparse = true }
            records[k] = v
            s = s[(s.startIndex + n)...]
        }
        return (records, sparse)
    }

    static func validPAXRecord(_ k: [UInt8], _ v: [UInt8]) -> Bool {
        if k.isEmpty || k.contains(UInt8(ascii: "=")) { return false }
        switch String(decoding: k, as: UTF8.self) {
        case "path", "linkpath", "uname", "gname": return !v.contains(0)
        default: return !k.contains(0)
        }
    }

    /// `mergePAX` for the fields that matter here; false when Go fails.
    static func mergePAX(_ h: inout Header, _ records: [[UInt8]: [UInt8]]) -> Bool {
        for (k, v) in records where !v.isEmpty {
            switch String(decoding: k, as: UTF8.self) {
            case "path": h.name = v
            case "linkpath": h.linkname = v
            case "uid", "gid": if parseInt(v[...]) == nil { return false }
            case "atime", "mtime", "ctime": if !parsePAXTimeOK(v) { return false }
            case "size":
                guard let n = parseInt(v[...]) else { return false }
                h.size = n
            default: break
            }
        }
        return true
    }

    /// `isHeaderOnlyType`: entries whose size field is ignored (no data).
    static func isHeaderOnly(_ t: UInt8) -> Bool {
        switch t {
        case UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "4"),
             UInt8(ascii: "5"), UInt8(ascii: "6"): return true
        default: return false
        }
    }

    /// Padding after `n` data bytes.
    static func padding(_ n: Int64) -> Int { Int((Int64(blockSize) - n % Int64(blockSize)) % Int64(blockSize)) }
}
