import Testing
@testable import Proxy

/// While a copy of a container is in flight, a start or restart of it
/// through sockwarden is refused, and the other way round; a hold ends
/// with the exchange that keeps it.
@Suite("copies and starts of one container exclude each other")
struct ArchiveRaceGuardTests {
    @Test("a start is refused while a copy is held, and passes once it is released")
    func startAfterCopy() {
        let guarding = ArchiveRaceGuard()
        var copy: ArchiveRaceGuard.Hold? = guarding.begin(.archive, container: "c1")
        #expect(copy != nil)
        #expect(guarding.begin(.start, container: "c1") == nil)
        #expect(guarding.begin(.start, container: "c2") != nil, "another container is not held")
        #expect(guarding.begin(.archive, container: "c1") != nil, "copies do not exclude each other")
        copy = nil
        #expect(guarding.begin(.start, container: "c1") != nil)
    }

    @Test("a copy is refused while a start is held; two starts do not exclude each other")
    func copyAfterStart() {
        let guarding = ArchiveRaceGuard()
        var start: ArchiveRaceGuard.Hold? = guarding.begin(.start, container: "c1")
        let second = guarding.begin(.start, container: "c1")
        #expect(start != nil && second != nil)
        #expect(guarding.begin(.archive, container: "c1") == nil)
        start = nil
        #expect(guarding.begin(.archive, container: "c1") == nil, "the second start is still held")
        withExtendedLifetime(second) {}
    }

    @Test("a copy holds its container's volumes: a start of another container sharing one is refused")
    func sharedVolume() {
        let guarding = ArchiveRaceGuard()
        let copy = guarding.begin(.archive, container: "c1", volumes: ["v"])
        #expect(copy != nil)
        #expect(guarding.begin(.start, container: "c2", volumes: ["v"]) == nil)
        #expect(guarding.begin(.start, container: "c2", volumes: ["w"]) != nil)
        withExtendedLifetime(copy) {}
    }

    @Test("a hold paired with a job scope's releases with it")
    func paired() {
        let guarding = ArchiveRaceGuard()
        var pair: PairedHold? = PairedHold(NSObjectLike(), guarding.begin(.archive, container: "c1"))
        #expect(guarding.begin(.start, container: "c1") == nil)
        pair = nil
        _ = pair
        #expect(guarding.begin(.start, container: "c1") != nil)
    }

    final class NSObjectLike {}
}
