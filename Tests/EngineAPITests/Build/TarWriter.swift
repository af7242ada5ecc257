/// A tiny tar writer for the build context tests: raw header blocks with
/// every field under the test's control (so malformed archives can be made).
enum Tar {
    enum Magic { case ustar, gnu, v7 }

    static func header(_ name: String, _ type: Character = "0", size: Int = 0, link: String = "",
                       prefix: String = "", magic: Magic = .ustar, base256Size: Bool = false,
                       signedChecksum: Bool = false, breakChecksum: Bool = false,
                       gnuAtime: String? = nil, rawName: [UInt8]? = nil, mode: String = "0000644") -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 512)
        func put(_ offset: Int, _ bytes: [UInt8]) { for (i, c) in bytes.enumerated() { b[offset + i] = c } }
        put(0, rawName ?? Array(name.utf8))
        put(100, Array(mode.utf8))
        put(108, Array("0000000".utf8))
        put(116, Array("0000000".utf8))
        if base256Size {
            var s = [UInt8](repeating: 0, count: 12)
            s[0] = 0x80
            var v = UInt64(size)
            for i in stride(from: 11, to: 3, by: -1) { s[i] = UInt8(v & 0xFF); v >>= 8 }
            put(124, s)
        } else {
            put(124, Array(octal(size, width: 11).utf8))
        }
        put(136, Array(octal(0o14_000_000_000, width: 11).utf8))
        b[156] = type.asciiValue!
        put(157, Array(link.utf8))
        switch magic {
        case .ustar: put(257, Array("ustar\u{0}00".utf8))
        case .gnu: put(257, Array("ustar  \u{0}".utf8))
        case .v7: break
        }
        if magic != .v7 {
            put(265, Array("root".utf8)); put(297, Array("root".utf8))
        }
        if magic == .ustar { put(345, Array(prefix.utf8)) }
        if let gnuAtime { put(345, Array(gnuAtime.utf8)) }
        if signedChecksum { b[300] = 0xF0 }  // a high byte in gname: signed and unsigned sums differ
        var unsigned = 0, signed = 0
        for i in 0..<512 {
            let c = (148..<156).contains(i) ? UInt8(ascii: " ") : b[i]
            unsigned += Int(c); signed += Int(Int8(bitPattern: c))
        }
        var sum = signedChecksum ? signed : unsigned
        if breakChecksum { sum += 1 }
        if sum < 0 {
            // A negative signed sum cannot be written in octal: keep the byte positive then.
            b[300] = 0x70
            return header(name, type, size: size, link: link, prefix: prefix, magic: magic, base256Size: base256Size,
                          signedChecksum: false, breakChecksum: breakChecksum, gnuAtime: gnuAtime, rawName: rawName, mode: mode)
        }
        put(148, Array(octal(sum, width: 6).utf8) + [0, 0x20])
        return b
    }

    static func octal(_ v: Int, width: Int) -> String {
        let s = String(v, radix: 8)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    static func padded(_ data: [UInt8]) -> [UInt8] {
        data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    /// A regular file entry.
    static func file(_ name: String, _ text: String, _ type: Character = "0", magic: Magic = .ustar) -> [UInt8] {
        header(name, type, size: text.utf8.count, magic: magic) + padded(Array(text.utf8))
    }

    static func dir(_ name: String) -> [UInt8] { header(name, "5", mode: "0000755") }
    static func symlink(_ name: String, to target: String) -> [UInt8] { header(name, "2", link: target) }
    static func hardlink(_ name: String, to target: String) -> [UInt8] { header(name, "1", link: target) }

    /// A PAX extended header ('x') or global header ('g') with these records.
    static func pax(_ records: [(String, String)], _ type: Character = "x", name: String = "PaxHeaders.0/x") -> [UInt8] {
        var data: [UInt8] = []
        for (k, v) in records { data += record(k, v) }
        return header(name, type, size: data.count) + padded(data)
    }

    /// One PAX record, "%d %s=%s\n" with the length counting itself.
    static func record(_ k: String, _ v: String) -> [UInt8] {
        let body = " \(k)=\(v)\n"
        var n = body.utf8.count + 1
        while String(n).count + body.utf8.count != n { n += 1 }
        return Array((String(n) + body).utf8)
    }

    /// A GNU long name ('L') or long link ('K') header.
    static func gnuLong(_ value: String, _ type: Character = "L") -> [UInt8] {
        let data = Array(value.utf8) + [0]
        return header("././@LongLink", type, size: data.count, magic: .gnu) + padded(data)
    }

    static let end = [UInt8](repeating: 0, count: 1024)

    static func archive(_ parts: [UInt8]...) -> [UInt8] { parts.flatMap { $0 } + end }
}
