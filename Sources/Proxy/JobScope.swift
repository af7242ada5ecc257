import EngineAPI
import GoJSON
import HTTP1
import Posix
import Tenancy

/// What a job socket does to an allowed request before it is forwarded
/// (see docs/tenancy.md): stamp the owner label on what is created, scope
/// lists to the owner, and answer any request about another owner's object
/// exactly as the daemon answers one about a missing object. An owned object
/// named in the path or query is pinned to its full ID in the forwarded
/// target, so a rename in between cannot swap it.
struct JobScope: Sendable {
    let owner: JobOwner
    let lookup: DaemonLookup
    let claims: ImageClaims
    /// The containers job sockets created (`JobContainers`).
    var containers = ContainerRecords()
    /// Set when the job is closed (`ServerContext.jobClosed`): a request
    /// still being judged then makes nothing more on the daemon.
    var closed = Locked(false)
    /// Creates that passed the quota check and are not answered yet.
    var ledger = QuotaLedger()

    enum Outcome {
        /// Forward with this target and, when non-nil, this body. `hold`
        /// lives as long as the exchange (a quota reservation).
        case forward(target: String, body: [UInt8]?, hold: AnyObject? = nil)
        /// `raw`: the whole JSON body, when it is not `{"message": …}`.
        case answer(status: Int, message: String, raw: [UInt8]? = nil)
    }

    /// Routes whose body tenancy reads even when the policy does not.
    static let bodyRoutes: Set<String> = ["container.create", "volume.create", "network.create",
                                          "network.connect", "network.disconnect", "container.commit",
                                          "container.update"]

