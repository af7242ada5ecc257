import GoJSON

/// A container create or rename on a job socket that the daemon answers 409
/// because the name is taken. dockerd 20.10 names the container holding it
/// by its full ID: `Conflict. The container name "/web" is already in use by
/// container "3f2a…". You have to remove (or rename) that container to be
/// able to reuse that name.` (a rename's answer starts with `Error when
/// allocating new name: `). When that container is not the job's, the ID is
/// one the job could not learn otherwise: every route naming it answers "No
/// such container", and a job that guesses names (compose's are
/// `project_service_1`) would read the IDs of other jobs' and the host's
/// containers. The answer keeps the daemon's words up to the ID and says why
/// the ID is not shown; a conflict with the job's own container is the
/// daemon's answer unchanged.
public enum NameConflict {
    static let marker = "is already in use by container \""

    /// The answer with another's container ID left out, or nil when there is
    /// nothing to leave out (not such a conflict, or the job's own container).
    /// `isOwn` is asked with the ID as the daemon wrote it.
    public static func hidingForeignID(_ body: [UInt8], isOwn: (String) -> Bool) -> [UInt8]? {
        guard case .success(.object(let members)) = JSONParser.parse(body),
              let message = members.last(where: { $0.key == "message" }),
              case .string(let text) = message.value,
              let hidden = hiding(text, isOwn: isOwn) else { return nil }
        let kept = members.map { $0.key == "message" ? JSONMember("message", .string(hidden)) : $0 }
        return GoEncoder.render(.object(kept)) + [0x0A]
    }

    /// The message with the conflicting container's ID left out, or nil.
    static func hiding(_ text: String, isOwn: (String) -> Bool) -> String? {
        let utf8 = Array(text.utf8)
        let needle = Array(marker.utf8)
        guard let at = firstIndex(of: needle, in: utf8) else { return nil }
        let idStart = at + needle.count
        guard let idEnd = utf8[idStart...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        let id = String(decoding: utf8[idStart..<idEnd], as: UTF8.self)
        guard !isOwn(id) else { return nil }
        let before = String(decoding: utf8[..<at], as: UTF8.self)
        return before + "is already in use by a container that is not this job's (sockwarden does not show its ID). "
            + "Choose another name: this job cannot remove or rename that container."
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
