// Fuzz target: the build context scanner (the `POST /build` tar body, read
// as dockerd 20.10 reads it to find the Dockerfile).
//
// Properties:
// 1. No crash, whatever the bytes, with the default Dockerfile name and a
//    named one, with the proxy's limit and a small one.
// 2. Deterministic and split-invariant: fed in pieces (random cut points, and
//    byte by byte up to 4096 bytes) the outcome and `ended` are those of the
//    whole body fed at once.
// 3. A found Dockerfile is never larger than the limit and never empty.
// 4. Bytes after the end marker change nothing.
// 5. gzip (a body starting with the gzip magic, or any body behind a gzip
//    header): inflating never crashes and gives the same outcome and bytes
//    fed whole and in pieces.

import EngineAPI
import FuzzSupport

func scan(_ bytes: [UInt8], dockerfile: String?, max: Int, ends: [Int]) -> (BuildContextOutcome, Bool) {
    var scanner = BuildContextScanner(dockerfile: dockerfile, maxDockerfileBytes: max)
    var start = 0
    bytes.withUnsafeBytes { raw in
        for end in ends where end > start {
            scanner.feed(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
            start = end
        }
    }
    return (scanner.outcome(), scanner.ended)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBuildContext(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    var random = InputRandom(bytes)
    for (dockerfile, max) in [(nil, 1 << 20), ("sub/Dockerfile", 64)] as [(String?, Int)] {
        let once = scan(bytes, dockerfile: dockerfile, max: max, ends: [bytes.count])
        let again = scan(bytes, dockerfile: dockerfile, max: max, ends: [bytes.count])
        Property.check(once == again, "scanning is deterministic")
        if case .dockerfile(_, let text) = once.0 {
            Property.check(!text.isEmpty && text.count <= max, "a found Dockerfile is non-empty and within the limit")
        }
        let ends = random.pieceEnds(length: bytes.count, count: 1 + random.below(8))
        let pieces = scan(bytes, dockerfile: dockerfile, max: max, ends: ends)
        Property.check(pieces == once, "fed in pieces ending at \(ends) = at once (\(dockerfile ?? "default"))")
        if !bytes.isEmpty && bytes.count <= 4096 {
            let dribbled = scan(bytes, dockerfile: dockerfile, max: max, ends: Array(1...bytes.count))
            Property.check(dribbled == once, "fed byte by byte = at once (\(dockerfile ?? "default"))")
        }
        if once.1 {
            let more = bytes + [0x1F, 0x8B, 0x08, 0x41]
            Property.check(scan(more, dockerfile: dockerfile, max: max, ends: [more.count]) == once,
                           "bytes after the end marker change nothing")
        }
    }
    for body in [bytes, [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF] + bytes] where BuildContextScanner.isGzip(body) {
        func inflate(_ piece: Int) -> (GzipInflate.Outcome, [UInt8]) {
            var out: [UInt8] = []
            var at = 0
            let outcome = GzipInflate.decompress(refill: {
                guard at < body.count else { return [] }
                let end = Swift.min(body.count, at + piece)
                defer { at = end }
                return Array(body[at..<end])
            }, emit: { chunk in
                out += chunk
                return out.count < 1 << 22
            })
            return (outcome, out)
        }
        let whole = inflate(body.count)
        Property.check(inflate(1 + random.below(64)) == whole, "gzip fed in pieces = at once")
    }
    return 0
}
