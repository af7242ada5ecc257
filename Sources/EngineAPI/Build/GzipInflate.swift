/// A gzip stream (RFC 1952 members holding RFC 1951 deflate data) decoded as
/// Go's `compress/gzip` reader decodes it for dockerd's `DecompressStream`:
/// members one after another (multistream), each checked against its CRC-32
/// and length; each header read as `readHeader` reads it (reserved flag bits
/// ignored, a file name or comment longer than Go's 512-byte buffer
/// refused); Huffman tables checked as `compress/flate` checks them
/// (over-subscribed or incomplete codes refused, but a single one-bit
/// distance code; a block needs its end-of-block code), no distance beyond
/// the output so far. Anything it refuses, Go refuses too, or the caller
/// refuses it anyway. Pure: input is pulled through `refill`, output pushed
/// through `emit`, 32 KiB at a time; memory is bounded.
public struct GzipInflate {
    public enum Outcome: Sendable, Equatable {
        /// The input ended at the end of a member.
        case end
        /// `emit` asked to stop.
        case stopped
        /// Not gzip as Go reads it: why.
        case corrupt(String)
    }

    struct Corrupt: Error { let why: String }
    struct Stop: Error {}

    /// `refill` returns the next input bytes (empty: the input has ended).
    /// `emit` takes output and returns false to stop.
    public static func decompress(refill: () -> [UInt8], emit: (UnsafeRawBufferPointer) -> Bool) -> Outcome {
        withoutActuallyEscaping(refill) { refill in
            withoutActuallyEscaping(emit) { emit in
                var state = GzipInflate(refill: refill, emit: emit)
                do {
                    try state.run()
                    return .end
                } catch let error as Corrupt {
                    return .corrupt(error.why)
                } catch {
                    return .stopped
                }
            }
        }
    }

    // MARK: - Input

    private let refill: () -> [UInt8]
    private let emit: (UnsafeRawBufferPointer) -> Bool
    private var input: [UInt8] = []
    private var at = 0
    private var bitBuffer: UInt32 = 0
    private var bitCount = 0

    private init(refill: @escaping () -> [UInt8], emit: @escaping (UnsafeRawBufferPointer) -> Bool) {
        self.refill = refill
        self.emit = emit
    }

    /// The next byte, or nil at the end of the input.
    private mutating func nextByte() -> UInt8? {
        if at == input.count {
            input = refill()
            at = 0
            if input.isEmpty { return nil }
        }
        defer { at += 1 }
        return input[at]
    }

    private mutating func byte() throws -> UInt8 {
        guard let b = nextByte() else { throw Corrupt(why: "the gzip stream ends early (unexpected EOF)") }
        return b
    }

    private mutating func bits(_ n: Int) throws -> UInt32 {
        while bitCount < n {
            bitBuffer |= UInt32(try byte()) << UInt32(bitCount)
            bitCount += 8
        }
        let value = bitBuffer & ((1 << UInt32(n)) - 1)
        bitBuffer >>= UInt32(n)
        bitCount -= n
        return value
    }

    // MARK: - Output (the 32 KiB window)

    private var window = [UInt8](repeating: 0, count: 1 << 16)
    private var filled = 0
    /// Bytes output in the current member (distances may not reach before it).
    private var produced = 0
    private var crc: UInt32 = 0xFFFF_FFFF
    private var memberSize: UInt32 = 0

    private mutating func put(_ b: UInt8) throws {
        window[filled] = b
        filled += 1
        produced += 1
        if filled == window.count { try flush(keep: 1 << 15) }
    }

    /// Emits what is not yet emitted, keeping the last `keep` bytes as history.
    private var emitted = 0
    private mutating func flush(keep: Int) throws {
        if filled > emitted {
            let start = emitted, end = filled
            let ok = window.withUnsafeBytes { raw -> Bool in emit(UnsafeRawBufferPointer(rebasing: raw[start..<end])) }
            for i in start..<end { crc = Self.crcTable[Int((crc ^ UInt32(window[i])) & 0xFF)] ^ (crc >> 8) }
            memberSize = memberSize &+ UInt32(truncatingIfNeeded: end - start)
            emitted = end
            if !ok { throw Stop() }
        }
        if filled > keep {
            let shift = filled - keep
            for i in 0..<keep { window[i] = window[shift + i] }
            filled = keep
            emitted = keep
        }
    }

    // MARK: - gzip members

