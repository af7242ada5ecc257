/// What a container or network reference names in a job's view: the
/// daemon's look-up (exact full ID, exact name, then ID prefix) among the
/// job's own objects alone. The daemon looks a reference up among every
/// object on it, so its answer told a job about the others: an ID prefix of
/// another job's container gave "No such container" where a prefix of
/// nothing gave a policy refusal ("names no container the daemon knows"),
/// a prefix two others shared gave "Multiple IDs found with provided
/// prefix", and a prefix of the job's own container that another's shared
/// was not found at all; character by character, a job read every
/// container ID on the daemon (found 2026-12-01, session 15, against
/// dockerd 20.10.24). A job socket asks the daemon first, and when the
/// daemon finds nothing of the job's (another's object, an ambiguous
/// prefix), it resolves the reference here, among the job's own.
public enum JobView {
    public enum Resolution: Sendable, Equatable {
        /// The full ID of the one object of the job's the reference names.
        case one(String)
        /// None of the job's objects.
        case none
        /// Several of the job's objects: the daemon's own answer for that.
        case ambiguous(TenancyRefusal)
    }

    /// dockerd 20.10 `GetContainer`: exact ID, exact name (`Names` as the
    /// list gives them, "/name", and the link names "/parent/alias" the
    /// daemon reserves for a linked container), then ID prefix
    /// (`truncindex`: "Multiple IDs found with provided prefix",
    /// errdefs.System, 500).
    public static func container(_ reference: String, own: [(id: String, names: [String])]) -> Resolution {
        guard !reference.utf8.isEmpty else { return .none }
        if let exact = own.first(where: { $0.id.utf8.elementsEqual(reference.utf8) }) { return .one(exact.id) }
        let name = reference.utf8.first == UInt8(ascii: "/") ? reference : "/" + reference
        if let named = own.first(where: { $0.names.contains { $0.utf8.elementsEqual(name.utf8) } }) { return .one(named.id) }
        let prefixed = own.filter { $0.id.utf8.starts(with: reference.utf8) }
        switch prefixed.count {
        case 0: return .none
        case 1: return .one(prefixed[0].id)
        default: return .ambiguous(TenancyRefusal(status: 500, message: "Multiple IDs found with provided prefix: \(reference)"))
        }
    }

    /// dockerd 20.10's network inspect (`getNetwork`; the job socket
    /// forwards every other network route by the full ID it found): exact
    /// ID, exact name, then ID prefix; several by name or by prefix is
    /// `ambigousResultsError` (InvalidParameter, 400) with the count.
    public static func network(_ reference: String, own: [(id: String, name: String)]) -> Resolution {
        guard !reference.utf8.isEmpty else { return .none }
        if let exact = own.first(where: { $0.id.utf8.elementsEqual(reference.utf8) }) { return .one(exact.id) }
        let named = own.filter { $0.name.utf8.elementsEqual(reference.utf8) }
        if named.count == 1 { return .one(named[0].id) }
        if named.count > 1 {
            return .ambiguous(TenancyRefusal(status: 400, message: "\(named.count) matches found based on name: network \(reference) is ambiguous"))
        }
        let prefixed = own.filter { $0.id.utf8.starts(with: reference.utf8) }
        switch prefixed.count {
        case 0: return .none
        case 1: return .one(prefixed[0].id)
        default:
            return .ambiguous(TenancyRefusal(status: 400, message: "\(prefixed.count) matches found based on ID prefix: network \(reference) is ambiguous"))
        }
    }

    /// dockerd 20.10's image ID search (`imageStore.Search`, the
    /// `digestset.Lookup` of distribution) among the job's view alone,
    /// `own` being the full IDs (`sha256:` and 64 hex digits) of every image
    /// in it. A reference with a `sha256:` algorithm and something after it
    /// is matched against the hex digits of each ID; any other (a bare hex
    /// prefix, or `sha256:` alone, which go-digest reads as no digest at
    /// all) against the hex digits as written. One match names it; none or
    /// several is the daemon's missing image (`GetImage` answers an
    /// ambiguous prefix with `ErrImageDoesNotExist`, not an error of its own).
    /// The daemon searches every image on it, so a prefix the job's image
    /// shares with another job's, or with a build step no job owns, was not
    /// found on the job socket although the job's view has one image with
    /// it (found 2026-12-02, session 20): with a few images of its own, a
    /// job watched which prefixes other jobs' images took.
    public static func image(_ reference: String, own: [String]) -> Resolution {
        var hex = Substring(reference)
        var algorithm: Substring?
        if let colon = reference.firstIndex(of: ":"), colon != reference.startIndex,
           reference.index(after: colon) != reference.endIndex {
            algorithm = reference[..<colon]
            hex = reference[reference.index(after: colon)...]
        }
        var found: String?
        for id in own {
            guard let colon = id.firstIndex(of: ":") else { continue }
            if let algorithm, !id[..<colon].utf8.elementsEqual(algorithm.utf8) { continue }
            guard id[id.index(after: colon)...].utf8.starts(with: hex.utf8) else { continue }
            if found != nil { return .none }
            found = id
        }
        return found.map { .one($0) } ?? .none
    }

    /// Whether the daemon's error answer to an inspect says the reference is
    /// an ambiguous prefix (or name) among every object on the daemon.
    public static func daemonSaysAmbiguous(_ kind: ObjectKind, status: Int, message: String) -> Bool {
        switch kind {
        case .container: return status == 500 && message.utf8.starts(with: "Multiple IDs found with provided prefix".utf8)
        case .network: return status == 400 && message.hasSuffix(" is ambiguous") && message.contains(" matches found based on ")
        case .exec, .volume, .image: return false
        }
    }
}
