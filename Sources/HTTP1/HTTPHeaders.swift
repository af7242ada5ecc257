/// One header field as received: the name keeps its spelling, the value is the
/// raw bytes with surrounding whitespace removed.
public struct HTTPHeader: Equatable, Sendable {
    public let name: String
    public let value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(_ name: String, _ value: String) {
        self.init(name: name, value: Array(value.utf8))
    }

    public var valueString: String { String(decoding: value, as: UTF8.self) }
}

/// Header fields in arrival order, looked up case-insensitively.
public struct HTTPHeaders: Equatable, Sendable, Sequence {
    public private(set) var fields: [HTTPHeader]

    public init(_ fields: [HTTPHeader] = []) { self.fields = fields }

    public func makeIterator() -> IndexingIterator<[HTTPHeader]> { fields.makeIterator() }

    public var count: Int { fields.count }

    // Names are compared with ASCII case folding on both sides (field
    // names are tokens, ASCII only), so a lookup allocates no lowercased copy.

    public func values(_ name: String) -> [[UInt8]] {
        fields.filter { $0.name.utf8.equalsFoldingASCIICase(name.utf8) }.map(\.value)
    }

    public func first(_ name: String) -> String? {
        for field in fields where field.name.utf8.equalsFoldingASCIICase(name.utf8) { return field.valueString }
        return nil
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { $0.name.utf8.equalsFoldingASCIICase(name.utf8) }
    }

    public mutating func append(_ field: HTTPHeader) { fields.append(field) }

    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.utf8.equalsFoldingASCIICase(name.utf8) }
    }

    /// Comma-separated tokens of every field called `name`, lowercased
    /// (for Connection, Transfer-Encoding, Upgrade).
    public func tokens(_ name: String) -> [String] {
        values(name).flatMap { value in
            value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map {
                String(decoding: trimmedOWS($0).map(ByteClass.lowercased), as: UTF8.self)
            }
        }
    }
}

public enum HTTPVersion: String, Sendable, Equatable {
    case http10 = "HTTP/1.0"
    case http11 = "HTTP/1.1"
}

/// How a message body is delimited (RFC 9112 §6).
public enum BodyFraming: Equatable, Sendable {
    case none
    case length(UInt64)
    case chunked
    /// Responses only: the body runs until the connection closes.
    case untilClose
}
