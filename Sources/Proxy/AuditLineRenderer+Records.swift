/// The members of each kind of record, in the documented order
/// (docs/audit-log.md), rendered into the renderer's buffer.
extension AuditLineRenderer {
    mutating func renderRequest(_ r: AuditRecord) {
        header(r.startedAt, event: "request")
        let identityStart = count
        let repeatable = identity(r)
        rememberIdentity(of: r, from: identityStart, repeatable: repeatable)
        if let target = r.targetContainer {
            literal(",\"target_container\":{\"id\":")
            string(target.id)
            literal(",\"name\":")
            // A name is the client's (given at create, of any length).
            boundedString(target.name)
            literal("}")
        }
        literal(",\"facts\":")
        if let facts = r.facts { bytes(AuditRedaction.text(facts)) } else { literal("null") }
        literal("}")
    }

    mutating func renderResult(_ r: AuditRecord) {
        header(r.startedAt, event: "result")
        // The request record holds the whole method, target and API
        // version; the result repeats only their head and tail when they are
        // long (each can be as long as a head, 256 KiB by default).
        if !repeatIdentity(of: r) { identity(r, whole: false) }
        literal(",\"status\":")
        if let status = r.status { int(Int64(status)) } else { literal("null") }
        literal(",\"hijacked\":")
        bool(r.hijacked)
        literal(",\"bytes_in\":")
        uint(r.bytesIn)
        literal(",\"bytes_out\":")
        uint(r.bytesOut)
        literal(",\"judge_ms\":")
        milliseconds(r.judgedAt.map { $0 &- r.startedMonotonic })
        literal(",\"response_ms\":")
        milliseconds(r.respondedAt.map { $0 &- r.startedMonotonic })
        literal(",\"duration_ms\":")
        milliseconds(r.durationNanoseconds)
        literal(",\"error\":")
        boundedString(r.error.map(AuditRedaction.text))
        literal("}")
    }

    mutating func renderEvent(_ e: AuditEvent) {
        reset()
        literal("{\"v\":1,\"seq\":")
        uint(seq)
        literal(",\"time\":")
        time(e.time)
        literal(",\"run\":")
        string(run)
        literal(",\"event\":")
        string(e.name)
        if !e.members.isEmpty {
            literal(",")
            bytes(e.members)
        }
        literal("}")
    }

    private mutating func header(_ time: (seconds: Int, nanoseconds: Int), event: StaticString) {
        reset()
        literal("{\"v\":1,\"seq\":")
        uint(seq)
        literal(",\"time\":")
        self.time(time)
        literal(",\"run\":")
        string(run)
        literal(",\"event\":\"")
        literal(event)
        literal("\"")
    }

    /// The request side's members; true when a result may repeat them as
    /// rendered (its bounded method, targets and API version are these).
    @discardableResult
    mutating func identity(_ r: AuditRecord, whole: Bool = true) -> Bool {
        // Secrets in the query (build args, URL user information) are not logged (`AuditRedaction`).
        let target = AuditRedaction.target(r.target)
        let forwardedTarget = r.forwardedTarget.map(AuditRedaction.target)
        literal(",\"conn\":")
        uint(r.connection)
        literal(",\"req\":")
        uint(r.request)
        literal(",\"peer\":")
        if let peer = r.peer {
            literal("{\"uid\":")
            uint(UInt64(peer.uid))
            literal(",\"gid\":")
            uint(UInt64(peer.gid))
            literal(",\"pid\":")
            int(Int64(peer.pid))
            literal(",\"container\":")
            string(r.container)
            if r.peerGone { literal(",\"gone\":true") }
            literal("}")
        } else {
            literal("null")
        }
        literal(",\"method\":")
        if whole { string(r.method) } else { boundedString(r.method) }
        literal(",\"target\":")
        if whole { string(target) } else { boundedString(target) }
        if let forwarded = forwardedTarget {
            literal(",\"forwarded_target\":")
            if whole { string(forwarded) } else { boundedString(forwarded) }
        }
        literal(",\"route\":")
        string(r.route)
        literal(",\"group\":")
        string(r.group)
        literal(",\"api_version\":")
        if whole { string(r.apiVersion) } else { boundedString(r.apiVersion) }
        literal(",\"decision\":")
        string(r.decision)
        literal(",\"would_deny\":")
        bool(r.wouldDeny)
        literal(",\"mode\":")
        string(r.mode)
        literal(",\"rule\":")
        string(r.rule)
        literal(",\"reason\":")
        boundedString(r.reason.map(AuditRedaction.text))
        literal(",\"policy\":")
        string(r.policy)
        literal(",\"policy_digest\":")
        string(r.policyDigest)
        if let job = r.job {
            literal(",\"job\":{\"id\":")
            string(job.id)
            literal(",\"labels\":{")
            for (i, label) in job.labels.enumerated() {
                if i > 0 { literal(",") }
                string(label.key)
                literal(":")
                string(label.value)
            }
            literal("}}")
        }
        if let build = r.pulledFor {
            literal(",\"pulled_for\":{\"req\":")
            uint(build.request)
            literal(",\"line\":")
            int(Int64(build.line))
            literal("}")
        }
        if let build = r.taggedFor {
            literal(",\"tagged_for\":{\"req\":")
            uint(build)
            literal("}")
        }
        let bound = Self.boundedHead + Self.boundedTail + 32
        return r.method.utf8.count <= bound && target.utf8.count <= bound && (forwardedTarget?.utf8.count ?? 0) <= bound
            && (r.apiVersion?.utf8.count ?? 0) <= bound
    }

    /// `AuditRecord.milliseconds`: microsecond precision, three decimals; null for nil.
    private mutating func milliseconds(_ ns: UInt64?) {
        guard let ns else { return literal("null") }
        let us = ns / 1000
        uint(us / 1000)
        reserve(4)
        put(UInt8(ascii: "."))
        padded(Int(us % 1000), 3)
    }

    /// `AuditRecord.rfc3339` as a JSON string, without building a String
    /// for the usual years (1000 to 9999).
    private mutating func time(_ t: (seconds: Int, nanoseconds: Int)) {
        let (y, m, d, secs) = AuditRecord.civil(t.seconds)
        guard (1000...9999).contains(y), (0..<1_000_000_000).contains(t.nanoseconds) else {
            return string(AuditRecord.rfc3339(t))
        }
        reserve(26)
        put(UInt8(ascii: "\""))
        padded(y, 4)
        put(UInt8(ascii: "-"))
        padded(m, 2)
        put(UInt8(ascii: "-"))
        padded(d, 2)
        put(UInt8(ascii: "T"))
        padded(secs / 3600, 2)
        put(UInt8(ascii: ":"))
        padded(secs / 60 % 60, 2)
        put(UInt8(ascii: ":"))
        padded(secs % 60, 2)
        put(UInt8(ascii: "."))
        padded(t.nanoseconds / 1_000_000, 3)
        put(UInt8(ascii: "Z"))
        put(UInt8(ascii: "\""))
    }
}
