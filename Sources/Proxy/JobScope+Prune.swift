import EngineAPI
import Glibc
import GoJSON
import Tenancy

extension JobScope {
    /// `container.prune` on a job socket (`ContainerPrune`): the job's
    /// stopped containers that the request's filters choose, as the
    /// daemon's prune would choose them, each removed with `v=1` (so its
    /// anonymous volumes go with it), answered with the daemon's report.
    /// The daemon validates the filters first with a prune that can match
    /// no container; its refusal (400 for a filter or `until` it does not
    /// read, 409 while another prune runs) is the answer.
    func pruneContainers(_ rawQuery: String?) -> Outcome {
        let check: String
        switch ContainerPrune.checkQuery(rawQuery, owner: owner) {
        case .success(let query): check = query
        case .failure(let refusal): return .answer(status: refusal.status, message: refusal.message)
        }
        let checked = lookup.postAnswer("/containers/prune?" + check)
        if let error = checked.error {
            return .answer(status: 503, message: "sockwarden: cannot prune job \(owner.id)'s containers (\(error))")
        }
        guard checked.status == 200 else {
            let message = DaemonLookup.message(checked.body) ?? "the daemon answered \(checked.status)"
            return .answer(status: checked.status, message: message, raw: checked.body)
        }
        let filters: ContainerPrune.Filters
        switch ContainerPrune.filters(rawQuery) {
        case .success(let read): filters = read
        case .failure(let refusal): return .answer(status: refusal.status, message: refusal.message)
        }
        let until: ContainerPrune.Instant?
        switch Self.untilFilter(filters.until) {
        case .success(let read): until = read
        case .failure(let refusal): return .answer(status: 400, message: refusal.message)
        }
        let label = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true}}")
        guard case .ok(let list) = lookup.get("/containers/json?all=1&size=1&filters=\(label)") else {
            return .answer(status: 503, message: "sockwarden: cannot list job \(owner.id)'s containers to prune them")
        }
        var deleted: [String] = []
        var reclaimed: UInt64 = 0
        // The daemon's order: its list, newest first.
        for container in list.array ?? [] {
            guard let id = container.member("Id")?.string,
                  ContainerPrune.isPrunable(state: container.member("State")?.string ?? "") else { continue }
            var labels: [String: String] = [:]
            for (key, value) in Self.labels(container.member("Labels")) { labels[key] = value }
            // Never another job's (nor one made from its image elsewhere), whatever the list answered.
            guard ownsContainer(id, labels: container.member("Labels")),
                  ContainerPrune.matchesLabels(filters, labels) else { continue }
            if until != nil {
                // The list's Created is whole seconds; the daemon compares nanoseconds.
                guard let info = lookup.inspect(.container, id), let text = info.member("Created")?.string,
                      let created = ContainerPrune.created(text) else { continue }
                if ContainerPrune.spared(created: created, until: until) { continue }
            }
            // No force: a container that started meanwhile is skipped, as the daemon skips one it cannot remove.
            guard lookup.delete("/containers/\(id)?v=1") == 204 else { continue }
            deleted.append(id)
            if let size = container.member("SizeRw")?.integer, size > 0 { reclaimed += UInt64(size) }
        }
        let report = ContainerPrune.report(deleted: deleted, spaceReclaimed: reclaimed)
        return .answer(status: 200, message: "sockwarden: container prune done by job \(owner.id)'s socket: \(deleted.count) removed with their anonymous volumes", raw: report)
    }

    /// `image.prune` on a job socket (`ImagePrune`): the daemon's prune
    /// skips its label filters for an image without a config, so it is not
    /// forwarded. The job's own images (owner label and seal) that the
    /// request's filters choose, as the daemon's prune would choose them,
    /// are deleted one reference at a time without force (an image in use
    /// or with children is refused by the daemon and skipped, as the prune
    /// skips it); the answer is the daemon's report, with the answers of
    /// the deletes. `SpaceReclaimed` is 0: the API does not give the size
    /// of the layers a delete removed.
    func pruneImages(_ rawQuery: String?) -> Outcome {
        let filters: ImagePrune.Filters
        switch ImagePrune.filters(rawQuery) {
        case .success(let read): filters = read
        case .failure(let refusal): return .answer(status: refusal.status, message: refusal.message)
        }
        let until: ContainerPrune.Instant?
        switch Self.untilFilter(filters.until) {
        case .success(let read): until = read
        case .failure(let refusal): return .answer(status: 400, message: refusal.message)
        }
        let own = GoEncoder.render(.object([JSONMember("label", .array([.string(owner.labelFilter), .string(owner.sealFilter)]))]))
        guard case .ok(let list) = lookup.get("/images/json?all=1&filters=" + QueryRewrite.escape(String(decoding: own, as: UTF8.self))) else {
            return .answer(status: 503, message: "sockwarden: cannot list job \(owner.id)'s images to prune them")
        }
        var items: [JSONValue] = []
        let recorded = madeImages
        for image in list.array ?? [] {
            // Never another job's or a shared image, whatever the list answered.
            let labels = image.member("Labels")?.object.map { _ in Self.labels(image.member("Labels")) }
            guard let id = image.member("Id")?.string,
                  ImagePrune.chooses(filters, id: id, labels: labels, owner: owner, recorded: recorded) else { continue }
            if until != nil {
                // The list's Created is whole seconds; the daemon compares nanoseconds.
                guard let info = lookup.inspect(.image, id), let text = info.member("Created")?.string,
                      let created = ContainerPrune.created(text) else { continue }
                if ContainerPrune.spared(created: created, until: until) { continue }
            }
            let references = ImagePrune.removals(id: id, repoTags: (image.member("RepoTags")?.array ?? []).compactMap(\.string),
                                                 repoDigests: (image.member("RepoDigests")?.array ?? []).compactMap(\.string),
                                                 danglingOnly: filters.danglingOnly)
            for reference in references {
                // One a job's running build names is kept, as the daemon's prune keeps one in use.
                guard let held = BuildImageHolds.heldForm(reference),
                      case .success(let changing) = BuildImageHolds.shared.begin(.change, job: owner.id, names: held.name.map { [$0] } ?? [],
                                                                                 ids: [id]) else { continue }
                let answer = withExtendedLifetime(changing) { lookup.deleteAnswer("/images/" + DaemonLookup.escape(reference)) }
                guard answer.error == nil, answer.status == 200, case .success(let deleted) = JSONParser.parse(answer.body) else { continue }
                items += deleted.array ?? []
            }
        }
        let report = ImagePrune.report(items: items, spaceReclaimed: 0)
        return .answer(status: 200, message: "sockwarden: image prune done by job \(owner.id)'s socket: \(items.count) references and images removed", raw: report)
    }

    /// A prune's refusal (400), as an error so that it can travel in a Result.
    struct PruneRefusal: Error {
        let message: String
    }

    /// A prune's `until` filter (its first value), read as the daemon reads
    /// it; nil when there is none.
    static func untilFilter(_ values: [String]) -> Result<ContainerPrune.Instant?, PruneRefusal> {
        guard let value = values.first else { return .success(nil) }
        guard let parsed = ContainerPrune.until(value, now: now(), zoneOffset: localZoneOffset()) else {
            return .failure(PruneRefusal(message: "sockwarden: the until filter \(value) is not one sockwarden reads as the daemon does (use a duration such as 24h, a Unix timestamp or an RFC 3339 time)"))
        }
        return .success(parsed)
    }

    static func now() -> ContainerPrune.Instant {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ContainerPrune.Instant(Int64(ts.tv_sec), Int64(ts.tv_nsec))
    }

    /// Seconds east of UTC of this process's local zone now (the daemon's,
    /// when both run with the same TZ), for an `until` without a zone.
    static func localZoneOffset() -> Int64 {
        var t = time(nil)
        var tm = Glibc.tm()
        guard localtime_r(&t, &tm) != nil else { return 0 }
        return Int64(tm.tm_gmtoff)
    }
}
