/// The owner of everything a job creates: a job id, stamped on the daemon's
/// objects as the label `io.sockwarden.job=<id>`. The label is the daemon-
/// side truth: it survives a restart of sockwarden, and the daemon's own
/// label filters scope lists, prunes and events to it.
public struct JobOwner: Sendable, Hashable, CustomStringConvertible {
    public static let labelKey = "io.sockwarden.job"
    public let id: String

    /// 1 to 128 of `[A-Za-z0-9_.-]`, starting with a letter or digit: safe in
    /// a label value, a file name and a filter, with nothing to escape.
    public init?(id: String) {
        let bytes = Array(id.utf8)
        guard (1...128).contains(bytes.count), Self.isAlnum(bytes[0]),
              bytes.allSatisfy({ Self.isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
        else { return nil }
        self.id = id
    }

    /// `io.sockwarden.job=<id>`, as a label filter value.
    public var labelFilter: String { "\(Self.labelKey)=\(id)" }

    public var description: String { id }

    /// Whether a set of labels (as the daemon reports them) marks this owner.
    public func owns(labels: [(key: String, value: String)]) -> Bool {
        labels.contains { $0.key.utf8.elementsEqual(Self.labelKey.utf8) && $0.value.utf8.elementsEqual(id.utf8) }
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
}

/// A request tenancy refuses, with the Docker-style message to answer.
public struct TenancyRefusal: Error, Sendable, Equatable {
    /// The HTTP status: 404 (answered exactly as if the object did not
    /// exist), 400 or 403.
    public let status: Int
    public let message: String
    /// The whole body when the daemon's answer is not `{"message": …}`.
    public var raw: [UInt8]?

    public init(status: Int, message: String, raw: [UInt8]? = nil) {
        self.status = status
        self.message = message
        self.raw = raw
    }
}
