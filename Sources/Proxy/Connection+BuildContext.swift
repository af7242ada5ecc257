import EngineAPI
import Glibc
import HTTP1
import Posix

/// A classic build's context: spooled to an unlinked file while its tar is
/// read for the Dockerfile, so that the Dockerfile is judged before a byte
/// is forwarded, and the daemon then gets exactly the bytes that were read
/// (sent from the file with a plain length).
extension Connection {
    enum BuildContextRead {
        case spooled(SpoolFile, BuildContextOutcome)
        case clientGone
        case malformed(HTTPError)
        /// Past `--max-build-context`; the rest of the body was not read.
        case tooLarge(UInt64)
        /// The spool file could not be created or written.
        case spoolFailed(SystemError)
        /// The spool's room is taken (`SpoolBudget`); the rest of the body was not read.
        case noRoom(SpoolBudget.Refusal)
    }

    func spoolBuildContext(_ head: RequestHead, _ reader: ByteReader, dockerfile: String?) -> BuildContextRead {
        let limit = context.maxBuildContextBytes
        if case .length(let total) = head.framing, total > limit { return .tooLarge(limit) }
        var spool: SpoolFile
        do {
            spool = try SpoolFile.create(in: context.spoolDirectory)
        } catch {
            return .spoolFailed(error)
        }
        if head.expectsContinue {
            push(Exchange(kind: .interim(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)), method: head.method, record: nil))
        }
        // dockerd reads Dockerfiles of any size; 8 MiB holds the largest seen in tests (labels of MBs).
        var scanner = BuildContextScanner(dockerfile: dockerfile, maxDockerfileBytes: 8 << 20)
        var failure: SystemError?
        var over = false
        // What the upload holds of the spool's room: each piece granted before it is written, all of
        // it given back when the spool file is closed (after the daemon has read it, or at a refusal).
        let job = context.job?.owner.id
        let granted = Locked(UInt64(0))
        spool.onClose = OnceAction { SpoolBudget.shared.release(granted.withLock { $0 }, job: job) }
        var noRoom: SpoolBudget.Refusal?
        // No deadline: a slow upload is the client's right, as with the daemon.
        let outcome = readBody(head, reader) { data in
            if spool.size + UInt64(data.count) > limit {
                over = true
                return false
            }
            if let refusal = SpoolBudget.shared.grow(by: UInt64(data.count), directory: context.spoolDirectory, job: job) {
                noRoom = refusal
                return false
            }
            granted.withLock { $0 += UInt64(data.count) }
            defer { SpoolBudget.shared.landed(UInt64(data.count)) }
            do throws(SystemError) {
                try spool.append(data)
            } catch {
                failure = error
                return false
            }
            if !scanner.ended { scanner.feed(data) }
            return true
        }
        switch outcome {
        case .complete:
            let head = (try? spool.read(at: 0, count: 3)) ?? []
            guard BuildContextScanner.isGzip(head) else { return .spooled(spool, scanner.outcome()) }
            // A gzip context: read again from the spool, inflated. At most `inflationLimit` of it: a
            // small bomb (a few MB of zeros) otherwise kept both CPUs busy for minutes (found 2026-12-02).
            // One at a time per job: inflating costs a CPU for as long as it runs.
            guard Self.gzipInflations.begin(job) else {
                spool.close()
                return .noRoom(.gzipBusy(job: job ?? ""))
            }
            defer { Self.gzipInflations.end(job) }
            var offset: UInt64 = 0
            var readFailure = false
            let maxInflated = Self.inflationLimit(compressed: spool.size, maxBuildContext: limit)
            let inflated = BuildContextScanner.scanGzip(dockerfile: dockerfile, maxDockerfileBytes: 8 << 20, maxBytes: maxInflated) {
                guard let chunk = try? spool.read(at: offset, count: 1 << 16) else {
                    readFailure = true
                    return []
                }
                offset += UInt64(chunk.count)
                return chunk
            }
            if readFailure {
                spool.close()
                return .spoolFailed(SystemError("read the spooled build context", code: EIO))
            }
            return .spooled(spool, inflated)
        case .stopped:
            spool.close()
            if let noRoom { return .noRoom(noRoom) }
            return over ? .tooLarge(limit) : .spoolFailed(failure ?? SystemError("write", code: EIO))
        case .clientGone, .timedOut:
            spool.close()
            return .clientGone
        case .malformed(let error):
            spool.close()
            return .malformed(error)
        }
    }

    /// The jobs inflating a gzip context now (the main socket's are not counted).
    static let gzipInflations = JobSlots()

    /// The most a gzip context of `compressed` bytes is inflated to be
    /// judged: 200 times its size (tar of source and binaries compresses
    /// far less), at least 256 MiB, at most `--max-build-context`. The
    /// docker CLI sends contexts uncompressed unless `--compress` is given.
    static func inflationLimit(compressed: UInt64, maxBuildContext: UInt64) -> UInt64 {
        min(maxBuildContext, max(256 << 20, compressed.multipliedReportingOverflow(by: 200).overflow ? .max : compressed * 200))
    }

    /// Spools and judges the context of a build its query allowed. Returns
    /// the spool to forward from (nil: `judged` is now an answer, or there
    /// is nothing to spool) and whether the body was read to its end (false:
    /// the connection must close after the answer); `again` judges the
    /// context once more, as after the job socket pulled the build's images
    /// (`prePull`).
    func judgeBuildContext(_ head: RequestHead, _ reader: ByteReader, _ start: RequestJudge.Start,
                           _ judged: inout RequestJudge.Judged)
        -> (spool: SpoolFile?, bodyRead: Bool, again: (() -> RequestJudge.Judged)?)? {
        guard let request = start.buildContext, case .forward = judged.action else { return nil }
        let dockerfile = (try? request.get())?.dockerfile
        switch spoolBuildContext(head, reader, dockerfile: dockerfile) {
        case .spooled(let spool, let outcome):
            let before = judged
            let judge = self.judge
            let environment = context.policyEnvironment
            judge.judgeBuildContext(&judged, start, request: request, outcome: outcome, environment: environment)
            if case .answer = judged.action {
                spool.close()
                return (nil, true, nil)
            }
            let again = { () -> RequestJudge.Judged in
                var rejudged = before
                judge.judgeBuildContext(&rejudged, start, request: request, outcome: outcome, environment: environment, pulled: true)
                return rejudged
            }
            return (spool, true, again)
        case .clientGone:
            deny(&judged, 400, rule: "incomplete-request",
                 "the client closed the connection before the build context was complete; nothing was forwarded")
            return (nil, false, nil)
        case .malformed(let error):
            deny(&judged, error.status, rule: "malformed-request", error.message,
                 message: "sockwarden: malformed request body: \(error.message)")
            return (nil, false, nil)
        case .tooLarge(let limit):
            deny(&judged, 413, rule: "build-context",
                 "the build context is larger than \(limit) bytes, the most sockwarden reads to judge its Dockerfile",
                 then: "make it smaller (.dockerignore) or raise --max-build-context")
            return (nil, false, nil)
        case .spoolFailed(let error):
            deny(&judged, 503, rule: "build-context", "cannot spool the build context in \(context.spoolDirectory): \(error)",
                 then: "operators: give --spool-dir a writable directory with room for build contexts")
            return (nil, false, nil)
        case .noRoom(let refusal):
            deny(&judged, 503, rule: "build-context", "\(refusal.what): \(refusal.message)")
            return (nil, false, nil)
        }
    }

    /// The build is answered, not forwarded: the record says why.
    private func deny(_ judged: inout RequestJudge.Judged, _ status: Int, rule: String, _ reason: String,
                      message: String? = nil, then advice: String? = nil) {
        judged.record.rule = rule
        judged.record.decision = "deny"
        judged.record.reason = reason
        judged.action = .answer(status: status, message: message ?? "sockwarden: \(reason)\(advice.map { "; \($0)" } ?? "")")
    }
}
