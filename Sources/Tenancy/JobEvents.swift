import GoJSON

/// A job socket's event stream (`GET /events`). The daemon's label filter
/// scopes it to events whose attributes carry the owner label; for
/// containers that is not enough, as a container takes its image's labels:
/// one the runner makes from an image a job built carried the label and its
/// events were the job's to see (found 2026-12-01, reproduced against
/// dockerd 20.10.24). A container's events are passed on only when it is
/// the job's (`JobContainers`: its ID recorded from a create's answer), or
/// when it carries the create mark (`CreateMarks.labelKey`) of one of the
/// job's creates not yet answered: the daemon sends a container's `create`
/// event (and may send its `start`) before the job socket has read the
/// create's answer. The mark is left out of what is passed on, so the job
/// never learns the mark of a create it has no answer of.
///
/// An image's events (which carry the image's labels, so also those of an
/// image the runner built from a job's) are passed on only when the image
/// is the job's (`JobImages`: its ID, the event's `Actor.ID`, recorded).
/// An import's `import` event comes before its answer: it is passed on by
/// the import's mark (`CreateMarks.makeImage`) while the import is
/// unanswered, the mark left out as a container's. Other types are passed
/// on as the daemon filtered them: volume and network events carry no labels at all
/// and never pass the daemon's label filter (dockerd 20.10
/// `daemon/events/filter.go` `matchLabels`), nor do daemon events.
public enum JobEvents {
    /// One message of the stream (a JSON object, without its newline): the
    /// message to pass on (the same bytes, or with the create mark left
    /// out), or nil when it is not the job's or cannot be read (dropped).
    /// `recorded`: whether the job's socket recorded a container ID;
    /// `creating`: whether a create mark is one of the job's creates not yet answered;
    /// `image`: whether it recorded an image ID.
    public static func filter(_ message: [UInt8], recorded: (String) -> Bool, creating: (String) -> Bool,
                              image: (String) -> Bool) -> [UInt8]? {
        guard case .success(let json) = JSONParser.parse(message), case .object(let members) = json else { return nil }
        guard case .string(let type)? = member(members, "Type") else { return nil }
        guard type == "image" || type == "container" else { return message }
        guard case .object(let actor)? = member(members, "Actor"), case .string(let id)? = member(actor, "ID") else { return nil }
        var attributes: [JSONMember] = []
        if case .object(let a)? = member(actor, "Attributes") { attributes = a }
        var mark: String?
        if case .string(let m)? = member(attributes, CreateMarks.labelKey) { mark = m }
        if type == "image" {
            // An import's `import` event comes before its answer: passed on by the import's mark.
            guard image(id) || (mark.map { CreateMarks.isImageMark($0) && creating($0) } == true) else { return nil }
        } else {
            // A container from an image whose import or commit is unanswered carries that image's mark: not the job's by it.
            guard recorded(id) || (mark.map { !CreateMarks.isImageMark($0) && creating($0) } == true) else { return nil }
        }
        guard attributes.contains(where: { $0.key == CreateMarks.labelKey }) else { return message }
        return GoEncoder.render(.object(members.map { member in
            guard member.key == "Actor", case .object(let fields) = member.value else { return member }
            return JSONMember(member.key, .object(fields.map { field in
                guard field.key == "Attributes", case .object(let attrs) = field.value else { return field }
                return JSONMember(field.key, .object(attrs.filter { $0.key != CreateMarks.labelKey }))
            }))
        }))
    }

    /// The last member named `key` (Go's decoder keeps the last of a duplicate).
    static func member(_ members: [JSONMember], _ key: String) -> JSONValue? {
        members.last(where: { $0.key == key })?.value
    }

    /// Splits a stream's bytes into messages: the daemon writes each as one
    /// JSON value and a newline (Go's `json.Encoder`).
    public struct Lines: Sendable {
        private var pending: [UInt8] = []
        /// The longest message kept waiting for its newline.
        public let limit: Int

        public init(limit: Int = 1 << 20) {
            self.limit = limit
        }

        /// The complete messages in `bytes` and what came before, without
        /// their newlines; nil when a message grew past `limit`.
        public mutating func feed(_ bytes: [UInt8]) -> [[UInt8]]? {
            pending += bytes
            var out: [[UInt8]] = []
            var start = 0
            while let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[start..<end])
                if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { out.append(line) }
                start = end + 1
            }
            pending.removeFirst(start)
            return pending.count > limit ? nil : out
        }
    }
}

/// The mark a job socket puts on each container it creates: a label
/// `io.sockwarden.create=<random>` given only to that create. The daemon
/// sends the create's events (and may finish a create whose connection the
/// close cut) before sockwarden has the ID from the answer; the mark says
/// which container is that create's, where the owner label cannot (a
/// container takes its image's labels, and a job can label its images with
/// anything). A mark counts only while its create is not answered: the job
/// never sees the mark of such a create (`JobEvents` leaves it out), so no
/// image can carry it.
public enum CreateMarks {
    public static let labelKey = "io.sockwarden.create"

    /// 32 random lower-case hex digits.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for _ in 0..<2 {
            var word = generator.next()
            for _ in 0..<16 {
                out.append(digits[Int(word & 0xF)])
                word >>= 4
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The mark of an import or commit (`io.sockwarden.create=image-<hex>`,
    /// set by a `LABEL` change added last): an image whose answer was cut
    /// (at `job close`, or unreadable) is not recorded, but carries it, so
    /// the close and its late reaps still find it. Told apart from a
    /// container create's mark: a container made from such an image takes
    /// its labels, and is not the job's by them.
    public static func makeImage() -> String { imagePrefix + make() }

    public static let imagePrefix = "image-"

    public static func isImageMark(_ mark: String) -> Bool { mark.utf8.starts(with: imagePrefix.utf8) }

    /// Whether a container (labels as the daemon reports them) carries one of `marks`.
    public static func carries(_ labels: [(key: String, value: String)], oneOf marks: Set<String>) -> Bool {
        guard !marks.isEmpty, let mark = labels.last(where: { $0.key == labelKey })?.value else { return false }
        return marks.contains(mark)
    }
}
