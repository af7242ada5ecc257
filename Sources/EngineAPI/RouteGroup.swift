/// The coarse family a Docker Engine API route belongs to.
///
/// Groups are a policy convenience (e.g. "deny everything in `swarm`"); the
/// precise identity of a route is its ``Route/name``.
///
/// - `events` holds only `GET /events`.
/// - `session` holds `POST /session` and `POST /grpc` (both hijack the connection
///   and speak HTTP/2 to BuildKit).
/// - Checkpoints and `POST /commit` live in `containers`; `POST /build`,
///   `/build/prune` and `/build/cancel` in `build`.
/// - The CORS pre-flight route `OPTIONS /{anyroute:.*}` lives in `system`.
public enum RouteGroup: String, Sendable, CaseIterable, Hashable {
    case containers, exec, images, build, volumes, networks, system, events, swarm,
         services, nodes, tasks, secrets, configs, plugins, distribution, session
}
