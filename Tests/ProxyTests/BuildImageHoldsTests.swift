import Glibc
import Posix
import Testing
@testable import Proxy

@Suite("Images a job's running build names")
struct BuildImageHoldsTests {
    static let idA = "sha256:" + String(repeating: "a", count: 64)
    static let idB = "sha256:" + String(repeating: "b", count: 64)
    static let alpine = "docker.io/library/alpine:3"
    static let own = "docker.io/library/own:1"

    /// (held by a build: names, ids; a change: names, ids; refused, conflicting reference)
    @Test("a change of a name or image a build holds is refused, and nothing else", arguments: [
        ([own], [idA], [own], [String](), true, own),
        ([own], [idA], [String](), [idA], true, idA),
        ([own, alpine], [idA, idB], [alpine], [String](), true, alpine),
        ([own], [idA], ["docker.io/library/own:2"], [String](), false, ""),
        ([own], [idA], [String](), [idB], false, ""),
        ([String](), [idA], [own], [String](), false, ""),  // a name on another image: a build by ID does not see it move
    ])
    func changeAgainstBuild(_ buildNames: [String], _ buildIDs: [String], _ names: [String], _ ids: [String],
                            _ refused: Bool, _ conflict: String) throws {
        let holds = BuildImageHolds()
        let build = try holds.begin(.build, job: "j", names: buildNames, ids: buildIDs).get()
        switch holds.begin(.change, job: "j", names: names, ids: ids) {
        case .failure(let found): #expect(refused && found.reference == conflict)
        case .success: #expect(!refused)
        }
        withExtendedLifetime(build) {}
    }

    @Test("a build is refused while a change of an image it names is in flight, by name or by the ID found later")
    func buildAgainstChange() throws {
        let holds = BuildImageHolds()
        let change = try holds.begin(.change, job: "j", names: [], ids: [Self.idA]).get()
        let build = try holds.begin(.build, job: "j", names: [Self.own]).get()
        #expect(build.add(ids: [Self.idB]) == nil)
        #expect(build.add(ids: [Self.idA]) == Self.idA, "the name it named resolved to the image being changed")
        #expect(conflict(holds.begin(.build, job: "j", names: [], ids: [Self.idA])) == Self.idA)
        let rename = try holds.begin(.change, job: "j", names: [Self.alpine]).get()
        #expect(conflict(holds.begin(.build, job: "j", names: [Self.alpine])) == Self.alpine)
        withExtendedLifetime((change, rename)) {}
    }

    @Test("builds do not exclude builds, nor changes changes; a released hold no longer counts")
    func sameKindsAndRelease() throws {
        let holds = BuildImageHolds()
        var first: BuildImageHolds.Hold? = try holds.begin(.build, job: "j", names: [Self.own], ids: [Self.idA]).get()
        let second = try holds.begin(.build, job: "j", names: [Self.own], ids: [Self.idA]).get()
        #expect(holds.count(.build) == 2)
        first = nil
        #expect(holds.count(.build) == 1)
        second.release()
        second.release()
        #expect(holds.count(.build) == 0)
        let change = try holds.begin(.change, job: "j", names: [Self.own]).get()
        #expect((try? holds.begin(.change, job: "j", names: [Self.own]).get()) != nil)
        change.release()
        #expect((try? holds.begin(.build, job: "j", names: [Self.own]).get()) != nil)
        withExtendedLifetime(first) {}
    }

    @Test("one job's holds do not hold back another job")
    func otherJobs() throws {
        let holds = BuildImageHolds()
        let build = try holds.begin(.build, job: "a", names: [Self.alpine], ids: [Self.idA]).get()
        #expect((try? holds.begin(.change, job: "b", names: [Self.alpine], ids: [Self.idA]).get()) != nil)
        #expect(conflict(holds.begin(.change, job: "a", names: [Self.alpine])) == Self.alpine)
        #expect(holds.hasBuilds(job: "a") && !holds.hasBuilds(job: "b"))
        #expect(build.holds(id: Self.idA) && !build.holds(id: Self.idB))
    }

    @Test("a pull by tag meets the builds of every job, both ways")
    func pullsMeetEveryJob() throws {
        let holds = BuildImageHolds()
        let build = try holds.begin(.build, job: "a", names: [Self.alpine]).get()
        #expect(conflict(holds.begin(.change, job: "b", names: [Self.alpine], everyJob: true)) == Self.alpine)
        #expect((try? holds.begin(.change, job: "b", names: [Self.alpine]).get()) != nil, "not a pull: another job's")
        build.release()
        let pulling = try holds.begin(.change, job: "b", names: [Self.alpine], everyJob: true).get()
        #expect(conflict(holds.begin(.build, job: "a", names: [Self.alpine])) == Self.alpine)
        #expect((try? holds.begin(.build, job: "a", names: [Self.own]).get()) != nil)
        withExtendedLifetime(pulling) {}
    }

