import GoJSON

/// Reads a request the way the daemon will, for judging: the facts it asks
/// for and the canonical body to forward in place of the original, so that
/// the daemon acts on exactly what was judged.
public enum RequestInterpreter {
    /// Routes whose JSON body can reach the host: read whole and judged.
    public static let judgedBodies: Set<String> = [
        "container.create", "container.update", "container.start", "container.commit", "exec.create", "system.auth",
        "volume.create", "network.create", "network.connect", "service.create", "service.update",
        "swarm.init", "swarm.join", "swarm.update", "plugin.pull", "plugin.upgrade", "plugin.set",
    ]
    /// Routes judged on their query alone (the body streams through).
    public static let judgedQueries: Set<String> = [
        "build.image", "image.create", "image.tag", "image.load", "image.push", "image.search", "distribution.inspect",
        "plugin.push", "container.top",
    ]
    /// Routes whose body or query can reach the host and that sockwarden
    /// cannot judge: denied whenever bodies are judged, even if allowed.
    /// A plugin created from a tar declares its privileges inside the tar;
    /// BuildKit sessions are gRPC streams; checkpoints (a daemon run with
    /// `--experimental`) take a host directory from the client (`dir`,
    /// `CheckpointDir`), which the daemon creates, lists and removes.
    public static let unjudgeable: Set<String> = [
        "plugin.create", "session.start", "session.grpc",
        "container.checkpoint.list", "container.checkpoint.create", "container.checkpoint.delete",
    ]

    public struct Interpretation: Sendable {
        public let facts: RequestFacts
        /// nil: forward the body as received (none was read).
        public let canonicalBody: [UInt8]?
        /// The decoded body and its schema, when one was decoded.
        public let value: GoValue?
        public let schema: GoType?

        init(facts: RequestFacts, canonicalBody: [UInt8]?, value: GoValue? = nil, schema: GoType? = nil) {
            self.facts = facts
            self.canonicalBody = canonicalBody
            self.value = value
            self.schema = schema
        }
    }

    public struct Refusal: Error, Sendable, Equatable {
        public let message: String

        public init(message: String) {
            self.message = message
        }
    }

