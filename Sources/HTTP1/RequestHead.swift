/// A validated request head. Immutable: what the proxy forwards is built
/// from it by `serialized()`, never from the client's original bytes.
public struct RequestHead: Equatable, Sendable {
    public let method: String
    /// The request-target exactly as sent (visible ASCII only).
    public let target: String
    public let version: HTTPVersion
    /// Every field except Content-Length and Transfer-Encoding, whose meaning
    /// is carried by `framing` and re-emitted canonically.
    public let headers: HTTPHeaders
    public let framing: BodyFraming
    /// The client keeps the connection open after this exchange.
    public let keepAlive: Bool
    /// `Expect: 100-continue` was sent.
    public let expectsContinue: Bool
    /// The protocol named in `Upgrade` when `Connection` lists "upgrade".
    public let upgrade: String?

    public init(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders,
                framing: BodyFraming, keepAlive: Bool, expectsContinue: Bool, upgrade: String?) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.upgrade = upgrade
    }

    public var hasBody: Bool {
        switch framing {
        case .none, .length(0): return false
        default: return true
        }
    }

    /// The head as forwarded: request line, fields in arrival order with their
    /// original names (less any in `dropped`, lowercase names), then the
    /// canonical framing field, then CRLF.
    public func serialized(framing override: BodyFraming? = nil, dropping dropped: Set<String> = []) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out += method.utf8
        out.append(ByteClass.sp)
        out += target.utf8
        out.append(ByteClass.sp)
        out += version.rawValue.utf8
        out += [ByteClass.cr, ByteClass.lf]
        for field in headers where dropped.isEmpty || !dropped.contains(where: { field.name.utf8.equalsFoldingASCIICase($0.utf8) }) {
            out += field.name.utf8
            out += [ByteClass.colon, ByteClass.sp]
            out += field.value
            out += [ByteClass.cr, ByteClass.lf]
        }
        switch override ?? framing {
        case .none, .untilClose: break
        case .length(let n): out += "Content-Length: \(n)\r\n".utf8
        case .chunked: out += "Transfer-Encoding: chunked\r\n".utf8
        }
        out += [ByteClass.cr, ByteClass.lf]
        return out
    }
}
