/// gorilla/mux's path cleaning, which runs before any route is matched.
///
/// `Router.ServeHTTP` (mux v1.8.0 in Docker 20.10, v1.8.1 in 28.x; identical
/// here) computes `cleanPath(req.URL.Path)` on the DECODED path and, if the
/// result differs, answers `301 Moved Permanently` with the cleaned location
/// instead of routing — whatever the method. `cleanPath` is Go's `path.Clean`
/// (collapse "//", drop "." segments, resolve ".." including leading ones at
/// the root) with the trailing slash put back when the input had one:
///
///     "/a/b/"    → "/a/b/"   (clean: trailing slash is kept)
///     "/a//b"    → "/a/b"
///     "/a/./b"   → "/a/b"
///     "/a/../b"  → "/b"
///     "/.."      → "/"
///     "/a/.."    → "/"
///     "/a/."     → "/a"
///     "/./"      → "/"
///
/// Because "%2F" is decoded first, "/a%2F%2Fb" and "/a/%2E%2E/b" are unclean too.
enum CleanPath {
    /// Fast check: a rooted path is unchanged by mux's `cleanPath` iff no
    /// segment except the last is empty, and no segment is "." or "..".
    static func isClean<C: Collection>(_ path: C) -> Bool where C.Element == UInt8, C.Index == Int {
        guard let first = path.first, first == UInt8(ascii: "/") else { return false }
        var segStart = path.startIndex + 1
        var i = segStart
        let end = path.endIndex
        while true {
            if i == end || path[i] == UInt8(ascii: "/") {
                let len = i - segStart
                if i != end && len == 0 { return false }             // "//"
                if len == 1 && path[segStart] == UInt8(ascii: ".") { return false }
                if len == 2 && path[segStart] == UInt8(ascii: ".")
                    && path[segStart + 1] == UInt8(ascii: ".") { return false }
                if i == end { return true }
                segStart = i + 1
            }
            i += 1
        }
    }

    /// Port of gorilla/mux `cleanPath` (Go `path.Clean` + trailing slash).
    static func muxCleanPath(_ input: [UInt8]) -> [UInt8] {
        if input.isEmpty { return [UInt8(ascii: "/")] }
        var p = input
        if p[0] != UInt8(ascii: "/") { p.insert(UInt8(ascii: "/"), at: 0) }
        var np = goPathClean(p)
        if p[p.count - 1] == UInt8(ascii: "/") && np != [UInt8(ascii: "/")] {
            np.append(UInt8(ascii: "/"))
        }
        return np
    }

    /// Port of Go's `path.Clean`.
    static func goPathClean(_ path: [UInt8]) -> [UInt8] {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        if path.isEmpty { return [dot] }
        let rooted = path[0] == slash
        let n = path.count
        var out: [UInt8] = []
        out.reserveCapacity(n)
        var r = 0, dotdot = 0
        if rooted { out.append(slash); r = 1; dotdot = 1 }
        while r < n {
            if path[r] == slash {
                r += 1
            } else if path[r] == dot && (r + 1 == n || path[r + 1] == slash) {
                r += 1
            } else if path[r] == dot && r + 1 < n && path[r + 1] == dot && (r + 2 == n || path[r + 2] == slash) {
                r += 2
                if out.count > dotdot {
                    // Go: out.w--; for out.w > dotdot && out.index(out.w) != '/' { out.w-- }
                    var w = out.count - 1
                    while w > dotdot && out[w] != slash { w -= 1 }
                    out.removeSubrange(w..<out.count)
                } else if !rooted {
                    if !out.isEmpty { out.append(slash) }
                    out.append(dot); out.append(dot)
                    dotdot = out.count
                }
            } else {
                if rooted && out.count != 1 || !rooted && !out.isEmpty { out.append(slash) }
                while r < n && path[r] != slash { out.append(path[r]); r += 1 }
            }
        }
        if out.isEmpty { return [dot] }
        return out
    }
}
