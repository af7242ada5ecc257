// The route table, in the daemon's registration order.
//
// Source: moby `api/server/router/*/*.go` (route tables) and the router list
// in `cmd/dockerd/daemon.go` (`initRouter` in 20.10, `buildRouters` in 28.x),
// checked at tags v20.10.0…v20.10.27 (all identical) and v28.0.0…v28.5.2 (all
// identical). Router order in both: checkpoint, container, image, system,
// volume, build, session, swarm, plugin, distribution, then
//   20.10: grpc, network          (debug routes added by server.createMux)
//   28.x : network, debug, grpc
// grpc and network templates do not overlap, so their relative order cannot
// change any outcome; we list them in 20.10 order.
//
// Differences between the two daemons, both included (union):
// - `POST /containers/{name:.*}/copy` exists in 20.10 only (removed in 28.0,
//   "api: remove POST /containers/{id}/copy endpoint (api < v1.23)"). In 20.10
//   it still copies files out of a container for API versions < 1.24
//   (e.g. "/v1.23/containers/x/copy"), and answers 404 for >= 1.24.
// - `PUT /volumes/{name:.*}` (cluster volume update, API 1.42+) exists in 28.x only.
//
// Registered by the daemon but absent from the v1.41/v1.47/v1.51 references:
// checkpoints (experimental: registered always, the handler answers 501
// unless the daemon runs with --experimental), `POST /containers/{id}/copy`,
// `POST /build/cancel`, `POST /grpc`, `GET /networks/` (explicit
// trailing-slash twin of `GET /networks`), and `OPTIONS /{anyroute:.*}` (CORS
// pre-flight, answers 200 to any path).
// Every path in those references is registered by the daemon; the only
// version-dependent one is `PUT /volumes/{name}` (1.42+, not in 20.10).
//
// Deliberately NOT in the table (so they resolve to `.unknown` and are denied):
// the debug routes `/debug/vars`, `/debug/pprof/`, `/debug/pprof/cmdline`,
// `/debug/pprof/profile`, `/debug/pprof/symbol`, `/debug/pprof/trace`,
// `/debug/pprof/{name}`. NOTE: contrary to a common belief they are NOT
// limited to debug mode: 20.10's `createMux` registers them unconditionally
// (unversioned only, and with no method restriction), 28.x registers them
// unconditionally through the debug router (GET, versioned and unversioned).
//
// The daemon's catch-all `m.HandleFunc("/v{version:[0-9.]+}/{path:.*}",
// notFoundHandler)` and its NotFound/MethodNotAllowed handlers all answer
// 404; they are `.unknown` here.

extension Catalogue {
    /// (method, documented template, daemon mux template, name, group, hijacks)
    private static func r(_ method: String, _ template: String, _ mux: String,
                          _ name: String, _ group: RouteGroup, hijacks: Bool = false) -> Route {
        Route(method: method, template: template, name: name, group: group,
              hijacks: hijacks, muxTemplate: mux)
    }

