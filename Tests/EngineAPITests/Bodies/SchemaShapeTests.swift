@testable import EngineAPI
import GoJSON
import Testing

@Suite("Body schemas: shape")
struct SchemaShapeTests {
    static let routes = BodySchemas.all.compactMap { spec -> String? in
        if case .json = spec.kind { return spec.route }
        return nil
    }

    @Test("every body route of the brief has a spec",
          arguments: ["container.create", "container.start", "container.update", "container.commit",
                      "exec.create", "volume.create", "network.create", "network.connect",
                      "swarm.init", "swarm.join", "swarm.update", "service.create", "service.update",
                      "plugin.set", "plugin.pull", "plugin.upgrade", "plugin.create", "build.image"])
    func specExists(_ route: String) {
        #expect(BodySchemas.spec(forRoute: route) != nil)
        #expect(Catalogue.routes.contains { $0.name == route }, "\(route) is not a catalogue route name")
    }

    @Test("no two fields of a flattened struct share a name, even case-folded (so none cancels)",
          arguments: routes)
    func uniqueNames(_ route: String) throws {
        let type = try #require(bodySchema(for: route))
        for s in reachableStructs(type) {
            var seen: [String: String] = [:]
            for f in s.fields {
                if let other = seen[asciiFolded(f.name)] {
                    Issue.record("\(s.name): \(f.name) collides with \(other)")
                }
                seen[asciiFolded(f.name)] = f.name
            }
        }
    }

    @Test("field names are ASCII (GoJSON refuses to fold non-ASCII names)", arguments: routes)
    func asciiNames(_ route: String) throws {
        let type = try #require(bodySchema(for: route))
        for s in reachableStructs(type) {
            for f in s.fields { #expect(f.name.utf8.allSatisfy { $0 < 0x80 }, "\(s.name).\(f.name)") }
        }
    }

    @Test("the create wrapper's top level: Config, HostConfig/Cpuset/NetworkingConfig, and 20.10's embedded HostConfig")
    func wrapperTopLevel() {
        let w = ContainerCreateBody.wrapper
        let names = Set(w.fields.map(\.name))
        for f in BodySchemas.Container.config.fields {
            #expect(bodyField(w, f.name)?.goPath == "Config.\(f.name)")
        }
        #expect(bodyField(w, "HostConfig")?.goPath == nil)
        #expect(bodyField(w, "Cpuset")?.goPath == nil)
        #expect(bodyField(w, "NetworkingConfig")?.goPath == nil)
        for f in BodySchemas.Container.hostConfig20_10.fields {
            #expect(names.contains(f.name), "top-level \(f.name)")
        }
        // Annotations appeared after 20.10 and 28.x embeds no HostConfig: never top-level.
        #expect(!names.contains("Annotations"))
        #expect(bodyField(w, "Privileged")?.goPath == "HostConfig.Privileged")
        #expect(bodyField(w, "CpuShares")?.goPath == "HostConfig.Resources.CPUShares")
        #expect(bodyField(w, "Dns")?.goPath == "HostConfig.DNS")
        #expect(ContainerCreateBody.topLevelHostConfigKeys.isDisjoint(with: ContainerCreateBody.configKeys))
        #expect(w.fields.count == BodySchemas.Container.config.fields.count + 3
                + BodySchemas.Container.hostConfig20_10.fields.count)
    }

    @Test("HostConfig keeps the Go JSON names and the union's extra fields")
    func hostConfigNames() {
        let hc = BodySchemas.Container.hostConfig
        for name in ["Dns", "DnsOptions", "DnsSearch", "CpuShares", "NanoCpus", "CpuPeriod", "CpuQuota",
                     "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpuCount", "CpuPercent", "Annotations",
                     "ConsoleSize", "Init", "Mounts", "KernelMemory", "KernelMemoryTCP", "PidsLimit"] {
            #expect(bodyField(hc, name) != nil, "\(name)")
        }
        #expect(bodyField(hc, "DNS") == nil)
        #expect(bodyField(hc, "CPUShares") == nil)
    }

    @Test("StrSlice is used exactly where Docker uses it")
    func strSliceFields() {
        func isStrSlice(_ t: GoType?) -> Bool {
            if case .custom(let c)? = t { return c.name == "strslice.StrSlice" }
            return false
        }
        let cfg = BodySchemas.Container.config
        for name in ["Cmd", "Entrypoint", "Shell"] { #expect(isStrSlice(bodyField(cfg, name)?.type), "\(name)") }
        for name in ["CapAdd", "CapDrop"] {
            #expect(isStrSlice(bodyField(BodySchemas.Container.hostConfig, name)?.type), "\(name)")
        }
        #expect(!isStrSlice(bodyField(BodySchemas.Exec.options, "Cmd")?.type))
        #expect(!isStrSlice(bodyField(BodySchemas.Swarm.containerSpec, "Command")?.type))
        #expect(!isStrSlice(bodyField(BodySchemas.Swarm.containerSpec, "CapabilityAdd")?.type))
    }

    @Test("non-JSON bodies are declared as such")
    func nonJSON() throws {
        for route in ["plugin.create", "build.image"] {
            let spec = try #require(BodySchemas.spec(forRoute: route))
            if case .json = spec.kind { Issue.record("\(route) is not JSON") }
            #expect(spec.v20_10 == nil && spec.v28 == nil)
        }
        #expect(try #require(BodySchemas.spec(forRoute: "container.start")).v28 == nil)
    }
}

@Suite("Body schemas: real client bodies fit (no decoder involved)")
struct CapturedBodyFitTests {
    /// Keys real clients send that the daemon does not know (and ignores).
    static let knownIgnored: Set<String> = [
        "$.Container", // Python SDK exec_create sends the container id in the body
    ]

    @Test("every key of a captured body reaches a field of the right kind", arguments: CapturedBodies.all)
    func fits(_ row: CapturedBody) throws {
        let type = try #require(bodySchema(for: row.route))
        let problems = schemaProblems(bodyJSON(row.body), type)
            .filter { p in !Self.knownIgnored.contains { p.hasPrefix($0 + ":") } }
        #expect(problems.isEmpty, "\(problems)")
    }
}
