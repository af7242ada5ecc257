import EngineAPI
import GoJSON

/// The credentials the classic builder would pull a build's image with,
/// for the job socket's own pull of it (`BuildScope.prePull`). The build
/// request carries `X-Registry-Config`: base64url JSON, a map of server to
/// AuthConfig (`getAuthConfigs`, api/server/router/build/build_routes.go:
/// `json.NewDecoder(base64.NewDecoder(base64.URLEncoding, …)).Decode`, errors
/// ignored). dockerd 20.10's `pullForBuilder` (daemon/images/image_builder.go)
/// picks one with `registry.ResolveAuthConfig` for the reference's index:
/// docker.io (or index.docker.io) is the official index, whose key is
/// `https://index.docker.io/v1/` and nothing else; any other index is looked
/// up by its name (`host[:port]`), then among the keys whose hostname
/// (`ConvertToHostname`: no `http://`/`https://`, up to the first `/`) is
/// that name. None found: an empty AuthConfig, as no `X-Registry-Auth` is.
public enum BuildPullAuth {
    public enum Selection: Equatable, Sendable {
        /// No credentials: the pull is sent without `X-Registry-Auth`.
        case none
        /// The `X-Registry-Auth` value (base64url of the AuthConfig's JSON).
        case header(String)
        /// The header cannot be read as the daemon reads it (not base64url
        /// JSON of a map of AuthConfig objects of strings): the daemon would
        /// ignore all of it or part of it, and sockwarden does not guess which.
        case unreadable(String)
    }

    /// The official index's key (`registry.IndexServer`).
    public static let officialKey = "https://index.docker.io/v1/"

    /// `registryConfig`: the build's `X-Registry-Config` (the first one, as
    /// `Header.Get`), nil when absent. `reference`: the image to pull.
    public static func select(reference: String, registryConfig: String?) -> Selection {
        guard let registryConfig, !registryConfig.utf8.isEmpty else { return .none }
        guard let json = GoBase64URL.decode(Array(registryConfig.utf8)) else {
            return .unreadable("X-Registry-Config is not base64url")
        }
        // A Decoder reads the first value; what follows it is not read.
        guard case .success(let first) = JSONParser.parseFirstValue(json) else {
            return .unreadable("X-Registry-Config is not JSON")
        }
        var configs: [(key: String, value: JSONValue)] = []
        switch first.value {
        case .null: break
        case .object(let members):
            for member in members {
                switch member.value {
                case .null: break
                case .object(let fields):
                    // Every AuthConfig field is a string; a value of another
                    // type is an UnmarshalTypeError the daemon reads past.
                    guard fields.allSatisfy({ if case .string = $0.value { return true }; if case .null = $0.value { return true }; return false }) else {
                        return .unreadable("X-Registry-Config's entry for \(member.key) is not an AuthConfig of strings")
                    }
                default:
                    return .unreadable("X-Registry-Config's entry for \(member.key) is not an object")
                }
                // A later duplicate key wins, as in a Go map.
                configs.removeAll { $0.key.utf8.elementsEqual(member.key.utf8) }
                configs.append((member.key, member.value))
            }
        default:
            return .unreadable("X-Registry-Config is not a JSON object")
        }
        guard let index = indexName(reference), let chosen = resolve(configs, index: index) else { return .none }
        if case .null = chosen { return .none }
        return .header(GoBase64URL.encode(GoEncoder.render(chosen)))
    }

    /// The index (registry) name of `reference`, as `newIndexInfo` names it:
    /// `docker.io` for Docker Hub (`index.docker.io` too), else the domain.
    /// nil: not a reference sockwarden reads (its pull is refused anyway).
    public static func indexName(_ reference: String) -> String? {
        guard let normal = ImageReference.normalise(reference) else { return nil }
        let domain = String(decoding: normal.utf8.prefix { $0 != UInt8(ascii: "/") }, as: UTF8.self)
        return domain == "index.docker.io" ? "docker.io" : domain
    }

    /// `registry.ResolveAuthConfig`. Of several legacy keys with the
    /// index's hostname (Go ranges over the map in random order), the first
    /// in byte order is taken.
    static func resolve(_ configs: [(key: String, value: JSONValue)], index: String) -> JSONValue? {
        if index == "docker.io" {
            return configs.last { $0.key.utf8.elementsEqual(officialKey.utf8) }?.value
        }
        if let exact = configs.last(where: { $0.key.utf8.elementsEqual(index.utf8) }) { return exact.value }
        return configs.filter { hostname($0.key).utf8.elementsEqual(index.utf8) }
            .min { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }?.value
    }

    /// `registry.ConvertToHostname`.
    public static func hostname(_ url: String) -> String {
        // Bytes, not Characters: a combining mark after "/" must not join it.
        var stripped = Array(url.utf8)[...]
        if stripped.starts(with: "http://".utf8) { stripped = stripped.dropFirst(7) } else if stripped.starts(with: "https://".utf8) { stripped = stripped.dropFirst(8) }
        return String(decoding: stripped.prefix { $0 != UInt8(ascii: "/") }, as: UTF8.self)
    }
}