    static let table: [Route] = [
        // MARK: checkpoint router (registered before the container router "or the
        // DELETE gets masked" by DELETE /containers/{name:.*}).
        r("GET", "/containers/{id}/checkpoints", "/containers/{name:.*}/checkpoints", "container.checkpoint.list", .containers),
        r("POST", "/containers/{id}/checkpoints", "/containers/{name:.*}/checkpoints", "container.checkpoint.create", .containers),
        r("DELETE", "/containers/{id}/checkpoints/{checkpoint}", "/containers/{name}/checkpoints/{checkpoint}", "container.checkpoint.delete", .containers),

        // MARK: container router
        r("HEAD", "/containers/{id}/archive", "/containers/{name:.*}/archive", "container.archive.head", .containers),
        r("GET", "/containers/json", "/containers/json", "container.list", .containers),
        r("GET", "/containers/{id}/export", "/containers/{name:.*}/export", "container.export", .containers),
        r("GET", "/containers/{id}/changes", "/containers/{name:.*}/changes", "container.changes", .containers),
        r("GET", "/containers/{id}/json", "/containers/{name:.*}/json", "container.inspect", .containers),
        r("GET", "/containers/{id}/top", "/containers/{name:.*}/top", "container.top", .containers),
        r("GET", "/containers/{id}/logs", "/containers/{name:.*}/logs", "container.logs", .containers),
        r("GET", "/containers/{id}/stats", "/containers/{name:.*}/stats", "container.stats", .containers),
        r("GET", "/containers/{id}/attach/ws", "/containers/{name:.*}/attach/ws", "container.attach.websocket", .containers, hijacks: true),
        r("GET", "/exec/{id}/json", "/exec/{id:.*}/json", "exec.inspect", .exec),
        r("GET", "/containers/{id}/archive", "/containers/{name:.*}/archive", "container.archive.get", .containers),
        r("POST", "/containers/create", "/containers/create", "container.create", .containers),
        r("POST", "/containers/{id}/kill", "/containers/{name:.*}/kill", "container.kill", .containers),
        r("POST", "/containers/{id}/pause", "/containers/{name:.*}/pause", "container.pause", .containers),
        r("POST", "/containers/{id}/unpause", "/containers/{name:.*}/unpause", "container.unpause", .containers),
        r("POST", "/containers/{id}/restart", "/containers/{name:.*}/restart", "container.restart", .containers),
        r("POST", "/containers/{id}/start", "/containers/{name:.*}/start", "container.start", .containers),
        r("POST", "/containers/{id}/stop", "/containers/{name:.*}/stop", "container.stop", .containers),
        r("POST", "/containers/{id}/wait", "/containers/{name:.*}/wait", "container.wait", .containers),
        r("POST", "/containers/{id}/resize", "/containers/{name:.*}/resize", "container.resize", .containers),
        r("POST", "/containers/{id}/attach", "/containers/{name:.*}/attach", "container.attach", .containers, hijacks: true),
        r("POST", "/containers/{id}/copy", "/containers/{name:.*}/copy", "container.copy", .containers), // 20.10 only
        r("POST", "/containers/{id}/exec", "/containers/{name:.*}/exec", "exec.create", .exec),
        r("POST", "/exec/{id}/start", "/exec/{name:.*}/start", "exec.start", .exec, hijacks: true),
        r("POST", "/exec/{id}/resize", "/exec/{name:.*}/resize", "exec.resize", .exec),
        r("POST", "/containers/{id}/rename", "/containers/{name:.*}/rename", "container.rename", .containers),
        r("POST", "/containers/{id}/update", "/containers/{name:.*}/update", "container.update", .containers),
        r("POST", "/containers/prune", "/containers/prune", "container.prune", .containers),
        r("POST", "/commit", "/commit", "container.commit", .containers),
        r("PUT", "/containers/{id}/archive", "/containers/{name:.*}/archive", "container.archive.put", .containers),
        r("DELETE", "/containers/{id}", "/containers/{name:.*}", "container.delete", .containers),

        // MARK: image router
        r("GET", "/images/json", "/images/json", "image.list", .images),
        r("GET", "/images/search", "/images/search", "image.search", .images),
        r("GET", "/images/get", "/images/get", "image.get.all", .images),
        r("GET", "/images/{name}/get", "/images/{name:.*}/get", "image.get", .images),
        r("GET", "/images/{name}/history", "/images/{name:.*}/history", "image.history", .images),
        r("GET", "/images/{name}/json", "/images/{name:.*}/json", "image.inspect", .images),
        r("POST", "/images/load", "/images/load", "image.load", .images),
        r("POST", "/images/create", "/images/create", "image.create", .images),
        r("POST", "/images/{name}/push", "/images/{name:.*}/push", "image.push", .images),
        r("POST", "/images/{name}/tag", "/images/{name:.*}/tag", "image.tag", .images),
        r("POST", "/images/prune", "/images/prune", "image.prune", .images),
        r("DELETE", "/images/{name}", "/images/{name:.*}", "image.delete", .images),

        // MARK: system router
        r("OPTIONS", "/{anyroute}", "/{anyroute:.*}", "system.options", .system),
        r("GET", "/_ping", "/_ping", "system.ping", .system),
        r("HEAD", "/_ping", "/_ping", "system.ping.head", .system),
        r("GET", "/events", "/events", "system.events", .events),
        r("GET", "/info", "/info", "system.info", .system),
        r("GET", "/version", "/version", "system.version", .system),
        r("GET", "/system/df", "/system/df", "system.df", .system),
        r("POST", "/auth", "/auth", "system.auth", .system),

        // MARK: volume router
        r("GET", "/volumes", "/volumes", "volume.list", .volumes),
        r("GET", "/volumes/{name}", "/volumes/{name:.*}", "volume.inspect", .volumes),
        r("POST", "/volumes/create", "/volumes/create", "volume.create", .volumes),
        r("POST", "/volumes/prune", "/volumes/prune", "volume.prune", .volumes),
        r("PUT", "/volumes/{name}", "/volumes/{name:.*}", "volume.update", .volumes), // 28.x only (API 1.42+)
        r("DELETE", "/volumes/{name}", "/volumes/{name:.*}", "volume.delete", .volumes),

        // MARK: build router
        r("POST", "/build", "/build", "build.image", .build),
        r("POST", "/build/prune", "/build/prune", "build.prune", .build),
        r("POST", "/build/cancel", "/build/cancel", "build.cancel", .build),

        // MARK: session router
        r("POST", "/session", "/session", "session.start", .session, hijacks: true),

        // MARK: swarm router
        r("POST", "/swarm/init", "/swarm/init", "swarm.init", .swarm),
        r("POST", "/swarm/join", "/swarm/join", "swarm.join", .swarm),
        r("POST", "/swarm/leave", "/swarm/leave", "swarm.leave", .swarm),
        r("GET", "/swarm", "/swarm", "swarm.inspect", .swarm),
        r("GET", "/swarm/unlockkey", "/swarm/unlockkey", "swarm.unlockkey", .swarm),
        r("POST", "/swarm/update", "/swarm/update", "swarm.update", .swarm),
        r("POST", "/swarm/unlock", "/swarm/unlock", "swarm.unlock", .swarm),

        r("GET", "/services", "/services", "service.list", .services),
        r("GET", "/services/{id}", "/services/{id}", "service.inspect", .services),
        r("POST", "/services/create", "/services/create", "service.create", .services),
        r("POST", "/services/{id}/update", "/services/{id}/update", "service.update", .services),
        r("DELETE", "/services/{id}", "/services/{id}", "service.delete", .services),
        r("GET", "/services/{id}/logs", "/services/{id}/logs", "service.logs", .services),

        r("GET", "/nodes", "/nodes", "node.list", .nodes),
        r("GET", "/nodes/{id}", "/nodes/{id}", "node.inspect", .nodes),
        r("DELETE", "/nodes/{id}", "/nodes/{id}", "node.delete", .nodes),
        r("POST", "/nodes/{id}/update", "/nodes/{id}/update", "node.update", .nodes),

        r("GET", "/tasks", "/tasks", "task.list", .tasks),
        r("GET", "/tasks/{id}", "/tasks/{id}", "task.inspect", .tasks),
        r("GET", "/tasks/{id}/logs", "/tasks/{id}/logs", "task.logs", .tasks),

        r("GET", "/secrets", "/secrets", "secret.list", .secrets),
        r("POST", "/secrets/create", "/secrets/create", "secret.create", .secrets),
        r("DELETE", "/secrets/{id}", "/secrets/{id}", "secret.delete", .secrets),
        r("GET", "/secrets/{id}", "/secrets/{id}", "secret.inspect", .secrets),
        r("POST", "/secrets/{id}/update", "/secrets/{id}/update", "secret.update", .secrets),

        r("GET", "/configs", "/configs", "config.list", .configs),
        r("POST", "/configs/create", "/configs/create", "config.create", .configs),
        r("DELETE", "/configs/{id}", "/configs/{id}", "config.delete", .configs),
        r("GET", "/configs/{id}", "/configs/{id}", "config.inspect", .configs),
        r("POST", "/configs/{id}/update", "/configs/{id}/update", "config.update", .configs),

        // MARK: plugin router
        r("GET", "/plugins", "/plugins", "plugin.list", .plugins),
        r("GET", "/plugins/{name}/json", "/plugins/{name:.*}/json", "plugin.inspect", .plugins),
        r("GET", "/plugins/privileges", "/plugins/privileges", "plugin.privileges", .plugins),
        r("DELETE", "/plugins/{name}", "/plugins/{name:.*}", "plugin.delete", .plugins),
        r("POST", "/plugins/{name}/enable", "/plugins/{name:.*}/enable", "plugin.enable", .plugins),
        r("POST", "/plugins/{name}/disable", "/plugins/{name:.*}/disable", "plugin.disable", .plugins),
        r("POST", "/plugins/pull", "/plugins/pull", "plugin.pull", .plugins),
        r("POST", "/plugins/{name}/push", "/plugins/{name:.*}/push", "plugin.push", .plugins),
        r("POST", "/plugins/{name}/upgrade", "/plugins/{name:.*}/upgrade", "plugin.upgrade", .plugins),
        r("POST", "/plugins/{name}/set", "/plugins/{name:.*}/set", "plugin.set", .plugins),
        r("POST", "/plugins/create", "/plugins/create", "plugin.create", .plugins),

        // MARK: distribution router
        r("GET", "/distribution/{name}/json", "/distribution/{name:.*}/json", "distribution.inspect", .distribution),

        // MARK: grpc router (BuildKit over h2c; hijacks the connection)
        r("POST", "/grpc", "/grpc", "session.grpc", .session, hijacks: true),

        // MARK: network router
        r("GET", "/networks", "/networks", "network.list", .networks),
        r("GET", "/networks/", "/networks/", "network.list.slash", .networks),
        r("GET", "/networks/{id}", "/networks/{id:.+}", "network.inspect", .networks),
        r("POST", "/networks/create", "/networks/create", "network.create", .networks),
        r("POST", "/networks/{id}/connect", "/networks/{id:.*}/connect", "network.connect", .networks),
        r("POST", "/networks/{id}/disconnect", "/networks/{id:.*}/disconnect", "network.disconnect", .networks),
        r("POST", "/networks/prune", "/networks/prune", "network.prune", .networks),
        r("DELETE", "/networks/{id}", "/networks/{id:.*}", "network.delete", .networks),
    ]
}
