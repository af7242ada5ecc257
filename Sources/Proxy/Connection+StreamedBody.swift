import Glibc
import HTTP1

/// The daemon's streamed answer body read piece by piece, for a job
/// socket's relays that read what they pass on (a build's names,
/// `Connection.relayTaggingBuild`; a job's events, `Connection.relayJobEvents`).
extension Connection {
    enum StreamedBodyEnd: Equatable {
        /// The last chunk, or (until close) the daemon closed.
        case ended
        /// `piece` said stop.
        case stopped
        /// The daemon closed before the last chunk.
        case daemonClosedMidBody
        /// A chunk that cannot be read (its message); the data before it was handed on.
        case malformed(String)
    }

    /// Hands each piece of a chunked (de-chunked) or until-close body to
    /// `piece` as it arrives; `piece` returns false to stop reading.
    /// `whileQuiet`: the daemon connection has a receive timeout, and a read
    /// that times out asks it whether to go on waiting (false: `.stopped`).
    func readStreamedBody(_ framing: BodyFraming, _ reader: ByteReader, whileQuiet: (() -> Bool)? = nil,
                          _ piece: ([UInt8]) -> Bool) -> StreamedBodyEnd {
        /// More bytes (true), the daemon's EOF or a failed read (false), or nil: stop waiting.
        func fill() -> Bool? {
            while true {
                do {
                    return try reader.fill()
                } catch {
                    guard let whileQuiet, error.code == EAGAIN || error.code == EWOULDBLOCK else { return false }
                    if !whileQuiet() { return nil }
                }
            }
        }
        if framing == .chunked {
            var decoder = ChunkedDecoder(allowTrailers: false, maxLineBytes: context.limits.maxChunkLineBytes)
            while !decoder.isDone {
                if reader.isEmpty {
                    guard let more = fill() else { return .stopped }
                    guard more else { return .daemonClosedMidBody }
                }
                var data: [UInt8] = []
                let (used, status) = reader.withAvailable { available in
                    decoder.decode(available) { data += $0 }
                }
                reader.consume(used)
                if !data.isEmpty, !piece(data) { return .stopped }
                if case .failure(let error) = status { return .malformed(error.message) }
            }
            return .ended
        }
        // HTTP/1.0: the body ends when the daemon closes the connection.
        while true {
            if !reader.isEmpty, !piece(Array(reader.take(max: reader.count))) { return .stopped }
            guard let more = fill() else { return .stopped }
            guard more else { return .ended }
        }
    }
}
