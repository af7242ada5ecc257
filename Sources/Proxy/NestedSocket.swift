import Glibc
import Tenancy
import EngineAPI
import GoJSON
import Policy

/// A job container that bind-mounts the Docker socket (or any job socket)
/// gets its own job's socket instead: Testcontainers' Ryuk, or a CI image
/// that calls docker itself, then works under the job's policy and
/// ownership instead of being refused or escaping.
struct NestedSocket: Sendable {
    /// The job's own socket, as the daemon will mount it.
    let ownSocket: String
    let jobsDirectory: String
    let host: HostFileSystem

    /// The create body with every bind of a daemon socket pointed at the
    /// job's socket, and the sources it replaced (for the audit record);
    /// nil when there is none (forward as judged).
    func substitute(_ body: [UInt8]) -> (body: [UInt8], replaced: [String])? {
        let schema = GoType.structure(ContainerCreateBody.wrapper)
        guard case .success(let decoded) = GoDecoder.decodeFirstValue(body, as: schema),
              case .structure(var fields) = decoded.value,
              let h = fields.firstIndex(where: { $0.name == "HostConfig" }),
              case .pointer(.structure(var hostFields)) = fields[h].value else { return nil }
        var replaced: [String] = []
        if let b = hostFields.firstIndex(where: { $0.name == "Binds" }), case .slice(let binds) = hostFields[b].value {
            let rewritten = binds.map { bind -> GoValue in
                guard case .string(let raw) = bind, let colon = raw.utf8.firstIndex(of: UInt8(ascii: ":")) else { return bind }
                let source = String(raw[..<colon])
                guard isDaemonSocket(source) else { return bind }
                replaced.append(source)
                return .string(ownSocket + String(raw[colon...]))
            }
            hostFields[b] = GoFieldValue("Binds", .slice(rewritten))
        }
        if let m = hostFields.firstIndex(where: { $0.name == "Mounts" }), case .slice(let mounts) = hostFields[m].value {
            let rewritten = mounts.map { mount -> GoValue in
                guard case .structure(var mf) = mount,
                      mf.contains(where: { $0.name == "Type" && $0.value == .string("bind") }),
                      let s = mf.firstIndex(where: { $0.name == "Source" }), case .string(let source) = mf[s].value,
                      isDaemonSocket(source) else { return mount }
                replaced.append(source)
                mf[s] = GoFieldValue("Source", .string(ownSocket))
                return .structure(mf)
            }
            hostFields[m] = GoFieldValue("Mounts", .slice(rewritten))
        }
        guard !replaced.isEmpty else { return nil }
        fields[h] = GoFieldValue("HostConfig", .pointer(.structure(hostFields)))
        guard case .success(let bytes) = GoEncoder.encodeChecked(.structure(fields), as: schema) else { return nil }
        return (bytes, replaced)
    }

    /// A socket file that is a protected daemon socket (by path or inode) or
    /// a job socket.
    func isDaemonSocket(_ path: String) -> Bool {
        guard path.bytesHavePrefix("/") else { return false }
        let real = HostFileSystem.realPath(path) ?? path
        var st = stat()
        guard stat(real, &st) == 0, (st.st_mode & S_IFMT) == S_IFSOCK else { return false }
        if real.bytesHavePrefix(jobsDirectory + "/") { return true }  // bytes: paths are bytes, not Characters
        return host.resolve(hostPath: path).exposesDaemon
    }
}

/// The host as a job socket's policy sees it: the job's own socket is
/// granted, and the daemon's objects are the job's own (`JobScope.resolve`).
/// The policy judges a request before the job scope does, by the objects it
/// names: another job's container (an exec's, a start's, a `VolumesFrom`
/// source), network or volume is one it does not see, as if it did not
/// exist, so neither the policy's refusal ("is a container a job may not
/// create: HostConfig.Privileged") nor its look-up's failure ("Multiple IDs
/// found with provided prefix") tells the job about it. An object the job
/// owns is looked up by its full ID; the job scope still refuses another's.
struct JobHostEnvironment: HostEnvironment {
    let base: HostFileSystem
    let ownSocket: String
    let scope: JobScope

    func resolve(hostPath: String) -> ResolvedHostPath { base.resolve(hostPath: hostPath) }

    func container(_ reference: String) -> ContainerLookup {
        switch scope.resolve(.container, reference) {
        case .owned(let id): return base.container(id)
        case .missing: return .notFound
        case .ambiguous(let refusal): return .unavailable("the daemon answered \(refusal.status): \(refusal.message)")
        case .failed(let why): return .unavailable(why)
        }
    }

    /// Another job's volume is judged as one the request would create: the
    /// job scope refuses it (409) whatever the policy says.
    func volume(_ name: String) -> VolumeLookup {
        switch scope.resolve(.volume, name) {
        case .owned(let found): return base.volume(found)
        case .missing, .ambiguous: return scope.reusableAnonymousVolume(name) ? base.volume(name) : .notFound
        case .failed(let why): return .unavailable(why)
        }
    }

    /// The predefined networks are every job's (`OwnerReferences.predefinedNetworks`).
    func network(_ reference: String) -> NetworkLookup {
        if !NetworkNames.isUserNetwork(reference) { return base.network(reference) }
        switch scope.resolve(.network, reference) {
        case .owned(let id): return base.network(id)
        case .missing: return .notFound
        case .ambiguous(let refusal): return .unavailable("the daemon answered \(refusal.status): \(refusal.message)")
        case .failed(let why): return .unavailable(why)
        }
    }

    func targetContainer(_ reference: TargetReference) -> TargetContainerLookup {
        let kind: ObjectKind
        let name: String
        switch reference {
        case .container(let r): (kind, name) = (.container, r)
        case .exec(let r): (kind, name) = (.exec, r)
        }
        switch scope.resolve(kind, name) {
        case .owned(let id): return base.targetContainer(kind == .exec ? .exec(id) : .container(id))
        case .missing: return .notFound
        case .ambiguous(let refusal): return .unavailable("the daemon answered \(refusal.status): \(refusal.message)")
        case .failed(let why): return .unavailable(why)
        }
    }

    func grantsSocket(_ path: String) -> Bool { path.utf8.elementsEqual(ownSocket.utf8) }
    func namesThisHost(_ name: String) -> Bool { base.namesThisHost(name) }
}
