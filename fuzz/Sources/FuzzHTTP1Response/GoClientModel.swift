// go1.19 net/http's client reading of a connection's answers, transcribed
// from the Go sources (Debian's go-1.19: net/http/response.go ReadResponse,
// transfer.go readTransfer/parseTransferEncoding/fixLength/fixTrailer,
// internal/chunked.go, body.readTrailer, net/textproto ReadMIMEHeader,
// transport.go's 1xx loop and connection reuse). Independent of the proxy's
// parsers on purpose. Where Go would wait for more bytes the model says
// `truncated` (the input is all the daemon sent before closing).

/// One answer as Go's client reads it.
struct GoAnswer: Equatable, CustomStringConvertible {
    enum Outcome: Equatable {
        case complete(end: Int, reuse: Bool)
        case untilClose
        case truncated
        /// Refused: the bytes from `at` on (a head, a chunk line, a trailer) are not read as they must be.
        case refused(at: Int, String)
    }
    var start: Int
    var heads: [ProxyTrace.Head] = []
    var bodyStart = 0
    var outcome = Outcome.truncated

    var description: String { "@\(start): heads \(heads.map { "\($0.status)\($0.range)" }) body from \(bodyStart) \(outcome)" }
}

enum GoClientModel {
    /// bufio's default size in the Transport: a chunk line and a trailer section must fit in it.
    static let bufferSize = 4096

    static func read(_ b: [UInt8], methods: [String], maxAnswers: Int) -> [GoAnswer] {
        var answers: [GoAnswer] = []
        var pos = 0
        while answers.count < maxAnswers && pos < b.count {
            let method = methods[answers.count % methods.count]
            let answer = readAnswer(b, at: pos, method: method)
            answers.append(answer)
            guard case .complete(let end, true) = answer.outcome else { break }
            pos = end
        }
        return answers
    }

    struct Head {
        var major = 1, minor = 1
        var status = 0
        /// Canonical key → values, as textproto.MIMEHeader.
        var fields: [String: [[UInt8]]] = [:]
        var end = 0
        func values(_ key: String) -> [[UInt8]]? { fields[key] }
        func get(_ key: String) -> [UInt8] { fields[key]?.first ?? [] }
    }

    enum Read<T> { case ok(T), truncated, refused(String) }

    static func readAnswer(_ b: [UInt8], at start: Int, method: String) -> GoAnswer {
        var answer = GoAnswer(start: start)
        var pos = start
        var interims = 0
        while true {
            let head: Head
            switch readHead(b, at: pos) {
            case .truncated: return answer
            case .refused(let why):
                answer.outcome = .refused(at: pos, why)
                return answer
            case .ok(let h): head = h
            }
            // readTransfer runs for every head, 1xx included.
            let transfer: Transfer
            switch readTransfer(head, method: method) {
            case .refused(let why):
                answer.outcome = .refused(at: pos, why)
                return answer
            case .truncated: return answer
            case .ok(let t): transfer = t
            }
            answer.heads.append(ProxyTrace.Head(status: head.status, range: pos..<head.end))
            pos = head.end
            if head.status >= 100 && head.status <= 199 && head.status != 101 {
                interims += 1
                if interims > 5 {
                    answer.outcome = .refused(at: answer.heads[answer.heads.count - 1].range.lowerBound, "too many 1xx informational responses")
                    return answer
                }
                continue
            }
            answer.bodyStart = pos
            // transport.go: a protocol switch's body is the connection itself.
            let protocolSwitch = head.status == 101 && !head.get("Upgrade").isEmpty
                && containsToken(head.values("Connection") ?? [], "upgrade")
            if protocolSwitch {
                answer.outcome = .untilClose
                return answer
            }
            // transport.go readLoop: no reuse after close, a 1xx, or an unbounded body.
            let reuse = !transfer.close && head.status > 199
            switch transfer.body {
            case .none:
                answer.outcome = .complete(end: pos, reuse: reuse)
            case .length(let n):
                if UInt64(b.count - pos) < n { return answer }
                answer.outcome = .complete(end: pos + Int(n), reuse: reuse)
            case .untilClose:
                answer.outcome = .untilClose
            case .chunked:
                switch readChunked(b, at: pos) {
                case .ok(let end): answer.outcome = .complete(end: end, reuse: reuse)
                case .truncated: return answer
                case .refused(let why):
                    answer.outcome = .refused(at: pos, why)
                }
            }
            return answer
        }
    }

