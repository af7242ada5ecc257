import GoJSON

/// What the proxy needs from a classic build's query to read its context:
/// whether the body is the context at all, where its Dockerfile is, and the
/// build arguments that expand the Dockerfile's meta `ARG`s. Read as
/// `newImageBuildOptions` reads them (`r.FormValue`: the first value; a
/// form body, which would add values, is refused before this).
public struct BuildRequest: Sendable, Equatable {
    /// The `dockerfile` parameter (nil: absent or empty).
    public let dockerfile: String?
    /// `buildargs`, decoded as `json.Unmarshal` into `map[string]*string`.
    public let buildArgs: [String: String?]

    /// nil when the body is not the context the daemon reads: a `remote`
    /// context, or a BuildKit build (`version=2`: the context comes through
    /// a session); `.failure` when `buildargs` is not what the daemon
    /// accepts (it then refuses the build).
    public static func parse(_ rawQuery: String?) -> Result<BuildRequest, BuildRequestError>? {
        guard let query = GoQuery.parse(rawQuery) else { return .failure(BuildRequestError(message: "the query string is malformed")) }
        if let remote = query.first("remote"), !remote.utf8.isEmpty { return nil }
        if let version = query.first("version"), version.utf8.elementsEqual("2".utf8) { return nil }
        var args: [String: String?] = [:]
        if let text = query.first("buildargs"), !text.utf8.isEmpty {
            let schema = GoType.map(key: .string, value: .pointer(.string))
            guard case .success(let json) = JSONParser.parse(Array(text.utf8)),
                  case .success(let value) = GoDecoder.decode(json, as: schema) else {
                return .failure(BuildRequestError(message: "buildargs is not a JSON object of strings (the daemon refuses the build)"))
            }
            for entry in value.mapEntries ?? [] {
                switch entry.value {
                case .null: args[entry.key] = .some(nil)
                case .pointer(.string(let s)): args[entry.key] = s
                case .string(let s): args[entry.key] = s
                default: return .failure(BuildRequestError(message: "buildargs holds a value that is not a string"))
                }
            }
        }
        let dockerfile = query.first("dockerfile").flatMap { $0.utf8.isEmpty ? nil : $0 }
        return .success(BuildRequest(dockerfile: dockerfile, buildArgs: args))
    }
}

public struct BuildRequestError: Error, Sendable, Equatable {
    public let message: String
}
