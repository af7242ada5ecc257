import EngineAPI
import GoJSON

/// Rewriting the query of a request on a job socket: the owner's label filter
/// added to `filters` (lists, prunes, events), the owner's label added to a
/// build's `labels`. The query is rebuilt from Go's reading of it
/// (`url.ParseQuery`: the first value of a key is the one the daemon reads);
/// every other parameter is kept as written, in order.
public enum QueryRewrite {
    /// `filters` as `filters.FromJSON` reads it: `{"label":{"k=v":true}}`, or
    /// the legacy `{"label":["k=v"]}`. Later duplicate keys replace earlier
    /// ones (Go map decoding). Returns the filters with the owner's label
    /// added, as the daemon's own canonical JSON.
    public static func restrictFilters(_ raw: String?, owner: JobOwner) -> Result<String, TenancyRefusal> {
        guard let query = GoQuery.parse(raw) else {
            return .failure(TenancyRefusal(status: 400, message: "the query string is malformed"))
        }
        var filters: [String: [String: Bool]] = [:]
        if let text = query.first("filters"), !text.utf8.isEmpty {
            switch decodeFilters(Array(text.utf8)) {
            case .success(let decoded): filters = decoded
            case .failure(let refusal): return .failure(refusal)
            }
        }
        filters["label", default: [:]][owner.labelFilter] = true
        return encodeFilters(filters).map { replacing("filters", with: $0, in: raw) }
    }

