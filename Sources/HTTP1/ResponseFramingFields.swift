/// The fields of a response head that decide where its body ends and
/// whether the connection carries another answer, read as Go's net/http
/// client reads them (go1.19 transfer.go, transport.go), and refused where
/// that reading is an error or ambiguous: the proxy must not guess where an
/// answer ends when its client would not read it at all. Shared by
/// `ResponseHeadParser.parse` and `parseSummary`, so both accept, refuse and
/// frame alike.
struct ResponseFramingFields: Equatable, Sendable {
    var transferCodingFields = 0
    /// The only Transfer-Encoding field says exactly `chunked`.
    var chunked = false
    /// The first Content-Length value, and whether a later one differs from it.
    var contentLength: [UInt8]?
    var contentLengthsDiffer = false
    /// A Trailer field names a field that frames the message.
    var trailerNamesFraming = false
    /// The first Upgrade field is not empty.
    var upgrade: Bool?
    var connectionClose = false
    var connectionKeepAlive = false
    var connectionUpgrade = false

    /// `name` and `value` as the field parser gave them (value without surrounding OWS).
    mutating func add<Name: Collection, Value: Collection>(name: Name, value: Value)
    where Name.Element == UInt8, Value.Element == UInt8 {
        switch name.count {
        case 14 where name.equalsIgnoringASCIICase("content-length"):
            if let first = contentLength {
                if !first.elementsEqual(value) { contentLengthsDiffer = true }
            } else {
                contentLength = Array(value)
            }
        case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
            transferCodingFields += 1
            chunked = transferCodingFields == 1 && value.equalsIgnoringASCIICase("chunked")
        case 10 where name.equalsIgnoringASCIICase("connection"):
            for token in Array(value).split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let token = trimmedOWS(token)
                if token.equalsIgnoringASCIICase("close") { connectionClose = true }
                if token.equalsIgnoringASCIICase("keep-alive") { connectionKeepAlive = true }
                if token.equalsIgnoringASCIICase("upgrade") { connectionUpgrade = true }
            }
        case 7 where name.equalsIgnoringASCIICase("upgrade"):
            if upgrade == nil { upgrade = !value.isEmpty }
        case 7 where name.equalsIgnoringASCIICase("trailer"):
            for element in Array(value).split(separator: UInt8(ascii: ",")) {
                let element = trimmedOWS(element)
                if element.equalsIgnoringASCIICase("transfer-encoding") || element.equalsIgnoringASCIICase("content-length")
                    || element.equalsIgnoringASCIICase("trailer") {
                    trailerNamesFraming = true
                }
            }
        default:
            break
        }
    }

    /// Why the head cannot be read as Go reads it, if it cannot: a
    /// Transfer-Encoding other than one `chunked` field (Go refuses it on
    /// HTTP/1.1 and ignores it on HTTP/1.0), Content-Length values that
    /// differ or are not a decimal number (Go refuses both, except where
    /// the status or a HEAD request means no body), a Trailer field naming
    /// a framing field in a chunked answer.
    func refusal(version: HTTPVersion) -> HTTPError? {
        if transferCodingFields > 0 {
            guard version == .http11 else {
                return HTTPError(.unsupportedTransferEncoding, "the daemon sent Transfer-Encoding in an HTTP/1.0 response")
            }
            guard chunked else {
                return HTTPError(.unsupportedTransferEncoding, "the daemon sent a Transfer-Encoding other than one chunked")
            }
            if trailerNamesFraming {
                return HTTPError(.conflictingFraming, "the daemon declared a framing field as a trailer")
            }
        }
        if contentLengthsDiffer {
            return HTTPError(.invalidContentLength, "the daemon sent two different Content-Length values")
        }
        if let length = contentLength, RequestSemantics.parseContentLength(length) == nil {
            return HTTPError(.invalidContentLength, "the daemon sent a Content-Length that is not a decimal number of bytes")
        }
        return nil
    }

    /// 101 with `Upgrade` and `Connection: upgrade`: the connection is the
    /// daemon's stream from here (Go's client reads it as the body).
    func switchesProtocols(status: Int) -> Bool { status == 101 && upgrade == true && connectionUpgrade }

    /// How the body is delimited, given the request method (RFC 9112 §6.3,
    /// as go1.19's readTransfer). Only for heads `refusal` accepted.
    func framing(status: Int, requestMethod: String) -> BodyFraming {
        if switchesProtocols(status: status) { return .untilClose }
        if requestMethod == "HEAD" || (status >= 100 && status < 200) || status == 204 || status == 304 {
            return .none
        }
        if chunked { return .chunked }
        if let length = contentLength, let n = RequestSemantics.parseContentLength(length) { return .length(n) }
        return .untilClose
    }

    /// The connection carries another answer: never after a 101 (Go's client
    /// does not reuse it), else by version and Connection.
    func keepAlive(version: HTTPVersion, status: Int) -> Bool {
        if status == 101 { return false }
        return version == .http11 ? !connectionClose : connectionKeepAlive && !connectionClose
    }
}
