import Glibc
import EngineAPI
import GoJSON
import HTTP1
import Policy
import Posix
import Tenancy

/// A build on a job socket whose Dockerfile names images the daemon would
/// pull while the build runs (absent ones, or every one with `pull=1`): the
/// job socket pulls each first, as if the job had sent `POST /images/create`
/// through its own socket (the same judging: the policy's rules for the
/// pull route, `JobScope.applyImageCreate`), each with its own audit record
/// (`pulled_for`), then judges the Dockerfile again with those images on
/// the daemon and forwards the build (docs/tenancy.md, "Builds").
extension Connection {
    enum PrePullOutcome {
        /// `judged.action` is what to do with the build now: forward it
        /// (pulls done) or answer it (a pull refused or failed, or the
        /// Dockerfile refused once its images were there). `streamed`: the
        /// client has the head of a 200 stream and the pulls' progress
        /// (`BuildProgressStream`), which the answer continues.
        case judged(streamed: Bool)
        /// The client hung up during a pull: nothing more is forwarded.
        case clientGone
    }

    /// Pulls a build's images before it is forwarded. `judged`: the build,
    /// allowed and admitted; `again` judges its context again, as pulled (from
    /// the judging before the context was read).
    func prePull(_ head: RequestHead, _ judged: inout RequestJudge.Judged,
                 again: () -> RequestJudge.Judged) -> PrePullOutcome {
        guard case .forward(let target, _, _, _, _) = judged.action else { return .judged(streamed: false) }
        let buildTarget = target ?? judged.record.target
        let rawQuery = RequestJudge.rawQuery(of: buildTarget)
        let platform = GoQuery.parse(rawQuery)?.first("platform") ?? ""
        let registryConfig = head.headers.first("x-registry-config")
        var pulls = judged.prePulls
        var pulled: Set<String> = []
        // The pulls' progress goes to the client as the daemon's builder
        // shows it (an HTTP/1.1 client: the stream is chunked), so a long
        // pull is not a silent one.
        var streamed = false
        let streams = head.version == .http11
        func show(_ lines: [UInt8]) {
            guard streams, !lines.isEmpty else { return }
            // A client that does not read: progress is dropped, not queued without end.
            if streamed && interimBacklog > Self.maxInterimBacklog { return }
            if !streamed {
                push(Exchange(kind: .interim(BuildProgressStream.head), method: head.method, record: nil))
                streamed = true
            }
            push(Exchange(kind: .interim(BuildProgressStream.chunk(lines)), method: head.method, record: nil))
        }
        // A pulled base image's ONBUILD triggers may name further images
        // (COPY --from): those are pulled in the next round.
        for _ in 0..<Self.maxPrePullRounds {
            for pull in pulls {
                let auth: String?
                switch BuildPullAuth.select(reference: pull.reference, registryConfig: registryConfig) {
                case .none: auth = nil
                case .header(let value): auth = value
                case .unreadable(let why):
                    let refusal = BuildScope.pullRefusal(pull.reference, why: "\(why), so the credentials the daemon would pull it with are unknown")
                    refuse(&judged, refusal.status, "\(refusal.message) (\(pull.at))")
                    return .judged(streamed: streamed)
                }
                switch pullOne(pull, auth: auth, platform: platform, apiVersion: judged.record.apiVersion,
                               build: judged.record.request, progress: show) {
                case .pulled:
                    pulled.insert(pull.reference)
                case .failed(let status, let message):
                    let failure = BuildScope.pullFailure(pull, status: status, message: message)
                    refuse(&judged, failure.status, failure.message, rule: "build-pull")
                    return .judged(streamed: streamed)
                case .clientGone:
                    return .clientGone
                }
            }
            // The Dockerfile again, with the pulled images on the daemon:
            // their labels and triggers are judged now (an image labelled
            // for a job without its seal is no job's, and refused).
            var rejudged = again()
            if case .answer(let status, let message, _) = rejudged.action {
                refuse(&judged, status, message, rule: rejudged.record.rule)
                return .judged(streamed: streamed)
            }
            // Absent ones; with pull=1, every one not pulled yet (a pulled
            // base's trigger may name an image that is on the daemon).
            let next = (rejudged.prePulls + rejudged.forcedPulls).reduce(into: [BuildScope.PrePull]()) { next, pull in
                if !pulled.contains(pull.reference) && !next.contains(where: { $0.reference == pull.reference }) { next.append(pull) }
            }
            if let still = rejudged.prePulls.first(where: { pulled.contains($0.reference) }) {
                // Pulled, and the daemon would still pull it (the name removed since).
                let refusal = BuildScope.pullRefusal(still.reference, why: "it is still not on the daemon after sockwarden pulled it")
                refuse(&judged, refusal.status, "\(refusal.message) (\(still.at))")
                return .judged(streamed: streamed)
            }
            if next.isEmpty {
                guard case .forward(let againTarget, let body, let warning, let rewrite, let hold) = rejudged.action else { return .judged(streamed: streamed) }
                // With pull=1 the daemon would pull every image the build
                // names before using it (PullOptionForcePull: each FROM and
                // COPY --from, those of the base images' triggers too); each
                // was just pulled from its registry through the job socket,
                // so the build finds each as that pull left it, which is
                // what its own pull would have given: forwarded with pull
                // off, the daemon pulls nothing unjudged.
                var forwarded = againTarget ?? buildTarget
                if LocalImageNames.buildPulls(rawQuery: RequestJudge.rawQuery(of: forwarded)) {
                    let path = String(decoding: forwarded.utf8.prefix { $0 != UInt8(ascii: "?") }, as: UTF8.self)
                    forwarded = path + "?" + QueryRewrite.replacing("pull", with: "0", in: RequestJudge.rawQuery(of: forwarded))
                }
                rejudged.action = .forward(target: forwarded, body: body, warning: warning, rewrite: rewrite, hold: hold)
                judged.action = rejudged.action
                return .judged(streamed: streamed)
            }
            pulls = next
        }
        let refusal = BuildScope.pullRefusal(pulls.first?.reference ?? "an image",
                                             why: "the images pulled for it name further images to pull, more than \(Self.maxPrePullRounds) rounds deep")
        refuse(&judged, refusal.status, refusal.message)
        return .judged(streamed: streamed)
    }

