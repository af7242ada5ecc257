/// moby's `api/types/versions` comparison, used by the version-gated
/// adjustments of the body handlers (`versions.LessThan(version, "1.24")` …).
///
/// ```go
/// func compare(v1, v2 string) int {
///     if v1 == v2 { return 0 }
///     currTab, otherTab := strings.Split(v1, "."), strings.Split(v2, ".")
///     for i := 0; i < max(len(currTab), len(otherTab)); i++ {
///         var currInt, otherInt int
///         if len(currTab) > i { currInt, _ = strconv.Atoi(currTab[i]) }
///         if len(otherTab) > i { otherInt, _ = strconv.Atoi(otherTab[i]) }
///         …
/// ```
/// A component that is not a decimal integer counts as 0; one that overflows
/// counts as ±MaxInt64 (Atoi returns the clamped value with its range error,
/// which is ignored). Identical in 20.10.24 and 28.x.
public enum APIVersionCompare {
    /// -1, 0 or 1, as moby's `versions.compare`.
    public static func compare(_ v1: String, _ v2: String) -> Int {
        if v1 == v2 { return 0 }
        var a = Parts(v1), b = Parts(v2)
        while !a.isDone || !b.isDone {
            let x = a.next(), y = b.next()
            if x > y { return 1 }
            if y > x { return -1 }
        }
        return 0
    }

    /// A version's dot-separated parts as Go's `strings.Split` gives them
    /// (an empty string is one empty part; "1." is "1" and ""), each read
    /// by `atoi`, without building the split: this runs on every request.
    public struct Parts {
        var rest: Substring.UTF8View
        /// No part is left (0 is read from here on, as a missing part is).
        public private(set) var isDone = false

        public init(_ version: String) { rest = version.utf8[...] }

        public mutating func next() -> Int64 {
            if isDone { return 0 }
            guard let dot = rest.firstIndex(of: UInt8(ascii: ".")) else {
                isDone = true
                return APIVersionCompare.atoi(rest)
            }
            let part = rest[..<dot]
            rest = rest[rest.index(after: dot)...]
            return APIVersionCompare.atoi(part)
        }
    }

    public static func lessThan(_ v: String, _ other: String) -> Bool { compare(v, other) < 0 }
    public static func greaterThanOrEqual(_ v: String, _ other: String) -> Bool { compare(v, other) >= 0 }

    /// strconv.Atoi's value (errors ignored): optional sign, ASCII digits;
    /// 0 on a syntax error (including "" and a lone sign). Go 1.19's
    /// `ParseUint` returns at the first byte that makes the magnitude
    /// overflow a uint64, with the clamped value and a range error, before it
    /// sees what follows, so `99999999999999999999x` is MaxInt64 while
    /// `9999999999999999999x` (no uint64 overflow yet) is 0; `ParseInt` then
    /// clamps to ±MaxInt64 (`-9223372036854775808` is exact).
    @inlinable
    public static func atoi<Bytes: Collection<UInt8>>(_ s: Bytes) -> Int64 {
        var bytes = s[...]
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        if bytes.isEmpty { return 0 }
        var magnitude: UInt64 = 0
        for c in bytes {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return 0 }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (n, o2) = m.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
            if o1 || o2 { return negative ? Int64.min : Int64.max }
            magnitude = n
        }
        if negative {
            return magnitude >= UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return magnitude > UInt64(Int64.max) ? Int64.max : Int64(magnitude)
    }

}