    @Test("a change that may wait gets its hold once the build lets go")
    func waitsForTheBuild() throws {
        let holds = BuildImageHolds()
        let build = try holds.begin(.build, job: "j", names: [Self.own]).get()
        let released = Locked(false)
        Thread.detach { usleep(200_000); released.withLock { $0 = true }; build.release() }
        let change = holds.begin(.change, job: "j", names: [Self.own], waitSeconds: 10)
        #expect((try? change.get()) != nil)
        #expect(released.withLock { $0 }, "the change waited for the build")
    }

    @Test("the hold inside an exchange's paired hold is found to be let go of")
    func findInPair() throws {
        let holds = BuildImageHolds()
        let build = try holds.begin(.build, job: "j", names: [Self.own]).get()
        let pair = PairedHold(PairedHold(nil, NSObjectLike()), build)
        #expect(BuildImageHolds.find(in: pair) === build)
        #expect(BuildImageHolds.find(in: NSObjectLike()) == nil)
    }

    @Test("references are held as normalised names or full IDs; short IDs and unreadable names are not", arguments: [
        ("alpine:3", "docker.io/library/alpine:3", nil),
        ("alpine", "docker.io/library/alpine:latest", nil),
        ("127.0.0.1:5000/x/y:1", "127.0.0.1:5000/x/y:1", nil),
        (String(repeating: "a", count: 64), nil, "sha256:" + String(repeating: "a", count: 64)),
        ("sha256:" + String(repeating: "b", count: 64), nil, "sha256:" + String(repeating: "b", count: 64)),
    ] as [(String, String?, String?)])
    func heldForm(_ reference: String, _ name: String?, _ id: String?) {
        let form = BuildImageHolds.heldForm(reference)
        #expect(form?.name == name && form?.id == id)
    }

    @Test("what names no image is not held", arguments: ["abc123", "sha256:abc", "Upper/Case", ""])
    func notHeld(_ reference: String) {
        #expect(BuildImageHolds.heldForm(reference) == nil)
    }

    @Test("the names and images a forwarded job request changes", arguments: [
        ("image.delete", "/v1.41/images/own:1", ["docker.io/library/own:1"], [String]()),
        ("image.delete", "/v1.41/images/" + String(repeating: "a", count: 64) + "?force=1", [], ["sha256:" + String(repeating: "a", count: 64)]),
        ("image.tag", "/v1.41/images/x/tag?repo=own&tag=2", ["docker.io/library/own:2"], []),
        ("container.commit", "/v1.41/commit?container=c&repo=reg.example%2Fown&tag=2", ["reg.example/own:2"], []),
        ("image.create", "/v1.41/images/create?fromImage=alpine&tag=3", ["docker.io/library/alpine:3"], []),
        ("image.create", "/v1.41/images/create?fromSrc=-&repo=own&tag=9", ["docker.io/library/own:9"], []),
        ("image.create", "/v1.41/images/create?fromImage=alpine%3A3", ["docker.io/library/alpine:3"], []),
    ])
    func imageChange(_ route: String, _ target: String, _ names: [String], _ ids: [String]) {
        let change = JobScope.imageChange(route: route, target: target)
        #expect(change?.names == names && change?.ids == ids)
        #expect(change?.pull == (route == "image.create" && target.contains("fromImage")))
    }

    @Test("a delete by name removes the image only with its last name", arguments: [
        ("docker.io/library/own:1", ["own:1"], [String](), true),
        ("docker.io/library/own:1", ["own:1", "own:2"], [], false),
        ("docker.io/library/own:1", ["own:1"], ["own@sha256:" + String(repeating: "c", count: 64)], true),
        ("docker.io/library/own:1", ["own:1"], ["other@sha256:" + String(repeating: "c", count: 64)], false),
        ("docker.io/library/own:1", ["<none>:<none>"], [], true),
    ])
    func removesImage(_ name: String, _ tags: [String], _ digests: [String], _ removes: Bool) {
        #expect(JobScope.removesImage(untagging: name, repoTags: tags, repoDigests: digests) == removes)
    }

    @Test("routes that change no image name", arguments: [
        ("image.inspect", "/v1.41/images/own:1/json"), ("image.tag", "/v1.41/images/x/tag"),
        ("container.commit", "/v1.41/commit?container=c"), ("image.create", "/v1.41/images/create?fromSrc=-"),
    ])
    func noChange(_ route: String, _ target: String) {
        #expect(JobScope.imageChange(route: route, target: target) == nil)
    }
}

private final class NSObjectLike {}

private func conflict(_ result: Result<BuildImageHolds.Hold, BuildImageHolds.Conflict>) -> String? {
    if case .failure(let found) = result { return found.reference }
    return nil
}

private enum Thread {
    static func detach(_ body: @escaping @Sendable () -> Void) {
        try? spawnDetachedThread(stackSize: 256 * 1024, name: "sw-test") { body() }
    }
}
