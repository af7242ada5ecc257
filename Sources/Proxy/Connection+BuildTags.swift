import EngineAPI
import HTTP1
import Posix
import Policy
import Tenancy

/// A build on a job socket is forwarded without its names (`t`): the daemon
/// tags only when the build ends, minutes after the names were checked, by
/// which time the runner may have given one of them to its own image, which
/// the daemon would then move to the job's (found 2026-12-01). The job
/// socket relays the build's stream as it comes, reads it for the image the
/// build made (`BuildResultReader`), and at its end checks each name again
/// and tags (`JobScope.tagBuilt`), adding the daemon's own "Successfully
/// tagged" messages, or an error message naming a name taken meanwhile, to
/// the stream before it ends (docs/tenancy.md, "The names a build gives").
extension Connection {
    func relayTaggingBuild(_ head: ResponseHead, consumed: Int, _ exchange: Exchange, _ reader: ByteReader,
                           scope: JobScope) -> ResponseOutcome {
        // From here a cut (the client gone, `job close`) leaves the daemon's answer readable.
        setDrainsBuild(true)
        defer { setDrainsBuild(false) }
        let (rawHead, framing) = takeResponseHead(head, consumed: consumed, exchange, reader)
        // After the pulls' progress the client has the head of a chunked stream already.
        let chunked = exchange.continuesStream || framing == .chunked
        func out(_ bytes: [UInt8]) -> [UInt8] { chunked ? BuildProgressStream.chunk(bytes) : bytes }
        // Once the client is gone: the drain's deadline (`beginCutBuildDrain`).
        var cut: UInt64?
        if exchange.continuesStream {
            if let warning = exchange.warning, !write(out(BuildProgressStream.stream(warning.text)), exchange) {
                cut = beginCutBuildDrain()
            }
        } else if !write(Self.inserting(Self.warningHeaderLine(exchange.warning), into: rawHead), exchange) {
            cut = beginCutBuildDrain()
        }

        var result = BuildResultReader()
        // A build's steps may be quiet for minutes: the daemon connection is
        // read with a short timeout, so that a cut is seen (and its drain
        // bounded) even when the daemon says nothing more.
        upstream?.setReceiveTimeout(milliseconds: Self.buildPollMilliseconds)
        defer { upstream?.setReceiveTimeout(milliseconds: 0) }
        let end = readStreamedBody(framing, reader, whileQuiet: {
            if let cut { return monotonicNanoseconds() < cut }
            if self.isTerminated { cut = self.beginCutBuildDrain() }
            return true
        }) { data in
            result.feed(data)
            if let cut { return monotonicNanoseconds() < cut }
            if write(out(data), exchange) { return true }
            cut = beginCutBuildDrain()
            return true
        }
        if cut != nil { return endCutBuild(end, result, exchange, scope: scope) }
        switch end {
        case .ended:
            break
        case .stopped:
            return .close
        case .daemonClosedMidBody:
            exchange.update { $0.error = "daemon closed the connection mid-body; the build's names were not given" }
            return .close
        case .malformed(let message):
            exchange.update { $0.error = "daemon sent a malformed chunked body: \(message)" }
            return .close
        }

        // Here the daemon's stream has come to its end (a cut-off one returned above):
        // the images it named are the daemon's to change again, its own names included.
        BuildImageHolds.find(in: exchange.hold)?.release()
        let build = exchange.finishedRecord()
        let tagged = scope.tagBuilt(result.outcome(ended: true), names: exchange.buildTags ?? []) { path, name in
            tagForBuild(path, name, build: build, scope: scope)
        }
        removeEarlierStageImages(result, build: build, scope: scope)
        // One write: a client that read an error message may hang up before the stream's end.
        let ok = write(out(tagged?.messages ?? []) + (chunked ? BuildProgressStream.lastChunk : []), exchange)
        // The record says which name was not given, whether or not the client stayed for the end.
        if let refusal = tagged?.refusal { exchange.update { $0.error = refusal } }
        return ok && chunked && head.keepAlive ? .keepAlive : .close
    }

    /// How long the rest of a cut build's stream is waited for.
    static let cutBuildDrainSeconds = 30
    /// How often a quiet build stream is looked at for a cut.
    static let buildPollMilliseconds = 1000

    /// The client of a job's build left before the stream's end (or `job
    /// close` cut the connection). dockerd 20.10 cancels a classic build
    /// only in a `RUN` step or between steps: cut in its last config-only
    /// steps (the job's `labels`) it still makes the image, with the job's
    /// label and seal, and names it in the part of the stream no one read.
    /// So the daemon is told as a hang-up tells it (the write side shut:
    /// Go's server cancels the build) and the rest of its stream is read,
    /// for up to `cutBuildDrainSeconds`, for that image (`endCutBuild`).
    /// Returns the drain's deadline.
    private func beginCutBuildDrain() -> UInt64 {
        upstream?.shutdown(reading: false, writing: true)
        return monotonicNanoseconds() + UInt64(Self.cutBuildDrainSeconds) * 1_000_000_000
    }

