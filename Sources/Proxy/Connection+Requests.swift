import Glibc
import EngineAPI
import HTTP1
import Policy
import Posix
import Tenancy

/// The request thread: read a head, judge it, forward or answer, repeat.
extension Connection {
    func runRequests() {
        let reader = ByteReader(fd: client)
        var parser = RequestHeadParser(limits: context.limits)
        while true {
            setWaitingForRequest(reader.isEmpty)
            let head: RequestHead
            switch readHead(reader, &parser) {
            case .head(let h): head = h
            case .finished:
                // The client is done sending. Pass that on, as a direct
                // client's EOF would reach the daemon: Go's server then
                // cancels in-flight handlers, so a quiet stream (events,
                // logs -f) ends instead of holding the connection forever.
                upstream?.shutdown(reading: false, writing: true)
                push(.end())
                return
            case .timedOut:
                var record = baseRecord(method: "-", target: "-")
                record.rule = "head-timeout"
                record.reason = "the request head was not complete within \(context.headTimeoutSeconds) s"
                let response = LocalResponse(status: 408, message: "sockwarden: \(record.reason!); the connection is closed", close: true)
                push(Exchange(kind: .local(response), method: "", record: record))
                return
            case .malformed(let error):
                var record = baseRecord(method: "-", target: "-")
                record.rule = "malformed-request"
                record.reason = error.message
                let response = LocalResponse(status: error.status, message: "sockwarden: malformed request: \(error.message)", close: true)
                push(Exchange(kind: .local(response), method: "", record: record))
                return
            }
            setWaitingForRequest(false)
            guard handle(head, reader) else { return }
        }
    }

    enum HeadOutcome {
        case head(RequestHead)
        case finished
        case malformed(HTTPError)
        /// A started head was not finished in time.
        case timedOut
    }

    /// Reads until a whole head is buffered. Once part of a head has arrived,
    /// the rest must come within the head timeout (SO_RCVTIMEO); waiting for a
    /// new request on an idle connection has no timeout.
    private func readHead(_ reader: ByteReader, _ parser: inout RequestHeadParser) -> HeadOutcome {
        var timing = false
        defer { if timing { client.setReceiveTimeout(milliseconds: 0) } }
        while true {
            if !reader.isEmpty {
                let result = reader.withAvailable { parser.parse($0) }
                switch result {
                case .complete(let head, let consumed):
                    reader.consume(consumed)
                    parser.reset()
                    return .head(head)
                case .failure(let error):
                    return .malformed(error)
                case .needMore:
                    break
                }
            }
            if !reader.isEmpty && !timing && context.headTimeoutSeconds > 0 {
                client.setReceiveTimeout(milliseconds: context.headTimeoutSeconds * 1000)
                timing = true
            }
            do {
                if try !reader.fill(limit: context.limits.maxHeadBytes + 1) { return .finished }
            } catch {
                return error.code == EAGAIN || error.code == EWOULDBLOCK ? .timedOut : .finished
            }
        }
    }

