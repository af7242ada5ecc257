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
    public let buildArgs: BuildArgs

    /// nil when the body is not the context the daemon reads: a `remote`
    /// context, or a BuildKit build (`version=2`: the context comes through
    /// a session); `.failure` when `buildargs` is not what the daemon
    /// accepts (it then refuses the build).
    public static func parse(_ rawQuery: String?) -> Result<BuildRequest, BuildRequestError>? {
        guard let query = GoQuery.parse(rawQuery) else { return .failure(BuildRequestError(message: "the query string is malformed")) }
        if let remote = query.first("remote"), !remote.utf8.isEmpty { return nil }
        if let version = query.first("version"), version.utf8.elementsEqual("2".utf8) { return nil }
        var args = BuildArgs()
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

/// Build arguments (or meta `ARG`s) by name, keyed by the name's bytes as a
/// Go `map[string]…` keys them. A Swift `String` key would not do: Strings
/// are equal when canonically equivalent, so `É` (U+00C9) and `E` + U+0301
/// would be one argument, where dockerd has two (a build arg or `ARG` under
/// one spelling then set the other's value, and the image judged was not
/// the one built).
public struct BuildArgs: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    private var values: [[UInt8]: String?] = [:]

    public init() {}

    public init(dictionaryLiteral elements: (String, String?)...) {
        for (name, value) in elements { values[Array(name.utf8)] = .some(value) }
    }

    public init(_ dictionary: [String: String?]) {
        for (name, value) in dictionary { values[Array(name.utf8)] = .some(value) }
    }

    /// nil: not given; `.some(nil)`: given without a value.
    public subscript(name: String) -> String?? {
        get { values[Array(name.utf8)] }
        set { values[Array(name.utf8)] = newValue }
    }

    public var count: Int { values.count }
}