    /// The image a cut build made after all is the job's (`JobScope.madeImage`:
    /// listed on its socket, reaped by its close; removed at once when the
    /// job is closed already). The result record says what became of it.
    private func endCutBuild(_ end: StreamedBodyEnd, _ result: BuildResultReader, _ exchange: Exchange,
                             scope: JobScope) -> ResponseOutcome {
        guard end == .ended else {
            exchange.update { $0.error = "client went away mid-build; the rest of the daemon's stream did not come within \(Self.cutBuildDrainSeconds) s, so an image the build may still have made is not the job's" }
            return .close
        }
        BuildImageHolds.find(in: exchange.hold)?.release()
        let outcome = result.outcome(ended: true)
        // No names: only the record of the image (`madeImage`), or why there is none.
        let unnamed = scope.tagBuilt(outcome, names: [], tag: { _, _ in nil })?.refusal
        removeEarlierStageImages(result, build: exchange.finishedRecord(), scope: scope)
        let owner = scope.owner.id
        let state = scope.closed.withLock { $0 } ? "removed, job \(owner) is closed" : "recorded as job \(owner)'s"
        let what: String
        switch outcome {
        case .failed:
            what = "the build ended without an image"
        case .image(let id, _):
            what = "the daemon finished image \(id) all the same: \(state)"
        case .idPrefix(let prefix) where unnamed == nil:
            what = "the daemon finished image \(prefix) all the same: \(state)"
        case .idPrefix, .unreadable:
            what = unnamed ?? "which image the build made cannot be read from the daemon's stream"
        }
        exchange.update { $0.error = "client went away mid-build; \(what)" }
        return .close
    }

    /// The images of the ended build that are not its result, removed
    /// (`JobScope.removeEarlierStageImages`), each in the audit log as a
    /// `docker rmi` of the job's would be (its own `request` and `result`
    /// records, `tagged_for` the build's request).
    private func removeEarlierStageImages(_ result: BuildResultReader, build: AuditRecord?, scope: JobScope) {
        let earlier = result.earlierStageImages(ended: true)
        let request = build.map { " of request \($0.request)" } ?? ""
        if !earlier.isEmpty {
            _ = scope.removeEarlierStageImages(earlier) { id in
                removeBuildImage(id, build: build, reason: "an image the build\(request) made that is not its result (an earlier stage's, or a step below one), which no job owns: removed at the build's end, unless the daemon keeps it (a later stage built on it)", scope: scope)
            }
        }
        if case .failed = result.outcome(ended: true), !result.stepImages.isEmpty, let build {
            let since = ContainerPrune.Instant(Int64(build.startedAt.seconds), Int64(build.startedAt.nanoseconds))
            _ = scope.removeOwnStepImages(result.stepImages, since: since) { id in
                removeBuildImage(id, build: build, reason: "a step image of the failed build\(request), with job \(scope.owner.id)'s label and seal from its base image and no name: removed at the build's end (it would keep the job's image past its close)", scope: scope)
            }
        }
    }

    /// One image a job's build made removed at its end, with its own records.
    private func removeBuildImage(_ id: String, build: AuditRecord?, reason: String, scope: JobScope) -> Int {
        let path = "/images/\(id)?noprune=1"
        var record = buildFollowUpRecord("DELETE", path, route: "image.delete", build: build, reason: reason)
        if context.audit.admit(&record) != nil { return 0 }
        let answer = scope.lookup.deleteAnswer(path)
        record.status = answer.status > 0 ? answer.status : nil
        if !(200..<300).contains(answer.status) {
            record.error = answer.error ?? DaemonLookup.message(answer.body) ?? "the daemon answered \(answer.status)"
        }
        context.audit.write(record)
        return answer.status
    }

    /// One name a job's build is given at its end, in the audit log as the
    /// job's own `docker tag` would be (`tagged_for`: the build's request;
    /// its own `request` and `result` records, between the build's), judged
    /// by the job scope (`JobScope.newName`, checked just before). Returns
    /// why it was not tagged, nil when tagged. A record the log cannot take
    /// (`--audit-failure refuse`) leaves the name ungiven.
    private func tagForBuild(_ path: String, _ name: String, build: AuditRecord?, scope: JobScope) -> String? {
        let request = build.map { " of request \($0.request)" } ?? ""
        var record = buildFollowUpRecord("POST", path, route: "image.tag", build: build,
                                         reason: "the name \(ImageNames.familiar(name)) a build\(request) gives its image, checked again at the build's end as job \(scope.owner.id)'s docker tag: free, or the job's own")
        if let refusal = context.audit.admit(&record) { return refusal.message }
        let (status, failure) = scope.tagThroughDaemon(path)
        record.status = status
        record.error = failure
        context.audit.write(record)
        return failure
    }

    /// The record of a request the job socket makes of the daemon for a
    /// build at its end (a tag, a removal), as the job's own image request
    /// would be recorded, numbered, `tagged_for` the build's request.
    private func buildFollowUpRecord(_ method: String, _ path: String, route: String, build: AuditRecord?, reason: String) -> AuditRecord {
        var record = judge.baseRecord(method: method, target: (build?.apiVersion.map { "/v\($0)" } ?? "") + path, numbered: false)
        record.route = route
        record.group = RouteGroup.images.rawValue
        record.apiVersion = build?.apiVersion
        record.decision = "allow"
        record.rule = "job-scope"
        record.reason = reason
        record.taggedFor = build?.request ?? 0
        record.request = context.nextRequestID()
        return record
    }
}
