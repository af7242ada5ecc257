/// Reads a classic build's context (the `POST /build` body, a tar archive)
/// as dockerd 20.10 reads it, to find the Dockerfile the daemon will use.
/// Pure: fed the body's bytes (de-chunked) as they arrive, no I/O.
///
/// What dockerd 20.10.24 does with the body (builder/remotecontext):
/// `archive.DecompressStream` (gzip, bzip2, xz by magic), then tarsum
/// re-encodes the archive with Go's `archive/tar` (reader then writer), then
/// `chrootarchive.Untar` decompresses *again* and extracts it (chrooted into
/// a temporary directory: `filepath.Clean(name)`, an existing path removed
/// unless directory over directory, parents created, links created as they
/// come). The Dockerfile is then opened through `FollowSymlinkInScope`, with
/// `Dockerfile` falling back to `dockerfile` only for the default name.
///
/// The scanner follows Go's reader block by block and keeps only what
/// decides the Dockerfile's path; whenever what the daemon would read could
/// differ from what it found, the outcome is `.refused`: a compressed
/// context, anything Go would not read as tar, links at or above the
/// Dockerfile, entries written through a symbolic link, entries that leave
/// the context, entry types dockerd cannot extract, sparse files.
public struct BuildContextScanner: Sendable {
    /// The Dockerfile's path as the `dockerfile` query parameter gives it
    /// (nil or empty: dockerd's default, `Dockerfile`, then `dockerfile`).
    public init(dockerfile: String?, maxDockerfileBytes: Int = 1 << 20) {
        let requested = (dockerfile ?? "").isEmpty ? "Dockerfile" : dockerfile!
        self.requested = requested
        self.maxDockerfileBytes = max(0, maxDockerfileBytes)
        switch Self.scopedParameter(Array(requested.utf8)) {
        case .path(let path):
            candidates = [Candidate(path: path)]
            // withDockerfileFromContext: the fallback is for the default name only.
            if requested == "Dockerfile" { candidates.append(Candidate(path: Array("dockerfile".utf8))) }
        case .root:
            parameterProblem = "the dockerfile parameter (\(requested)) names the build context itself, not a file in it; name the Dockerfile"
        case .outside:
            parameterProblem = "forbidden path outside the build context: \(requested) (); name a Dockerfile inside the build context"
        }
    }

    /// The name dockerd uses in its messages.
    let requested: String
    let maxDockerfileBytes: Int
    var candidates: [Candidate] = []
    var parameterProblem: String?

    private var phase: Phase = .header
    private var block: [UInt8] = []
    private var blocksRead = 0
    private var failure: String?
    private var firstHeaderSeen = false
    // What the extended headers before the next entry say (Go's `next()` locals).
    private var paxRecords: [[UInt8]: [UInt8]] = [:]
    private var gnuLongName: [UInt8] = []
    private var gnuLongLink: [UInt8] = []
    private var special: [UInt8] = []
    /// Scoped names of symbolic links extracted so far (an entry below one
    /// would be written through it).
    private var symlinks: Set<[UInt8]> = []
    /// FNV-1a hashes of `symlinks` (never removed: a stale hash only costs
    /// an exact lookup), so that an entry's parents are checked in one pass
    /// over its name instead of a copy per "/".
    private var symlinkHashes: Set<UInt64> = []
    /// dockerd cannot create a path longer than PATH_MAX; longer names are
    /// refused (and so never cost more than this to check).
    static let maxNameBytes = 4096
    private var symlinkBytes = 0

    static let maxExtendedHeaderBytes = 64 << 10
    static let maxSymlinkBytes = 8 << 20

    struct Candidate: Sendable {
        var path: [UInt8]
        /// Type of the last entry at `path` (nil: none).
        var type: UInt8?
        var text: [UInt8] = []
        var tooLarge = false
        /// A symbolic or hard link at the path or above it.
        var link: [UInt8]?
        /// Something other than a directory at a parent directory.
        var nonDirectoryParent: (name: [UInt8], type: UInt8)?
        /// An entry below the path (the path would be a directory).
        var child: [UInt8]?

        init(path: [UInt8]) { self.path = path }
    }

    private enum Sink: Sendable, Equatable { case skip, candidate(Int), special(UInt8) }

    private enum Phase: Sendable, Equatable {
        case header
        case secondZeroBlock
        case data(remaining: Int64, sink: Sink, padding: Int)
        case padding(Int)
        case ended
        case failed
    }

