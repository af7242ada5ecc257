import EngineAPI
import HTTP1
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
        let (rawHead, framing) = takeResponseHead(head, consumed: consumed, exchange, reader)
        // After the pulls' progress the client has the head of a chunked stream already.
        let chunked = exchange.continuesStream || framing == .chunked
        func out(_ bytes: [UInt8]) -> [UInt8] { chunked ? BuildProgressStream.chunk(bytes) : bytes }
        if exchange.continuesStream {
            if let warning = exchange.warning {
                guard write(out(BuildProgressStream.stream(warning.text)), exchange) else { return .close }
            }
        } else {
            guard write(Self.inserting(Self.warningHeaderLine(exchange.warning), into: rawHead), exchange) else { return .close }
        }

        var result = BuildResultReader()
        switch readStreamedBody(framing, reader, { data in
            result.feed(data)
            return write(out(data), exchange)
        }) {
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

        // Here the daemon's stream has come to its end (a cut-off one returned above).
        let build = exchange.finishedRecord()
        let tagged = scope.tagBuilt(result.outcome(ended: true), names: exchange.buildTags ?? []) { path, name in
            tagForBuild(path, name, build: build, scope: scope)
        }
        // One write: a client that read an error message may hang up before the stream's end.
        let ok = write(out(tagged?.messages ?? []) + (chunked ? BuildProgressStream.lastChunk : []), exchange)
        // The record says which name was not given, whether or not the client stayed for the end.
        if let refusal = tagged?.refusal { exchange.update { $0.error = refusal } }
        return ok && chunked && head.keepAlive ? .keepAlive : .close
    }

    /// One name a job's build is given at its end, in the audit log as the
    /// job's own `docker tag` would be (`tagged_for`: the build's request;
    /// its own `request` and `result` records, between the build's), judged
    /// by the job scope (`JobScope.newName`, checked just before). Returns
    /// why it was not tagged, nil when tagged. A record the log cannot take
    /// (`--audit-failure refuse`) leaves the name ungiven.
    private func tagForBuild(_ path: String, _ name: String, build: AuditRecord?, scope: JobScope) -> String? {
        let target = (build?.apiVersion.map { "/v\($0)" } ?? "") + path
        var record = judge.baseRecord(method: "POST", target: target, numbered: false)
        record.route = "image.tag"
        record.group = RouteGroup.images.rawValue
        record.apiVersion = build?.apiVersion
        record.decision = "allow"
        record.rule = "job-scope"
        let request = build.map { " of request \($0.request)" } ?? ""
        record.reason = "the name \(ImageNames.familiar(name)) a build\(request) gives its image, checked again at the build's end as job \(scope.owner.id)'s docker tag: free, or the job's own"
        record.taggedFor = build?.request ?? 0
        record.request = context.nextRequestID()
        if let refusal = context.audit.admit(&record) { return refusal.message }
        let (status, failure) = scope.tagThroughDaemon(path)
        record.status = status
        record.error = failure
        context.audit.write(record)
        return failure
    }
}