    /// Judges and forwards one request. False when the connection is done.
    private func handle(_ head: RequestHead, _ reader: ByteReader) -> Bool {
        var record = baseRecord(method: head.method, target: head.target)
        // The policy and its digest, read together: the record names the policy that judged.
        let inForce = context.policyInForce(for: peer)
        let policy = inForce.policy
        record.policy = policy.name
        record.policyDigest = inForce.digest
        let resolution = Catalogue.resolve(method: head.method, target: head.target)
        var denial: LocalResponse?
        var routeHijacks = false
        /// The body, when it was read to be judged.
        var inspected: RequestBody?
        /// What to forward instead of the received body (canonical re-encoding).
        var forwardBody: [UInt8]?
        /// Warn mode: what to tell the client about a would-deny.
        var warning: ModeWarning?
        /// What to forward instead of the received target (a job socket's rewrite).
        var forwardTarget: String?
        /// A job socket's filter of the answer (`system df`).
        var rewrite: (@Sendable ([UInt8]) -> [UInt8]?)?
        switch resolution {
        case .matched(let match):
            record.route = match.route.name
            record.group = match.route.group.rawValue
            record.apiVersion = match.apiVersion
            routeHijacks = match.route.hijacks
            var input = PolicyInput(method: head.method, route: match.route, apiVersion: match.apiVersion,
                                    rawQuery: match.rawQuery, contentType: head.headers.first("content-type"))
            input.parameters = match.parameters
            let scopeReads = context.jobScope != nil && JobScope.bodyRoutes.contains(match.route.name)
            if policy.inspectsBody(match.route) || scopeReads {
                switch readBodyForInspection(head, reader) {
                case .body(var body):
                    if match.route.name == "container.create", let nested = context.nestedSocket,
                       case .complete(let bytes, let type) = body, let substituted = nested.substitute(bytes) {
                        body = .complete(substituted, contentType: type)
                    }
                    inspected = body
                    input.body = body
                case .clientGone:
                    push(.end())
                    return false
                case .malformed(let error):
                    record.rule = "malformed-request"
                    record.reason = error.message
                    push(Exchange(kind: .local(LocalResponse(status: error.status, message: "sockwarden: malformed request body: \(error.message)", close: true)),
                                  method: head.method, record: record))
                    push(.end())
                    return false
                }
            }
            let judgement = policy.judge(input, environment: context.policyEnvironment)
            let decision = judgement.decision
            record.rule = decision.rule
            record.reason = decision.reason
            record.mode = judgement.mode.rawValue
            record.facts = judgement.facts.map(FactsJSON.render)
            var scoped: JobScope.Outcome?
            if judgement.forwards, let scope = context.jobScope {
                var received: [UInt8]?
                if case .complete(let bytes, _)? = inspected { received = bytes }
                let rules = policy.bodyRules
                let quotas = JobQuotas(maxContainers: rules.jobMaxContainers, maxMemory: rules.jobMaxMemory, maxNanoCPUs: rules.jobMaxNanoCPUs)
                scoped = scope.apply(match, head: head, body: judgement.forwardBody ?? received, quotas: quotas)
            }
            if scoped == nil, judgement.forwards, context.ownerLabelReserved,
               OwnerLabelGuard.setsOwnerLabel(route: match.route.name, body: judgement.forwardBody, rawQuery: match.rawQuery) {
                scoped = .answer(status: 403, message: "sockwarden: the label \(JobOwner.labelKey) is reserved for job sockets; remove it from the request")
            }
            if case .answer(let status, let message)? = scoped {
                record.rule = "job-scope"
                record.reason = message
                denial = LocalResponse(status: status, message: message, close: false)
            } else if judgement.forwards {
                if case .forward(let target, let body)? = scoped {
                    forwardBody = body ?? judgement.forwardBody
                    if target != head.target { forwardTarget = target }
                    rewrite = context.jobScope?.responseFilter(for: match.route)
                } else {
                    forwardBody = judgement.forwardBody
                }
                record.decision = "allow"
                record.wouldDeny = judgement.wouldDeny
                denial = nil
                if judgement.wouldDeny && judgement.mode == .warn {
                    let text = ModeWarnings.text(method: head.method, template: match.route.template, route: match.route.name,
                                                 policy: policy.name,
                                                 reason: judgement.violations.count > 1 ? judgement.violations.joined(separator: "; ") : decision.reason)
                    warning = ModeWarning(text: text, intoCreateWarnings: match.route.name == ModeWarnings.warningsRoute)
                }
            } else {
                denial = LocalResponse(
                    status: 403,
                    message: "sockwarden: \(head.method) \(match.route.template) (\(match.route.name)) denied by policy \(policy.name): \(decision.reason)",
                    close: false)
            }
        case .unknown(let method, let path):
            let decision = policy.evaluate(PolicyInput(method: method, route: nil))
            record.rule = decision.rule
            record.reason = decision.reason
            denial = LocalResponse(
                status: 404,
                message: "sockwarden: \(method) \(path) is not a Docker Engine API route that sockwarden knows, so it is denied (policy \(policy.name))",
                close: false)
        case .invalid(let reason):
            record.rule = "invalid-target"
            record.reason = reason
            denial = LocalResponse(status: 400, message: "sockwarden: request target \(head.target) refused: \(reason)", close: false)
        }

        // The audit log takes the request's record before anything is
        // forwarded or answered; if it cannot (--audit-failure=refuse), 503.
        if let refusal = context.audit.admit(&record) {
            denial = LocalResponse(status: 503, message: refusal.message, close: false)
            warning = nil
        }

        if let denial {
            let drained = inspected.map { if case .complete = $0 { return true } else { return false } } ?? drainBody(head, reader)
            let close = !drained || !head.keepAlive
            let response = LocalResponse(status: denial.status, message: denial.message, close: close)
            push(Exchange(kind: .local(response), method: head.method, record: record))
            if close { push(.end()) }
            return !close
        }
        if let inspected {
            // The body was read to judge it: forward what was judged, with a
            // plain length (and without Expect: the proxy already said 100).
            guard case .complete(let received, _) = inspected else { return false }
            return forward(retargeted(head, forwardTarget), reader, record: record, routeHijacks: routeHijacks,
                           judgedBody: forwardBody ?? received, warning: warning, rewrite: rewrite)
        }
        return forward(retargeted(head, forwardTarget), reader, record: record, routeHijacks: routeHijacks, judgedBody: nil,
                       warning: warning, rewrite: rewrite)
    }

