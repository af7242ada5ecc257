import Glibc
import GoJSON
import Policy
import Posix
import Tenancy

/// The open jobs of one `sockwarden serve`: a listening socket each, scoped
/// to the job's owner label, with the job's policy. Jobs are persisted as one
/// JSON file each in the state directory, so they survive a restart of
/// `serve` (their sockets are re-created at the same paths). Closing a job
/// (explicitly, or when its TTL runs out) removes its socket and reaps
/// everything it owns on the daemon.
public final class JobRegistry: @unchecked Sendable {
    public struct Settings: Sendable {
        public var jobsDirectory: String
        public var stateDirectory: String
        public var defaultPolicyPath: String
        /// The main listener's configuration; a job socket copies its limits.
        public var base: ServerConfiguration
        /// Seconds after a close at which the closed job's label is reaped
        /// again (`--reap-after-close`; `LateReaps`).
        public var reapAfterClose: [Int]
        /// Where `job open --policy` may take a policy from (`--job-policies`,
        /// `JobPolicyPlace`); nil: the default job policy's directory.
        public var jobPoliciesDirectory: String?

        public init(jobsDirectory: String, stateDirectory: String, defaultPolicyPath: String, base: ServerConfiguration,
                    reapAfterClose: [Int] = LateReaps.standard, jobPoliciesDirectory: String? = nil) {
            self.jobPoliciesDirectory = jobPoliciesDirectory
            self.jobsDirectory = jobsDirectory
            self.stateDirectory = stateDirectory
            self.defaultPolicyPath = defaultPolicyPath
            self.base = base
            self.reapAfterClose = reapAfterClose
        }
    }

    public struct JobInfo: Sendable {
        public let id: String
        public let socket: String
        public let policy: String
        public let labels: [(key: String, value: String)]
        public let openedAt: Int
        /// Seconds since the epoch when the job closes by itself, or nil.
        public let expiresAt: Int?
        /// The process or container the job lives as long as, or nil.
        public var watch: JobWatch? = nil
        /// The group given the socket (`job open --socket-group`), kept across restarts.
        public var socketGroup: UInt32? = nil
        /// The socket's file, kept so that a restart removes only that one.
        public var socketNode: NodeIdentity? = nil
    }

    struct Job {
        let info: JobInfo
        let server: Server
        /// Persisted in the state directory (not a static listener's job).
        let persisted: Bool
    }

    public struct JobError: Error, CustomStringConvertible {
        public let status: Int
        public let description: String
    }

    let settings: Settings
    let audit: AuditLog
    let loadPolicy: @Sendable (String) -> PolicyLoad
    private let jobs = Locked([String: Job]())
    /// Tags jobs put on shared images; persisted with each job's state.
    let claims = ImageClaims()
    /// The containers each job's socket created; persisted with its state.
    let containers = ContainerRecords()
    /// Held while a job's state is written again or removed at its close.
    private let persisting = Locked(())
    /// What each job's image seal is derived from (`ImageSealKey`).
    let sealKey: ImageSealKey
    /// Each job's policy file as it was when last loaded, and a change seen
    /// once but not yet settled (`pollPolicies`).
    private let policyFiles = Locked([String: (loaded: PolicyWatcher.FileIdentity?, pending: PolicyWatcher.FileIdentity??)]())
    /// Ids being opened or closed, so two requests for one id cannot race.
    private let busy = Locked(Set<String>())
    /// Closed jobs whose label is reaped again a while after the close.
    private let lateReaps: Locked<LateReaps>

    /// How a policy file loads: the CLI's loader, which reports errors as
    /// `file:line:column: message`.
    public enum PolicyLoad: Sendable {
        /// The policy and the digest of the bytes it was parsed from (read once).
        case loaded(Policy, digest: String)
        case invalid(String)
    }

    /// What a close removed.
    public struct ReapSummary: Sendable {
        public let removed: [String]
        public let failed: [String]
    }