    private mutating func run() throws {
        var members = 0
        while true {
            guard let first = nextByte() else {
                if members == 0 { throw Corrupt(why: "the gzip stream is empty") }
                return
            }
            try header(first: first)
            crc = 0xFFFF_FFFF
            memberSize = 0
            produced = 0
            try inflate()
            try flush(keep: 1 << 15)
            bitBuffer = 0
            bitCount = 0
            var trailer: [UInt8] = []
            for _ in 0..<8 { trailer.append(try byte()) }
            let wantCRC = UInt32(trailer[0]) | UInt32(trailer[1]) << 8 | UInt32(trailer[2]) << 16 | UInt32(trailer[3]) << 24
            let wantSize = UInt32(trailer[4]) | UInt32(trailer[5]) << 8 | UInt32(trailer[6]) << 16 | UInt32(trailer[7]) << 24
            guard wantCRC == ~crc, wantSize == memberSize else { throw Corrupt(why: "a gzip member's checksum or length does not match its data") }
            members += 1
        }
    }

    private mutating func header(first: UInt8) throws {
        var bytes = [first]
        for _ in 0..<9 { bytes.append(try byte()) }
        guard bytes[0] == 0x1F, bytes[1] == 0x8B, bytes[2] == 8 else { throw Corrupt(why: "invalid gzip header") }
        // Go reads the reserved flag bits (0xE0) without a word, as it does MTIME, XFL and OS.
        let flags = bytes[3]
        var headerCRC: UInt32 = 0xFFFF_FFFF
        func crcOf(_ b: UInt8) { headerCRC = Self.crcTable[Int((headerCRC ^ UInt32(b)) & 0xFF)] ^ (headerCRC >> 8) }
        bytes.forEach(crcOf)
        if flags & 0x04 != 0 {  // FEXTRA
            let lo = try byte(), hi = try byte()
            crcOf(lo); crcOf(hi)
            for _ in 0..<(Int(lo) | Int(hi) << 8) { crcOf(try byte()) }
        }
        // FNAME, FCOMMENT: zero-terminated, read into Go's 512-byte header
        // buffer (`readString`): no zero among the first 512 bytes is ErrHeader.
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {
            var length = 0
            while true {
                guard length < Self.maxHeaderString else { throw Corrupt(why: "a gzip header's file name or comment is longer than Go reads (invalid header)") }
                let b = try byte()
                crcOf(b)
                length += 1
                if b == 0 { break }
            }
        }
        if flags & 0x02 != 0 {  // FHCRC
            let lo = UInt32(try byte()), hi = UInt32(try byte())
            guard lo | hi << 8 == (~headerCRC) & 0xFFFF else { throw Corrupt(why: "a gzip header's checksum does not match") }
        }
    }

    // MARK: - deflate

    private mutating func inflate() throws {
        while true {
            let last = try bits(1)
            switch try bits(2) {
            case 0: try stored()
            case 1: try codes(Self.fixedLiterals, Self.fixedDistances)
            case 2:
                let (literals, distances) = try dynamicTables()
                try codes(literals, distances)
            default: throw Corrupt(why: "a deflate block of reserved type")
            }
            if last == 1 { return }
        }
    }

    private mutating func stored() throws {
        bitBuffer = 0
        bitCount = 0
        let a = UInt16(try byte()) | UInt16(try byte()) << 8
        let b = UInt16(try byte()) | UInt16(try byte()) << 8
        guard a == ~b else { throw Corrupt(why: "a stored deflate block's length does not match its complement") }
        for _ in 0..<Int(a) { try put(try byte()) }
    }

