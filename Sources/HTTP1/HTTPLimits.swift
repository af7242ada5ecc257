/// Bounds for everything the codec buffers. Over a limit means refuse.
public struct HTTPLimits: Sendable, Equatable {
    /// Request line plus headers plus the blank line. dockerd (Go) allows 1 MiB;
    /// the largest head a Docker client sends is a build with many registry
    /// credentials in X-Registry-Config, a few KiB each.
    public var maxHeadBytes: Int
    /// Number of header fields.
    public var maxHeaderCount: Int
    /// A chunk-size line including extensions (Go's limit is 4096).
    public var maxChunkLineBytes: Int

    public init(maxHeadBytes: Int = 256 * 1024, maxHeaderCount: Int = 256, maxChunkLineBytes: Int = 4096) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxChunkLineBytes = maxChunkLineBytes
    }

    public static let `default` = HTTPLimits()
}