    /// The next bytes of the body, in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        let n = bytes.count
        while i < n {
            switch phase {
            case .ended, .failed:
                return
            case .header, .secondZeroBlock:
                let take = min(GoTar.blockSize - block.count, n - i)
                block.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                i += take
                if block.count == GoTar.blockSize {
                    let b = block
                    block.removeAll(keepingCapacity: true)
                    if phase == .header { readHeaderBlock(b) } else { readSecondZeroBlock(b) }
                }
            case .data(let remaining, let sink, let padding):
                let take = Int(min(Int64(n - i), remaining))
                let piece = UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)])
                switch sink {
                case .skip: break
                case .candidate(let k): candidates[k].text.append(contentsOf: piece)
                case .special: special.append(contentsOf: piece)
                }
                i += take
                if remaining - Int64(take) == 0 {
                    endOfData(sink, padding: padding)
                } else {
                    phase = .data(remaining: remaining - Int64(take), sink: sink, padding: padding)
                }
            case .padding(let left):
                let take = min(left, n - i)
                i += take
                phase = left == take ? .header : .padding(left - take)
            }
        }
    }

    /// True once the archive's end (two zero blocks) has been read: bytes
    /// after it are never read by the daemon.
    public var ended: Bool { phase == .ended }

    /// The body ended (or `ended`): what the daemon would read as the Dockerfile.
    public func outcome() -> BuildContextOutcome {
        if let failure { return .refused(failure) }
        switch phase {
        case .failed:
            return .refused("the build context cannot be read")
        case .header where !block.isEmpty && blocksRead == 0:
            if let compression = Self.compression(block) { return .refused(Self.compressedReason(compression)) }
            return .refused("the build context is not a tar archive (it ends after \(block.count) bytes); send the context as an uncompressed tar archive")
        case .header where !block.isEmpty, .secondZeroBlock where !block.isEmpty:
            return .refused("the build context is truncated (it ends inside a tar header); send the whole archive")
        case .data:
            return .refused("the build context is truncated (it ends inside an entry's data); send the whole archive")
        case .header, .secondZeroBlock, .padding, .ended:
            // Go's reader: the stream ending where a header (or the padding
            // after data) is read ends the archive like the end marker.
            break
        }
        if let parameterProblem { return .refused(parameterProblem) }
        switch resolve(0) {
        case .found(let text): return Self.found(candidates[0].path, text)
        case .refused(let reason): return .refused(reason)
        case .absent:
            if candidates.count > 1 {
                switch resolve(1) {
                case .found(let text): return Self.found(candidates[1].path, text)
                case .refused(let reason): return .refused(reason)
                case .absent: break
                }
            }
            return .refused("Cannot locate specified Dockerfile: \(requested)")
        }
    }

    // MARK: - Reading

    private mutating func fail(_ reason: String) {
        failure = reason
        phase = .failed
        block = []
        special = []
        for k in candidates.indices { candidates[k].text = [] }
    }

    private mutating func readSecondZeroBlock(_ b: [UInt8]) {
        if b.allSatisfy({ $0 == 0 }) {
            phase = .ended
        } else {
            fail("the build context is not a valid tar archive (a zero block is followed by data); send a well-formed tar archive")
        }
    }

    private mutating func readHeaderBlock(_ b: [UInt8]) {
        blocksRead += 1
        if blocksRead == 1, let compression = Self.compression(b) {
            return fail(Self.compressedReason(compression))
        }
        if b.allSatisfy({ $0 == 0 }) {
            phase = .secondZeroBlock
            return
        }
        guard var header = GoTar.readHeader(b) else {
            if blocksRead == 1 {
                return fail("the build context is not a tar archive; send the context as an uncompressed tar archive")
            }
            return fail("the build context has an invalid tar header (bad checksum or numeric field); send a well-formed tar archive")
        }
        let t = header.typeflag
        // First handleRegularFile, on the raw type and size.
        if !GoTar.isHeaderOnly(t) && header.size < 0 {
            return fail("the build context has a tar header with a negative size; send a well-formed tar archive")
        }
        switch t {
        case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
            if header.size > Int64(Self.maxExtendedHeaderBytes) {
                return fail("the build context has an extended tar header of \(header.size) bytes (more than sockwarden reads, \(Self.maxExtendedHeaderBytes)); use shorter names")
            }
            special = []
            special.reserveCapacity(Int(header.size))
            pendingSpecialName = header.name
            startData(header.size, sink: .special(t))
        default:
            finishEntry(&header)
        }
    }

    /// The raw name of the extended header being read (for a global header).
    private var pendingSpecialName: [UInt8] = []

    private mutating func startData(_ size: Int64, sink: Sink) {
        phase = .data(remaining: size, sink: sink, padding: GoTar.padding(size))
        if size == 0 { endOfData(sink, padding: 0) }
    }

    private mutating func endOfData(_ sink: Sink, padding: Int) {
        phase = padding > 0 ? .padding(padding) : .header
        guard case .special(let t) = sink else { return }
        let data = special
        special = []
        switch t {
        case UInt8(ascii: "L"): gnuLongName = GoTar.parseString(data)
        case UInt8(ascii: "K"): gnuLongLink = GoTar.parseString(data)
        default:
            guard let parsed = GoTar.parsePAX(data) else {
                return fail("the build context has a malformed PAX extended header; send a well-formed tar archive")
            }
            let records = parsed.records
            if parsed.sparse {
                return fail("the build context has a sparse file (GNU sparse PAX records), which sockwarden does not read; send the context without sparse files")
            }
            if t == UInt8(ascii: "x") {
                paxRecords = records  // replaces, as Go's `paxHdrs, err = parsePAX(tr)`
            } else {
                // A global header: Go returns it as a header of its own (so the
                // pending extended headers are dropped); Untar ignores it.
                var names = [pendingSpecialName]
                if let path = records[Array("path".utf8)], !path.isEmpty { names.append(path) }
                if !firstHeader(names) { return }
                paxRecords = [:]
                gnuLongName = []
                gnuLongLink = []
            }
        }
    }

    /// The first header Go's reader returns is the first one tarsum writes
    /// again: the re-encoded stream starts with its name, and Untar's second
    /// `DecompressStream` would take a name starting with a compression
    /// magic (non-ASCII for gzip and xz, `BZh` for bzip2) for a compressed
    /// stream and extract something else.
    private mutating func firstHeader(_ names: [[UInt8]]) -> Bool {
        if firstHeaderSeen { return true }
        firstHeaderSeen = true
        for name in names where !GoTar.isASCII(name) || Self.contains(name, Array("BZh".utf8)) {
            fail("the build context's first entry (\(Self.show(name))) has a name dockerd could take for compressed data (non-ASCII, or containing \"BZh\"); rename it or put another entry first")
            return false
        }
        return true
    }

    private mutating func finishEntry(_ header: inout GoTar.Header) {
        let records = paxRecords
        paxRecords = [:]
        if !GoTar.mergePAX(&header, records) {
            return fail("the build context has a PAX extended header with an invalid value; send a well-formed tar archive")
        }
        if !gnuLongName.isEmpty { header.name = gnuLongName }
        if !gnuLongLink.isEmpty { header.linkname = gnuLongLink }
        gnuLongName = []
        gnuLongLink = []
        var t = header.typeflag
        if t == 0 { t = header.name.last == UInt8(ascii: "/") ? UInt8(ascii: "5") : UInt8(ascii: "0") }
        let size: Int64 = GoTar.isHeaderOnly(t) ? 0 : header.size
        if size < 0 {
            return fail("the build context has a tar header with a negative size; send a well-formed tar archive")
        }
        if !firstHeader([header.name]) { return }
        let shown = Self.show(header.name)

        switch t {
        case UInt8(ascii: "0"), UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "4"),
             UInt8(ascii: "5"), UInt8(ascii: "6"):
            break
        case UInt8(ascii: "S"):
            return fail("the build context has a sparse file (\(shown)), which sockwarden does not read; send the context without sparse files")
        default:
            return fail("the build context has an entry (\(shown)) of tar type \(Self.showType(t)), which dockerd cannot extract; send regular files, directories and links only")
        }

        // Unpack: hdr.Name = filepath.Clean(hdr.Name), then joined to the root.
        guard let name = Self.scopedEntryName(header.name) else {
            return fail("the build context has an entry (\(shown)) whose name leaves the context; use names inside it")
        }
        if name.isEmpty {
            if t == UInt8(ascii: "5") { return startData(0, sink: .skip) }
            return fail("the build context has an entry (\(shown)) that names the context's root but is not a directory; send a well-formed archive")
        }
        if name.count > Self.maxNameBytes {
            return fail("the build context has an entry whose name is longer than \(Self.maxNameBytes) bytes, which dockerd cannot create; use shorter names")
        }
        // An entry below a symbolic link is written where the link points.
        if let link = symlink(above: name) {
            return fail("the build context has an entry (\(shown)) inside a symbolic link (\(Self.show(link))); dockerd would write it where the link points")
        }
        if t == UInt8(ascii: "1") {
            // Untar's `os.Link(filepath.Join(root, linkname), path)` is linkat(2)
            // without AT_SYMLINK_FOLLOW: a hard link to a symbolic link is a
            // second symbolic link, and one through a symbolic link reaches
            // what that link points to (found 2026-12-02, session 20: `s` ->
            // `.`, `h` hard-linked to `s`, then `h/Dockerfile` replaced the
            // Dockerfile sockwarden had read).
            let target = Array(CleanPath.goPathClean([UInt8(ascii: "/")] + header.linkname).dropFirst())
            if let link = symlinks.contains(target) ? target : symlink(above: target) {
                return fail("the build context has a hard link (\(shown)) to \(Self.show(target)), which is or goes through a symbolic link (\(Self.show(link))); dockerd would make it a link sockwarden does not follow: send the file itself instead of the hard link")
            }
        }
        if t == UInt8(ascii: "2") {
            if symlinks.insert(name).inserted {
                symlinkHashes.insert(name.reduce(Self.fnvBasis) { ($0 ^ UInt64($1)) &* Self.fnvPrime })
                symlinkBytes += name.count + 16
                if symlinkBytes > Self.maxSymlinkBytes {
                    return fail("the build context has more symbolic links than sockwarden keeps track of; send a smaller context")
                }
            }
        } else {
            symlinks.remove(name)
        }

        var sink = Sink.skip
        for k in candidates.indices {
            let path = candidates[k].path
            let isLink = t == UInt8(ascii: "1") || t == UInt8(ascii: "2")
            if name == path {
                candidates[k].type = t
                candidates[k].text = []
                candidates[k].tooLarge = false
                if isLink, candidates[k].link == nil { candidates[k].link = name }
                if t == UInt8(ascii: "0") {
                    if size > Int64(maxDockerfileBytes) {
                        candidates[k].tooLarge = true
                    } else {
                        candidates[k].text.reserveCapacity(Int(size))
                        sink = .candidate(k)
                    }
                }
            } else if Self.isBelow(path, name) {
                if isLink {
                    if candidates[k].link == nil { candidates[k].link = name }
                } else if t != UInt8(ascii: "5"), candidates[k].nonDirectoryParent == nil {
                    candidates[k].nonDirectoryParent = (name, t)
                }
            } else if Self.isBelow(name, path), candidates[k].child == nil {
                candidates[k].child = name
            }
        }
        startData(size, sink: sink)
    }

    /// The symbolic link extracted so far that is a parent directory of
    /// `name` (nil: none), checked in one pass over the name.
    private func symlink(above name: [UInt8]) -> [UInt8]? {
        guard !symlinks.isEmpty else { return nil }
        var hash = Self.fnvBasis
        for (s, byte) in name.enumerated() {
            if byte == UInt8(ascii: "/"), symlinkHashes.contains(hash), symlinks.contains(Array(name[..<s])) {
                return Array(name[..<s])
            }
            hash = (hash ^ UInt64(byte)) &* Self.fnvPrime
        }
        return nil
    }

    static let fnvBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    // MARK: - Deciding

    private enum Resolution { case absent, found([UInt8]), refused(String) }

    private func resolve(_ k: Int) -> Resolution {
        let c = candidates[k]
        let path = Self.show(c.path)
        if let link = c.link {
            return .refused(link == c.path
                ? "the Dockerfile (\(path)) is a link in the build context; dockerd would follow it and sockwarden does not: send the Dockerfile itself"
                : "the Dockerfile (\(path)) is reached through a link in the build context (\(Self.show(link))); dockerd would follow it and sockwarden does not: send the directory itself")
        }
        if let (parent, t) = c.nonDirectoryParent {
            return .refused("the Dockerfile's path (\(path)) goes through \(Self.show(parent)), which the build context also has as \(Self.describe(t)); send a context where it is a directory")
        }
        if let child = c.child {
            return .refused("the Dockerfile's path (\(path)) is a directory in the build context (it has \(Self.show(child))); name a regular file")
        }
        guard let t = c.type else { return .absent }
        if t != UInt8(ascii: "0") {
            return .refused("the Dockerfile (\(path)) is \(Self.describe(t)) in the build context, not a regular file; send the Dockerfile as a regular file")
        }
        if c.tooLarge {
            return .refused("the Dockerfile (\(path)) is larger than \(maxDockerfileBytes) bytes, more than sockwarden reads; use a smaller Dockerfile")
        }
        return .found(c.text)
    }

    private static func found(_ path: [UInt8], _ text: [UInt8]) -> BuildContextOutcome {
        let name = show(path)
        if text.isEmpty { return .refused("the Dockerfile (\(name)) cannot be empty") }
        return .dockerfile(path: name, text: text)
    }

    // MARK: - Paths

    enum ScopedParameter: Equatable { case path([UInt8]), root, outside }

    /// `FullPath`: `filepath.Join(root, p)` must stay inside the root
    /// (`FollowSymlinkInScope` fails otherwise); an absolute path is joined
    /// to the root.
    static func scopedParameter(_ p: [UInt8]) -> ScopedParameter {
        let cleaned = CleanPath.goPathClean(p)
        if cleaned.first == UInt8(ascii: "/") {
            let inside = Array(cleaned.dropFirst())
            return inside.isEmpty ? .root : .path(inside)
        }
        if cleaned == Array(".".utf8) { return .root }
        if cleaned == Array("..".utf8) || cleaned.starts(with: "../".utf8) { return .outside }
        return .path(cleaned)
    }

    /// An entry's name as Untar places it under the root: "" for the root
    /// itself, nil for a name that leaves it (`../x`, `..`).
    static func scopedEntryName(_ name: [UInt8]) -> [UInt8]? {
        switch scopedParameter(name) {
        case .path(let p): return p
        case .root: return []
        case .outside: return nil
        }
    }

    /// `a` is strictly below `b`.
    static func isBelow(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count > b.count && a[b.count] == UInt8(ascii: "/") && a.starts(with: b)
    }

    static func contains(_ s: [UInt8], _ needle: [UInt8]) -> Bool {
        guard s.count >= needle.count else { return false }
        for i in 0...(s.count - needle.count) where s[i..<(i + needle.count)].elementsEqual(needle) { return true }
        return false
    }

    // MARK: - Compression

    /// `archive.DetectCompression` (dockerd 20.10: no zstd).
    static func compression(_ first: [UInt8]) -> String? {
        let magics: [(String, [UInt8])] = [
            ("bzip2", [0x42, 0x5A, 0x68]), ("gzip", [0x1F, 0x8B, 0x08]), ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]),
        ]
        for (name, magic) in magics where first.starts(with: magic) { return name }
        return nil
    }

    static func compressedReason(_ compression: String) -> String {
        compression == "gzip"
            ? "the build context is compressed (gzip); send it uncompressed (drop --compress)"
            : "the build context is compressed (\(compression)); send it as an uncompressed tar archive"
    }

    // MARK: - Messages

    static func show(_ name: [UInt8]) -> String {
        var s = ""
        for c in name.prefix(200) {
            if c >= 0x20 && c < 0x7F && c != UInt8(ascii: "\\") { s.unicodeScalars.append(Unicode.Scalar(c)) }
            else { s += "\\x" + String(c, radix: 16).leftPadded(2) }
        }
        return name.count > 200 ? s + "…" : s
    }

    static func showType(_ t: UInt8) -> String {
        t >= 0x21 && t < 0x7F ? "'\(Character(Unicode.Scalar(t)))'" : "\\x" + String(t, radix: 16).leftPadded(2)
    }

    static func describe(_ t: UInt8) -> String {
        switch t {
        case UInt8(ascii: "0"): return "a regular file"
        case UInt8(ascii: "1"): return "a hard link"
        case UInt8(ascii: "2"): return "a symbolic link"
        case UInt8(ascii: "3"): return "a character device"
        case UInt8(ascii: "4"): return "a block device"
        case UInt8(ascii: "5"): return "a directory"
        case UInt8(ascii: "6"): return "a FIFO"
        default: return "an entry of tar type \(showType(t))"
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
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
