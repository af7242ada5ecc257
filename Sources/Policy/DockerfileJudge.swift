import EngineAPI

/// A classic build's Dockerfile, read from its context by the proxy, against
/// the body rules: every image it names (`FROM`, `COPY --from`, in `ONBUILD`
/// too) is an image the build runs or copies from, judged like a container's
/// `Image`; every `ADD` URL is a download the daemon makes from the host's
/// network, judged like a remote build context. Pure.
extension Policy {
    /// The Dockerfile's facts (for the audit record) and the first refusal.
    public func judgeDockerfile(_ references: [DockerfileReference], environment: HostEnvironment) -> (facts: RequestFacts, violation: BodyViolation?) {
        let facts = Self.dockerfileFacts(references)
        return (facts, bodyRules.judge(facts, environment: environment))
    }

    public static func dockerfileFacts(_ references: [DockerfileReference]) -> RequestFacts {
        Dockerfile.facts(references)
    }
}

/// From a build's query and its read context to what its Dockerfile names:
/// the part of judging a build that needs no daemon (shared by `serve` and
/// `explain`).
public enum BuildDockerfile {
    public struct Refusal: Error, Sendable, Equatable {
        public let status: Int
        public let reason: String
    }

    public static func references(request: Result<BuildRequest, BuildRequestError>, outcome: BuildContextOutcome,
                                  baseImage: @escaping (String) -> BaseImageLookup = { _ in .absent }) -> Result<[DockerfileReference], Refusal> {
        var stageBases: [Int] = []
        return references(request: request, outcome: outcome, baseImage: baseImage, stageBases: &stageBases)
    }

    /// `references`, and in `stageBases` the lines of the `FROM`s that take
    /// a stage already built as their base (`Dockerfile.references`): the
    /// build must then run without the build cache.
    public static func references(request: Result<BuildRequest, BuildRequestError>, outcome: BuildContextOutcome,
                                  baseImage: @escaping (String) -> BaseImageLookup,
                                  stageBases: inout [Int]) -> Result<[DockerfileReference], Refusal> {
        let build: BuildRequest
        switch request {
        case .failure(let error): return .failure(Refusal(status: 400, reason: error.message))
        case .success(let parsed): build = parsed
        }
        switch outcome {
        case .refused(let why):
            return .failure(Refusal(status: 403, reason: "[builds]: the build context: \(why)"))
        case .dockerfile(_, let text):
            switch Dockerfile.references(text, buildArgs: build.buildArgs, baseImage: baseImage, stageBases: &stageBases) {
            case .undecidable(let reason, let line):
                return .failure(Refusal(status: 403, reason: "[builds]: the Dockerfile\(line > 0 ? " (line \(line))" : ""): \(reason)"))
            case .parsed(let found):
                return .success(found)
            }
        }
    }
}

extension Policy {
    /// `explain` of a build with its context (`context`, a tar) or its
    /// Dockerfile alone: the Dockerfile judged as `serve` judges it, without
    /// the daemon (base images' `ONBUILD` triggers and a job's view are not
    /// read). `whatIf` is the build's route-and-query judgement.
    /// `baseImage`: the base images' `ONBUILD` triggers, as `serve` reads them on the daemon.
    public func whatIfBuild(_ whatIf: WhatIf, rawQuery: String?, context: [UInt8]?, dockerfile: [UInt8]?,
                            environment: HostEnvironment,
                            baseImage: @escaping (String) -> BaseImageLookup = { _ in .absent }) -> WhatIf {
        guard whatIf.judgement.forwards, whatIf.route?.name == "build.image", !bodyRules.trustBodies,
              let request = BuildRequest.parse(rawQuery) else { return whatIf }
        let outcome: BuildContextOutcome
        if let dockerfile {
            outcome = .dockerfile(path: "Dockerfile", text: dockerfile)
        } else if let context {
            let dockerfile = (try? request.get())?.dockerfile
            if BuildContextScanner.isGzip(Array(context.prefix(3))) {
                var given = false
                outcome = BuildContextScanner.scanGzip(dockerfile: dockerfile, maxDockerfileBytes: 8 << 20, maxBytes: 8 << 30) {
                    defer { given = true }
                    return given ? [] : context
                }
            } else {
                var scanner = BuildContextScanner(dockerfile: dockerfile, maxDockerfileBytes: 8 << 20)
                context.withUnsafeBytes { scanner.feed($0) }
                outcome = scanner.outcome()
            }
        } else {
            return whatIf
        }
        func judged(_ decision: Decision, forwards: Bool, facts: RequestFacts?) -> WhatIf {
            WhatIf(judgement: Judgement(decision: decision, mode: mode, forwards: forwards, forwardBody: nil, facts: facts),
                   route: whatIf.route, apiVersion: whatIf.apiVersion)
        }
        switch BuildDockerfile.references(request: request, outcome: outcome, baseImage: baseImage) {
        case .failure(let refusal):
            return judged(Decision(verdict: .deny, rule: "build-context", reason: refusal.reason), forwards: false, facts: nil)
        case .success(let references):
            let (facts, violation) = judgeDockerfile(references, environment: environment)
            let all = RequestFacts((whatIf.judgement.facts?.asks ?? []) + facts.asks)
            guard let violation else { return judged(whatIf.decision, forwards: true, facts: all) }
            let decision = Decision(verdict: .deny, rule: violation.section, reason: violation.reason)
            return judged(decision, forwards: mode != .enforce, facts: all)
        }
    }
}
