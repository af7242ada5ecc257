/// What `serve` tells the operator at start when the daemon runs cgroup v1.
///
/// There dockerd gives a container created without a cgroup namespace mode
/// its `default-cgroupns-mode`, which is `host` unless the daemon is run
/// with `--default-cgroupns-mode=private`; and for a request below API 1.41
/// it makes an empty mode `host` whatever that default is
/// (`postContainersCreate`). `host-namespaces` judges the mode as written,
/// so a policy that refuses `--cgroupns host` cannot refuse either: the
/// fix is the daemon's flag and `[api] min-version = "1.41"`.
public enum CgroupV1Notice {
    /// The warning, or nil when there is nothing to say: the daemon is not
    /// cgroup v1 (or did not say), bodies are trusted, or the policy allows
    /// the host's cgroup namespace anyway.
    public static func warning(cgroupVersion: String?, bodyRules: BodyRules, policyName: String) -> String? {
        guard cgroupVersion == "1", !bodyRules.trustBodies, !bodyRules.hostNamespaces.contains(.cgroupns) else { return nil }
        let oldAPI = bodyRules.minAPIVersion < APIVersion(1, 41)
        return "sockwarden: warning: the daemon runs cgroup v1: a container created without --cgroupns gets the host's "
            + "cgroup namespace unless dockerd runs with --default-cgroupns-mode=private"
            + (oldAPI ? ", and a request below API 1.41 gets it even then" : "")
            + "; policy \(policyName) refuses --cgroupns host but cannot refuse that. "
            + "Run dockerd with --default-cgroupns-mode=private"
            + (oldAPI ? " and set [api] min-version = \"1.41\" in the policy" : "")
            + " (SECURITY.md, \"The cgroup namespace on a cgroup v1 host\")"
    }
}