    /// Filters as the daemon's canonical JSON (`map[string]map[string]bool`).
    static func encodeFilters(_ filters: [String: [String: Bool]]) -> Result<String, TenancyRefusal> {
        var object: [GoMapEntry] = []
        for (name, values) in filters {
            object.append(GoMapEntry(name, .map(values.map { GoMapEntry($0.key, .bool($0.value)) })))
        }
        let schema = GoType.map(key: .string, value: .map(key: .string, value: .bool))
        guard case .success(let bytes) = GoEncoder.encodeChecked(.map(object), as: schema) else {
            return .failure(TenancyRefusal(status: 400, message: "the filters cannot be re-encoded"))
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// What a job socket does with one `before`/`since` value of an image list.
    public enum ImageFilterValue: Equatable {
        /// Forwarded as this full image ID.
        case pinned(String)
        /// Forwarded as written (the daemon refuses it without a lookup).
        case kept
        /// Answered instead of forwarding.
        case refused(TenancyRefusal)
    }

    /// An image list's `before` and `since` filters name an image that
    /// dockerd 20.10 looks up (`GetImage`: name, then ID prefix; 404 when
    /// missing), whether or not the job may see it; so do a container
    /// list's `before` and `since` (a container) and `ancestor` (an image).
    /// Each value of the `keys` filters (every key of the filter, whatever
    /// its boolean, as `WalkValues` reads them) goes through `resolve`, in
    /// order; the first refusal is the answer. `.success(nil)`: none of
    /// them is given, the query is forwarded as is; otherwise the query
    /// with the filters re-encoded, values pinned.
    public static func pinningImageFilters(_ raw: String?, keys: [String] = ["before", "since"],
                                           resolve: (String) -> ImageFilterValue) -> Result<String?, TenancyRefusal> {
        guard let query = GoQuery.parse(raw) else {
            return .failure(TenancyRefusal(status: 400, message: "the query string is malformed"))
        }
        guard let text = query.first("filters"), !text.utf8.isEmpty else { return .success(nil) }
        var filters: [String: [String: Bool]]
        switch decodeFilters(Array(text.utf8)) {
        case .success(let decoded): filters = decoded
        case .failure(let refusal): return .failure(refusal)
        }
        guard keys.contains(where: { filters[$0] != nil }) else { return .success(nil) }
        for key in keys {
            guard let values = filters[key] else { continue }
            var pinned: [String: Bool] = [:]
            for (value, flag) in values.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) {
                switch resolve(value) {
                case .pinned(let id): pinned[id] = flag || pinned[id] == true
                case .kept: pinned[value] = flag
                case .refused(let refusal): return .failure(refusal)
                }
            }
            filters[key] = pinned
        }
        return encodeFilters(filters).map { replacing("filters", with: $0, in: raw) }
    }

    /// A container found by the daemon's inspect of a `before`/`since`
    /// value: its full ID, its name (with the daemon's leading "/") and
    /// whether the job owns it.
    public struct InspectedContainer: Sendable, Equatable {
        public let id: String
        public let name: String
        public let owned: Bool
        public init(id: String, name: String, owned: Bool) {
            self.id = id
            self.name = name
            self.owned = owned
        }
    }

    /// The daemon's answer to a container list whose `before` or `since`
    /// names no container (`idOrNameFilter` in dockerd 20.10: a 500 with
    /// the memdb error).
    public static func containerFilterMissing(_ value: String) -> TenancyRefusal {
        TenancyRefusal(status: 500, message: "no such container \(value)")
    }

    /// What a job socket does with one `before`/`since` value of a
    /// container list. dockerd 20.10 looks it up (`idOrNameFilter`: the exact
    /// full ID, then the exact name with or without its "/"; no ID prefix)
    /// before the label filter is applied, so another job's container gave a
    /// 200 where a missing one gives a 500, and its place in the daemon's
    /// list bounded the job's own (`before`: the job's containers created
    /// before it). Only a container of the job's own, named as the daemon
    /// would find it, is forwarded, as its full ID; any other value is
    /// answered as missing. `found`: the daemon's inspect of the value (which
    /// also finds ID prefixes, which the list does not).
    public static func containerFilterValue(_ value: String, found: InspectedContainer?) -> ImageFilterValue {
        guard let found, found.owned else { return .refused(containerFilterMissing(value)) }
        let trimmedName = found.name.utf8.first == UInt8(ascii: "/") ? String(decoding: found.name.utf8.dropFirst(), as: UTF8.self) : found.name
        let trimmedValue = value.utf8.first == UInt8(ascii: "/") ? String(decoding: value.utf8.dropFirst(), as: UTF8.self) : value
        if value.utf8.elementsEqual(found.id.utf8) || (!trimmedValue.utf8.isEmpty && trimmedValue.utf8.elementsEqual(trimmedName.utf8)) {
            return .pinned(found.id)
        }
        return .refused(containerFilterMissing(value))
    }

    static func decodeFilters(_ bytes: [UInt8]) -> Result<[String: [String: Bool]], TenancyRefusal> {
        let modern = GoType.map(key: .string, value: .map(key: .string, value: .bool))
        if case .success(let decoded) = unmarshal(bytes, as: modern) {
            var out: [String: [String: Bool]] = [:]
            for entry in decoded.mapEntries ?? [] {
                var values: [String: Bool] = [:]
                for v in entry.value.mapEntries ?? [] { values[v.key] = v.value.boolValue ?? false }
                out[entry.key] = values
            }
            return .success(out)
        }
        let legacy = GoType.map(key: .string, value: .slice(.string))
        if case .success(let decoded) = unmarshal(bytes, as: legacy) {
            var out: [String: [String: Bool]] = [:]
            for entry in decoded.mapEntries ?? [] {
                var values: [String: Bool] = [:]
                for v in entry.value.arrayValues ?? [] { if let s = v.stringValue { values[s] = true } }
                out[entry.key] = values
            }
            return .success(out)
        }
        return .failure(TenancyRefusal(status: 400, message: "invalid filter: the filters parameter is not JSON the daemon reads"))
    }

    /// `json.Unmarshal`: exactly one JSON value, then the Go decoding.
    static func unmarshal(_ bytes: [UInt8], as type: GoType) -> Result<GoValue, TenancyRefusal> {
        switch JSONParser.parse(bytes) {
        case .failure: return .failure(TenancyRefusal(status: 400, message: "not JSON"))
        case .success(let json):
            switch GoDecoder.decode(json, as: type) {
            case .success(let value): return .success(value)
            case .failure: return .failure(TenancyRefusal(status: 400, message: "not of the expected type"))
            }
        }
    }

    /// A build's `labels` (JSON `map[string]string`) with the owner's label
    /// and seal. A client's `labels` setting either, or the create mark
    /// (`CreateMarks.labelKey`), are refused.
    public static func stampBuildLabels(_ raw: String?, owner: JobOwner) -> Result<String, TenancyRefusal> {
        guard let query = GoQuery.parse(raw) else {
            return .failure(TenancyRefusal(status: 400, message: "the query string is malformed"))
        }
        let schema = GoType.map(key: .string, value: .string)
        var entries: [GoMapEntry] = []
        if let text = query.first("labels"), !text.utf8.isEmpty {
            guard case .success(let decoded) = unmarshal(Array(text.utf8), as: schema) else {
                return .failure(TenancyRefusal(status: 400, message: "the labels parameter is not a JSON object of strings"))
            }
            entries = decoded.mapEntries ?? []
        }
        if entries.contains(where: { $0.key.utf8.elementsEqual(JobOwner.labelKey.utf8) || $0.key.utf8.elementsEqual(JobOwner.sealKey.utf8) }) {
            return .failure(OwnerStamp.reservedLabel)
        }
        if entries.contains(where: { $0.key.utf8.elementsEqual(CreateMarks.labelKey.utf8) }) {
            return .failure(OwnerStamp.reservedMark)
        }
        entries.append(GoMapEntry(JobOwner.labelKey, .string(owner.id)))
        entries.append(GoMapEntry(JobOwner.sealKey, .string(owner.seal)))
        guard case .success(let bytes) = GoEncoder.encodeChecked(.map(entries), as: schema) else {
            return .failure(TenancyRefusal(status: 400, message: "the labels cannot be re-encoded"))
        }
        return .success(replacing("labels", with: String(decoding: bytes, as: UTF8.self), in: raw))
    }

    /// A container remove's query with `v=1` (every `v` pair dropped, the
    /// value `httputils.BoolValue` reads put first). The anonymous volumes
    /// dockerd makes for a container (`Config.Volumes`, an image's `VOLUME`,
    /// a volume mount without a source) carry no owner label, so once their
    /// container is gone no job can reach them and `job close` does not reap
    /// them; with `v=1` the daemon removes them with it (named volumes are
    /// kept, and so is one another container still uses).
    public static func removingAnonymousVolumes(_ raw: String?) -> String {
        replacing("v", with: "1", in: raw)
    }

    /// A name no image has: the cache source of a job without images of its own.
    public static let noCacheSource = "sockwarden.invalid/no-shared-build-cache:none"

    /// A container list's `ancestor` value that names nothing in the job's
    /// view: a full image ID no image has (the daemon opens it by ID and
    /// finds nothing, which no name or tag can change), so the filter,
    /// still given, keeps no container, as for an image the daemon does not
    /// have.
    public static let noImage = "sha256:" + String(repeating: "0", count: 64)

    /// A build's `cachefrom` on a job socket. Without it the classic builder
    /// takes any image on the daemon whose parent and config match a step as
    /// that step's result, another job's included (one job could plant a
    /// step that another job's build then uses). With it, only images that
    /// are ancestors of a listed source count (`image/cache` in 20.10): the
    /// job's own images (`ownImages`, IDs), or a name no image has when it
    /// has none. A non-empty list the client gave (checked by the caller to
    /// name no other job's image) is kept; an empty or null list, which the
    /// daemon reads as "no sources", is replaced.
    public static func scopeBuildCache(_ raw: String?, ownImages: [String]) -> String {
        let given = GoQuery.parse(raw)?.first("cachefrom") ?? ""
        if !given.utf8.isEmpty, case .success(let decoded) = unmarshal(Array(given.utf8), as: .slice(.string)),
           let sources = decoded.arrayValues, !sources.isEmpty {
            return raw ?? ""
        }
        let sources = ownImages.isEmpty ? [noCacheSource] : ownImages
        let json = GoEncoder.encode(.slice(sources.map { .string($0) }), as: .slice(.string))
        return replacing("cachefrom", with: String(decoding: json, as: UTF8.self), in: raw)
    }

    /// A build's request-target (path and raw query) with the build cache
    /// off: every `nocache` pair dropped and `nocache=1` put first, the
    /// value `r.FormValue` reads (`httputils.BoolValue`: true).
    public static func disablingBuildCache(_ target: String) -> String {
        let path = target.utf8.prefix { $0 != UInt8(ascii: "?") }
        let query = target.utf8.dropFirst(path.count + 1)
        return String(decoding: path, as: UTF8.self) + "?"
            + replacing("nocache", with: "1", in: query.isEmpty ? nil : String(decoding: query, as: UTF8.self))
    }

    /// The raw query with every `key` pair removed and `key=value` (escaped)
    /// put first, so it is the value the daemon reads.
    /// Every `key` pair replaced by `values`, in order, put first.
    public static func replacingAll(_ key: String, with values: [String], in raw: String?) -> String {
        let rest = replacing(key, with: "", in: raw).utf8.drop { $0 != UInt8(ascii: "&") }.dropFirst()
        let pairs = values.map { key + "=" + escape($0) } + (rest.isEmpty ? [] : [String(decoding: rest, as: UTF8.self)])
        return pairs.joined(separator: "&")
    }

    /// Every `key` pair of the raw query dropped and `key=value` (escaped)
    /// put first. Split on the "&" and "=" bytes, as `url.ParseQuery` splits
    /// (a Swift Character would join "&" with a combining mark after it, or
    /// a prepended mark before it, and keep a pair Go reads apart).
    public static func replacing(_ key: String, with value: String, in raw: String?) -> String {
        var kept: [String] = []
        for pair in (raw ?? "").utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let name = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false).first ?? pair.prefix(0)
            if GoQuery.parse(String(decoding: name, as: UTF8.self))?.pairs.first?.key.utf8.elementsEqual(key.utf8) == true { continue }
            // Cut at ASCII bytes, so each piece of valid UTF-8 stays valid, byte for byte.
            kept.append(String(decoding: pair, as: UTF8.self))
        }
        return ([key + "=" + escape(value)] + kept).joined(separator: "&")
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        let hex = Array("0123456789ABCDEF".utf8)
        for b in text.utf8 {
            let unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "~")
            if unreserved { out.unicodeScalars.append(Unicode.Scalar(b)) } else {
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