    public init(settings: Settings, audit: AuditLog, loadPolicy: @escaping @Sendable (String) -> PolicyLoad) throws(SystemError) {
        self.settings = settings
        self.audit = audit
        self.loadPolicy = loadPolicy
        lateReaps = Locked(LateReaps(schedule: settings.reapAfterClose))
        try Files.makeDirectory(settings.jobsDirectory, mode: 0o700)
        try Files.makeDirectory(settings.stateDirectory, mode: 0o700)
        try Self.checkPrivate(settings.jobsDirectory, what: "--jobs-dir", othersMayEnter: false)
        try Self.checkPrivate(settings.stateDirectory, what: "--state-dir", othersMayEnter: true)
        sealKey = try ImageSealKey.load(directory: settings.stateDirectory)
        claims.onChange = { [weak self] id in self?.persistClaims(of: id) }
        containers.onChange = { [weak self] id in self?.persistClaims(of: id) }
    }

    /// Writes a job's state again with its current image claims and containers.
    /// One write at a time, each of what is recorded when it starts: two
    /// creates answered together would otherwise race, and the older list
    /// could be written last.
    private func persistClaims(of id: String) {
        persisting.withLock { _ in persistClaimsSerially(of: id) }
    }

    private func persistClaimsSerially(of id: String) {
        guard let job = jobs.withLock({ $0[id] }) else { return }
        guard job.persisted else {
            // A static listener's job has no state file; its containers are kept beside.
            do {
                // The image IDs (`sha256:…`) and rebound volumes (`volume:…`) in the same list: a container ID never starts so.
                let volumes = Set(containers.reboundVolumes(of: id).map { Self.staticVolumePrefix + $0 })
                try Files.writeAtomically(staticContainersPath(id), bytes: JobState.encode(containers: containers.ids(of: id)
                    .union(containers.imageIDs(of: id)).union(volumes)) + [10])
            } catch {
                report("sockwarden: cannot persist the containers of static job \(id): \(error)")
            }
            return
        }
        do {
            try Files.writeAtomically(statePath(id), bytes: JobState.encode(job.info, images: claims.entries(of: id), containers: containers.ids(of: id),
                                                                         madeImages: containers.imageIDs(of: id),
                                                                         reboundVolumes: containers.reboundVolumes(of: id)) + [10])
        } catch {
            report("sockwarden: cannot persist the image tags and containers of job \(id): \(error)")
        }
    }

