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
        func kept(_ field: HTTPHeader) -> Bool {
            dropped.isEmpty || !dropped.contains(where: { field.name.utf8.equalsFoldingASCIICase($0.utf8) })
        }
        var length: UInt64?
        var chunked = false
        switch override ?? framing {
        case .none, .untilClose: break
        case .length(let n): length = n
        case .chunked: chunked = true
        }
        // The exact size first, then one allocation written in place.
        var size = method.utf8.count + 1 + target.utf8.count + 1 + version.rawValue.utf8.count + 2 + 2
        for field in headers.fields where kept(field) { size += field.name.utf8.count + 2 + field.value.count + 2 }
        let contentLength: StaticString = "Content-Length: ", transferEncoding: StaticString = "Transfer-Encoding: chunked\r\n"
        if let length { size += contentLength.utf8CodeUnitCount + Self.decimalDigits(length) + 2 }
        if chunked { size += transferEncoding.utf8CodeUnitCount }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var at = buffer.baseAddress!
            func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                guard let base = bytes.baseAddress, bytes.count > 0 else { return }
                at.initialize(from: base, count: bytes.count)
                at += bytes.count
            }
            func put(_ text: String) {
                var text = text
                text.withUTF8 { put($0) }
            }
            func put(_ text: StaticString) {
                put(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
            }
            func put(_ byte: UInt8) {
                at.initialize(to: byte)
                at += 1
            }
            put(method)
            put(ByteClass.sp)
            put(target)
            put(ByteClass.sp)
            put(version.rawValue)
            put("\r\n" as StaticString)
            for field in headers.fields where kept(field) {
                put(field.name)
                put(": " as StaticString)
                field.value.withUnsafeBufferPointer { put($0) }
                put("\r\n" as StaticString)
            }
            if let length {
                put(contentLength)
                let digits = Self.decimalDigits(length)
                var v = length
                for i in stride(from: digits - 1, through: 0, by: -1) {
                    (at + i).initialize(to: UInt8(truncatingIfNeeded: v % 10) &+ UInt8(ascii: "0"))
                    v /= 10
                }
                at += digits
                put("\r\n" as StaticString)
            }
            if chunked { put(transferEncoding) }
            put("\r\n" as StaticString)
            initialized = buffer.baseAddress!.distance(to: at)
            precondition(initialized == size, "a serialized head is the size counted for it")
        }
    }

    /// How many decimal digits `String(n)` writes.
    private static func decimalDigits(_ n: UInt64) -> Int {
        var digits = 1
        var v = n
        while v >= 10 {
            v /= 10
            digits += 1
        }
        return digits
    }
}
