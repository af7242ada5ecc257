/// The status of a denial. `docker inspect NAME` (no --type) asks for a
/// container, an image, a network, a volume, a service, a task, a node, a
/// plugin, a secret and a config of that name in turn, moves on after each
/// 404 and stops at any other error. A 403 for one of those lookups (the
/// plugin one under ci.toml) would stand in for the daemon's answer: the
/// CLI printed the denial of plugin inspection for a container name it
/// could not find. A denied lookup of one object by name therefore answers
/// 404, the job's view holding no such object, with the same message (which
/// `docker plugin inspect NAME` prints); every other denial answers 403.
enum DeniedInspect {
    /// The lookups of `docker inspect`'s type detection (docker/cli
    /// cli/command/system/inspect.go).
    static let lookups: Set<String> = [
        "container.inspect", "image.inspect", "network.inspect", "volume.inspect", "service.inspect",
        "task.inspect", "node.inspect", "plugin.inspect", "secret.inspect", "config.inspect",
    ]

    static func status(route: String) -> Int {
        lookups.contains(route) ? 404 : 403
    }
}
