/// Go's strconv as encoding/json uses it (unchanged from go1.19 to go1.24 in
/// what it accepts and returns).
enum GoNumbers {
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// `strconv.ParseUint(s, 10, 64)`: ASCII digits only, no sign, no
    /// underscores (base 10 given explicitly), leading zeros allowed.
    static func parseUint<C: Collection>(_ s: C) -> UInt64? where C.Element == UInt8 {
        if s.isEmpty { return nil }
        var n: UInt64 = 0
        for c in s {
            guard isDigit(c) else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(c - 0x30))
            if o1 || o2 { return nil }
            n = a
        }
        return n
    }

    /// `strconv.ParseInt(s, 10, 64)`: an optional `+` or `-`, then as ParseUint.
    static func parseInt<C: Collection>(_ s: C) -> Int64? where C.Element == UInt8 {
        guard let first = s.first else { return nil }
        var rest = s[...]
        var negative = false
        if first == UInt8(ascii: "+") {
            rest = rest.dropFirst()
        } else if first == UInt8(ascii: "-") {
            negative = true
            rest = rest.dropFirst()
        }
        guard let u = parseUint(rest) else { return nil }
        if negative {
            if u > UInt64(Int64.max) + 1 { return nil }
            return u == UInt64(Int64.max) + 1 ? Int64.min : -Int64(u)
        }
        if u > UInt64(Int64.max) { return nil }
        return Int64(u)
    }

    /// `reflect.Value.OverflowInt` for an int of `bits` (0 means Go's int, 64-bit).
    static func fitsInt(_ n: Int64, bits: Int) -> Bool {
        let b = bits == 0 ? 64 : bits
        if b >= 64 { return true }
        let limit = Int64(1) << (b - 1)
        return n >= -limit && n < limit
    }

    static func fitsUint(_ n: UInt64, bits: Int) -> Bool {
        let b = bits == 0 ? 64 : bits
        if b >= 64 { return true }
        return n < (UInt64(1) << b)
    }

    /// `strconv.ParseFloat(s, bits)` for the decimal forms: an optional sign,
    /// digits with at most one `.` (at least one digit), an optional exponent.
    /// Returns nil where Go returns an error (including ErrRange: overflow
    /// to ±Inf), and also for the exotic forms Go would accept (hex mantissas
    /// `0x1p3`, `inf`/`infinity`, `nan`, digit-separating underscores `1_0`):
    /// those can only reach a float through the `,string` option, and we
    /// refuse them rather than emulate them (documented in GoDecoder).
    static func parseFloat(_ s: [UInt8], bits: Int) -> Double? {
        guard isDecimalFloat(s) else { return nil }
        let text = String(decoding: s, as: UTF8.self)
        if bits == 32 {
            // Swift's Float(String) rounds the decimal directly to binary32
            // (like Go's ParseFloat(s, 32)), not through binary64.
            guard let f = Float(text), f.isFinite else { return nil }
            return Double(f)
        }
        guard let d = Double(text), d.isFinite else { return nil }
        return d
    }

    static func isDecimalFloat(_ s: [UInt8]) -> Bool {
        var i = 0
        let n = s.count
        if i < n, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
        var digits = 0
        var sawDot = false
        while i < n {
            let c = s[i]
            if isDigit(c) { digits += 1; i += 1; continue }
            if c == UInt8(ascii: "."), !sawDot { sawDot = true; i += 1; continue }
            break
        }
        if digits == 0 { return false }
        if i < n, s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
            var expDigits = 0
            while i < n, isDigit(s[i]) { expDigits += 1; i += 1 }
            if expDigits == 0 { return false }
        }
        return i == n
    }

    /// What Go's encoder prints for a float64 (`bits == 64`) or float32: the
    /// shortest decimal that reads back to the same value, in 'f' notation,
    /// or 'e' notation when |f| < 1e-6 or |f| >= 1e21, with `e-07` cleaned up
    /// to `e-7`. NaN and ±Inf (which Go refuses to encode) give nil.
    static func formatFloat(_ value: Double, bits: Int) -> String? {
        guard value.isFinite else { return nil }
        let negative = value.sign == .minus
        let description: String
        let useE: Bool
        if bits == 32 {
            let f = Float(value)
            description = f.magnitude.description
            useE = f != 0 && (f.magnitude < 1e-6 || f.magnitude >= 1e21)
        } else {
            description = value.magnitude.description
            useE = value != 0 && (value.magnitude < 1e-6 || value.magnitude >= 1e21)
        }
        // Swift's description is the shortest round-tripping decimal too,
        // as "123.45", "1e-07", "1.2345e+20" or "0.0". Take its digits and
        // decimal exponent apart.
        var mantissa = Substring(description)
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(mantissa[mantissa.index(after: e)...]) ?? 0
            mantissa = mantissa[..<e]
        }
        var digits: [UInt8] = []
        var pointPosition: Int? = nil
        for ch in mantissa.utf8 {
            if ch == UInt8(ascii: ".") { pointPosition = digits.count } else { digits.append(ch) }
        }
        var dp = (pointPosition ?? digits.count) + exponent
        // Strip leading zeros (adjusting the point) and trailing zeros.
        var lead = 0
        while lead < digits.count, digits[lead] == UInt8(ascii: "0") { lead += 1 }
        digits.removeFirst(lead)
        dp -= lead
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }

        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if digits.isEmpty {
            out.append(UInt8(ascii: "0"))
            return String(decoding: out, as: UTF8.self)
        }
        if useE {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            let exp = dp - 1
            out.append(exp < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let e = String(exp.magnitude)
            // Go writes at least two exponent digits, then the encoder turns
            // e-0X into e-X (but leaves e+0X alone).
            if e.count < 2 && exp >= 0 { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: e.utf8)
        } else {
            if dp <= 0 {
                out.append(UInt8(ascii: "0"))
            } else {
                for k in 0..<dp { out.append(k < digits.count ? digits[k] : UInt8(ascii: "0")) }
            }
            if digits.count > dp {
                out.append(UInt8(ascii: "."))
                if dp < 0 { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -dp)) }
                out.append(contentsOf: digits[max(dp, 0)...])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
