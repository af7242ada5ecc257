extension Catalogue {
    /// Resolves a raw HTTP method and request-target (e.g.
    /// "/v1.41/containers/json?all=1") exactly as the Docker daemon would route
    /// it. See ``Catalogue`` for the normalisation steps.
    public static func resolve(method: String, target: String) -> RouteResolution {
        guard isToken(method) else {
            return .invalid(reason: "invalid method")
        }
        var target = target
        return target.withUTF8 { resolve(method: method, raw: $0) }
    }

    private static func resolve(method: String, raw: UnsafeBufferPointer<UInt8>) -> RouteResolution {
        guard let first = raw.first else {
            return .invalid(reason: "empty request-target")
        }
        for byte in raw {
            if byte < 0x20 || byte == 0x7F {
                return .invalid(reason: "control character in request-target")
            }
            if byte == UInt8(ascii: " ") {
                return .invalid(reason: "space in request-target")
            }
        }
        guard first == UInt8(ascii: "/") else {
            if raw.count == 1 && first == UInt8(ascii: "*") {
                return .invalid(reason: "asterisk-form request-target is not supported")
            }
            if hasURLScheme(raw) {
                return .invalid(reason: "absolute-form request-target refused (only origin-form \"/path\" is accepted)")
            }
            return .invalid(reason: "request-target is not origin-form (must start with \"/\")")
        }

        // Path / query split at the first "?" ('#' is not special).
        let questionMark = raw.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = UnsafeBufferPointer(rebasing: raw[..<(questionMark ?? raw.endIndex)])
        let rawQuery = questionMark.map {
            String(decoding: UnsafeBufferPointer(rebasing: raw[($0 + 1)...]), as: UTF8.self)
        }

        // A path without `%` decodes to itself, and one of ASCII bytes only
        // is valid UTF-8: the usual request needs neither copy nor check.
        if isPlainASCII(rawPath) {
            return judgedPath(method: method, path: rawPath, rawQuery: rawQuery)
        }
        let decoded: [UInt8]
        switch PercentDecoding.decodePath(rawPath) {
        case .success(let bytes): decoded = bytes
        case .failure(.invalidEscape(let escape)):
            return .invalid(reason: "invalid URL escape \"\(escape)\" in path")
        }
        guard String(validating: decoded, as: UTF8.self) != nil else {
            return .invalid(reason: "decoded path is not valid UTF-8")
        }
        return decoded.withUnsafeBufferPointer { path in
            judgedPath(method: method, path: path, rawQuery: rawQuery)
        }
    }

    /// A decoded, valid UTF-8 path: refused when not clean, else matched.
    private static func judgedPath(method: String, path: UnsafeBufferPointer<UInt8>,
                                   rawQuery: String?) -> RouteResolution {
        guard CleanPath.isClean(path) else {
            let cleaned = String(decoding: CleanPath.muxCleanPath(Array(path)), as: UTF8.self)
            return .invalid(reason: "path is not clean (the daemon would redirect to \(cleaned))")
        }
        return match(method: method, path: path, rawQuery: rawQuery)
    }

    /// Every byte below 0x80 and none a `%`.
    private static func isPlainASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte >= 0x80 || byte == UInt8(ascii: "%") { return false }
        return true
    }

    private static func match(method: String, path: UnsafeBufferPointer<UInt8>,
                              rawQuery: String?) -> RouteResolution {
        let candidates = leadKeys(method)
        // "/v{version:[0-9.]+}" must be followed by the template, which starts
        // with '/': the version is the whole run of [0-9.] after "/v".
        var versionEnd: Int? = nil
        if path.count > 2 && path[1] == UInt8(ascii: "v") {
            var i = 2
            while i < path.count && (path[i] == UInt8(ascii: ".") || (path[i] >= UInt8(ascii: "0") && path[i] <= UInt8(ascii: "9"))) {
                i += 1
            }
            if i > 2 && i < path.count && path[i] == UInt8(ascii: "/") { versionEnd = i }
        }
        // The first segment (with its "/") after the version and from the
        // start: a route whose lead differs cannot match there (`mayMatch`),
        // so most candidates are passed over on their packed keys alone.
        let versioned = versionEnd.map { Segment(path, from: $0) }
        let whole = Segment(path, from: 0)
        let all = compiled
        return candidates.withUnsafeBufferPointer { keys in
            for key in keys {
                if let versionEnd, let versioned, versioned.mayMatch(key) {
                    let compiled = all[key.index]
                    if compiled.mayMatch(path, from: versionEnd),
                       let captures = compiled.pattern.match(path, from: versionEnd, to: path.count) {
                        return .matched(makeMatch(compiled, path, captures,
                                                  version: string(path, 2..<versionEnd),
                                                  pathStart: versionEnd, rawQuery: rawQuery))
                    }
                }
                if whole.mayMatch(key) {
                    let compiled = all[key.index]
                    if compiled.mayMatch(path, from: 0), let captures = compiled.pattern.match(path, from: 0, to: path.count) {
                        return .matched(makeMatch(compiled, path, captures, version: nil,
                                                  pathStart: 0, rawQuery: rawQuery))
                    }
                }
            }
            return .unknown(method: method, path: string(path, 0..<path.count))
        }
    }

    /// A path's first segment from `start` (a "/" and what follows up to
    /// the next "/" or the end), packed as `LeadKey` packs leads.
    private struct Segment {
        let count: Int
        let w0: UInt64
        let w1: UInt64

        init(_ path: UnsafeBufferPointer<UInt8>, from start: Int) {
            var end = start + 1
            while end < path.count && path[end] != UInt8(ascii: "/") { end += 1 }
            count = end - start
            (w0, w1) = LeadKey.words(UnsafeBufferPointer(rebasing: path[start..<end]))
        }

        /// False only when the route's lead cannot begin the path here;
        /// true leaves the decision to `CompiledRoute.mayMatch`.
        @inline(__always)
        func mayMatch(_ key: LeadKey) -> Bool {
            if key.count == 0 { return true }
            guard key.count == count else { return false }
            return !key.packed || (key.w0 == w0 && key.w1 == w1)
        }
    }

    private static func makeMatch(_ compiled: CompiledRoute, _ path: UnsafeBufferPointer<UInt8>,
                                  _ captures: PathPattern.Captures, version: String?,
                                  pathStart: Int, rawQuery: String?) -> EndpointMatch {
        var parameters: [String: String] = [:]
        // Reserving nothing still copies the empty singleton into fresh storage.
        if !compiled.parameterNames.isEmpty { parameters.reserveCapacity(compiled.parameterNames.count) }
        for (slot, name) in compiled.parameterNames.enumerated() {
            parameters[name] = string(path, captures[slot])
        }
        return EndpointMatch(route: compiled.route, apiVersion: version, parameters: parameters,
                             path: string(path, pathStart..<path.count), rawQuery: rawQuery)
    }

    /// The bytes are valid UTF-8 and every range boundary sits next to an ASCII
    /// byte (or an end), so this conversion is lossless.
    @inline(__always)
    private static func string(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }

    /// Go's `validMethod`: non-empty, every byte an RFC 7230 `tchar`.
    static func isToken(_ method: String) -> Bool {
        if method.isEmpty { return false }
        for byte in method.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"),
                 UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
                 UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                continue
            default:
                return false
            }
        }
        return true
    }

    /// Go's `getScheme`: `[A-Za-z][A-Za-z0-9+.-]*:` at the start.
    private static func hasURLScheme(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        for (i, c) in raw.enumerated() {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                if i == 0 { return false }
            case UInt8(ascii: ":"):
                return i > 0
            default:
                return false
            }
        }
        return false
    }
}