    public func open(id: String, policyPath: String?, labels: [(key: String, value: String)], ttlSeconds: Int?,
                     now: Int = Int(time(nil)), persist: Bool = true,
                     socket: String? = nil, mode: UInt32? = nil, group: UInt32? = nil,
                     watch: JobWatch? = nil, replacing node: NodeIdentity? = nil) -> Result<JobInfo, JobError> {
        guard let owner = sealKey.owner(id) else {
            return .failure(JobError(status: 400, description: "job id \"\(id)\" must be 1-128 of A-Z a-z 0-9 _ . - starting with a letter or digit"))
        }
        guard claim(id) else { return .failure(JobError(status: 409, description: "job \(id) is being opened or closed")) }
        defer { release(id) }
        if jobs.withLock({ $0[id] != nil }) {
            return .failure(JobError(status: 409, description: "job \(id) is already open; close it first"))
        }
        // The label is the new job's from now on: no late reap of an earlier job of this id.
        lateReaps.withLock { $0.cancel(id) }
        let path = policyPath ?? settings.defaultPolicyPath
        let identity = PolicyWatcher.identity(path)
        let policy: Policy
        let digest: String
        switch loadPolicy(path) {
        case .loaded(let p, let d): policy = p; digest = d
        case .invalid(let message): return .failure(JobError(status: 400, description: "the job's policy is invalid:\n\(message)"))
        }
        if policy.bodyRules.trustBodies {
            return .failure(JobError(status: 400, description: "policy \(path) sets trust-bodies = true; a job socket must judge bodies (use policies/ci.toml or a policy like it)"))
        }
        var configuration = settings.base
        configuration.listenPath = socket ?? settings.jobsDirectory + "/" + id + ".sock"
        // The socket is reachable only where the runner bind-mounts it: the
        // directory is 0700, the socket itself 0666 so any uid in the job's
        // container can use it. A static job's socket elsewhere says its own.
        configuration.socketMode = mode ?? (socket == nil ? 0o666 : 0o660)
        configuration.socketGroup = group
        configuration.replacesSocket = node
        var binding = JobBinding(owner: owner, socketPath: configuration.listenPath, jobsDirectory: settings.jobsDirectory, labels: labels)
        binding.claims = claims
        binding.containers = containers
        let server = Server(configuration: configuration, policy: policy, audit: audit, job: binding)
        server.context.install(policy, digest: digest)
        do {
            try server.bind()
        } catch {
            return .failure(JobError(status: 500, description: "cannot create the job's socket: \(error)"))
        }
        var info = JobInfo(id: id, socket: configuration.listenPath, policy: path, labels: labels, openedAt: now,
                           expiresAt: ttlSeconds.map { now + $0 })
        info.watch = watch
        info.socketGroup = group
        info.socketNode = server.socketNode
        if persist {
            do {
                try Files.writeAtomically(statePath(id), bytes: JobState.encode(info, images: claims.entries(of: id), containers: containers.ids(of: id),
                                                                     madeImages: containers.imageIDs(of: id),
                                                                     reboundVolumes: containers.reboundVolumes(of: id)) + [10])
            } catch {
                server.stop()
                return .failure(JobError(status: 500, description: "cannot persist the job: \(error)"))
            }
        }
        let persisted = persist || access(statePath(id), F_OK) == 0
        if !persisted, let bytes = try? Files.read(staticContainersPath(id)) {
            let ids = JobState.decode(containers: bytes)
            let volumes = ids.filter { $0.utf8.starts(with: Self.staticVolumePrefix.utf8) }
            containers.restore(ids.filter { !JobImages.isImageID($0) && !$0.utf8.starts(with: Self.staticVolumePrefix.utf8) }, job: id)
            containers.restoreImages(ids.filter(JobImages.isImageID), job: id)
            containers.restoreRebound(volumes.map { String($0.utf8.dropFirst(Self.staticVolumePrefix.utf8.count))! }, job: id)
        }
        jobs.withLock { $0[id] = Job(info: info, server: server, persisted: persisted) }
        policyFiles.withLock { $0[id] = (identity, nil) }
        do {
            try spawnDetachedThread(name: "sw-job-accept") { server.serve() }
        } catch {
            server.stop()
            jobs.withLock { _ = $0.removeValue(forKey: id) }
            return .failure(JobError(status: 500, description: "cannot start the job's listener: \(error)"))
        }
        record(owner: owner, target: "/jobs/\(id)", method: "OPEN", rule: "job-open",
               reason: "job \(id) opened on \(info.socket) with policy \(path)\(ttlSeconds.map { ", ttl \($0) s" } ?? "")\(watch.map { ", as long as \($0.description)" } ?? "")", status: 201)
        return .success(info)
    }

    /// Removes the job's socket, then reaps what it owns.
    public func close(id: String, why: String = "closed") -> Result<ReapSummary, JobError> {
        guard let owner = sealKey.owner(id) else { return .failure(JobError(status: 404, description: "no job \(id)")) }
        guard claim(id) else { return .failure(JobError(status: 409, description: "job \(id) is being opened or closed")) }
        defer { release(id) }
        policyFiles.withLock { _ = $0.removeValue(forKey: id) }
        guard let job = jobs.withLock({ $0.removeValue(forKey: id) }) else {
            return .failure(JobError(status: 404, description: "no open job \(id); `sockwarden job list` shows the open ones"))
        }
        // No request in the job's name after this, and none still on its way.
        let cutInFlight = job.server.closeJob(within: Self.closeGraceSeconds)
        let images = job.server.context.policyInForce.policy.bodyRules.jobReapImages
        // The job's containers: those its socket recorded, and those of its
        // creates not answered with an ID (cut by the close, say), by their
        // marks. Not every container with its label: the runner's, made from
        // the job's image, carry it too.
        let made = (ids: containers.ids(of: id), marks: containers.marks(of: id))
        // Its images likewise: those its socket made, not every one with its label and seal.
        let madeImages = containers.imageIDs(of: id)
        let rebound = containers.reboundVolumes(of: id)
        var report = reap(owner, images: images, containers: made, madeImages: madeImages, reboundVolumes: rebound)
        if cutInFlight {
            // A request cut at the daemon may still create something: once more.
            usleep(500_000)
            let again = reap(owner, images: images, containers: made, madeImages: madeImages, reboundVolumes: rebound)
            report.removed += again.removed
            report.failed += again.failed
            report.kept += again.kept.filter { k in !report.kept.contains { $0.id == k.id } }
        }
        // Under `persisting`: a write begun before the close would bring the state back.
        persisting.withLock { _ in
            unlink(statePath(id))
            unlink(staticContainersPath(id))
        }
        containers.release(job: id)
        // An import or commit cut at the close may still end in an image with the job's label.
        lateReaps.withLock { $0.closed(id, images: images, at: Self.monotonicSeconds(), containers: made.ids, marks: made.marks, madeImages: madeImages) }
        record(owner: owner, target: "/jobs/\(id)", method: "CLOSE", rule: "job-close",
               reason: "job \(id) \(why): removed \(report.removed.count), failed \(report.failed.count)"
                   + (report.kept.isEmpty ? "" : ", kept \(report.kept.count) tag\(report.kept.count == 1 ? "" : "s") whose removal would take a shared image's digest references along (\(report.kept.map(\.id).joined(separator: ", ")))"), status: report.failed.isEmpty ? 200 : 500)
        return .success(ReapSummary(removed: report.removed.map { "\($0.kind) \($0.id)" },
                                    failed: report.failed.map { "\($0.kind) \($0.id) (status \($0.status))" }))
    }

