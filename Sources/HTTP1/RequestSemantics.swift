/// Turns syntactically valid fields into a `RequestHead`: message framing
/// (RFC 9112 §6.3), Host (§3.2), Expect (RFC 9110 §10.1.1) and connection
/// persistence (§9.3), refusing every combination two parsers could read
/// differently. Where Go's net/http (dockerd) refuses something, so do we.
enum RequestSemantics {
    static func interpret(method: String, target: String, version: HTTPVersion, fields: [HTTPHeader]) -> Result<RequestHead, HTTPError> {
        // The fields less Content-Length and Transfer-Encoding: `fields`
        // itself (no copy) until one of those is found.
        var kept = fields
        var keptCount = 0
        var contentLength: UInt64?
        var transferEncodings: [[UInt8]] = []
        var hostCount = 0
        // Connection tokens, Expect values and the first Upgrade, gathered in
        // the same pass (names are tokens, so ASCII case folding is exact).
        var connectionClose = false, connectionKeepAlive = false, connectionUpgrade = false
        var expectations = 0
        var firstExpectation: [UInt8] = []
        var upgradeValue: [UInt8]?
        for (index, field) in fields.enumerated() {
            let name = field.name.utf8
            switch name.count {
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                guard let n = parseContentLength(field.value) else {
                    return .failure(HTTPError(.invalidContentLength, "Content-Length \"\(field.valueString)\" is not a decimal number of bytes"))
                }
                if let previous = contentLength, previous != n {
                    return .failure(HTTPError(.invalidContentLength, "two different Content-Length values (\(previous) and \(n))"))
                }
                contentLength = n
                continue
            case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
                transferEncodings.append(field.value)
                continue
            case 4 where name.equalsIgnoringASCIICase("host"):
                hostCount += 1
            case 10 where name.equalsIgnoringASCIICase("connection"):
                for token in field.value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                    let token = trimmedOWS(token)
                    if token.equalsIgnoringASCIICase("close") { connectionClose = true }
                    if token.equalsIgnoringASCIICase("keep-alive") { connectionKeepAlive = true }
                    if token.equalsIgnoringASCIICase("upgrade") { connectionUpgrade = true }
                }
            case 6 where name.equalsIgnoringASCIICase("expect"):
                if expectations == 0 { firstExpectation = field.value }
                expectations += 1
            case 7 where name.equalsIgnoringASCIICase("upgrade"):
                if upgradeValue == nil { upgradeValue = field.value }
            default:
                break
            }
            if keptCount != index { kept[keptCount] = field }
            keptCount += 1
        }
        if keptCount < kept.count { kept.removeLast(kept.count - keptCount) }
        let headers = HTTPHeaders(kept)

        var framing = BodyFraming.none
        if !transferEncodings.isEmpty {
            if contentLength != nil {
                return .failure(HTTPError(.conflictingFraming, "Content-Length and Transfer-Encoding together are ambiguous; send one of them"))
            }
            if version == .http10 {
                return .failure(HTTPError(.conflictingFraming, "Transfer-Encoding is not allowed in an HTTP/1.0 request"))
            }
            guard transferEncodings.count == 1, transferEncodings[0].equalsIgnoringASCIICase("chunked") else {
                return .failure(HTTPError(.unsupportedTransferEncoding, "only \"Transfer-Encoding: chunked\" is supported"))
            }
            framing = .chunked
        } else if let contentLength {
            framing = .length(contentLength)
        }

        if hostCount > 1 {
            return .failure(HTTPError(.duplicateHost, "more than one Host header"))
        }
        if version == .http11, hostCount == 0 {
            return .failure(HTTPError(.missingHost, "missing required Host header"))
        }

        let keepAlive = version == .http11 ? !connectionClose : connectionKeepAlive

        // Go answers 417 to any Expect it does not honour; it honours
        // 100-continue only on HTTP/1.1 with a body.
        var expectsContinue = false
        if expectations > 0 {
            let hasBody = framing != .none && framing != .length(0)
            guard expectations == 1, firstExpectation.equalsIgnoringASCIICase("100-continue"),
                  version == .http11, hasBody else {
                return .failure(HTTPError(.unsupportedExpectation, "only \"Expect: 100-continue\" on an HTTP/1.1 request with a body is supported"))
            }
            expectsContinue = true
        }

        var upgrade: String?
        if connectionUpgrade, let value = upgradeValue {
            upgrade = String(decoding: value, as: UTF8.self)
        }

        return .success(RequestHead(method: method, target: target, version: version, headers: headers,
                                    framing: framing, keepAlive: keepAlive,
                                    expectsContinue: expectsContinue, upgrade: upgrade))
    }

    /// 1*DIGIT, at most what fits in Go's int64. No sign, no spaces, no commas.
    static func parseContentLength(_ value: [UInt8]) -> UInt64? { parseContentLength(value[...]) }

    static func parseContentLength<Digits: Collection>(_ value: Digits) -> UInt64? where Digits.Element == UInt8 {
        guard !value.isEmpty, value.count <= 19 else { return nil }
        var n: UInt64 = 0
        for b in value {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + UInt64(b - UInt8(ascii: "0"))
        }
        return n <= UInt64(Int64.max) ? n : nil
    }
}
