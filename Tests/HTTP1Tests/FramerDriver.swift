import HTTP1

/// Feeds a stream of daemon answers through `ResponseFramer` as the proxy
/// receives it: the bytes up to each of `ends` arrive in turn and the
/// framer clears what it can of them; each answer gets a new framer, for
/// the method of the request it answers (`methods`, repeated). At most
/// `maxAnswers` answers are read. Shared by `ResponseGoldenTests` and the
/// FuzzHTTP1Response fuzz target (fuzz/Sources/FuzzHTTP1Response has a
/// symlink to this file), so both read a stream the same way.
enum FramerDriver {
    enum Event {
        /// A head was cleared (`range` of the stream) when the bytes up to
        /// `arrived` had arrived; `chunked`: the framer then reads a chunked body.
        case head(ResponseSummary, range: Range<Int>, arrived: Int, chunked: Bool)
        /// Body bytes were cleared.
        case body(range: Range<Int>, arrived: Int)
        /// The answer was refused after everything before `cleared`; nothing more is read.
        case refused(cleared: Int, HTTPError)
        /// The answer ended at `end`; `reuse`: the connection carries another.
        case complete(end: Int, reuse: Bool)
        /// The next answer starts at `start`, answering a `method` request.
        case next(start: Int, method: String)
        /// The stream ended inside an answer: `untilClose` when the framer
        /// takes the close as its end (else it was cut short);
        /// `waitingForHead` when what is left uncleared is an incomplete head.
        case ended(cleared: Int, untilClose: Bool, waitingForHead: Bool)
    }

    static func run(_ stream: [UInt8], methods: [String], ends: [Int], maxAnswers: Int, _ event: (Event) -> Void) {
        var cleared = 0
        var index = 0
        var framer = ResponseFramer(requestMethod: methods[0])
        var headsInAnswer = 0
        var finished = false
        stream.withUnsafeBytes { raw in
            for end in ends where !finished {
                while !finished {
                    let step = framer.step(UnsafeRawBufferPointer(rebasing: raw[cleared..<end]))
                    switch step {
                    case .needMore:
                        break
                    case .head(let summary, let n):
                        var chunked = false
                        if case .chunked = framer.stage { chunked = true }
                        event(.head(summary, range: cleared..<(cleared + n), arrived: end, chunked: chunked))
                        headsInAnswer += 1
                        cleared += n
                    case .body(let n):
                        event(.body(range: cleared..<(cleared + n), arrived: end))
                        cleared += n
                    case .failure(let error):
                        event(.refused(cleared: cleared, error))
                        finished = true
                    }
                    if finished { break }
                    if framer.isDone {
                        event(.complete(end: cleared, reuse: !framer.closeAfter))
                        index += 1
                        if framer.closeAfter || index == maxAnswers {
                            finished = true
                            break
                        }
                        let method = methods[index % methods.count]
                        framer = ResponseFramer(requestMethod: method)
                        headsInAnswer = 0
                        event(.next(start: cleared, method: method))
                        continue
                    }
                    if case .needMore = step { break }
                }
            }
        }
        if !finished && (cleared < stream.count || headsInAnswer > 0) {
            var waitingForHead = false
            if case .head = framer.stage { waitingForHead = true }
            event(.ended(cleared: cleared, untilClose: framer.end() == .complete, waitingForHead: waitingForHead))
        }
    }
}
