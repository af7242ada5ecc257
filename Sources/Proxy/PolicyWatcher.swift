import Glibc
import Policy
import Posix

/// Hot reload of the policy file: on SIGHUP (`reload(trigger:)`) and when
/// the file changes (`startPolling`). A new policy is read once, digested,
/// validated, and only then swapped in (`ServerContext.install`); an invalid
/// or unreadable one leaves the old policy in force and says why on stderr
/// and in the audit log (`reload` record). Reloads are serialised.
public final class PolicyWatcher: @unchecked Sendable {
    /// Parses the file's bytes into a policy, or returns the error to show
    /// (`file:line:column: message`).
    public typealias Parser = @Sendable (_ bytes: [UInt8]) -> Result<Policy, PolicyLoadFailure>

    public struct PolicyLoadFailure: Error, Sendable {
        public let message: String
        public init(_ message: String) { self.message = message }
    }

    public let path: String
    let context: ServerContext
    let parse: Parser
    private let serial = Locked(FileIdentity?.none)
    /// The last reload failed: the next one is reported even if it changes nothing.
    private var lastFailed = false

    /// What a change of the file looks like: any of these differs.
    public struct FileIdentity: Equatable, Sendable {
        var device: UInt64, inode: UInt64, size: Int64, mtimeSeconds: Int, mtimeNanoseconds: Int, ctimeSeconds: Int, ctimeNanoseconds: Int
        var ctimeNanosecondsSinceEpoch: Int64 { Int64(ctimeSeconds) * 1_000_000_000 + Int64(ctimeNanoseconds) }
    }

    public init(path: String, context: ServerContext, parse: @escaping Parser) {
        self.path = path
        self.context = context
        self.parse = parse
        serial.withLock { $0 = PolicyWatcher.identity(path) }
    }

    /// "sha256:<hex>" of the policy file's bytes.
    public static func digest(_ bytes: [UInt8]) -> String {
        "sha256:" + SHA256.hex(bytes)
    }

    public enum Outcome: String, Sendable {
        /// `busy`: the file kept changing; it was not read (see `readQuiet`).
        case ok, unchanged, invalid, unreadable, busy
    }

    /// How long the file must have been left alone (its ctime, which no
    /// writer can set) before a reload reads it, and how long a reload waits
    /// for that. A file rewritten in place by a writer that pauses (a
    /// generator, `cat` from a slow pipe) is a valid policy half-way more
    /// often than not, and usually a wider one: cut after `groups = [...]`,
    /// a rule has lost its `methods`; cut before `read-only = true`, a
    /// host path is writable. Reading it only once it has been still for a
    /// second closes all but pauses longer than that; a rename into place
    /// (README) closes them all.
    public static let quietNanoseconds: Int64 = 1_000_000_000
    public static let maxQuietWaitNanoseconds: Int64 = 5_000_000_000

    public enum QuietRead: Equatable {
        /// The bytes, read while the file stayed as `identity` describes it.
        case read([UInt8], FileIdentity?)
        case unreadable(String)
        /// Changed within `quiet` of every look for `maxWait`.
        case busy
    }

    /// Reads `path` once it has not changed for `quiet` nanoseconds (by its
    /// ctime against `now`) and did not change while it was read; waits
    /// (`sleep`, nanoseconds) at most `maxWait` for that.
    public static func readQuiet(_ path: String, quiet: Int64 = quietNanoseconds, maxWait: Int64 = maxQuietWaitNanoseconds,
                          now: () -> Int64 = PolicyWatcher.realtimeNanoseconds,
                          sleep: (Int64) -> Void = { usleep(UInt32(clamping: $0 / 1000)) }) -> QuietRead {
        var waited: Int64 = 0
        while true {
            let before = identity(path)
            if let before {
                let age = now() - before.ctimeNanosecondsSinceEpoch
                // A ctime in the future (the clock was stepped back) cannot be waited out.
                if age >= 0 && age < quiet {
                    let pause = min(quiet - age, 100_000_000)
                    if waited >= maxWait { return .busy }
                    sleep(pause)
                    waited += pause
                    continue
                }
            }
            let bytes: [UInt8]
            do {
                bytes = try Files.readRegular(path)
            } catch {
                return .unreadable("\(path): cannot read the policy: \(error)")
            }
            let after = identity(path)
            if after == before { return .read(bytes, after) }
            if waited >= maxWait { return .busy }
            sleep(50_000_000)
            waited += 50_000_000
        }
    }