    func apply(_ match: EndpointMatch, head: RequestHead, body: [UInt8]?, quotas: JobQuotas = JobQuotas()) -> Outcome {
        let route = match.route
        switch TenancyRoutes.action(for: route) {
        case .shared, .filterResponse:
            return .forward(target: head.target, body: nil)
        case .refuse(let why):
            return .answer(status: 403, message: "sockwarden: \(why) (job socket of job \(owner.id))")
        case .nothingOwned(let json, let why):
            return .answer(status: 200, message: "sockwarden: \(why) (job socket of job \(owner.id))", raw: Array(json.utf8))
        case .filter:
            if route.name == "network.prune", let refusal = checkNetworkPrune() { return refusal }
            // The daemon's container prune keeps the anonymous volumes, which no job can reach.
            if route.name == "container.prune" { return pruneContainers(match.rawQuery) }
            // The daemon's image prune ignores the label filter for an image without a config.
            if route.name == "image.prune" { return pruneImages(match.rawQuery) }
            var rawQuery = match.rawQuery
            if route.name == "container.list" {
                // `before`/`since` name a container the daemon looks up before the label filter.
                switch QueryRewrite.pinningImageFilters(rawQuery, resolve: filterContainer) {
                case .success(nil): break
                case .success(let query?): rawQuery = query
                case .failure(let refusal): return .answer(status: refusal.status, message: refusal.message, raw: refusal.raw)
                }
                // `ancestor` names an image the daemon looks up among every image.
                switch QueryRewrite.pinningImageFilters(rawQuery, keys: ["ancestor"], resolve: filterAncestor) {
                case .success(nil): break
                case .success(let query?): rawQuery = query
                case .failure(let refusal): return .answer(status: refusal.status, message: refusal.message, raw: refusal.raw)
                }
                // Cut after the answer is filtered to the job's containers (`responseFilter`).
                if JobContainers.listLimit(match.rawQuery) != nil { rawQuery = JobContainers.liftingLimit(rawQuery) }
            }
            switch QueryRewrite.restrictFilters(rawQuery, owner: owner) {
            case .success(let query): return .forward(target: Self.path(of: head.target) + "?" + query, body: nil)
            case .failure(let refusal): return .answer(status: refusal.status, message: refusal.message)
            }
        case .image(let action):
            return applyImage(action, match, head: head)
        case .stampBuildLabels:
            if let refusal = checkBuildNames(match.rawQuery) { return refusal }
            let checked: String?
            let hold: AnyObject?
            switch checkBuild(match.rawQuery, quotas: quotas) {
            case .refuse(let outcome): return outcome
            case .pass(let query, let held): (checked, hold) = (query, held)
            }
            switch QueryRewrite.stampBuildLabels(checked, owner: owner) {
            case .success(let query):
                guard let own = ownImageIDs() else {
                    return .answer(status: 503, message: "sockwarden: cannot list job \(owner.id)'s images, which a build's cache is limited to")
                }
                // A build's step containers carry no owner label: none may stay behind, not even of a failed step.
                var scoped = QueryRewrite.replacing("forcerm", with: "1", in: QueryRewrite.scopeBuildCache(query, ownImages: own))
                // Forwarded without its names: the daemon would tag when the
                // build ends, minutes after they were checked; the job socket
                // checks them again then and tags (`Connection.relayTaggingBuild`).
                scoped = QueryRewrite.replacingAll("t", with: [], in: scoped)
                return .forward(target: Self.path(of: head.target) + "?" + scoped, body: nil, hold: hold)
            case .failure(let refusal): return .answer(status: refusal.status, message: refusal.message)
            }
        case .stampBody(let kind):
            if let refusal = checkContainerName(route.name, match.rawQuery) { return refusal }
            return stamp(kind, route: route.name, head: head, body: body, quotas: quotas)
        case .owned(let kind, let parameter):
            if let refusal = checkContainerName(route.name, match.rawQuery) { return refusal }
            let reference = match.parameters[parameter] ?? ""
            let id: String
            switch resolve(kind, reference) {
            case .owned(let found): id = found
            case .ambiguous(let refusal):
                let wrapped = kind.onRoute(route.name, reference: reference, refusal)
                return .answer(status: wrapped.status, message: wrapped.message)
            case .missing, .failed:
                let missing = kind.notFound(reference, route: route.name)
                return .answer(status: missing.status, message: missing.message)
            }
            var parameters = match.parameters
            parameters[parameter] = id
            switch checkOwned(route.name, id: id, body: body, quotas: quotas) {
            case .refuse(let outcome): return outcome
            case .pass(let body, let hold):
                var target = Self.target(match, parameters: parameters)
                if route.name == "container.delete" {
                    // The container's anonymous volumes carry no owner label: kept,
                    // no job could reach them and `job close` would not reap them.
                    target = Self.path(of: target) + "?" + QueryRewrite.removingAnonymousVolumes(match.rawQuery)
                }
                return .forward(target: target, body: body, hold: hold)
            }
        case .ownedQuery(let kind, let key):
            guard let query = GoQuery.parse(match.rawQuery) else {
                return .answer(status: 400, message: "the query string is malformed")
            }
            let reference = query.first(key) ?? ""
            let id: String
            switch resolve(kind, reference) {
            case .owned(let found): id = found
            case .ambiguous(let refusal): return .answer(status: refusal.status, message: refusal.message)
            case .missing, .failed:
                let missing = kind.notFound(reference)
                return .answer(status: missing.status, message: missing.message)
            }
            var rewritten = QueryRewrite.replacing(key, with: id, in: match.rawQuery)
            if route.name == "container.commit" {
                if let refusal = checkCommit(query, body: body) { return refusal }
                // The owner label as the last change, so no earlier one can set it
                // (the daemon expands variables and joins quoted pieces in changes).
                // With the commit's mark (`CreateMarks.makeImage`): a commit cut at the close is still reaped.
                let mark = CreateMarks.makeImage()
                rewritten += "&changes=" + QueryRewrite.escape(ImageNames.ownerLabelChange(owner, mark: mark))
                return .forward(target: Self.path(of: head.target) + "?" + rewritten, body: nil,
                                hold: CreateHold(mark: mark, reservation: nil))
            }
            return .forward(target: Self.path(of: head.target) + "?" + rewritten, body: nil)
        }
    }

    /// The answer for a route whose path (or query) names an object that is
    /// not the job's, given before the policy judges: the policy judges the
    /// container an exec, attach, copy, start, restart, kill, stop or update
    /// acts in, and its refusal of a missing one ("names no container the
    /// daemon knows", 403) told a job that another's, answered 404 by the
    /// job scope, existed. Now both are the daemon's own 404 for a missing
    /// object, as straight on the daemon. Nil: the job's own (or a route
    /// naming none), judged as usual; `apply` looks it up again.
    func answerBeforePolicy(_ match: EndpointMatch, body: [UInt8]?) -> Outcome? {
        if match.route.name == "container.create" { return createReferencesBeforePolicy(body) }
        let kind: ObjectKind
        let reference: String
        if match.route.name == "build.image" {
            // A build's `networkmode` joins a container's namespace or a network (`checkBuild`).
            guard let query = GoQuery.parse(match.rawQuery) else { return nil }
            switch BuildScope.networkMode(query.first("networkmode") ?? "") {
            case .unchanged: return nil
            case .container(let r): (kind, reference) = (.container, r)
            case .network(let r): (kind, reference) = (.network, r)
            }
            return answerUnlessOwned(kind, reference)
        }
        switch TenancyRoutes.action(for: match.route) {
        case .owned(let k, let parameter): (kind, reference) = (k, match.parameters[parameter] ?? "")
        case .ownedQuery(let k, let key):
            guard let query = GoQuery.parse(match.rawQuery) else { return nil }
            (kind, reference) = (k, query.first(key) ?? "")
        default: return nil
        }
        return answerUnlessOwned(kind, reference, route: match.route.name)
    }

