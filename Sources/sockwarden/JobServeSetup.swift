import Glibc
import Policy
import Posix
import Proxy

/// `serve --admin-socket`: the job registry (restored from the state
/// directory) and the admin socket, each serving on its own thread.
struct JobService {
    let registry: JobRegistry
    let admin: AdminServer

    static let flagNames = ["admin-socket", "jobs-dir", "state-dir", "job-policy"]

    static func start(adminPath: String, flags: Flags, configuration: ServerConfiguration, policyPath: String,
                      audit: AuditLog) -> JobService {
        let settings = JobRegistry.Settings(
            jobsDirectory: flags["jobs-dir"] ?? "/run/sockwarden/jobs",
            stateDirectory: flags["state-dir"] ?? "/var/lib/sockwarden/jobs",
            defaultPolicyPath: flags["job-policy"] ?? policyPath,
            base: configuration)
        let registry: JobRegistry
        do {
            registry = try JobRegistry(settings: settings, audit: audit) { path in
                switch loadPolicy(path: path) {
                case .success(let policy): return .loaded(policy)
                case .failure(let error): return .invalid(error.description)
                }
            }
        } catch {
            fail("serve: cannot prepare the job directories: \(error)", code: 1)
        }
        for message in registry.restore() { Files.writeStderr("sockwarden: \(message)\n") }
        let admin = AdminServer(path: adminPath, registry: registry)
        do {
            try admin.bind()
            try spawnDetachedThread { admin.serve() }
            try spawnDetachedThread {
                while true {
                    sleep(1)
                    registry.expire()
                }
            }
        } catch {
            fail("serve: admin socket: \(error)", code: 1)
        }
        Files.writeStderr("sockwarden: admin socket \(adminPath); job sockets in \(settings.jobsDirectory), state in \(settings.stateDirectory)\n")
        return JobService(registry: registry, admin: admin)
    }

    func stop() {
        admin.stop()
        registry.stopListeners()
    }
}