    /// How long `close` lets requests at the daemon finish before it shuts
    /// their connections down and reaps.
    static let closeGraceSeconds = 5

    /// Called every second by `serve`: the closed jobs whose late reap is
    /// due (`LateReaps`) are reaped again, unless their id is open again.
    /// Each reap that removes or fails something is recorded as
    /// `job-late-reap`.
    public func reapLate(now: Int = JobRegistry.monotonicSeconds()) {
        let due = lateReaps.withLock { $0.due(at: now, available: { self.claim($0) }) }
        for entry in due {
            defer { release(entry.id) }
            // With its seal: its images are reaped by label, seal and recorded ID (`JobImages`).
            guard let owner = sealKey.owner(entry.id), jobs.withLock({ $0[entry.id] == nil }) else { continue }
            // The claims were released at the close: a late reap leaves them alone.
            let report = reap(owner, images: entry.images, withClaims: false, containers: (entry.containers, entry.marks),
                             madeImages: entry.madeImages)
            guard !report.removed.isEmpty || !report.failed.isEmpty else { continue }
            record(owner: owner, target: "/jobs/\(entry.id)", method: "REAP", rule: "job-late-reap",
                   reason: "job \(entry.id), closed \(now - entry.closedAt) s ago: removed \(report.removed.count), failed \(report.failed.count) (a request cut at the close ended after its reaps)",
                   status: report.failed.isEmpty ? 200 : 500)
        }
    }

    public static func monotonicSeconds() -> Int { Int(monotonicNanoseconds() / 1_000_000_000) }

    /// `withClaims`: also untag (and forget) the tags the job claimed.
    /// `containers`: the job's (`JobContainers.reaps`): the IDs its socket
    /// recorded, and the marks of its creates not answered with one.
    /// `madeImages`: the image IDs its socket recorded (`JobImages`).
    /// `reboundVolumes`: the anonymous volumes its socket let a create bind again by name.
    func reap(_ owner: JobOwner, images: Bool = true, withClaims: Bool = true,
              containers: (ids: Set<String>, marks: Set<String>), madeImages: Set<String>,
              reboundVolumes: Set<String> = []) -> JobReaper.Report {
        var reaper = JobReaper(owner: owner, lookup: DaemonLookup(upstreamPath: settings.base.upstreamPath),
                               claims: withClaims ? claims : nil, removeImages: images)
        reaper.containers = containers.ids
        reaper.marks = containers.marks
        reaper.images = madeImages
        reaper.reboundVolumes = reboundVolumes
        return reaper.reap { removal in
            let path = "/\(removal.kind)s/\(removal.id)"
            record(owner: owner, target: path, method: "DELETE", rule: "job-reap",
                   reason: "reaped \(removal.kind) \(removal.id) of job \(owner.id)", status: removal.status)
        }
    }

    public func list() -> [JobInfo] {
        jobs.withLock { $0.values.map(\.info) }.sorted { $0.id < $1.id }
    }

    /// How a rebound volume is named in a static listener's job's list of IDs.
    static let staticVolumePrefix = "volume:"