    public static func interpret(route: Route, parameters: [String: String] = [:], rawQuery: String?, body: [UInt8]?,
                                 contentType: String?) -> Result<Interpretation, Refusal> {
        switch route.name {
        case "build.image":
            return buildQuery(rawQuery).map { Interpretation(facts: $0, canonicalBody: nil) }
        case "image.create":
            // fromSrc="-" imports the body; any other value is a URL the daemon fetches.
            guard let query = GoQuery.parse(rawQuery) else {
                return .failure(Refusal(message: "the query string is malformed (the daemon would refuse it)"))
            }
            var facts = RequestFacts()
            if let image = query.first("fromImage"), !image.utf8.isEmpty {
                facts.add(.registry(RegistryHost.of(reference: image)), "fromImage", image)
            }
            if let source = query.first("fromSrc"), !source.utf8.isEmpty, !source.bytesEqual("-") {
                facts.add(.remoteContext, "fromSrc", source)
            }
            if (query.first("fromImage") ?? "").utf8.isEmpty, let repo = query.first("repo"), !repo.utf8.isEmpty {
                facts.add(.imageName(imageName(query)), "repo", imageName(query))
            }
            if (query.first("fromImage") ?? "").utf8.isEmpty {
                switch changeFacts(query) {
                case .success(let changes): facts = RequestFacts(facts.asks + changes.asks)
                case .failure(let refusal): return .failure(refusal)
                }
            }
            return .success(Interpretation(facts: facts, canonicalBody: nil))
        case "image.tag":
            guard let query = GoQuery.parse(rawQuery) else {
                return .failure(Refusal(message: "the query string is malformed (the daemon would refuse it)"))
            }
            var facts = RequestFacts()
            facts.add(.imageName(imageName(query)), "repo", imageName(query))
            return .success(Interpretation(facts: facts, canonicalBody: nil))
        case "image.load":
            return .success(Interpretation(facts: RequestFacts([Ask(.imageLoad, field: "body", value: "(image archive)")]), canonicalBody: nil))
        case "plugin.push":
            // dockerd pushes to the registry of the plugin's stored name,
            // which the {name} of the path may name by an ID prefix.
            let name = parameters["name"] ?? ""
            let ask = PluginFacts.mayBeID(name)
                ? Ask(.unjudged("a plugin push by ID (the registry is that of the plugin's name; push it by name)"), field: "name", value: name)
                : Ask(.registry(RegistryHost.of(reference: name)), field: "name", value: name)
            return .success(Interpretation(facts: RequestFacts([ask]), canonicalBody: nil))
        case "image.push", "distribution.inspect":
            // The {name} of the path, a reference the daemon contacts the registry of.
            let name = parameters["name"] ?? ""
            return .success(Interpretation(facts: RequestFacts([Ask(.registry(RegistryHost.of(reference: name)), field: "name", value: name)]),
                                           canonicalBody: nil))
        case "image.search":
            guard let query = GoQuery.parse(rawQuery) else {
                return .failure(Refusal(message: "the query string is malformed (the daemon would refuse it)"))
            }
            let term = query.first("term") ?? ""
            guard let host = RegistryHost.of(searchTerm: term) else {
                return .failure(Refusal(message: "the search term \"\(term)\" names a registry sockwarden does not read as the daemon does; give the registry's host[:port]"))
            }
            return .success(Interpretation(facts: RequestFacts([Ask(.registry(host), field: "term", value: term)]),
                                           canonicalBody: nil))
        case "container.top":
            // dockerd runs the host's ps with these options, and without the
            // container's pids when ps refuses them (see PSArgs).
            guard let query = GoQuery.parse(rawQuery) else {
                return .failure(Refusal(message: "the query string is malformed (the daemon would refuse it)"))
            }
            if let reason = PSArgs.refusal(query.first("ps_args") ?? "") {
                return .failure(Refusal(message: "ps_args: \(reason); dockerd runs ps on the host and keeps a row only by the word it reads as the pid, so such options list the host's processes (docker top CONTAINER with no options, aux, -ef or -o pid,… are read safely)"))
            }
            return .success(Interpretation(facts: RequestFacts(), canonicalBody: nil))
        case "container.commit" where body.map(isBlank) ?? true:
            // The daemon ignores an empty body (io.EOF) and commits with the
            // container's own config.
            return commitQuery(rawQuery).map { Interpretation(facts: $0, canonicalBody: body) }
        case "container.start":
            // A HostConfig body on start is the pre-1.24 API form (20.10 reads
            // it only below 1.24 and refuses it otherwise; 28.x refuses it).
            if let body, !isBlank(body) {
                return .failure(Refusal(message: "a HostConfig body on container start is the pre-1.24 API form; set HostConfig at create instead"))
            }
            if let refusal = checkpointRefusal(rawQuery) { return .failure(refusal) }
            return .success(Interpretation(facts: RequestFacts(), canonicalBody: body))
        default:
            break
        }
        guard let body else { return .failure(Refusal(message: "the body was not read")) }
        guard isJSON(contentType) else {
            return .failure(Refusal(message: "Content-Type \(contentType.map { "\"\($0)\"" } ?? "(none)") must be application/json"))
        }
        let schema: GoType
        switch route.name {
        case "container.create": schema = .structure(ContainerCreateBody.wrapper)
        case "container.update": schema = .structure(BodySchemas.Container.updateConfig)
        case "exec.create": schema = .structure(BodySchemas.Exec.options)
        case "volume.create": schema = .structure(BodySchemas.Volume.createOptions)
        case "network.create": schema = .structure(BodySchemas.Network.createRequest)
        case "network.connect": schema = .structure(BodySchemas.Network.connectOptions)
        case "container.commit": schema = .structure(ContainerCreateBody.wrapper)
        case "service.create", "service.update": schema = .structure(BodySchemas.Swarm.serviceSpec)
        case "swarm.init": schema = .structure(BodySchemas.Swarm.initRequest)
        case "swarm.join": schema = .structure(BodySchemas.Swarm.joinRequest)
        case "swarm.update": schema = .structure(BodySchemas.Swarm.spec)
        case "plugin.pull", "plugin.upgrade": schema = BodySchemas.Plugin.privileges
        case "plugin.set": schema = BodySchemas.Plugin.setArgs
        case "system.auth": schema = .pointer(.structure(BodySchemas.Registry.authConfig))
        default: return .failure(Refusal(message: "sockwarden cannot judge the body of \(route.name)"))
        }
        let value: GoValue
        let encoded: Result<[UInt8], GoDecodeError>
        switch GoDecoder.decodeFirstValueAndCanonical(body, as: schema) {
        case .success(let decoded): (value, encoded) = decoded
        case .failure(let error) where error.code == .tooDeep:
            return .failure(Refusal(message: "the body nests JSON more deeply than sockwarden reads to judge it (\(error)); Docker clients never send such bodies"))
        case .failure(let error): return .failure(Refusal(message: "the body is not JSON the daemon would accept: \(error)"))
        }
        var facts: RequestFacts
        switch route.name {
        case "container.create":
            // A container's OnBuild is committed with it (a commit without a
            // body takes the container's config): judged as stored triggers.
            switch (containerCreateFacts(value), onBuildFacts(value)) {
            case (.success(let f), .success(let triggers)): facts = triggers.asks.isEmpty ? f : RequestFacts(f.asks + triggers.asks)
            case (.failure(let refusal), _), (_, .failure(let refusal)): return .failure(refusal)
            }
        case "container.commit":
            switch (commitQuery(rawQuery), onBuildFacts(value)) {
            case (.success(let f), .success(let triggers)): facts = RequestFacts(f.asks + triggers.asks)
            case (.failure(let refusal), _), (_, .failure(let refusal)): return .failure(refusal)
            }
        case "service.create": facts = ServiceFacts.extract(value)
        case "service.update":
            guard let query = GoQuery.parse(rawQuery) else {
                return .failure(Refusal(message: "the query string is malformed (the daemon would refuse it)"))
            }
            facts = ServiceFacts.extract(value)
            if let rollback = query.first("rollback"), !rollback.utf8.isEmpty {
                facts.add(.unjudged("a rollback to the previous spec, which this request does not carry"), "rollback", rollback)
            }
        case "swarm.init": facts = SwarmFacts.initRequest(value)
        case "swarm.join": facts = SwarmFacts.joinRequest(value)
        case "swarm.update": facts = SwarmFacts.update(value)
        case "plugin.pull", "plugin.upgrade":
            facts = PluginFacts.privileges(value)
            guard let query = GoQuery.parse(rawQuery) else {
                return .failure(Refusal(message: "the query string is malformed (the daemon would refuse it)"))
            }
            let remote = query.first("remote") ?? ""
            facts.add(.registry(RegistryHost.of(reference: remote)), "remote", remote)
        case "system.auth":
            let address = value.at("serveraddress")?.text ?? ""
            guard let host = RegistryHost.of(loginAddress: address) else {
                return .failure(Refusal(message: "the serveraddress \"\(address)\" is not a registry address sockwarden reads as the daemon does; give the registry's host[:port]"))
            }
            facts = RequestFacts([Ask(.registry(host), field: "serveraddress", value: address)])
        case "plugin.set": facts = PluginFacts.settings(value)
        case "container.update": facts = ContainerFacts.updateFacts(value)
        case "exec.create": facts = ContainerFacts.execFacts(value)
        case "network.create": facts = NetworkFacts.create(value)
        case "network.connect": facts = NetworkFacts.connect(value, network: parameters["id"] ?? "")
        default: facts = VolumeFacts.extract(value)
        }
        switch encoded {
        case .success(let canonical): return .success(Interpretation(facts: facts, canonicalBody: canonical, value: value, schema: schema))
        case .failure(let error): return .failure(Refusal(message: "the body cannot be re-encoded exactly: \(error)"))
        }
    }