    /// Nil when `reference` is the job's own `kind`; otherwise the daemon's
    /// answer for a missing one (or for an ambiguous prefix among the job's).
    private func answerUnlessOwned(_ kind: ObjectKind, _ reference: String, route: String = "") -> Outcome? {
        switch resolve(kind, reference) {
        case .owned: return nil
        case .ambiguous(let refusal):
            let wrapped = kind.onRoute(route, reference: reference, refusal)
            return .answer(status: wrapped.status, message: wrapped.message)
        case .missing, .failed:
            let missing = kind.notFound(reference, route: route)
            return .answer(status: missing.status, message: missing.message)
        }
    }

    /// A create's containers and networks (`VolumesFrom`, `Links`,
    /// `container:` namespaces, user networks) that are not the job's, before
    /// the policy judges (it looks up a `VolumesFrom` source): the daemon's
    /// 404, as `checkReferences` answers later. Volumes are left to it (a
    /// missing one is created for the job). A body that does not decode is
    /// left to the policy and `stamp`.
    private func createReferencesBeforePolicy(_ body: [UInt8]?) -> Outcome? {
        let schema = GoType.structure(ContainerCreateBody.wrapper)
        guard let body, case .success(let decoded) = GoDecoder.decodeFirstValue(body, as: schema) else { return nil }
        guard let references = Self.distinct(OwnerReferences.referenced(route: "container.create", body: decoded.value)) else {
            return Self.tooManyReferences
        }
        for reference in references where reference.kind == .container || reference.kind == .network {
            switch resolve(reference.kind, reference.reference) {
            case .owned: continue
            case .ambiguous(let refusal): return .answer(status: refusal.status, message: refusal.message)
            case .missing, .failed:
                let missing = reference.kind.notFound(reference.reference)
                return .answer(status: missing.status, message: missing.message)
            }
        }
        return nil
    }

    private func stamp(_ kind: ObjectKind, route: String, head: RequestHead, body: [UInt8]?, quotas: JobQuotas) -> Outcome {
        let schema: GoType
        switch kind {
        case .container: schema = .structure(ContainerCreateBody.wrapper)
        case .volume: schema = .structure(BodySchemas.Volume.createOptions)
        case .network: schema = .structure(BodySchemas.Network.createRequest)
        case .exec, .image: return .answer(status: 403, message: "sockwarden: nothing to stamp on an \(kind.rawValue)")
        }
        guard let body, case .success(let decoded) = GoDecoder.decodeFirstValue(body, as: schema) else {
            return .answer(status: 400, message: "sockwarden: the body of \(route) on a job socket must be JSON the daemon reads")
        }
        var value = decoded.value
        if kind == .network {
            if let refusal = NetworkNames.checkCreate(name: value[field: "Name"]?.stringValue ?? "") {
                return .answer(status: refusal.status, message: refusal.message)
            }
            value = NetworkNames.requiringUniqueName(value)
        }
        if kind == .volume, let refusal = checkVolumeName(value[field: "Name"]?.stringValue ?? "") { return refusal }
        if kind == .container, let refusal = checkStoredTriggers(value[field: "OnBuild"]?.arrayValues?.compactMap(\.stringValue) ?? [], changes: []) {
            return refusal
        }
        if kind == .container, let refusal = OwnerStamp.mountLabelRefusal(value) {
            return .answer(status: refusal.status, message: refusal.message)
        }
        if kind == .container, case let fields = OwnerReferences.oldAPIFields(value), !fields.isEmpty {
            let refusal = OwnerReferences.oldAPIRefusal(fields)
            return .answer(status: refusal.status, message: refusal.message)
        }
        if kind == .container, let image = value[field: "Image"]?.stringValue, ImageNames.readsAsIDPrefix(image) {
            // A short ID: forwarded as the full ID it resolves to now.
            switch resolveShortID(image) {
            case .image(let id, let access) where !access.isForeign:
                guard case .structure(var fields) = value, let i = fields.firstIndex(where: { $0.name == "Image" }) else { break }
                fields[i] = GoFieldValue(fields[i].name, .string(id))
                value = .structure(fields)
            case .image, .missing:
                let missing = ObjectKind.image.notFound(image)
                return .answer(status: missing.status, message: missing.message)
            case .tagName: return shortID(image)
            case .unknown(let why): return unknown(image, why)
            }
        }
        if let refusal = checkReferences(route, value: value) { return refusal }
        if kind == .container {
            // Each container once (the references were checked to be at most `maxReferences`).
            var owned: [String: String?] = [:]
            let ownedContainer = { (reference: String) -> String? in
                if let known = owned[reference] { return known }
                let id = self.ownedID(.container, reference)
                owned[reference] = id
                return id
            }
            // A link names its container by name or ID prefix, looked up again
            // by the daemon: forwarded as the full ID the check found.
            guard let pinned = OwnerReferences.pinningLinks(value, resolve: ownedContainer) else {
                return .answer(status: 400, message: "sockwarden: a link of this container cannot be read as the daemon reads links (name or name:alias)")
            }
            // So is a `container:` namespace: the daemon keeps a name it cannot
            // look up at create, and looks it up again at every restart.
            switch OwnerReferences.pinningNamespaces(pinned, resolve: ownedContainer) {
            case .success(let namespaces): value = namespaces
            case .failure(let unresolved):
                let missing = ObjectKind.container.notFound(unresolved.reference.reference)
                return .answer(status: missing.status, message: missing.message)
            }
        }
        var reservation: QuotaReservation?
        if kind == .container { compactContainerRecords() }
        if kind == .container {
            switch checkQuotas(quotas, change: QuotaChange(container: nil, limits: Self.limits(value[field: "HostConfig"]))) {
            case .failure(let refusal): return refusal.outcome
            case .success(let held): reservation = held
            }
        }
        // A container's create mark (`CreateMarks`): registered when the create is forwarded (`RequestJudge`).
        let mark = kind == .container ? CreateMarks.make() : nil
        switch OwnerStamp.stamp(value, owner: owner, mark: mark) {
        case .failure(let refusal):
            return .answer(status: refusal.status, message: refusal.message)
        case .success(let stamped):
            guard case .success(let bytes) = GoEncoder.encodeChecked(stamped, as: schema) else {
                return .answer(status: 400, message: "sockwarden: the stamped body cannot be re-encoded")
            }
            return .forward(target: head.target, body: bytes, hold: mark.map { CreateHold(mark: $0, reservation: reservation) } ?? reservation)
        }
    }

