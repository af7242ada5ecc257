import Policy
import Testing
@testable import Proxy

/// Names that would make a look-up path other than the object's own are
/// never asked about: `/volumes/..` is `/`, and the daemon's answer for it
/// would be read as the volume's. The look-up's socket does not exist, so a
/// question that reached it would fail differently.
@Suite("Daemon look-ups refuse names that are no path component")
struct DaemonLookupTests {
    let lookup = DaemonLookup(upstreamPath: "/nonexistent/sockwarden-test.sock")

    @Test("a volume named . or .. cannot be judged", arguments: [".", ".."])
    func dotVolumes(_ name: String) {
        #expect(lookup.volume(name) == .unavailable("\"\(name)\" cannot be asked about"))
    }

    @Test("an ordinary name is asked about (and here the daemon cannot be reached)")
    func ordinaryName() {
        guard case .unavailable(let why) = lookup.volume("cache") else {
            Issue.record("expected the daemon to be unreachable")
            return
        }
        #expect(why.contains("cannot connect"), "\(why)")
    }
}