    // MARK: ReadResponse

    /// textproto Reader.ReadLine: up to LF, without "\n" or "\r\n". Nil: no LF before the end.
    static func readLine(_ b: [UInt8], at pos: Int) -> (line: ArraySlice<UInt8>, next: Int)? {
        guard let lf = b[pos...].firstIndex(of: 10) else { return nil }
        var end = lf
        if end > pos && b[end - 1] == 13 { end -= 1 }
        return (b[pos..<end], lf + 1)
    }

    static func readHead(_ b: [UInt8], at start: Int) -> Read<Head> {
        guard let (statusLine, afterStatus) = readLine(b, at: start) else { return .truncated }
        var head = Head()
        guard let space = statusLine.firstIndex(of: 32) else { return .refused("malformed HTTP response") }
        let proto = statusLine[statusLine.startIndex..<space]
        var rest = statusLine[(space + 1)...]
        while rest.first == 32 { rest = rest.dropFirst() }
        let code = rest.prefix { $0 != 32 }
        guard code.count == 3, let status = atoi(code), status >= 0 else { return .refused("malformed HTTP status code") }
        head.status = status
        guard let (major, minor) = parseHTTPVersion(proto) else { return .refused("malformed HTTP version") }
        (head.major, head.minor) = (major, minor)
        switch readMIMEHeader(b, at: afterStatus) {
        case .ok(let (fields, end)):
            head.fields = fields
            head.end = end
            return .ok(head)
        case .truncated: return .truncated
        case .refused(let why): return .refused(why)
        }
    }

    /// strconv.Atoi of a short string: an optional sign, then decimal digits.
    static func atoi(_ s: ArraySlice<UInt8>) -> Int? {
        var digits = s
        var negative = false
        if let first = digits.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var n = 0
        for d in digits {
            guard d >= 48 && d <= 57 else { return nil }
            n = n * 10 + Int(d - 48)
        }
        return negative ? -n : n
    }

    static func parseHTTPVersion(_ v: ArraySlice<UInt8>) -> (Int, Int)? {
        let s = Array(v)
        if s == Array("HTTP/1.1".utf8) { return (1, 1) }
        if s == Array("HTTP/1.0".utf8) { return (1, 0) }
        guard s.count == 8, s.starts(with: Array("HTTP/".utf8)), s[6] == UInt8(ascii: ".") else { return nil }
        guard s[5] >= 48 && s[5] <= 57 && s[7] >= 48 && s[7] <= 57 else { return nil }
        return (Int(s[5] - 48), Int(s[7] - 48))
    }

    /// textproto readMIMEHeader (with readContinuedLineSlice's folding).
    static func readMIMEHeader(_ b: [UInt8], at start: Int) -> Read<([String: [[UInt8]]], Int)> {
        var fields: [String: [[UInt8]]] = [:]
        var pos = start
        if pos < b.count && (b[pos] == 32 || b[pos] == 9) {
            guard readLine(b, at: pos) != nil else { return .truncated }
            return .refused("malformed MIME header initial line")
        }
        while true {
            guard let (first, next) = readLine(b, at: pos) else { return .truncated }
            pos = next
            if first.isEmpty { return .ok((fields, pos)) }
            guard first.contains(58) else { return .refused("malformed MIME header: missing colon") }
            var kv = Array(trim(first))
            // Continuation lines: leading SP/HTAB skipped, the line trimmed, joined with one space.
            while pos < b.count && (b[pos] == 32 || b[pos] == 9) {
                var p = pos
                while p < b.count && (b[p] == 32 || b[p] == 9) { p += 1 }
                guard let (more, after) = readLine(b, at: p) else { return .truncated }
                kv += [32] + trim(more)
                pos = after
            }
            if pos == b.count { return .truncated }  // Go peeks at the next line before going on
            let colon = kv.firstIndex(of: 58)!
            let key = canonicalKey(kv[..<colon])
            if key.isEmpty { continue }
            var value = kv[(colon + 1)...]
            while let f = value.first, f == 32 || f == 9 { value = value.dropFirst() }
            fields[key, default: []].append(Array(value))
        }
    }

