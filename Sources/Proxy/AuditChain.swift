/// The audit log's hash chain (docs/audit-log.md, "Tamper evidence").
///
/// Every line is a JSON object whose last two members are
/// `"prev":"<64 hex>","hash":"<64 hex>"`. `prev` is the `hash` of the line
/// before it (across files after a rotation; `genesis` for the first record
/// of a new chain). `hash` is SHA-256 of the line's *body*: the line without
/// its `,"hash":"<64 hex>"` member, i.e. the bytes `{…,"prev":"<64 hex>"}`.
/// Changing, deleting, inserting or reordering lines therefore breaks a link
/// that `sockwarden audit verify` reports. Pure: bytes in, values out.
public enum AuditChain {
    /// `prev` of the first record of a chain.
    public static let genesis = String(repeating: "0", count: 64)

    static let prevKey = Array(",\"prev\":\"".utf8)
    static let hashKey = Array("\",\"hash\":\"".utf8)
    /// `,"prev":"` + 64 + `","hash":"` + 64 + `"}`
    static let sealLength = prevKey.count + 64 + hashKey.count + 64 + 2

    /// Seals a record: `object` is the record's members rendered as a JSON
    /// object *without* prev and hash (`{…}`). Returns the full line
    /// (newline-terminated) and its hash.
    public static func seal(object: [UInt8], prev: String) -> (line: [UInt8], hash: String) {
        precondition(object.count > 2 && object.last == UInt8(ascii: "}"), "a record has members")
        var body = object
        body.removeLast()
        body += prevKey
        body += prev.utf8
        body.append(UInt8(ascii: "\""))
        body.append(UInt8(ascii: "}"))
        let hash = SHA256.hex(body)
        var line = body
        line.removeLast()
        line += Array(hashKey.dropFirst())   // ,"hash":"
        line += hash.utf8
        line += Array("\"}\n".utf8)
        return (line, hash)
    }

    /// What one line of the log holds, as far as the chain is concerned.
    public enum Link: Equatable, Sendable {
        /// The line is sealed and its hash is right.
        case sealed(prev: String, hash: String)
        /// The line does not end in `"prev":"…","hash":"…"}`.
        case unsealed
        /// The line is sealed but its hash does not match its contents.
        case altered(recorded: String, computed: String)
    }