    /// A container create's or rename's `name` must not read as a full ID
    /// (`ContainerNames`). Go reads the first `name`.
    private func checkContainerName(_ route: String, _ rawQuery: String?) -> Outcome? {
        guard route == "container.create" || route == "container.rename",
              let name = GoQuery.parse(rawQuery)?.first("name"), let refusal = ContainerNames.check(name) else { return nil }
        return .answer(status: refusal.status, message: refusal.message)
    }

    /// The daemon answers a create of a volume name in use with that volume
    /// (labels, mount point), another job's included: such a name is refused.
    private func checkVolumeName(_ name: String) -> Outcome? {
        guard !name.utf8.isEmpty, let info = lookup.inspect(.volume, name),
              !owner.owns(labels: Self.labels(info.member("Labels"))) else { return nil }
        return .answer(status: 409, message: "sockwarden: the volume name \(name) is in use and is not job \(owner.id)'s; volume names are shared by every job on the daemon, so choose another (for example one with the job id in it)")
    }

    struct QuotaRefusal: Error {
        let status: Int
        let message: String
        var outcome: Outcome { .answer(status: status, message: message) }
    }

    /// A container a request adds (create: `container` nil) or gives new
    /// limits (update: its full ID).
    struct QuotaChange {
        var container: String?
        var limits: ResourceLimits
    }

    /// The job's quotas, checked at container create and update against what
    /// the job has on the daemon now plus its requests in flight (`QuotaLedger`).
    func checkQuotas(_ quotas: JobQuotas, change: QuotaChange) -> Result<QuotaReservation?, QuotaRefusal> {
        guard quotas.maxContainers != nil || quotas.maxMemory != nil || quotas.maxNanoCPUs != nil else { return .success(nil) }
        return ledger.serial.withLock { _ in checkQuotasSerially(quotas, change: change) }
    }