    /// Rounds of pulls for one build (each round: the images that the
    /// triggers of the last round's images name).
    static let maxPrePullRounds = 4

    /// The build is answered, not forwarded: its result record says why.
    private func refuse(_ judged: inout RequestJudge.Judged, _ status: Int, _ message: String, rule: String = "job-scope") {
        judged.record.decision = "deny"
        judged.record.rule = rule
        judged.record.reason = message
        judged.action = .answer(status: status, message: message)
    }

    enum PullResult {
        case pulled
        /// Refused by the judging, or failed at the daemon: the status and
        /// message the job's own pull would have been answered with.
        case failed(status: Int, message: String)
        case clientGone
    }

    /// One pull, made as the job's own `POST /images/create` of that
    /// reference would be: the same head judged the same way (policy, job
    /// scope), admitted to the audit log with `pulled_for`, then sent to
    /// the daemon on a connection of its own.
    private func pullOne(_ pull: BuildScope.PrePull, auth: String?, platform: String, apiVersion: String?,
                         build: UInt64, progress: ([UInt8]) -> Void) -> PullResult {
        var query = "fromImage=" + QueryRewrite.escape(pull.fromImage)
        if !pull.tag.utf8.isEmpty { query += "&tag=" + QueryRewrite.escape(pull.tag) }
        // The build's platform: the builder pulls for it, and finds the image only for it.
        if !platform.utf8.isEmpty { query += "&platform=" + QueryRewrite.escape(platform) }
        var fields = [HTTPHeader("Host", "docker"), HTTPHeader("User-Agent", "sockwarden (a build's pull)")]
        if let auth { fields.append(HTTPHeader("X-Registry-Auth", auth)) }
        let head = RequestHead(method: "POST", target: (apiVersion.map { "/v\($0)" } ?? "") + "/images/create?" + query,
                               version: .http10, headers: HTTPHeaders(fields), framing: .length(0), keepAlive: false,
                               expectsContinue: false, upgrade: nil)
        let judge = self.judge
        let start = judge.start(head)
        var judged = judge.judge(head, start, body: start.readsBody ? .complete([], contentType: nil) : nil,
                                 environment: context.policyEnvironment)
        judged.record.pulledFor = (build, pull.line)
        judge.admit(&judged)
        var record = judged.record
        switch judged.action {
        case .answer(let status, let message, _):
            record.status = status
            context.audit.write(record)
            return .failed(status: status, message: message)
        case .forward(let target, _, _, _, let hold):
            let forwarded = RequestHead(method: head.method, target: target ?? head.target, version: head.version,
                                        headers: head.headers, framing: head.framing, keepAlive: false,
                                        expectsContinue: false, upgrade: nil)
            // The pull's hold (`BuildImageHolds`) lasts as long as the pull.
            let result = withExtendedLifetime(hold) { sendPull(forwarded.serialized(), &record, progress: progress) }
            context.audit.write(record)
            return result
        }
    }