    /// Checks one line (without its newline).
    public static func check(line: ArraySlice<UInt8>) -> Link {
        let bytes = Array(line)
        guard bytes.count >= sealLength + 1, bytes.first == UInt8(ascii: "{"),
              bytes[bytes.count - 2] == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "}") else { return .unsealed }
        let hashStart = bytes.count - 2 - 64
        let hashKeyStart = hashStart - hashKey.count
        let prevStart = hashKeyStart - 64
        let prevKeyStart = prevStart - prevKey.count
        guard Array(bytes[hashKeyStart..<hashStart]) == hashKey,
              prevKeyStart > 0, Array(bytes[prevKeyStart..<prevStart]) == prevKey,
              let recorded = hexText(bytes[hashStart..<(hashStart + 64)]),
              let prev = hexText(bytes[prevStart..<(prevStart + 64)]) else { return .unsealed }
        var body = Array(bytes[0..<hashKeyStart])
        body.append(UInt8(ascii: "\""))
        body.append(UInt8(ascii: "}"))
        let computed = SHA256.hex(body)
        guard computed == recorded else { return .altered(recorded: recorded, computed: computed) }
        return .sealed(prev: prev, hash: recorded)
    }

    /// 64 lowercase hex digits, or nil.
    static func hexText(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.count == 64 else { return nil }
        for b in bytes where !((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66)) { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Walks the lines of one or more log files in order and finds the first
/// broken link. Pure: feed it lines; it keeps only the last hash.
public struct AuditChainVerifier: Sendable {
    public struct Break: Error, Equatable, Sendable, CustomStringConvertible {
        public let file: String
        public let line: Int
        public let problem: String
        public var description: String { "\(file):\(line): \(problem)" }
    }

    /// Accept a record that starts a new chain (`prev` = genesis) in the
    /// middle of the log when it is a `start` record (a restart that could not
    /// read the previous record, e.g. logging to stdout). Off by default.
    public var allowRestarts = false
    /// Require the very first record to start at genesis (the log is complete
    /// from its first record). Off by default: the first file may be a
    /// rotated piece whose predecessor is gone.
    public var requireGenesis = false

    public private(set) var lastHash: String?
    public private(set) var records = 0
    /// `prev` of the first record seen (the anchor of what was checked).
    public private(set) var anchor: String?
    /// Lines where a permitted restart occurred.
    public private(set) var restarts: [String] = []
    /// Hashes of records that must be in the files (anchors kept elsewhere,
    /// `audit verify --expect`), and those found among the verified records.
    public var expected: Set<String> = []
    public private(set) var found: Set<String> = []
    /// The last record was a `stop` event (checked only with `allowRestarts`).
    private var lastWasStop = false

    public init() {}

    /// Checks the next line. `complete` is false for a last line without its
    /// newline (a write that was cut short).
    public mutating func feed(_ line: ArraySlice<UInt8>, file: String, number: Int, complete: Bool = true) -> Break? {
        func broken(_ problem: String) -> Break { Break(file: file, line: number, problem: problem) }
        guard complete else {
            return broken("incomplete last line (no newline): a write was cut short, or the file was truncated")
        }
        switch AuditChain.check(line: line) {
        case .unsealed:
            if line.isEmpty { return broken("empty line: not an audit record") }
            return broken("not a sealed audit record (it must end with \"prev\" and \"hash\" members): the line was altered, or was not written by sockwarden")
        case .altered(let recorded, let computed):
            return broken("hash mismatch: the record was altered after it was written (recorded \(recorded.prefix(12))…, computed \(computed.prefix(12))…)")
        case .sealed(let prev, let hash):
            // Only a record whose link holds counts as verified.
            func holds() -> Break? {
                lastHash = hash
                records += 1
                if expected.contains(hash) { found.insert(hash) }
                if allowRestarts { lastWasStop = AuditChainVerifier.isEvent("stop", line) }
                return nil
            }
            guard let last = lastHash else {
                anchor = prev
                if requireGenesis && prev != AuditChain.genesis {
                    return broken("the first record does not start a chain (prev \(prev.prefix(12))… is not genesis): earlier records are missing")
                }
                return holds()
            }
            if prev == last { return holds() }
            if prev == AuditChain.genesis {
                if allowRestarts && AuditChainVerifier.isStart(line) {
                    // A run that ended cleanly wrote `stop` last; without it the
                    // previous run's tail may have been cut, unseen by the chain.
                    restarts.append("\(file):\(number)" + (lastWasStop ? "" : " (no stop record before it: the previous run was killed or crashed, or its last records were removed)"))
                    return holds()
                }
                return broken("the chain restarts here (prev is genesis, the previous record's hash is \(last.prefix(12))…): the log was cut or replaced, or the proxy could not continue the chain; --allow-restarts accepts restarts at start records")
            }
            return broken("broken link: prev is \(prev.prefix(12))…, but the previous record's hash is \(last.prefix(12))…: a record was deleted, inserted or reordered before this line, or files are out of order")
        }
    }

    static func isStart(_ line: ArraySlice<UInt8>) -> Bool { isEvent("start", line) }

    static func isEvent(_ name: String, _ line: ArraySlice<UInt8>) -> Bool {
        let needle = Array("\"event\":\"\(name)\"".utf8)
        let bytes = Array(line)
        guard bytes.count >= needle.count else { return false }
        for i in 0...(bytes.count - needle.count) where bytes[i] == needle[0] {
            if Array(bytes[i..<(i + needle.count)]) == needle { return true }
        }
        return false
    }
}
