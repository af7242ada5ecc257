/// The owner of everything a job creates: a job id, stamped on the daemon's
/// objects as the label `io.sockwarden.job=<id>`. The label is the daemon-
/// side truth: it survives a restart of sockwarden, and the daemon's own
/// label filters scope lists, prunes and events to it.
public struct JobOwner: Sendable, Hashable, CustomStringConvertible {
    public static let labelKey = "io.sockwarden.job"
    /// The second label of the job's images: its `seal`.
    public static let sealKey = "io.sockwarden.seal"
    public let id: String
    /// A value only sockwarden knows (derived from a key in its state
    /// directory and the job id; lower-case hex). Images are the one kind
    /// of object a client can label itself past sockwarden's checks (a
    /// Dockerfile `LABEL` in a build), so a job's images carry the seal
    /// beside the owner label, and an image is the job's only if both
    /// match: another job (or the main socket) can write
    /// `LABEL io.sockwarden.job=<id>`, but not the seal of a job it is not.
    public let seal: String

    /// 1 to 128 of `[A-Za-z0-9_.-]`, starting with a letter or digit: safe in
    /// a label value, a file name and a filter, with nothing to escape.
    /// `seal` must be lower-case hex (empty only in tests of other parts).
    public init?(id: String, seal: String = "") {
        let bytes = Array(id.utf8)
        guard (1...128).contains(bytes.count), Self.isAlnum(bytes[0]),
              bytes.allSatisfy({ Self.isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }),
              seal.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { return nil }
        self.id = id
        self.seal = seal
    }

    /// `io.sockwarden.job=<id>`, as a label filter value.
    public var labelFilter: String { "\(Self.labelKey)=\(id)" }

    /// `io.sockwarden.seal=<seal>`, as a label filter value.
    public var sealFilter: String { "\(Self.sealKey)=\(seal)" }

    /// Whose an image with these labels (its config's, as the daemon
    /// reports them) is: nil when it has no owner label; true when it is
    /// this job's (owner label and seal both match), false otherwise.
    public func ownsImage(labels: [(key: String, value: String)]) -> Bool? {
        guard let label = labels.last(where: { $0.key.utf8.elementsEqual(Self.labelKey.utf8) }) else { return nil }
        guard label.value.utf8.elementsEqual(id.utf8) else { return false }
        guard let sealed = labels.last(where: { $0.key.utf8.elementsEqual(Self.sealKey.utf8) }) else { return false }
        return sealed.value.utf8.elementsEqual(seal.utf8)
    }

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