    /// The old-API form (HostConfig fields at the top level of the body) is
    /// read by 20.10 and ignored by 28.x: refused, never guessed.
    static func containerCreateFacts(_ value: GoValue) -> Result<RequestFacts, Refusal> {
        guard case .structure(let fields) = value else { return .failure(Refusal(message: "the body is not a JSON object")) }
        if fields.contains(where: { ContainerCreateBody.isOldAPITopLevelKey($0.name) }) {
            let topLevel = fields.map(\.name).filter { ContainerCreateBody.topLevelHostConfigKeys.contains($0) || $0 == "Cpuset" }
            return .failure(Refusal(message: "HostConfig fields at the top level of the body (\(topLevel.joined(separator: ", "))) are an old API form that daemons read differently; put them under \"HostConfig\""))
        }
        let hostConfig = value.at("HostConfig")
        let endpoints = value.at("NetworkingConfig")?.at("EndpointsConfig")?.entries ?? []
        return .success(ContainerFacts.extract(config: value, hostConfig: hostConfig, endpoints: endpoints))
    }

    /// `POST /containers/{id}/start?checkpoint=NAME` (a daemon run with
    /// `--experimental`; 20.10.24 and 28.x): the container is restored from
    /// the directory `filepath.Join(<data-root>/containers/<id>/checkpoints,
    /// NAME)`. The name is not checked (only a checkpoint *create* checks
    /// it), so `../../../../../etc` is any host directory: the daemon stat()s
    /// it as root ("/etc/passwd exists and is not a directory" against
    /// "does not exist" tells a job what is on the host), tars it into
    /// containerd's content store and has runc restore the container from
    /// it with CRIU, from images a job can write into a named volume's
    /// `_data` on the host. `checkpoint-dir` names the directory outright
    /// (20.10 and 28.x refuse it, today). The checkpoint routes that make
    /// checkpoints are refused; so is starting from one. Read as
    /// `r.Form.Get` reads them, every value: a start with no
    /// `--checkpoint` sends neither.
    static func checkpointRefusal(_ raw: String?) -> Refusal? {
        guard let query = GoQuery.parse(raw) else {
            return Refusal(message: "the query string is malformed (the daemon would refuse it)")
        }
        for key in ["checkpoint", "checkpoint-dir"] {
            if let value = query.all(key).first(where: { !$0.utf8.isEmpty }) {
                return Refusal(message: "\(key)=\(value): a start from a checkpoint restores the container from a host directory that the checkpoint's name can place anywhere (`../`), read by the daemon as root (a daemon run with --experimental); start it without --checkpoint")
            }
        }
        return nil
    }