    static func trim(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, f == 32 || f == 9 { s = s.dropFirst() }
        while let l = s.last, l == 32 || l == 9 { s = s.dropLast() }
        return s
    }

    static func isToken(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(c)
        }
    }

    /// canonicalMIMEHeaderKey: a key with a non-token byte is kept as is.
    static func canonicalKey(_ k: ArraySlice<UInt8>) -> String {
        guard k.allSatisfy(isToken) else { return String(decoding: k, as: UTF8.self) }
        var upper = true
        var out: [UInt8] = []
        for var c in k {
            if upper && c >= 97 && c <= 122 { c -= 32 } else if !upper && c >= 65 && c <= 90 { c += 32 }
            out.append(c)
            upper = c == UInt8(ascii: "-")
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func lower(_ s: some Sequence<UInt8>) -> [UInt8] { s.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 } }

    /// httpguts.HeaderValuesContainsToken.
    static func containsToken(_ values: [[UInt8]], _ token: String) -> Bool {
        values.contains { value in
            value.split(separator: 44, omittingEmptySubsequences: false).contains { lower(trim($0[...])) == Array(token.utf8) }
        }
    }

    // MARK: readTransfer

    enum Body { case none, length(UInt64), chunked, untilClose }
    struct Transfer { var body: Body; var close: Bool }

    static func readTransfer(_ h: Head, method: String) -> Read<Transfer> {
        // shouldClose
        let connection = h.values("Connection") ?? []
        let hasClose = containsToken(connection, "close")
        var close: Bool
        if h.major < 1 { close = true } else if h.major == 1 && h.minor == 0 {
            close = hasClose || !containsToken(connection, "keep-alive")
        } else { close = hasClose }
        var fields = h.fields
        // parseTransferEncoding
        var chunked = false
        if let te = fields["Transfer-Encoding"] {
            fields["Transfer-Encoding"] = nil
            if h.major > 1 || (h.major == 1 && h.minor >= 1) {
                guard te.count == 1 else { return .refused("too many transfer encodings") }
                guard lower(te[0]) == Array("chunked".utf8) else { return .refused("unsupported transfer encoding") }
                fields["Content-Length"] = nil
                chunked = true
            }
        }
        // fixLength
        var lengths = fields["Content-Length"] ?? []
        if lengths.count > 1 {
            let first = Array(trimSpace(lengths[0]))
            for other in lengths.dropFirst() where Array(trimSpace(other)) != first {
                return .refused("multiple Content-Length headers")
            }
            lengths = [first]
            fields["Content-Length"] = lengths
        }
        var realLength: Int64
        let noBodyStatus = h.status / 100 == 1 || h.status == 204 || h.status == 304
        if method == "HEAD" || noBodyStatus {
            realLength = 0
        } else if chunked {
            realLength = -1
        } else if lengths.count == 1, !trimSpace(lengths[0]).isEmpty {
            guard let n = parseContentLength(lengths[0]) else { return .refused("bad Content-Length") }
            realLength = n
        } else {
            realLength = -1
        }
        if method == "HEAD" {
            if let first = lengths.first, !trimSpace(first).isEmpty, parseContentLength(first) == nil {
                return .refused("bad Content-Length")
            }
        }
        // fixTrailer
        if chunked, let trailer = fields["Trailer"] {
            for value in trailer {
                for element in value.split(separator: 44) {
                    let key = canonicalKey(trim(element[...]))
                    if ["Transfer-Encoding", "Trailer", "Content-Length"].contains(key) { return .refused("bad trailer key") }
                }
            }
        }
        let bodyAllowed = !noBodyStatus
        if realLength == -1 && !chunked && bodyAllowed { close = true }
        if chunked {
            return .ok(Transfer(body: method == "HEAD" || !bodyAllowed ? .none : .chunked, close: close))
        }
        if realLength == 0 { return .ok(Transfer(body: .none, close: close)) }
        if realLength > 0 { return .ok(Transfer(body: .length(UInt64(realLength)), close: close)) }
        return .ok(Transfer(body: close ? .untilClose : .none, close: close))
    }

    /// textproto.TrimString: ASCII space, tab, CR, LF.
    static func trimSpace(_ s: [UInt8]) -> ArraySlice<UInt8> {
        var t = s[...]
        let space: Set<UInt8> = [32, 9, 10, 13]
        while let f = t.first, space.contains(f) { t = t.dropFirst() }
        while let l = t.last, space.contains(l) { t = t.dropLast() }
        return t
    }

    /// strconv.ParseUint(s, 10, 63) of the trimmed value.
    static func parseContentLength(_ value: [UInt8]) -> Int64? {
        let digits = trimSpace(value)
        guard !digits.isEmpty else { return nil }
        var n: UInt64 = 0
        for d in digits {
            guard d >= 48 && d <= 57 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d - 48))
            guard !o1, !o2, s <= UInt64(Int64.max) else { return nil }
            n = s
        }
        return Int64(n)
    }

    // MARK: chunked body

    static func readChunked(_ b: [UInt8], at start: Int) -> Read<Int> {
        var pos = start
        while true {
            // readChunkLine: ReadSlice('\n') within the bufio buffer.
            guard let lf = b[pos...].firstIndex(of: 10) else {
                return b.count - pos >= bufferSize ? .refused("chunk line too long") : .truncated
            }
            if lf + 1 - pos >= bufferSize { return .refused("chunk line too long") }
            var line = b[pos..<lf + 1]
            let space: Set<UInt8> = [32, 9, 10, 13]
            while let l = line.last, space.contains(l) { line = line.dropLast() }
            if let semi = line.firstIndex(of: UInt8(ascii: ";")) { line = line[..<semi] }
            // parseHexUint
            var n: UInt64 = 0
            for (i, c) in line.enumerated() {
                let v: UInt8
                switch c {
                case 48...57: v = c - 48
                case 97...102: v = c - 87
                case 65...70: v = c - 55
                default: return .refused("invalid byte in chunk length")
                }
                if i == 16 { return .refused("http chunk length too large") }
                n = n << 4 | UInt64(v)
            }
            pos = lf + 1
            if n == 0 { break }
            guard UInt64(b.count - pos) >= n else { return .truncated }
            pos += Int(n)
            guard b.count - pos >= 2 else { return .truncated }
            guard b[pos] == 13 && b[pos + 1] == 10 else { return .refused("malformed chunked encoding") }
            pos += 2
        }
        // body.readTrailer
        guard b.count - pos >= 2 else { return .truncated }
        if b[pos] == 13 && b[pos + 1] == 10 { return .ok(pos + 2) }
        // seeUpcomingDoubleCRLF: a CRLFCRLF within the buffer.
        let window = b[pos..<min(b.count, pos + bufferSize)]
        let found = (0..<max(0, window.count - 3)).contains { i in
            let j = window.startIndex + i
            return b[j] == 13 && b[j + 1] == 10 && b[j + 2] == 13 && b[j + 3] == 10
        }
        if !found { return window.count < bufferSize ? .truncated : .refused("suspiciously long trailer after chunked body") }
        switch readMIMEHeader(b, at: pos) {
        case .ok(let (_, end)): return .ok(end)
        case .truncated: return .truncated
        case .refused(let why): return .refused(why)
        }
    }
}
