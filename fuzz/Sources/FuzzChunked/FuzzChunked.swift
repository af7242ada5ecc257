// Fuzz target: the chunked transfer-coding decoder (request bodies are
// decoded and re-chunked canonically before they reach the daemon).
//
// Properties:
// 1. No crash, whatever the bytes, with or without trailers allowed, with
//    the proxy's line limit and a small one.
// 2. Deterministic, and split-invariant: the input fed in pieces (random cut
//    points, and byte by byte up to 256 bytes) gives the same data, the same number of bytes
//    consumed and the same final status as fed at once.
// 3. Every run of data handed over is non-empty (the proxy forwards each run
//    as a chunk; an empty one would be the last chunk, ending the body early).
//    Accounting: `bodyBytes` is the data length; on failure the decoder
//    stops at a byte of the input; while it needs more, it used everything.
// 4. Canonical re-encoding: for a complete body, the chunks the proxy
//    forwards (one `ChunkedEncoder` chunk per run of data it was handed, then
//    the last chunk) decode (trailers refused) to the same data using every
//    byte; so does the whole body as one chunk.

import FuzzSupport
import HTTP1

struct Outcome: Equatable {
    var runs: [[UInt8]] = []
    var consumed = 0
    var status: ChunkedDecoder.Status = .needMore
    var bodyBytes: UInt64 = 0
    var isDone = false

    var data: [UInt8] { runs.flatMap { $0 } }
    var message: String? { if case .failure(let e) = status { return e.message } else { return nil } }
}

/// Feeds `bytes` in pieces ending at `ends`, stopping at the first terminal status.
func decode(_ bytes: [UInt8], allowTrailers: Bool, maxLineBytes: Int, ends: [Int]) -> Outcome {
    var decoder = ChunkedDecoder(allowTrailers: allowTrailers, maxLineBytes: maxLineBytes)
    var outcome = Outcome()
    var start = 0
    bytes.withUnsafeBytes { raw in
        for end in ends where end > start {
            let piece = UnsafeRawBufferPointer(rebasing: raw[start..<end])
            let (consumed, status) = decoder.decode(piece) { run in
                // The proxy re-chunks each run; an empty one would go out as "0\r\n", the last chunk.
                Property.check(run.count > 0, "the decoder never hands over an empty run of data")
                outcome.runs.append(Array(run))
            }
            Property.check(consumed >= 0 && consumed <= piece.count, "consumed \(consumed) of a \(piece.count)-byte piece")
            outcome.consumed += consumed
            outcome.status = status
            if case .needMore = status {
                Property.check(consumed == piece.count, "a decoder that needs more used the whole piece")
                start = end
                continue
            }
            return
        }
    }
    outcome.bodyBytes = decoder.bodyBytes
    outcome.isDone = decoder.isDone
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunked(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    var random = InputRandom(bytes)
    for (allowTrailers, maxLine) in [(false, HTTPLimits.default.maxChunkLineBytes), (true, 24)] {
        let once = decode(bytes, allowTrailers: allowTrailers, maxLineBytes: maxLine, ends: [bytes.count])
        let again = decode(bytes, allowTrailers: allowTrailers, maxLineBytes: maxLine, ends: [bytes.count])
        Property.check(once == again && once.message == again.message, "chunked decoding is deterministic")
        Property.check(once.bodyBytes == UInt64(once.data.count), "bodyBytes \(once.bodyBytes) = data length \(once.data.count)")
        Property.check(once.isDone == (once.status == .done), "isDone agrees with the status")
        if case .failure = once.status {
            Property.check(once.consumed < bytes.count, "a failure points at a byte of the input")
        }

        let ends = random.pieceEnds(length: bytes.count, count: 1 + random.below(6))
        let pieces = decode(bytes, allowTrailers: allowTrailers, maxLineBytes: maxLine, ends: ends)
        Property.check(pieces.data == once.data && pieces.consumed == once.consumed && pieces.status == once.status
                       && pieces.message == once.message,
                       "fed in pieces ending at \(ends) = at once (trailers \(allowTrailers), line limit \(maxLine))")
        if !bytes.isEmpty && bytes.count <= 256 {
            let dribbled = decode(bytes, allowTrailers: allowTrailers, maxLineBytes: maxLine, ends: Array(1...bytes.count))
            Property.check(dribbled.data == once.data && dribbled.consumed == once.consumed && dribbled.status == once.status
                           && dribbled.message == once.message,
                           "fed byte by byte = at once (trailers \(allowTrailers), line limit \(maxLine))")
        }

        if once.status == .done {
            // What Connection.forwardBody writes: one chunk per run, then the last chunk.
            var wire: [UInt8] = []
            for run in pieces.runs {
                wire += ChunkedEncoder.chunkHeader(run.count) + run + ChunkedEncoder.chunkTrailer
            }
            wire += ChunkedEncoder.lastChunk
            let reread = decode(wire, allowTrailers: false, maxLineBytes: HTTPLimits.default.maxChunkLineBytes, ends: [wire.count])
            Property.check(reread.status == .done && reread.consumed == wire.count && reread.data == once.data,
                           "the re-chunked body \(Printable.bytes(wire)) decodes to the same data, whole")

            let body = once.data
            var single: [UInt8] = body.isEmpty ? [] : ChunkedEncoder.chunkHeader(body.count) + body + ChunkedEncoder.chunkTrailer
            single += ChunkedEncoder.lastChunk
            let one = decode(single, allowTrailers: false, maxLineBytes: HTTPLimits.default.maxChunkLineBytes, ends: [single.count])
            Property.check(one.status == .done && one.consumed == single.count && one.data == body,
                           "the body as one canonical chunk decodes to the same data, whole")
        }
    }
    return 0
}