    /// How often a pull's wait for the daemon looks whether the client hung up.
    static let prePullPollMilliseconds = 500

    /// Sends the pull (HTTP/1.0: the daemon's answer is not chunked and
    /// ends with the connection) and reads its progress stream to the end.
    /// No deadline: a pull takes as long as the registry does; the client
    /// hanging up ends it (the daemon cancels a pull whose client left).
    private func sendPull(_ bytes: [UInt8], _ record: inout AuditRecord, progress: ([UInt8]) -> Void) -> PullResult {
        let fd: FileDescriptor
        do {
            fd = try UnixSocket.connect(path: context.upstreamPath)
        } catch {
            record.error = "daemon unreachable: \(error)"
            return .failed(status: 502, message: "cannot reach the Docker daemon at \(context.upstreamPath): \(error)")
        }
        defer { fd.close() }
        fd.setSendTimeout(milliseconds: Connection.upstreamWritePollMilliseconds)
        do {
            try fd.writeAll(bytes, stoppingWhen: { self.client.peerHungUp })
        } catch {
            record.error = client.peerHungUp ? "the client closed the connection during a build's pull" : "cannot send the pull to the daemon: \(error)"
            return client.peerHungUp ? .clientGone : .failed(status: 502, message: "cannot send the pull to the daemon: \(error)")
        }
        record.bytesIn = UInt64(bytes.count)
        fd.setReceiveTimeout(milliseconds: Self.prePullPollMilliseconds)
        var reader = PullStreamReader()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            var failure: SystemError?
            let n = chunk.withUnsafeMutableBytes { buffer -> Int in
                do throws(SystemError) { return try fd.read(into: buffer) } catch { failure = error; return -1 }
            }
            if let error = failure {
                if error.code == EAGAIN || error.code == EWOULDBLOCK {
                    if client.peerHungUp {
                        record.error = "the client closed the connection during a build's pull; the pull was abandoned"
                        return .clientGone
                    }
                    continue
                }
                record.error = "reading the daemon's answer: \(error)"
                return .failed(status: 502, message: "the daemon's answer to the pull broke off: \(error)")
            }
            if n == 0 { break }
            record.bytesOut += UInt64(n)
            progress(reader.feed(chunk[0..<n]))
        }
        record.status = reader.status
        switch reader.result {
        case .pulled:
            return .pulled
        case .failed(let status, let message):
            record.error = message
            return .failed(status: status, message: message)
        }
    }
}