    private func checkQuotasSerially(_ quotas: JobQuotas, change: QuotaChange) -> Result<QuotaReservation?, QuotaRefusal> {
        func refuse(_ status: Int, _ message: String) -> Result<QuotaReservation?, QuotaRefusal> {
            .failure(QuotaRefusal(status: status, message: message))
        }
        let memory = change.limits.effectiveMemory
        let nano = change.limits.effectiveNanoCPUs
        if quotas.maxMemory != nil && memory <= 0 {
            return refuse(403, "sockwarden: job \(owner.id) has a memory quota; set --memory on every container")
        }
        if quotas.maxNanoCPUs != nil && nano <= 0 {
            return refuse(403, "sockwarden: job \(owner.id) has a CPU quota; set --cpus on every container")
        }
        // What is in flight is read before the daemon's list: a create
        // answered in between is then counted twice (refusing errs safe),
        // never not at all (its reservation gone, its container not yet
        // listed), which let 4 of 12 concurrent creates through a quota of 3.
        let inFlight = ledger.current
        let filter = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true}}")
        guard case .ok(let list) = lookup.get("/containers/json?all=1&filters=\(filter)") else {
            return refuse(503, "sockwarden: cannot count job \(owner.id)'s containers for its quota")
        }
        let containers = ownContainers(list)
        if change.container == nil, let max = quotas.maxContainers, containers.count + inFlight.containers + 1 > max {
            let pending = inFlight.containers > 0 ? " (and \(inFlight.containers) being created)" : ""
            return refuse(403, "sockwarden: job \(owner.id) already has \(containers.count) containers\(pending), its quota is \(max) ([jobs] max-containers); remove one first")
        }
        var usedMemory: Int64 = 0
        var usedNano: Int64 = 0
        for container in containers where !(container.member("State")?.string ?? "").isOneOf(["exited", "dead"]) {
            // An updated container counts with its new limits, whatever its state.
            guard let id = container.member("Id")?.string, id != change.container, let info = lookup.inspect(.container, id) else { continue }
            let limits = Self.limits(info.member("HostConfig"))
            usedMemory = Self.saturating(usedMemory, limits.effectiveMemory)
            usedNano = Self.saturating(usedNano, limits.effectiveNanoCPUs)
        }
        let totalMemory = Self.saturating(Self.saturating(usedMemory, inFlight.memory), memory)
        let totalNano = Self.saturating(Self.saturating(usedNano, inFlight.nanoCPUs), nano)
        if let max = quotas.maxMemory, totalMemory > max {
            return refuse(403, "sockwarden: job \(owner.id) would use \(totalMemory) bytes of memory, its quota is \(max) ([jobs] max-memory)")
        }
        if let max = quotas.maxNanoCPUs, totalNano > max {
            return refuse(403, "sockwarden: job \(owner.id) would use \(Double(totalNano) / 1e9) CPUs, its quota is \(Double(max) / 1e9) ([jobs] max-cpus)")
        }
        return .success(ledger.reserve(containers: change.container == nil ? 1 : 0, memory: memory, nanoCPUs: nano))
    }

    /// The limits of a HostConfig as the daemon reports it (`Memory`,
    /// `NanoCpus`, `CpuQuota`, `CpuPeriod`).
    static func limits(_ hostConfig: JSONValue?) -> ResourceLimits {
        ResourceLimits(memory: hostConfig?.member("Memory")?.integer ?? 0, nanoCPUs: hostConfig?.member("NanoCpus")?.integer ?? 0,
                       cpuQuota: hostConfig?.member("CpuQuota")?.integer ?? 0, cpuPeriod: hostConfig?.member("CpuPeriod")?.integer ?? 0)
    }

    /// The same, of a decoded HostConfig or update body.
    static func limits(_ value: GoValue?) -> ResourceLimits {
        ResourceLimits(memory: value?[field: "Memory"]?.int64Value ?? 0, nanoCPUs: value?[field: "NanoCpus"]?.int64Value ?? 0,
                       cpuQuota: value?[field: "CpuQuota"]?.int64Value ?? 0, cpuPeriod: value?[field: "CpuPeriod"]?.int64Value ?? 0)
    }

    /// a + b for non-negative limits, Int64.max instead of trapping (values
    /// come from clients and the daemon).
    static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = max(0, a).addingReportingOverflow(max(0, b))
        return overflow ? Int64.max : sum
    }

    /// Every object the body names must be the job's own, and no endpoint
    /// may name a network by `NetworkID`. A named volume
    /// that does not exist yet (the daemon would create it, unlabelled) is
    /// created first with the owner's label; one of another job is refused
    /// with 409, because volume names are per daemon and the daemon would
    /// otherwise mount the other job's data.
    func checkReferences(_ route: String, value: GoValue) -> Outcome? {
        if let refusal = OwnerReferences.checkEndpointNetworkIDs(route: route, body: value) {
            return .answer(status: refusal.status, message: refusal.message)
        }
        guard let references = Self.distinct(OwnerReferences.referenced(route: route, body: value)) else {
            return Self.tooManyReferences
        }
        if let image = references.first(where: { $0.kind == .image && ImageNames.readsAsIDPrefix($0.reference) }) {
            let refusal = ImageNames.shortIDRefusal(image.reference)
            return .answer(status: refusal.status, message: refusal.message)
        }
        for reference in references where ownedID(reference.kind, reference.reference) == nil {
            if reference.kind == .volume {
                let volume = lookup.inspect(.volume, reference.reference)
                if volume == nil, createVolume(reference.reference, labels: reference.volumeLabels) {
                    continue
                }
                if let volume, reusesAnonymousVolume(reference.reference, volume) {
                    containers.reboundVolume(reference.reference, job: owner.id)
                    continue
                }
                return .answer(status: 409, message: "sockwarden: volume \(reference.reference) (\(reference.field)) is not this job's and cannot be created for it; volume names are shared by every job on the daemon, so choose another name")
            }
            let missing = reference.kind.notFound(reference.reference)
            return .answer(status: missing.status, message: missing.message)
        }
        return nil
    }

    /// The most distinct objects one request may name (each is a look-up on
    /// the daemon), as for the policy's look-ups (`LookupMemo`).
    static let maxReferences = 256

    /// Each object a body names, once, in body order (a body can name one a
    /// thousand times, and each was a look-up: one create with 3000 links
    /// made 9000 daemon connections, found 2026-12-02); nil past
    /// `maxReferences` distinct ones.
    static func distinct(_ references: [OwnedReference]) -> [OwnedReference]? {
        var seen = Set<String>()
        var out: [OwnedReference] = []
        for reference in references where seen.insert(reference.kind.rawValue + "\u{0}" + reference.reference).inserted {
            out.append(reference)
            if out.count > maxReferences { return nil }
        }
        return out
    }

    static var tooManyReferences: Outcome {
        .answer(status: 400, message: "sockwarden: the request names more than \(maxReferences) containers, networks, volumes or images, each looked up on the daemon; name fewer")
    }

    /// Whether the volume of this name is an anonymous volume one of the
    /// job's containers mounts (the policy's view of volumes, `JobHostEnvironment`).
    func reusableAnonymousVolume(_ name: String) -> Bool {
        guard OwnerReferences.isFullID(name), let volume = lookup.inspect(.volume, name) else { return false }
        return reusesAnonymousVolume(name, volume)
    }

    /// An anonymous volume one of the job's containers mounts, bound again
    /// by name (docker-compose's recreate; `AnonymousVolumes`).
    private func reusesAnonymousVolume(_ name: String, _ volume: JSONValue) -> Bool {
        guard OwnerReferences.isFullID(name) else { return false }
        let filter = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true}}")
        guard case .ok(let list) = lookup.get("/containers/json?all=1&filters=\(filter)") else { return false }
        return AnonymousVolumes.reusable(name, volume: volume, containers: ownContainers(list))
    }

    /// Creates the named volume a container create would make, with the
    /// labels its mount asks for (`VolumeOptions.Labels`, which
    /// `OwnerStamp.mountLabelRefusal` keeps free of the owner label) and the
    /// owner label last.
    private func createVolume(_ name: String, labels requested: [VolumeLabel]) -> Bool {
        // After the close, the reap may have run already: nothing more is made.
        if closed.withLock({ $0 }) { return false }
        var labels = JSONObjectWriter()
        for label in requested where !label.key.utf8.elementsEqual(JobOwner.labelKey.utf8) {
            labels.field(label.key, label.value)
        }
        labels.field(JobOwner.labelKey, owner.id)
        var body = JSONObjectWriter()
        body.field("Name", name)
        body.raw("Labels", labels.finish())
        let status = lookup.post("/volumes/create", json: body.finish())
        return status == 201 && ownedID(.volume, name) != nil
    }

    /// What a reference names in the job's view (`JobView`).
    enum Resolved {
        /// The full ID (or name, for volumes) of the job's object.
        case owned(String)
        /// Nothing of the job's: answered as the daemon answers a missing object.
        case missing
        /// Several of the job's objects: the daemon's answer for that.
        case ambiguous(TenancyRefusal)
        /// The daemon could not be asked (the text says why).
        case failed(String)
    }

    /// The daemon is asked first; when it finds another's object, or the
    /// reference is a prefix (or name) several objects on the daemon share,
    /// the reference is looked up again among the job's own containers or
    /// networks alone, as the daemon looks it up: nothing the answer says
    /// may depend on what other jobs have.
    func resolve(_ kind: ObjectKind, _ reference: String) -> Resolved {
        guard !reference.isEmpty else { return .missing }
        switch lookup.find(kind, reference) {
        case .notFound: return .missing
        case .failed(let why): return .failed(why)
        case .object(let info):
            if let id = ownedID(kind, reference, info) { return .owned(id) }
        case .ambiguous: break
        }
        let filter = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true}}")
        let found: JobView.Resolution
        switch kind {
        case .container:
            guard case .ok(let list) = lookup.get("/containers/json?all=1&filters=\(filter)") else {
                return .failed("the job's containers could not be listed")
            }
            let own = ownContainers(list).compactMap { item -> (id: String, names: [String])? in
                guard let id = item.member("Id")?.string else { return nil }
                return (id, (item.member("Names")?.array ?? []).compactMap(\.string))
            }
            found = JobView.container(reference, own: own)
        case .network:
            guard case .ok(let list) = lookup.get("/networks?filters=\(filter)") else {
                return .failed("the job's networks could not be listed")
            }
            let own = (list.array ?? []).compactMap { item -> (id: String, name: String)? in
                guard let id = item.member("Id")?.string, owner.owns(labels: Self.labels(item.member("Labels"))) else { return nil }
                return (id, item.member("Name")?.string ?? "")
            }
            found = JobView.network(reference, own: own)
        case .exec, .volume, .image:
            // Looked up by exact ID or name only: another's is not the job's.
            return .missing
        }
        switch found {
        case .one(let id): return .owned(id)
        case .none: return .missing
        case .ambiguous(let refusal): return .ambiguous(refusal)
        }
    }

    /// The object's full ID (or name, for volumes) when the job owns it.
    func ownedID(_ kind: ObjectKind, _ reference: String) -> String? {
        if case .owned(let id) = resolve(kind, reference) { return id }
        return nil
    }

    /// The object's full ID (or name) when the daemon's inspect of it
    /// (`info`) shows it is the job's.
    private func ownedID(_ kind: ObjectKind, _ reference: String, _ info: JSONValue) -> String? {
        switch kind {
        case .exec:
            guard let container = info.member("ContainerID")?.string, ownedID(.container, container) != nil else { return nil }
            return info.member("ID")?.string
        case .container:
            guard let id = info.member("Id")?.string, ownsContainer(id, labels: info.member("Config")?.member("Labels")) else { return nil }
            return id
        case .volume:
            return owner.owns(labels: Self.labels(info.member("Labels"))) ? info.member("Name")?.string : nil
        case .network:
            return owner.owns(labels: Self.labels(info.member("Labels"))) ? info.member("Id")?.string : nil
        case .image:
            return imageOwnership(reference, info) == .foreign ? nil : info.member("Id")?.string
        }
    }

    /// One `before`/`since` value of a container list (`QueryRewrite.containerFilterValue`).
    func filterContainer(_ value: String) -> QueryRewrite.ImageFilterValue {
        // Looked up without the one "/" the daemon's list trims (a path with
        // "//" is redirected by the daemon's router); no name starts with "/".
        let name = value.utf8.first == UInt8(ascii: "/") ? String(decoding: value.utf8.dropFirst(), as: UTF8.self) : value
        let escaped = DaemonLookup.escape(name)
        guard !escaped.isEmpty, escaped != ".", escaped != "..", name.utf8.first != UInt8(ascii: "/") else {
            return .refused(QueryRewrite.containerFilterMissing(value))
        }
        switch lookup.find(.container, name) {
        case .object(let info):
            guard let id = info.member("Id")?.string else {
                return .refused(TenancyRefusal(status: 503, message: "sockwarden: container \(value) could not be looked up (the daemon's answer has no ID)"))
            }
            let owned = ownsContainer(id, labels: info.member("Config")?.member("Labels"))
            return QueryRewrite.containerFilterValue(value, found: .init(id: id, name: info.member("Name")?.string ?? "", owned: owned))
        case .notFound, .ambiguous:
            // Ambiguous: no container has it as its full ID or name (the daemon finds those first),
            // so it names none of the job's; the daemon's message would tell of the others'.
            return QueryRewrite.containerFilterValue(value, found: nil)
        case .failed(let why):
            return .refused(TenancyRefusal(status: 503, message: "sockwarden: container \(value) could not be looked up (\(why))"))
        }
    }

    /// Forgets the recorded IDs of the job's containers that are gone, when
    /// due (`ContainerRecords.compact`).
    func compactContainerRecords() {
        containers.compact(job: owner.id) {
            let filter = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true}}")
            guard case .ok(let list) = lookup.get("/containers/json?all=1&filters=\(filter)") else { return nil }
            return Set((list.array ?? []).compactMap { $0.member("Id")?.string })
        }
    }

    /// Whether a container (its full ID and `Labels`) is the job's: created
    /// on its socket and carrying the owner label (`JobContainers`).
    func ownsContainer(_ id: String, labels: JSONValue?) -> Bool {
        JobContainers.owns(id: id, labels: Self.labels(labels), owner: owner, recorded: containers.ids(of: owner.id))
    }

    /// The job's containers of a container list the daemon scoped by the
    /// owner label.
    func ownContainers(_ list: JSONValue) -> [JSONValue] {
        JobContainers.filter(list.array ?? [], owner: owner, recorded: containers.ids(of: owner.id))
    }

    static func labels(_ value: JSONValue?) -> [(key: String, value: String)] {
        (value?.object ?? []).map { ($0.key, $0.value.string ?? "") }
    }

    static func path(of target: String) -> String {
        String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// The target rebuilt from the route's template: version prefix, every
    /// parameter percent-escaped, then the query as received.
    static func target(_ match: EndpointMatch, parameters: [String: String]) -> String {
        var path = match.route.template
        for (name, value) in parameters {
            path = path.replacingFirst("{\(name)}", with: DaemonLookup.escape(value))
        }
        let version = match.apiVersion.map { "/v\($0)" } ?? ""
        return version + path + (match.rawQuery.map { "?" + $0 } ?? "")
    }
}

