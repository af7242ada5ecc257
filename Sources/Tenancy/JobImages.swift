import EngineAPI
import GoJSON

/// Which images are a job's: those carrying its owner label and seal
/// (`JobOwner.ownsImage`) whose full ID its job socket recorded when it made
/// them (a build's last image, a commit's or an import's answer). Label and
/// seal alone are not enough: an image takes its parent's labels, so one the
/// runner builds `FROM` a job's image (straight on the daemon or on the main
/// socket), or commits from a container of one, carries both and was the
/// job's: listed and inspectable on its socket (the runner's `ENV`), removable
/// and taggable by the job, and removed by `job close` (found 2026-12-01,
/// reproduced against dockerd 20.10.24). An image cannot carry an ID the
/// daemon has not given yet. As for containers (`JobContainers`).
public enum JobImages {
    /// Whose an image (its full `sha256:` ID, its config's labels) is: nil
    /// when it has no owner label (a shared image, or a build's step); true
    /// when it is this job's (owner label and seal, and its ID recorded);
    /// false otherwise (another job's, or one made from a job's image by
    /// someone else).
    public static func owns(id: String?, labels: [(key: String, value: String)], owner: JobOwner, recorded: Set<String>) -> Bool? {
        guard let sealed = owner.ownsImage(labels: labels) else { return nil }
        guard sealed, let id else { return false }
        return recorded.contains(id)
    }

    /// Whether the close (or a late reap) of a job removes an image: its own
    /// (`owns`), or one with its owner label and seal that carries the mark
    /// of one of its imports or commits not answered with an ID (cut at the
    /// close, or its answer unreadable; `CreateMarks.makeImage`).
    public static func reaps(id: String?, labels: [(key: String, value: String)], owner: JobOwner, recorded: Set<String>,
                             marks: Set<String>) -> Bool {
        if owns(id: id, labels: labels, owner: owner, recorded: recorded) == true { return true }
        guard owner.ownsImage(labels: labels) == true else { return false }
        return CreateMarks.carries(labels, oneOf: marks.filter(CreateMarks.isImageMark))
    }

    /// The image ID of a commit's answer (`{"Id": "sha256:<64 hex>"}`), or nil.
    public static func committedID(_ answer: [UInt8]) -> String? {
        guard case .success(let json) = JSONParser.parse(answer), case .object(let members) = json,
              case .string(let id)? = members.last(where: { $0.key == "Id" })?.value, isImageID(id) else { return nil }
        return id
    }

    /// The image ID of an import's answer: a stream of JSON messages (one a
    /// line), the last `{"status": "sha256:<64 hex>"}` (dockerd 20.10
    /// `ImportImage`: `streamformatter.FormatStatus("", id.String())`); nil
    /// when it has none, or an error message follows.
    public static func importedID(_ answer: [UInt8]) -> String? {
        var id: String?
        for line in answer.split(separator: 0x0A) {
            let text = line.last == 0x0D ? line.dropLast() : line[...]
            guard !text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { continue }
            guard case .success(let json) = JSONParser.parse(Array(text)), case .object(let members) = json else { return nil }
            if members.contains(where: { $0.key == "error" || $0.key == "errorDetail" }) { return nil }
            if case .string(let status)? = members.last(where: { $0.key == "status" })?.value, isImageID(status) {
                id = status
            }
        }
        return id
    }

    /// `sha256:` and 64 lower-case hex digits, as the daemon writes image
    /// IDs in its answers, lists and inspects (what is recorded).
    public static func isImageID(_ id: String) -> Bool {
        id.utf8.starts(with: "sha256:".utf8) && ImageNames.isFullID(id)
    }

    /// Whether a job's recorded image IDs are due a look at which images are
    /// gone: at 256 and more, once they doubled since the last look.
    public static func shouldCompact(count: Int, afterLast: Int) -> Bool {
        JobContainers.shouldCompact(count: count, afterLast: afterLast)
    }
}
