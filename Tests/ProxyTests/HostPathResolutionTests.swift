import Glibc
import Policy
import Testing
@testable import Proxy

/// Where a host path leads, for paths an attacker makes long: a missing
/// path's deepest existing ancestor is found by bisection (a few realpath
/// calls, not one per component), and a path no system call would take is
/// refused as too long.
@Suite("Host path resolution stays bounded for long paths")
struct HostPathResolutionTests {
    static let base: String = {
        let dir = makeTemporaryDirectory("sw-resolve")
        mkdir(dir + "/present", 0o755)
        symlink(dir + "/nowhere", dir + "/dangling")
        return HostFileSystem.realPath(dir)!
    }()

    struct Row: CustomStringConvertible, Sendable {
        let name: String
        let path: String
        let real: String?
        let errno: Int32?
        var description: String { name }
    }

    static let deep = String(repeating: "/a", count: 2000)

    static let rows: [Row] = [
        Row(name: "an existing directory is its real path", path: base + "/present", real: base + "/present", errno: nil),
        Row(name: "a missing path leads under its deepest existing ancestor", path: base + "/present/x/y",
            real: base + "/present/x/y", errno: nil),
        Row(name: "a missing path of 2000 components leads under its deepest existing ancestor", path: base + "/present" + deep,
            real: base + "/present" + deep, errno: nil),
        Row(name: "a missing path at the root leads under /", path: "/sw-resolve-missing" + deep, real: "/sw-resolve-missing" + deep, errno: nil),
        Row(name: "a path through a dangling link cannot be resolved", path: base + "/dangling/x", real: nil, errno: ELOOP),
        Row(name: "a path of PATH_MAX bytes is too long for any system call", path: base + "/present/" + String(repeating: "a", count: Int(PATH_MAX)),
            real: nil, errno: ENAMETOOLONG),
        Row(name: "a 1 MiB path is too long, whatever it names", path: String(repeating: "/a", count: 1 << 19), real: nil, errno: ENAMETOOLONG),
        Row(name: "an empty path does not exist", path: "", real: nil, errno: ENOENT),
    ]

    @Test(arguments: rows) func resolves(_ row: Row) {
        let (real, failure) = HostFileSystem.resolveReal(row.path)
        #expect(real == row.real)
        #expect(failure == row.errno)
    }
}

/// The event loop resolves only a few short host paths per request; a body
/// with more is judged again on a connection thread (`neededLookup`), so
/// that realpath's system calls for thousands of binds never hold the loop.
@Suite("The loop's host-path budget")
struct LoopHostPathBudgetTests {
    final class Counting: HostEnvironment, @unchecked Sendable {
        var resolved = 0
        func resolve(hostPath: String) -> ResolvedHostPath {
            resolved += 1
            return ResolvedHostPath(realPath: hostPath, exposesDaemon: false)
        }
        func volume(_ name: String) -> VolumeLookup { .unavailable("test") }
        func network(_ reference: String) -> NetworkLookup { .unavailable("test") }
        func targetContainer(_ reference: TargetReference) -> TargetContainerLookup { .unavailable("test") }
        func namesThisHost(_ name: String) -> Bool { false }
    }

    struct Row: CustomStringConvertible, Sendable {
        let name: String
        let paths: [String]
        let resolvedOnLoop: Int
        let toAThread: Bool
        var description: String { name }
    }

    static let rows: [Row] = [
        Row(name: "a few binds are resolved on the loop", paths: ["/srv/cache", "/srv/data/x"], resolvedOnLoop: 2, toAThread: false),
        Row(name: "the loop's limit of paths is resolved on the loop",
            paths: Array(repeating: "/srv/cache", count: LoopHostEnvironment.loopPathLimit),
            resolvedOnLoop: LoopHostEnvironment.loopPathLimit, toAThread: false),
        Row(name: "one path more goes to a thread", paths: Array(repeating: "/srv/cache", count: LoopHostEnvironment.loopPathLimit + 1),
            resolvedOnLoop: LoopHostEnvironment.loopPathLimit, toAThread: true),
        Row(name: "a path of many components goes to a thread unresolved",
            paths: [String(repeating: "/a", count: LoopHostEnvironment.loopComponentLimit + 1)], resolvedOnLoop: 0, toAThread: true),
        Row(name: "a path of the loop's limit of components is resolved on the loop",
            paths: [String(repeating: "//a/", count: LoopHostEnvironment.loopComponentLimit)], resolvedOnLoop: 1, toAThread: false),
    ]

    @Test(arguments: rows) func budget(_ row: Row) {
        let base = Counting()
        let loop = LoopHostEnvironment(base: base)
        loop.startJudging()
        for path in row.paths { _ = loop.resolve(hostPath: path) }
        #expect(base.resolved == row.resolvedOnLoop)
        #expect(loop.neededLookup == row.toAThread)
        loop.startJudging()
        #expect(!loop.neededLookup)
        _ = loop.resolve(hostPath: "/srv/cache")
        #expect(base.resolved == row.resolvedOnLoop + 1, "the budget is per request")
    }
}