    /// Re-creates the sockets of the jobs persisted by an earlier `serve`;
    /// jobs whose TTL ran out meanwhile are closed and reaped.
    public func restore(now: Int = Int(time(nil))) -> [String] {
        var messages: [String] = []
        for name in Files.list(settings.stateDirectory) where name.hasSuffix(".json") {
            let id = String(name.dropLast(5))
            guard let bytes = try? Files.read(statePath(id)), let state = JobState.decode(bytes), state.id == id else {
                messages.append("job state \(name) is unreadable; left as it is")
                continue
            }
            claims.restore(state.images, imageIDs: state.imageIDs, job: id)
            containers.restore(state.containers, job: id)
            containers.restoreImages(state.madeImages, job: id)
            containers.restoreRebound(state.reboundVolumes, job: id)
            let gone = state.watch.map { $0.liveness(lookup) == .gone } ?? false
            if state.expiresAt.map({ $0 <= now }) ?? false || gone {
                // The socket first: nobody may reach the job while it is reaped.
                // Only the socket serve made (a path re-pointed since leads elsewhere).
                _ = UnixSocket.removeStale(path: state.socket, ifStill: state.socketNode)
                var images = true
                if case .loaded(let policy, _) = loadPolicy(state.policy) { images = policy.bodyRules.jobReapImages }
                // The containers recorded in its state (the marks of creates in flight are not kept).
                if let owner = sealKey.owner(id) {
                    _ = reap(owner, images: images, containers: (containers.ids(of: id), []), madeImages: containers.imageIDs(of: id),
                             reboundVolumes: containers.reboundVolumes(of: id))
                }
                unlink(statePath(id))
                containers.release(job: id)
                messages.append(gone ? "job \(id): its \(state.watch!.description) is gone: reaped"
                                     : "job \(id) expired while sockwarden was down: reaped")
                continue
            }
            switch open(id: id, policyPath: state.policy, labels: state.labels, ttlSeconds: state.expiresAt.map { $0 - now },
                        now: now, persist: false, socket: state.socket, group: state.socketGroup, watch: state.watch,
                        replacing: state.socketNode) {
            case .success:
                // Its state now names the socket made at this start (the next restart replaces only that one).
                persistClaims(of: id)
                messages.append("job \(id) restored on \(state.socket)")
            case .failure(let error): messages.append("job \(id) could not be restored: \(error)")
            }
        }
        return messages
    }

    /// Closes jobs whose TTL has run out, and jobs whose watched process or
    /// container is gone (containers are asked about every `containerEvery`
    /// calls). Called every second by `serve`.
    public func expire(now: Int = Int(time(nil))) {
        let expired = jobs.withLock { $0.values.filter { ($0.info.expiresAt ?? Int.max) <= now }.map(\.info.id) }
        for id in expired { _ = close(id: id, why: "expired (ttl)") }
        let round = watchRounds.withLock { r -> Int in r += 1; return r }
        for info in jobs.withLock({ $0.values.map(\.info) }) {
            guard let watch = info.watch else { continue }
            if case .container = watch, round % Self.containerEvery != 0 { continue }
            if watch.liveness(lookup) == .gone { _ = close(id: info.id, why: "closed: its \(watch.description) is gone") }
        }
    }

    static let containerEvery = 5
    private let watchRounds = Locked(0)
    private var lookup: DaemonLookup { DaemonLookup(upstreamPath: settings.base.upstreamPath) }

    /// A container's full ID on the daemon, for `watch`.
    public func containerID(_ reference: String) -> String? {
        guard let info = lookup.inspect(.container, reference), let id = info.member("Id")?.string else { return nil }
        return id
    }

    /// Called every second: a job whose policy file changed (and then stayed
    /// the same for one more look, so a write in progress is not read
    /// half-way) gets it reloaded. Returns the failures, as `reloadPolicies`.
    public func pollPolicies() -> [String] {
        var changed: [String] = []
        for job in jobs.withLock({ Array($0.values) }) {
            let now = PolicyWatcher.identity(job.info.policy)
            policyFiles.withLock { files in
                guard let seen = files[job.info.id] else { return }
                if now == seen.loaded {
                    files[job.info.id]?.pending = nil
                } else if let pending = seen.pending, pending == now {
                    files[job.info.id] = (now, nil)
                    changed.append(job.info.id)
                } else {
                    files[job.info.id]?.pending = .some(now)
                }
            }
        }
        return changed.isEmpty ? [] : reloadPolicies(only: Set(changed))
    }

