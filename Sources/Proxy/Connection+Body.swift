import HTTP1
import Policy
import Posix

/// Request bodies: streamed to the daemon in bounded memory, re-framed
/// canonically (a chunked body is decoded and re-chunked, so extensions and
/// odd spellings never reach the daemon).
extension Connection {
    enum BodyOutcome {
        case complete
        case clientGone
        case upstreamGone
        case malformed(HTTPError)
    }

    func forwardBody(_ head: RequestHead, _ reader: ByteReader, to upstream: FileDescriptor, _ exchange: Exchange) -> BodyOutcome {
        switch head.framing {
        case .none, .untilClose:
            return .complete
        case .length(let total):
            var remaining = total
            while remaining > 0 {
                if reader.isEmpty {
                    do {
                        if try !reader.fill() { return .clientGone }
                    } catch {
                        return .clientGone
                    }
                }
                let slice = reader.take(max: Int(min(remaining, UInt64(Int.max))))
                do { try upstream.writeAll(slice) } catch { return .upstreamGone }
                remaining -= UInt64(slice.count)
                exchange.update { $0.bytesIn += UInt64(slice.count) }
            }
            return .complete
        case .chunked:
            var decoder = ChunkedDecoder(allowTrailers: false, maxLineBytes: context.limits.maxChunkLineBytes)
            var out: [UInt8] = []
            out.reserveCapacity(64 * 1024 + 32)
            while true {
                if reader.isEmpty {
                    do {
                        if try !reader.fill() { return .clientGone }
                    } catch {
                        return .clientGone
                    }
                }
                out.removeAll(keepingCapacity: true)
                let (consumed, status) = reader.withAvailable { raw in
                    decoder.decode(raw) { data in
                        out += ChunkedEncoder.chunkHeader(data.count)
                        out += data
                        out += ChunkedEncoder.chunkTrailer
                    }
                }
                reader.consume(consumed)
                if case .done = status { out += ChunkedEncoder.lastChunk }
                if !out.isEmpty {
                    do { try upstream.writeAll(out) } catch { return .upstreamGone }
                    let n = UInt64(out.count)
                    exchange.update { $0.bytesIn += n }
                }
                switch status {
                case .done: return .complete
                case .failure(let error): return .malformed(error)
                case .needMore: continue
                }
            }
        }
    }

    /// Reads and discards the body of a denied request so the connection can
    /// carry on. False when it is too large, malformed, or the client waits
    /// for 100-continue (then the connection is closed after the denial).
    func drainBody(_ head: RequestHead, _ reader: ByteReader) -> Bool {
        if head.expectsContinue { return !head.hasBody }
        switch head.framing {
        case .none, .untilClose:
            return true
        case .length(let total):
            guard total <= context.drainLimit else { return false }
            var remaining = total
            while remaining > 0 {
                if reader.isEmpty {
                    guard (try? reader.fill()) == true else { return false }
                }
                remaining -= UInt64(reader.take(max: Int(remaining)).count)
            }
            return true
        case .chunked:
            var decoder = ChunkedDecoder(allowTrailers: false, maxLineBytes: context.limits.maxChunkLineBytes)
            while true {
                if reader.isEmpty {
                    guard (try? reader.fill()) == true else { return false }
                }
                let (consumed, status) = reader.withAvailable { decoder.decode($0) { _ in } }
                reader.consume(consumed)
                switch status {
                case .done: return true
                case .failure: return false
                case .needMore: if decoder.bodyBytes > context.drainLimit { return false }
                }
            }
        }
    }
}

/// Reading a body whole, so the policy can judge it before anything is
/// forwarded.
extension Connection {
    enum InspectionRead {
        case body(RequestBody)
        case clientGone
        case malformed(HTTPError)
    }

    func readBodyForInspection(_ head: RequestHead, _ reader: ByteReader) -> InspectionRead {
        let limit = context.inspectionLimit
        let contentType = head.headers.first("content-type")
        if head.expectsContinue {
            push(Exchange(kind: .interim(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)), method: head.method, record: nil))
        }
        switch head.framing {
        case .none, .untilClose:
            return .body(.complete([], contentType: contentType))
        case .length(let total):
            guard total <= UInt64(limit) else { return .body(.tooLarge(limit: limit)) }
            var body: [UInt8] = []
            body.reserveCapacity(Int(total))
            while body.count < Int(total) {
                if reader.isEmpty {
                    guard (try? reader.fill()) == true else { return .clientGone }
                }
                body += reader.take(max: Int(total) - body.count)
            }
            return .body(.complete(body, contentType: contentType))
        case .chunked:
            var decoder = ChunkedDecoder(allowTrailers: false, maxLineBytes: context.limits.maxChunkLineBytes)
            var body: [UInt8] = []
            while true {
                if reader.isEmpty {
                    guard (try? reader.fill()) == true else { return .clientGone }
                }
                let (consumed, status) = reader.withAvailable { decoder.decode($0) { body += $0 } }
                reader.consume(consumed)
                switch status {
                case .done: return .body(.complete(body, contentType: contentType))
                case .failure(let error): return .malformed(error)
                case .needMore: if body.count > limit { return .body(.tooLarge(limit: limit)) }
                }
            }
        }
    }
}
