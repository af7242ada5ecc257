/// The pieces of Go's `time` package that dockerd 20.10 reads a prune's
/// `until` with (`api/types/time.GetTimestamp`): `time.ParseDuration`, the
/// few layouts GetTimestamp chooses between, and `parseTimestamp`.
enum GoTime {
    /// One of GetTimestamp's layouts: `2006-01-02`, then `T15` (time 1),
    /// `T15:04` (2) or `T15:04:05` with an optional fraction (3), then
    /// `Z07:00` when `zone`.
    struct Layout: Equatable {
        var time: Int
        var zone: Bool
    }

    /// `time.ParseDuration`, in nanoseconds; nil where Go returns an error.
    static func parseDuration(_ text: String) -> Int64? {
        var s = Array(text.utf8)[...]
        var neg = false
        if let c = s.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            neg = c == UInt8(ascii: "-")
            s = s.dropFirst()
        }
        if s.elementsEqual("0".utf8) { return 0 }
        if s.isEmpty { return nil }
        let limit: UInt64 = 1 << 63
        var d: UInt64 = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while !s.isEmpty {
            guard s.first == UInt8(ascii: ".") || isDigit(s.first!) else { return nil }
            var v: UInt64 = 0
            var pre = false
            while let c = s.first, isDigit(c) {
                guard v <= limit / 10 else { return nil }
                v = v * 10 + UInt64(c - 0x30)
                guard v <= limit else { return nil }
                s = s.dropFirst()
                pre = true
            }
            var f: UInt64 = 0
            var scale = 1.0
            var post = false
            if s.first == UInt8(ascii: ".") {
                s = s.dropFirst()
                var overflow = false
                while let c = s.first, isDigit(c) {
                    post = true
                    s = s.dropFirst()
                    if overflow { continue }
                    if f > (limit - 1) / 10 { overflow = true; continue }
                    let y = f * 10 + UInt64(c - 0x30)
                    if y > limit { overflow = true; continue }
                    f = y
                    scale *= 10
                }
            }
            guard pre || post else { return nil }
            let unitBytes = s.prefix { $0 != UInt8(ascii: ".") && !isDigit($0) }
            guard !unitBytes.isEmpty else { return nil }
            s = s.dropFirst(unitBytes.count)
            let unit: UInt64
            switch String(decoding: unitBytes, as: UTF8.self) {
            case "ns": unit = 1
            case "us", "\u{00B5}s", "\u{03BC}s": unit = 1_000
            case "ms": unit = 1_000_000
            case "s": unit = 1_000_000_000
            case "m": unit = 60_000_000_000
            case "h": unit = 3_600_000_000_000
            default: return nil
            }
            guard v <= limit / unit else { return nil }
            v *= unit
            if f > 0 {
                v += UInt64(Double(f) * (Double(unit) / scale))
                guard v <= limit else { return nil }
            }
            d += v
            guard d <= limit else { return nil }
        }
        if neg { return d == limit ? Int64.min : -Int64(d) }
        guard d <= limit - 1 else { return nil }
        return Int64(d)
    }

    /// `time.Parse` (zone in the layout) or `time.ParseInLocation` in a
    /// fixed zone `zoneOffset` seconds east of UTC, for a GetTimestamp layout.
    static func parse(_ text: String, layout: Layout, zoneOffset: Int64) -> ContainerPrune.Instant? {
        var s = Array(text.utf8)[...]
        func digits(_ n: Int) -> Int64? {
            guard s.count >= n, s.prefix(n).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let value = s.prefix(n).reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
            s = s.dropFirst(n)
            return value
        }
        func literal(_ c: Character) -> Bool {
            guard s.first == c.asciiValue else { return false }
            s = s.dropFirst()
            return true
        }
        guard let year = digits(4), literal("-"), let month = digits(2), literal("-"), let day = digits(2) else { return nil }
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, nanos: Int64 = 0
        if layout.time >= 1 {
            guard literal("T") else { return nil }
            // "15": one or two digits.
            guard let h = digits(2) ?? digits(1) else { return nil }
            hour = h
        }
        if layout.time >= 2 {
            guard literal(":"), let m = digits(2) else { return nil }
            minute = m
        }
        if layout.time >= 3 {
            guard literal(":"), let sec = digits(2) else { return nil }
            second = sec
            // A fraction of any length (".999999999", or Go's fraction after
            // seconds); digits past the ninth are dropped.
            if s.count >= 2, s.first == UInt8(ascii: ".") || s.first == UInt8(ascii: ","),
               s.dropFirst().first.map({ $0 >= 0x30 && $0 <= 0x39 }) == true {
                s = s.dropFirst()
                let fraction = s.prefix { $0 >= 0x30 && $0 <= 0x39 }
                s = s.dropFirst(fraction.count)
                var scaled: Int64 = 0
                for (i, c) in fraction.prefix(9).enumerated() { scaled += Int64(c - 0x30) * pow10(8 - i) }
                nanos = scaled
            }
        }
        var offset = zoneOffset
        if layout.zone {
            if literal("Z") {
                offset = 0
            } else {
                guard s.count >= 6, s[s.startIndex + 3] == UInt8(ascii: ":") else { return nil }
                let sign = s.first!
                s = s.dropFirst()
                guard let hh = digits(2), literal(":"), let mm = digits(2) else { return nil }
                switch sign {
                case UInt8(ascii: "+"): offset = (hh * 60 + mm) * 60
                case UInt8(ascii: "-"): offset = -(hh * 60 + mm) * 60
                default: return nil
                }
            }
        }
        guard s.isEmpty else { return nil }
        guard (1...12).contains(month), hour < 24, minute < 60, second < 60,
              day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second - offset
        return ContainerPrune.Instant(seconds, nanos)
    }

    /// `parseTimestamp` of api/types/time: `seconds[.fraction]`, the
    /// fraction scaled to nanoseconds as Go does (through a float64).
    static func parseTimestamp(_ text: String) -> ContainerPrune.Instant? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let seconds = goParseInt(String(parts[0])) else { return nil }
        guard parts.count == 2 else { return ContainerPrune.Instant(seconds, 0) }
        guard let n = goParseInt(String(parts[1])) else { return nil }
        let scaled = Double(n) * pow10Double(9 - parts[1].utf8.count)
        return ContainerPrune.Instant(seconds, Int64(scaled))
    }

    /// `strconv.ParseInt(s, 10, 64)`: an optional sign, then ASCII digits.
    static func goParseInt(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)[...]
        if let c = bytes.first, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(text)
    }

    static func pow10(_ n: Int) -> Int64 { n <= 0 ? 1 : (1...n).reduce(Int64(1)) { r, _ in r * 10 } }

    static func pow10Double(_ n: Int) -> Double {
        var r = 1.0
        if n >= 0 { for _ in 0..<n { r *= 10 } } else { for _ in 0..<(-n) { r /= 10 } }
        return r
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