    /// SIGHUP: every open job's policy file is read again; a valid one is
    /// swapped in, an invalid one leaves the old in force and is reported.
    /// Returns one line per job whose policy could not be reloaded.
    public func reloadPolicies(only ids: Set<String>? = nil) -> [String] {
        var failures: [String] = []
        for job in jobs.withLock({ Array($0.values) }) where ids?.contains(job.info.id) ?? true {
            if ids == nil { policyFiles.withLock { $0[job.info.id] = (PolicyWatcher.identity(job.info.policy), nil) } }
            switch loadPolicy(job.info.policy) {
            case .loaded(let policy, let digest):
                if policy.bodyRules.trustBodies {
                    failures.append("job \(job.info.id): \(job.info.policy) now sets trust-bodies = true; the old policy stays in force")
                    continue
                }
                job.server.context.install(policy, digest: digest)
            case .invalid(let message):
                failures.append("job \(job.info.id): the policy is invalid, the old one stays in force:\n\(message)")
            }
        }
        return failures
    }

    /// On shutdown: stop listening, keep the state (jobs come back on start).
    public func stopListeners() {
        for job in jobs.withLock({ Array($0.values) }) { job.server.stop() }
    }

    private func statePath(_ id: String) -> String { settings.stateDirectory + "/" + id + ".json" }
    /// The containers of a static listener's job (`--listeners`), which has
    /// no state file (not `.json`: `restore` reads those as jobs).
    /// An existing directory is used as it is, so it is checked: one another
    /// user can write lets them plant a job's state (the socket and policy a
    /// restart restores) or replace a socket, and a jobs directory others
    /// can enter lets every local user connect to every job's socket (0666,
    /// for the job's containers). Found 2026-12-02 (a red team).
    static func checkPrivate(_ path: String, what: String, othersMayEnter: Bool) throws(SystemError) {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw SystemError.last("lstat \(path)") }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw SystemError("\(what) \(path) is not a directory (a symlink is not followed)", code: ENOTDIR)
        }
        if st.st_uid != 0 && st.st_uid != geteuid() {
            throw SystemError("\(what) \(path) is owned by uid \(st.st_uid); make it root's (chown root \(path))", code: EPERM)
        }
        if st.st_mode & 0o022 != 0 {
            throw SystemError("\(what) \(path) is writable by its group or every user; chmod go-w \(path)", code: EPERM)
        }
        if !othersMayEnter && st.st_mode & 0o001 != 0 {
            throw SystemError("\(what) \(path) can be entered by every user, who could then connect to every job's socket; chmod o-rwx \(path)", code: EPERM)
        }
    }

    private func staticContainersPath(_ id: String) -> String { settings.stateDirectory + "/" + id + ".containers" }

    private func claim(_ id: String) -> Bool { busy.withLock { $0.insert(id).inserted } }
    private func release(_ id: String) { busy.withLock { _ = $0.remove(id) } }

    private func record(owner: JobOwner, target: String, method: String, rule: String, reason: String, status: Int) {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        let record = AuditRecord(connection: 0, request: ServerContext.nextRequestID(), peer: nil, method: method, target: target, route: nil, group: "jobs",
                                 apiVersion: nil, decision: "allow", rule: rule, reason: reason, policy: "job:\(owner.id)",
                                 status: status, startedAt: (Int(t.tv_sec), Int(t.tv_nsec)))
        audit.write(record)
    }
}

/// The persisted form of a job: one small JSON object.
enum JobState {
    struct Decoded {
        let id: String
        let socket: String
        let policy: String
        let labels: [(key: String, value: String)]
        let expiresAt: Int?
        let watch: JobWatch?
        /// Tags the job put on shared images (normalised names).
        let images: [String]
        /// The image each was put on (its full ID), by name.
        let imageIDs: [String: String]
        /// The full IDs of the containers the job's socket created.
        let containers: [String]
        /// The full IDs of the images it made (`JobImages`); none in the
        /// state of a job opened before sockwarden recorded them.
        let madeImages: [String]
        /// The anonymous volumes its socket let a create bind again by name.
        var reboundVolumes: [String] = []
        var socketGroup: UInt32? = nil
        var socketNode: NodeIdentity? = nil
    }