/// What a job socket's container create holds while it is forwarded: its
/// create mark (`CreateMarks`) and its quota reservation.
final class CreateHold: Sendable {
    let mark: String
    let reservation: QuotaReservation?

    init(mark: String, reservation: QuotaReservation?) {
        self.mark = mark
        self.reservation = reservation
    }
}

/// A job's quotas (from its policy's `[jobs]` section).
struct JobQuotas: Sendable {
    var maxContainers: Int?
    var maxMemory: Int64?
    var maxNanoCPUs: Int64?
}

extension JSONValue {
    var integer: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }
}

extension String {
    func replacingFirst(_ needle: String, with replacement: String) -> String {
        guard let range = firstRange(of: needle) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}

/// On a non-job socket of a proxy that serves job sockets: does a create,
/// build, import or commit set a label only sockwarden sets, the owner label
/// or the create mark (`CreateMarks`)? (Byte search in the canonical body:
/// the keys are ASCII and the canonical encoding writes them as is; a label
/// value that merely contains the text is refused too, which is harmless.)
/// The mark was accepted here until 2026-12-01: no harm was found from it (a
/// mark counts only for a job socket's own unanswered create, 128 random
/// bits), but the keys events and reaps trust are set by sockwarden alone.
enum OwnerLabelGuard {
    static let reservedKeys = [JobOwner.labelKey, CreateMarks.labelKey]