    /// `POST /commit`: the name the new image gets (`repo`, `tag`).
    static func commitQuery(_ raw: String?) -> Result<RequestFacts, Refusal> {
        guard let query = GoQuery.parse(raw) else {
            return .failure(Refusal(message: "the query string is malformed (the daemon would refuse it)"))
        }
        var facts = RequestFacts()
        if let repo = query.first("repo"), !repo.utf8.isEmpty {
            facts.add(.imageName(imageName(query)), "repo", imageName(query))
        }
        return changeFacts(query).map { RequestFacts(facts.asks + $0.asks) }
    }

    /// The `changes` of a commit or an import: their `ONBUILD` triggers run
    /// in builds `FROM` the image, so what they name or download is judged
    /// now, as a Dockerfile's would be.
    static func changeFacts(_ query: GoQuery) -> Result<RequestFacts, Refusal> {
        switch Dockerfile.changeReferences(query.all("changes")) {
        case .parsed(let references): return .success(Dockerfile.facts(references, origin: "changes"))
        case .undecidable(let reason, let line):
            return .failure(Refusal(message: "the changes\(line > 0 ? " (line \(line))" : ""): \(reason)"))
        }
    }

    /// A commit body's `OnBuild`: triggers stored as given, run in builds
    /// `FROM` the committed image.
    static func onBuildFacts(_ value: GoValue) -> Result<RequestFacts, Refusal> {
        let triggers = (value.at("OnBuild")?.elements ?? []).map { $0.text ?? "" }
        switch Dockerfile.triggerReferences(triggers) {
        case .parsed(let references): return .success(Dockerfile.facts(references, origin: "OnBuild"))
        case .undecidable(let reason, _): return .failure(Refusal(message: "OnBuild: \(reason)"))
        }
    }