    private func retargeted(_ head: RequestHead, _ target: String?) -> RequestHead {
        guard let target else { return head }
        return RequestHead(method: head.method, target: target, version: head.version, headers: head.headers,
                           framing: head.framing, keepAlive: head.keepAlive, expectsContinue: head.expectsContinue,
                           upgrade: head.upgrade)
    }

    private func forward(_ head: RequestHead, _ reader: ByteReader, record: AuditRecord, routeHijacks: Bool, judgedBody: [UInt8]?,
                         warning: ModeWarning? = nil, rewrite: (@Sendable ([UInt8]) -> [UInt8]?)? = nil) -> Bool {
        let upstream: FileDescriptor
        switch connectUpstream() {
        case .success(let fd): upstream = fd
        case .failure(let error):
            var failed = record
            failed.error = "daemon unreachable: \(error)"
            let outOfDescriptors = error.code == EMFILE || error.code == ENFILE
            let response = outOfDescriptors
                ? LocalResponse(status: 503, message: "sockwarden: out of file descriptors, cannot open a connection to the daemon (\(error)); try again, or raise sockwarden's limit (LimitNOFILE)", close: true)
                : LocalResponse(
                    status: 502,
                    message: "sockwarden: cannot reach the Docker daemon at \(context.upstreamPath): \(error). Is dockerd running?",
                    close: true)
            push(Exchange(kind: .local(response), method: head.method, record: failed))
            return false
        }
        let hijackCandidate = routeHijacks || head.upgrade != nil
        let exchange = Exchange(kind: .forwarded(hijackCandidate: hijackCandidate, routeHijacks: routeHijacks),
                                method: head.method, record: record, warning: warning, rewrite: rewrite)
        let bytes: [UInt8]
        if let judgedBody {
            // The body was read to be judged: forward exactly what was judged,
            // with a plain length, and without Expect (the proxy said 100).
            bytes = head.serialized(framing: .length(UInt64(judgedBody.count)), dropping: ["expect"]) + judgedBody
        } else {
            bytes = head.serialized()
        }
        push(exchange)
        do {
            try upstream.writeAll(bytes)
        } catch {
            // The response thread reports the dead daemon.
            return false
        }
        exchange.update { $0.bytesIn += UInt64(bytes.count) }

        let outcome = judgedBody == nil ? forwardBody(head, reader, to: upstream, exchange) : .complete
        switch outcome {
        case .complete:
            break
        case .clientGone:
            // The daemon would wait for the rest of the body: end it.
            upstream.shutdown(reading: true, writing: true)
            push(.end())
            return false
        case .stopped:
            // The daemon went away mid-body; the response thread reports it.
            push(.end())
            return false
        case .malformed(let error):
            exchange.abort = error
            upstream.shutdown(reading: true, writing: true)
            return false
        }

        if hijackCandidate {
            let hijacked = hijackVerdicts.pop()
            if hijacked {
                relayRaw(reader, to: upstream, exchange)
                return false
            }
        }
        if !head.keepAlive {
            push(.end())
            return false
        }
        return true
    }

    /// Client → daemon after the daemon took the connection over. Ends by
    /// passing the client's half-close on.
    private func relayRaw(_ reader: ByteReader, to upstream: FileDescriptor, _ exchange: Exchange) {
        defer { upstream.shutdown(reading: false, writing: true) }
        while true {
            if !reader.isEmpty {
                let count = reader.count
                let ok = reader.withAvailable { raw -> Bool in
                    do { try upstream.writeAll(raw); return true } catch { return false }
                }
                reader.consume(count)
                exchange.update { $0.bytesIn += UInt64(count) }
                guard ok else { return }
            }
            do {
                if try !reader.fill() { return }
            } catch {
                return
            }
        }
    }
}