    /// The reserved key the request sets, or nil.
    static func reservedLabel(route: String, body: [UInt8]?, rawQuery: String?) -> String? {
        reservedKeys.first { sets($0, route: route, body: body, rawQuery: rawQuery) }
    }

    static func sets(_ labelKey: String, route: String, body: [UInt8]?, rawQuery: String?) -> Bool {
        let key = Array("\"\(labelKey)\"".utf8)
        switch route {
        case "container.create", "volume.create", "network.create":
            return contains(body ?? [], key)
        case "build.image":
            // The daemon reads `labels` with Go's decoder: a key escaped in
            // the JSON text (`"io.sockwarden.jo\u0062"`) is the key itself.
            let labels = Array((GoQuery.parse(rawQuery)?.first("labels") ?? "").utf8)
            if contains(labels, key) { return true }
            guard case .success(let json) = JSONParser.parse(labels) else { return false }
            return json.object?.contains { $0.key.utf8.elementsEqual(labelKey.utf8) } ?? false
        case "container.commit":
            return contains(body ?? [], key) || changesMaySet(labelKey, GoQuery.parse(rawQuery)?.all("changes") ?? [])
        case "image.create":
            // An import (no fromImage) applies its changes to the new image.
            guard let query = GoQuery.parse(rawQuery), (query.first("fromImage") ?? "").utf8.isEmpty else { return false }
            return changesMaySet(labelKey, query.all("changes"))
        default:
            return false
        }
    }

    /// Changes that spell a key in pieces or through a variable are caught
    /// by `changesMaySetOwnerLabel` (any LABEL change with `$` or quotes),
    /// whichever key they spell; the mark written out is caught by name.
    private static func changesMaySet(_ labelKey: String, _ changes: [String]) -> Bool {
        if labelKey == JobOwner.labelKey { return ImageNames.changesMaySetOwnerLabel(changes) }
        return changes.contains { contains(Array($0.utf8), Array(labelKey.utf8)) }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        ImageNames.contains(haystack, needle)
    }
}