    public static func realtimeNanoseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    /// Reads, validates and (if valid and different) installs the policy.
    /// `trigger` is "sighup" or "file-change".
    @discardableResult
    public func reload(trigger: String) -> Outcome {
        serial.withLock { seen in
            let quiet = PolicyWatcher.readQuiet(path)
            // What was read (or the file as it is now): a change after it is a change to reload.
            if case .read(_, let identity) = quiet { seen = identity } else { seen = PolicyWatcher.identity(path) }
            return reloadLocked(trigger: trigger, quiet)
        }
    }

    private func reloadLocked(trigger: String, _ quiet: QuietRead) -> Outcome {
        let before = context.policyInForce
        let label = trigger == "sighup" ? "SIGHUP" : "policy file changed"
        let outcome: Outcome
        var newDigest: String?
        var error: String?
        var installed: Policy?
        switch quiet {
        case .unreadable(let message):
            outcome = .unreadable
            error = message
        case .busy:
            outcome = .busy
            error = "\(path): the file kept changing for \(PolicyWatcher.maxQuietWaitNanoseconds / 1_000_000_000) s (a reload reads it once it has been still for \(PolicyWatcher.quietNanoseconds / 1_000_000) ms); it is read again when it changes next. Write a new policy beside it and rename it into place"
        case .read(let bytes, let identity):
            let digest = PolicyWatcher.digest(bytes)
            newDigest = digest
            // Who can change it, walked now that it has been read, and then the file the path leads
            // to must still be the one read: a file swapped in for the read and out again before the
            // walk (found 2026-12-02) is not the file whose directories were walked.
            let problems = PolicyFileTrust.problems(path)
            let message = PolicyFileTrust.message(path, problems)
            if let message, problems.contains(where: \.everyone) {
                outcome = .invalid
                error = "\(message). A policy file every user can change is not loaded"
                break
            }
            guard PolicyWatcher.identity(path) == identity else {
                outcome = .busy
                error = "\(path): the file changed while it was checked after reading it; it is read again when it changes next"
                break
            }
            switch parse(bytes) {
            case .failure(let failure):
                outcome = .invalid
                error = failure.message
            case .success(let policy):
                if let message { Files.writeStderr("sockwarden: WARNING: \(message)\n") }
                if digest == before.digest && trigger != "sighup" {
                    outcome = .unchanged
                } else {
                    context.install(policy, digest: digest)
                    installed = policy
                    outcome = digest == before.digest ? .unchanged : .ok
                }
            }
        }
        context.metrics.countReload(trigger: trigger, outcome: outcome.rawValue)
        switch outcome {
        case .ok, .unchanged:
            let p = installed ?? before.policy
            if installed == nil && !lastFailed {
                return outcome   // the file was touched, its content is the same: nothing to say
            }
            let what = outcome == .ok ? "reloaded" : installed == nil ? "is valid again, the same as the policy in force" : "reloaded (content unchanged)"
            Files.writeStderr("sockwarden: \(label): policy \(path) \(what) "
                + "(\(p.rules.count) rules, mode \(p.mode.rawValue), \(newDigest ?? "?"))\n")
            lastFailed = false
        case .invalid, .unreadable, .busy:
            Files.writeStderr("sockwarden: POLICY RELOAD FAILED (\(label)): the old policy \(before.policy.name) (\(before.digest)) stays in force:\n\(error ?? "")\n")
            lastFailed = true
        }
        let inForce = context.policyInForce
        context.audit.event(.reload(trigger: trigger, outcome: outcome.rawValue, path: path, fileDigest: newDigest,
                                    inForce: inForce, previousDigest: before.digest, error: error))
        return outcome
    }

    /// Polls the file's identity (device, inode, size, mtime, ctime; through
    /// symlinks) every `intervalMilliseconds` on a thread of its own and
    /// reloads when it changes and has then been still for one more short
    /// look (an editor's write in progress is not read half-way).
    public func startPolling(intervalMilliseconds: Int) throws(SystemError) {
        try spawnDetachedThread(name: "sw-policy-poll") { [self] in
            while true {
                usleep(UInt32(intervalMilliseconds) * 1000)
                let now = PolicyWatcher.identity(path)
                let changed = serial.withLock { $0 != now }
                guard changed else { continue }
                // Let a write in progress finish.
                var settled = now
                for _ in 0..<20 {
                    usleep(100_000)
                    let again = PolicyWatcher.identity(path)
                    if again == settled { break }
                    settled = again
                }
                let still = serial.withLock { $0 != settled }
                if still { reload(trigger: "file-change") }
            }
        }
    }

    public static func identity(_ path: String) -> FileIdentity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                            mtimeSeconds: st.st_mtim.tv_sec, mtimeNanoseconds: st.st_mtim.tv_nsec,
                            ctimeSeconds: st.st_ctim.tv_sec, ctimeNanoseconds: st.st_ctim.tv_nsec)
    }
}
