@testable import EngineAPI
import Testing

@Suite("Route table")
struct CatalogueTableTests {
    @Test("the table holds the union of Docker 20.10 and 28.x routes")
    func routeCount() {
        #expect(Catalogue.routes.count == 115)
    }

    @Test("route names are unique")
    func uniqueNames() {
        let names = Catalogue.routes.map(\.name)
        #expect(Set(names).count == names.count)
    }

    @Test("(method, template) pairs are unique")
    func uniqueMethodTemplates() {
        let keys = Catalogue.routes.map { "\($0.method) \($0.template)" }
        #expect(Set(keys).count == keys.count)
    }

    @Test("(method, mux template) pairs are unique, as in the daemon")
    func uniqueMethodMuxTemplates() {
        let keys = Catalogue.routes.map { "\($0.method) \($0.muxTemplate)" }
        #expect(Set(keys).count == keys.count)
    }

    @Test("every route resolves from its own template, versioned and not",
          arguments: Catalogue.compiled.map { RouteArg(compiled: $0) })
    func resolvesFromOwnTemplate(_ arg: RouteArg) {
        let compiled = arg.compiled
        let (path, parameters) = samplePath(for: compiled)
        for (prefix, version) in [("", String?.none), ("/v1.41", "1.41"), ("/v1.51", "1.51")] {
            let result = Catalogue.resolve(method: compiled.route.method, target: prefix + path + "?x=1")
            guard case .matched(let match) = result else {
                Issue.record("\(compiled.route.method) \(prefix + path): \(result)")
                continue
            }
            #expect(match.route == compiled.route)
            #expect(match.parameters == parameters)
            #expect(match.apiVersion == version)
            #expect(match.path == path)
            #expect(match.rawQuery == "x=1")
        }
    }

    @Test("route(named:) finds every route and nothing else")
    func lookupByName() {
        for route in Catalogue.routes {
            #expect(Catalogue.route(named: route.name) == route)
        }
        #expect(Catalogue.route(named: "container.nope") == nil)
        #expect(Catalogue.route(named: "") == nil)
    }

    @Test("documented templates name the same number of variables as the daemon's")
    func templatesAgree() {
        for compiled in Catalogue.compiled {
            #expect(compiled.parameterNames.count == compiled.pattern.variableNames.count, "\(compiled.route.name)")
        }
    }

    @Test("only attach, exec start, session and grpc hijack the connection")
    func hijackingRoutes() {
        let hijacking = Set(Catalogue.routes.filter(\.hijacks).map(\.name))
        #expect(hijacking == ["container.attach", "container.attach.websocket", "exec.start",
                              "session.start", "session.grpc"])
    }

    @Test("groups: events holds only GET /events, session holds /session and /grpc")
    func specialGroups() {
        #expect(Catalogue.routes.filter { $0.group == .events }.map(\.name) == ["system.events"])
        #expect(Set(Catalogue.routes.filter { $0.group == .session }.map(\.template)) == ["/session", "/grpc"])
        #expect(Set(Catalogue.routes.filter { $0.group == .build }.map(\.name)) == ["build.image", "build.prune", "build.cancel"])
        for group in RouteGroup.allCases {
            #expect(Catalogue.routes.contains { $0.group == group }, "empty group \(group)")
        }
    }

    @Test("names use the documented vocabulary",
          arguments: [
            ("POST", "/containers/{id}/exec", "exec.create"),
            ("POST", "/exec/{id}/start", "exec.start"),
            ("POST", "/images/{name}/push", "image.push"),
            ("GET", "/_ping", "system.ping"),
            ("HEAD", "/_ping", "system.ping.head"),
            ("POST", "/containers/{id}/attach", "container.attach"),
            ("GET", "/containers/{id}/attach/ws", "container.attach.websocket"),
            ("POST", "/build", "build.image"),
            ("POST", "/build/prune", "build.prune"),
            ("POST", "/build/cancel", "build.cancel"),
            ("POST", "/swarm/init", "swarm.init"),
            ("POST", "/services/create", "service.create"),
            ("POST", "/plugins/pull", "plugin.pull"),
            ("POST", "/session", "session.start"),
            ("POST", "/grpc", "session.grpc"),
            ("GET", "/images/get", "image.get.all"),
            ("GET", "/images/{name}/get", "image.get"),
            ("POST", "/commit", "container.commit"),
            ("GET", "/events", "system.events"),
            ("DELETE", "/containers/{id}/checkpoints/{checkpoint}", "container.checkpoint.delete"),
            ("HEAD", "/containers/{id}/archive", "container.archive.head"),
          ])
    func names(_ method: String, _ template: String, _ name: String) {
        let route = Catalogue.route(named: name)
        #expect(route?.method == method)
        #expect(route?.template == template)
    }

    @Test("checkpoint routes are registered before the container router")
    func checkpointOrder() throws {
        let names = Catalogue.routes.map(\.name)
        let checkpointDelete = try #require(names.firstIndex(of: "container.checkpoint.delete"))
        let containerDelete = try #require(names.firstIndex(of: "container.delete"))
        #expect(checkpointDelete < containerDelete)
    }
}

/// Wraps a compiled route so each test case is named after the route.
struct RouteArg: Sendable, CustomTestStringConvertible {
    let compiled: Catalogue.CompiledRoute
    var testDescription: String { "\(compiled.route.method) \(compiled.route.template) (\(compiled.route.name))" }
}