    static func encode(_ info: JobRegistry.JobInfo, images: [(name: String, imageID: String?)] = [], containers: Set<String> = [],
                       madeImages: Set<String> = [], reboundVolumes: Set<String> = []) -> [UInt8] {
        var labels = JSONObjectWriter()
        for label in info.labels { labels.field(label.key, label.value) }
        var w = JSONObjectWriter()
        w.field("id", info.id)
        w.field("socket", info.socket)
        w.field("policy", info.policy)
        w.raw("labels", labels.finish())
        w.field("opened_at", UInt64(max(0, info.openedAt)))
        w.field("expires_at", info.expiresAt.map { UInt64(max(0, $0)) })
        switch info.watch {
        case .process(let pid, let start)?:
            w.field("watch_pid", Int(pid))
            w.field("watch_pid_start", start)
        case .container(let id)?:
            w.field("watch_container", id)
        case nil: break
        }
        if let group = info.socketGroup { w.field("socket_group", Int(group)) }
        if let node = info.socketNode { w.field("socket_node", node.text) }
        if !images.isEmpty {
            var list: [UInt8] = [UInt8(ascii: "[")]
            var ids = JSONObjectWriter()
            for (i, claim) in images.enumerated() {
                if i > 0 { list.append(UInt8(ascii: ",")) }
                JSONObjectWriter.appendString(claim.name, to: &list)
                if let id = claim.imageID { ids.field(claim.name, id) }
            }
            list.append(UInt8(ascii: "]"))
            w.raw("images", list)
            w.raw("image_ids", ids.finish())
        }
        if !containers.isEmpty { w.raw("container_ids", encode(containers: containers)) }
        if !madeImages.isEmpty { w.raw("made_image_ids", encode(containers: madeImages)) }
        if !reboundVolumes.isEmpty { w.raw("rebound_volumes", encode(containers: reboundVolumes)) }
        return w.finish()
    }

    /// Container IDs as a JSON array, sorted.
    static func encode(containers: Set<String>) -> [UInt8] {
        var list: [UInt8] = [UInt8(ascii: "[")]
        for (i, id) in containers.sorted().enumerated() {
            if i > 0 { list.append(UInt8(ascii: ",")) }
            JSONObjectWriter.appendString(id, to: &list)
        }
        list.append(UInt8(ascii: "]"))
        return list
    }

    /// The IDs of `encode(containers:)` (none when unreadable).
    static func decode(containers bytes: [UInt8]) -> [String] {
        guard case .success(let json) = JSONParser.parse(bytes) else { return [] }
        return (json.array ?? []).compactMap(\.string)
    }

    static func decode(_ bytes: [UInt8]) -> Decoded? {
        guard case .success(let json) = JSONParser.parse(bytes) else { return nil }
        guard let id = json.member("id")?.string, let socket = json.member("socket")?.string,
              let policy = json.member("policy")?.string else { return nil }
        let labels = (json.member("labels")?.object ?? []).map { ($0.key, $0.value.string ?? "") }
        var expiry: Int?
        if case .number(let text)? = json.member("expires_at") { expiry = Int(text) }
        let images = (json.member("images")?.array ?? []).compactMap(\.string)
        var imageIDs: [String: String] = [:]
        for entry in json.member("image_ids")?.object ?? [] { if let id = entry.value.string { imageIDs[entry.key] = id } }
        let containers = (json.member("container_ids")?.array ?? []).compactMap(\.string)
        let madeImages = (json.member("made_image_ids")?.array ?? []).compactMap(\.string).filter(JobImages.isImageID)
        var watch: JobWatch?
        if case .number(let p)? = json.member("watch_pid"), let pid = Int32(p),
           case .number(let t)? = json.member("watch_pid_start"), let start = UInt64(t) {
            watch = .process(pid: pid, startTime: start)
        } else if let container = json.member("watch_container")?.string {
            watch = .container(id: container)
        }
        var decoded = Decoded(id: id, socket: socket, policy: policy, labels: labels, expiresAt: expiry, watch: watch, images: images,
                              imageIDs: imageIDs, containers: containers, madeImages: madeImages)
        decoded.reboundVolumes = (json.member("rebound_volumes")?.array ?? []).compactMap(\.string)
        if case .number(let text)? = json.member("socket_group") { decoded.socketGroup = UInt32(text) }
        decoded.socketNode = json.member("socket_node")?.string.flatMap(NodeIdentity.init(text:))
        return decoded
    }
}