    /// `repo` with `tag` as the daemon joins them (`reference.WithTag`).
    static func imageName(_ query: GoQuery) -> String {
        let repo = query.first("repo") ?? ""
        let tag = query.first("tag") ?? ""
        return tag.utf8.isEmpty ? repo : repo + ":" + tag
    }

    static func isBlank(_ body: [UInt8]) -> Bool {
        body.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// POST /build query parameters (BuildQuery lists what the daemon reads).
    static func buildQuery(_ raw: String?) -> Result<RequestFacts, Refusal> {
        guard let query = GoQuery.parse(raw) else {
            return .failure(Refusal(message: "the query string is malformed (the daemon would refuse it)"))
        }
        var facts = RequestFacts()
        if let mode = query.first("networkmode") {
            ContainerFacts.classify(mode, .network, field: "networkmode", into: &facts)
        }
        if let parent = query.first("cgroupparent"), !parent.isEmpty {
            facts.add(.cgroupParent(parent), "cgroupparent", parent)
        }
        if let text = query.first("ulimits"), !text.utf8.isEmpty {
            // json.Unmarshal of the first value into []*units.Ulimit.
            let schema = GoType.slice(.pointer(.structure(BodySchemas.Container.ulimit)))
            guard case .success(let json) = JSONParser.parse(Array(text.utf8)),
                  case .success(let ulimits) = GoDecoder.decode(json, as: schema) else {
                return .failure(Refusal(message: "the ulimits parameter is not JSON the daemon would read"))
            }
            ContainerFacts.ulimitFacts(ulimits.elements, field: "ulimits", into: &facts)
        }
        for (i, option) in query.all("securityopt").enumerated() {
            facts.add(.unrecognisedSecurityOption, "securityopt[\(i)]", option)
        }
        for (i, tag) in query.all("t").enumerated() {
            facts.add(.imageName(tag), "t[\(i)]", tag)
        }
        if let remote = query.first("remote"), !remote.isEmpty {
            // "client-session" is no URL: the context comes over a BuildKit session (dockerd 20.10's
            // classic builder refuses it). Judged as the BuildKit build it is: a BuildKit client was
            // told to allow remote contexts, which would not have helped (found by the clients sweep
            // of 2026-12-02), and a policy with buildkit = true refused every BuildKit build for it.
            facts.add(remote.bytesEqual("client-session") ? .buildKit : .remoteContext, "remote", remote)
        }
        if let outputs = query.first("outputs"), !outputs.utf8.isEmpty {
            facts.add(.unjudged("build outputs"), "outputs", outputs)
        }
        if let version = query.first("version"), version.bytesEqual("2") {
            facts.add(.buildKit, "version", version)
        }
        return .success(facts)
    }

    /// `mime.ParseMediaType(ct) == "application/json"`, as httputils.CheckForJSON.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        if contentType.utf8.elementsEqual("application/json".utf8) { return true } // what clients send
        let media = contentType.bytesSplit(UInt8(ascii: ";"), maxSplits: 1)[0]
        return Substring(media).trimmingSpaces().lowercased().bytesEqual("application/json")
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
