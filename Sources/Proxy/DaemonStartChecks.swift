import Policy
import Posix

/// What `serve` asks the daemon once at start, off the serving threads,
/// to warn the operator about what the policy cannot enforce on it
/// (`CgroupV1Notice`). A daemon that does not answer is not waited for.
public enum DaemonStartChecks {
    public static func start(upstreamPath: String, policy: Policy) {
        try? spawnDetachedThread(name: "sw-daemon-check") {
            guard case .ok(let info) = DaemonLookup(upstreamPath: upstreamPath).get("/info") else { return }
            if let text = CgroupV1Notice.warning(cgroupVersion: info.member("CgroupVersion")?.string,
                                                 bodyRules: policy.bodyRules, policyName: policy.name) {
                report(text)
            }
        }
    }
}
