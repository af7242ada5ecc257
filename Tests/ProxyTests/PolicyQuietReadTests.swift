import Glibc
import Posix
import Testing
@testable import Proxy

/// A reload reads the policy file only once it has been left alone: a file
/// rewritten in place by a writer that pauses is not read half-written (a
/// valid, wider policy more often than not).
@Suite("A policy reload reads a file only once it has been still")
struct PolicyQuietReadTests {
    static func tempFile(_ text: String) -> String {
        let dir = makeTemporaryDirectory("sw-quiet")
        let path = dir + "/policy.toml"
        write(path, text, append: false)
        return path
    }

    static func write(_ path: String, _ text: String, append: Bool) {
        let fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o644)
        precondition(fd >= 0)
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    static func ctime(_ path: String) -> Int64 { PolicyWatcher.identity(path)!.ctimeNanosecondsSinceEpoch }

    @Test func aFileChangedJustNowIsReadOnlyOnceItHasBeenStillForTheQuietPeriod() {
        let path = Self.tempFile("head\n")
        let changed = Self.ctime(path)
        var clock = changed + 200_000_000   // 0.2 s after the change
        var slept: Int64 = 0
        let result = PolicyWatcher.readQuiet(path, quiet: 1_000_000_000, maxWait: 5_000_000_000,
                                             now: { clock }, sleep: { slept += $0; clock += $0 })
        #expect(result == .read(Array("head\n".utf8), PolicyWatcher.identity(path)))
        #expect(slept >= 800_000_000)
    }

    @Test func aFileStillLongEnoughIsReadAtOnce() {
        let path = Self.tempFile("whole\n")
        var slept: Int64 = 0
        let result = PolicyWatcher.readQuiet(path, quiet: 1_000_000_000, maxWait: 5_000_000_000,
                                             now: { Self.ctime(path) + 2_000_000_000 }, sleep: { slept += $0 })
        #expect(result == .read(Array("whole\n".utf8), PolicyWatcher.identity(path)))
        #expect(slept == 0)
    }

    @Test func aFileWrittenInTwoPartsWithAPauseIsReadWhole() {
        let path = Self.tempFile("[[rules]]\ngroups = [\"containers\"]\n")
        // The writer is still busy: the rest comes 0.3 s later.
        let rest = "methods = [\"GET\"]\n"
        try! spawnDetachedThread(name: "quiet-writer") {
            usleep(300_000)
            Self.write(path, rest, append: true)
        }
        let result = PolicyWatcher.readQuiet(path, quiet: 600_000_000, maxWait: 5_000_000_000)
        #expect(result == .read(Array(("[[rules]]\ngroups = [\"containers\"]\n" + rest).utf8), PolicyWatcher.identity(path)))
    }

    @Test func aFileThatKeepsChangingIsReportedBusyNotRead() {
        let path = Self.tempFile("x\n")
        var clock: Int64 = 0
        let result = PolicyWatcher.readQuiet(path, quiet: 1_000_000_000, maxWait: 2_000_000_000,
                                             now: { clock = Self.ctime(path) + 100_000_000; return clock },
                                             sleep: { _ in Self.write(path, "y\n", append: true) })
        #expect(result == .busy)
    }

    /// A FIFO put in the policy's place (found 2026-12-02) held the reload's
    /// lock in open(2) forever: SIGHUP, and then SIGTERM, did nothing.
    @Test func aFIFOInThePolicysPlaceIsUnreadableAtOnce() {
        let path = makeTemporaryDirectory("sw-quiet") + "/policy.toml"
        #expect(mkfifo(path, 0o600) == 0)
        let result = PolicyWatcher.readQuiet(path, quiet: 0)
        guard case .unreadable(let message) = result else { Issue.record("expected unreadable, got \(result)"); return }
        #expect(message.contains("not a regular file"), "\(message)")
    }

    @Test func aMissingFileIsUnreadable() {
        let result = PolicyWatcher.readQuiet("/nonexistent/sw-quiet/policy.toml")
        guard case .unreadable(let message) = result else { Issue.record("expected unreadable, got \(result)"); return }
        #expect(message.contains("cannot read the policy"))
    }
}