    /// A canonical Huffman code: symbols by code length, counts per length.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        /// nil when `compress/flate` refuses the lengths.
        init?(lengths: [Int], isDistance: Bool = false) {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var left = 1
            var maxLength = 0
            for length in 1..<16 {
                left <<= 1
                left -= counts[length]
                if left < 0 { return nil }  // over-subscribed
                if counts[length] > 0 { maxLength = length }
            }
            // Complete, or Go's one exception: a single code of one bit.
            let total = counts.reduce(0, +)
            if left > 0 && !(total == 1 && maxLength == 1) && total != 0 { return nil }
            if total == 0 && !isDistance { return nil }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    private mutating func decode(_ h: Huffman) throws -> Int {
        var code = 0, first = 0, index = 0
        for length in 1..<16 {
            code |= Int(try bits(1))
            let count = h.counts[length]
            if code - first < count { return h.symbols[index + code - first] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw Corrupt(why: "an invalid deflate code")
    }

    private mutating func dynamicTables() throws -> (Huffman, Huffman) {
        let nlit = Int(try bits(5)) + 257, ndist = Int(try bits(5)) + 1, nclen = Int(try bits(4)) + 4
        guard nlit <= 286, ndist <= 30 else { throw Corrupt(why: "a deflate block with too many codes") }
        var clen = [Int](repeating: 0, count: 19)
        for i in 0..<nclen { clen[Self.codeLengthOrder[i]] = Int(try bits(3)) }
        guard let lengthCode = Huffman(lengths: clen) else { throw Corrupt(why: "an invalid deflate code-length code") }
        var lengths: [Int] = []
        while lengths.count < nlit + ndist {
            let symbol = try decode(lengthCode)
            switch symbol {
            case 0..<16: lengths.append(symbol)
            case 16:
                guard let previous = lengths.last else { throw Corrupt(why: "a deflate repeat with nothing to repeat") }
                lengths += [Int](repeating: previous, count: 3 + Int(try bits(2)))
            case 17: lengths += [Int](repeating: 0, count: 3 + Int(try bits(3)))
            default: lengths += [Int](repeating: 0, count: 11 + Int(try bits(7)))
            }
        }
        guard lengths.count == nlit + ndist else { throw Corrupt(why: "deflate code lengths overflow their table") }
        guard lengths[256] != 0 else { throw Corrupt(why: "a deflate block without an end-of-block code") }
        guard let literals = Huffman(lengths: Array(lengths[0..<nlit])),
              let distances = Huffman(lengths: Array(lengths[nlit...]), isDistance: true) else {
            throw Corrupt(why: "an invalid deflate Huffman code")
        }
        return (literals, distances)
    }

    private mutating func codes(_ literals: Huffman, _ distances: Huffman) throws {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                try put(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let li = symbol - 257
            guard li < 29 else { throw Corrupt(why: "an invalid deflate length code") }
            let length = Self.lengthBase[li] + Int(try bits(Self.lengthExtra[li]))
            let di = try decode(distances)
            guard di < 30 else { throw Corrupt(why: "an invalid deflate distance code") }
            let distance = Self.distanceBase[di] + Int(try bits(Self.distanceExtra[di]))
            guard distance <= produced, distance <= 1 << 15 else { throw Corrupt(why: "a deflate distance before the start of the data") }
            for _ in 0..<length { try put(window[filled - distance]) }
        }
    }

    // MARK: - Tables

    /// Go's `gzip.Reader.buf`: a file name or comment with its zero byte.
    static let maxHeaderString = 512

    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                               1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let fixedLiterals = Huffman(lengths: (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 })!
    static let fixedDistances = Huffman(lengths: [Int](repeating: 5, count: 32), isDistance: true)!

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}

extension BuildContextScanner {
    /// Whether a context starts as `DecompressStream` takes for gzip.
    public static func isGzip(_ first: [UInt8]) -> Bool { first.starts(with: [0x1F, 0x8B, 0x08]) }

    /// A gzip-compressed context (`docker build --compress`, Testcontainers
    /// for Java): inflated as Go's `compress/gzip` inflates it, and the tar
    /// inside read as an uncompressed context is (a tar inside that is
    /// compressed again is refused, as it is uncompressed). Reading stops at
    /// the archive's end marker, where dockerd stops; at most `maxBytes`
    /// bytes are inflated before it.
    public static func scanGzip(dockerfile: String?, maxDockerfileBytes: Int = 1 << 20, maxBytes: UInt64,
                                refill: () -> [UInt8]) -> BuildContextOutcome {
        var scanner = BuildContextScanner(dockerfile: dockerfile, maxDockerfileBytes: maxDockerfileBytes)
        var total: UInt64 = 0
        var tooLarge = false
        let outcome = GzipInflate.decompress(refill: refill) { data in
            total += UInt64(data.count)
            if total > maxBytes {
                tooLarge = true
                return false
            }
            scanner.feed(data)
            return !scanner.ended
        }
        if tooLarge {
            return .refused("the build context inflates to more than \(maxBytes) bytes, the most sockwarden inflates (200 times the compressed size, at least 256 MiB, at most --max-build-context); send it uncompressed (docker build without --compress) or smaller")
        }
        if case .corrupt(let why) = outcome, !scanner.ended {
            return .refused("the build context's gzip data is not what dockerd reads (\(why)); send it uncompressed")
        }
        return scanner.outcome()
    }
}
