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
        RequestFacts(references.map { reference in
            let instruction: String
            switch reference.kind {
            case .from: instruction = "FROM"
            case .copyFrom: instruction = "COPY --from"
            case .addURL: instruction = "ADD"
            }
            let field = "Dockerfile line \(reference.line) \(reference.onBuild ? "ONBUILD " : "")\(instruction)"
            switch reference.kind {
            case .from, .copyFrom: return Ask(.image(reference.value), field: field, value: reference.value)
            case .addURL: return Ask(.remoteContext, field: field, value: reference.value)
            }
        })
    }
}
