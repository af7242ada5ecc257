/// Reads a classic build's context (the `POST /build` body, a tar archive)
/// as dockerd 20.10 reads it, to find the Dockerfile the daemon will use.
/// Pure: fed the body's bytes (de-chunked) as they arrive, no I/O.
///
/// STUB: the interface the proxy codes against; the scanner itself is being
/// written (it refuses every context until then).
public struct BuildContextScanner: Sendable {
    /// The Dockerfile's path as the `dockerfile` query parameter gives it
    /// (nil or empty: dockerd's default, `Dockerfile`, then `dockerfile`).
    public init(dockerfile: String?, maxDockerfileBytes: Int = 1 << 20) {
        self.dockerfile = dockerfile
    }

    let dockerfile: String?

    /// The next bytes of the body, in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {}

    /// True once the archive's end (two zero blocks) has been read: bytes
    /// after it are never read by the daemon.
    public var ended: Bool { false }

    /// The body ended (or `ended`): what the daemon would read as the Dockerfile.
    public func outcome() -> BuildContextOutcome {
        .refused("sockwarden cannot read build contexts yet")
    }
}

public enum BuildContextOutcome: Sendable, Equatable {
    /// The Dockerfile's cleaned path inside the context and its bytes.
    case dockerfile(path: String, text: [UInt8])
    /// What sockwarden cannot read as dockerd does, or what the daemon would
    /// refuse anyway (a compressed context, a Dockerfile reached through a
    /// link, no Dockerfile, a malformed archive): the reason.
    case refused(String)
}
