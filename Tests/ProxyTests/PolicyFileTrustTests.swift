import Glibc
import Testing
@testable import Proxy

/// Who besides root and sockwarden's own user could change the policy in
/// force (serve reloads a changed file without a signal): the file, every
/// directory on its way, through symlinks.
@Suite("Who can change a policy file")
struct PolicyFileTrustTests {
    /// A private directory (0700) under /tmp with `policy.toml` (0644) in it.
    static func privateDir() -> String {
        let dir = makeTemporaryDirectory("sw-trust")
        let fd = open(dir + "/policy.toml", O_WRONLY | O_CREAT, 0o644)
        precondition(fd >= 0)
        close(fd)
        chmod(dir + "/policy.toml", 0o644)
        return dir
    }

    @Test func aFileOnlyItsOwnerCanWriteInPrivateDirectoriesHasNoProblem() {
        let dir = Self.privateDir()
        #expect(PolicyFileTrust.problems(dir + "/policy.toml") == [])
    }

    @Test func aFileItsGroupCanWriteIsWarnedAboutNotRefused() {
        let dir = Self.privateDir()
        chmod(dir + "/policy.toml", 0o664)
        let problems = PolicyFileTrust.problems(dir + "/policy.toml")
        #expect(problems.count == 1)
        #expect(problems.first?.everyone == false)
        #expect(problems.first?.description.contains("writable by its group") == true)
    }

    @Test func aFileEveryUserCanWriteIsRefused() {
        let dir = Self.privateDir()
        chmod(dir + "/policy.toml", 0o666)
        let problems = PolicyFileTrust.problems(dir + "/policy.toml")
        #expect(problems.map(\.everyone) == [true])
    }

    @Test func aDirectoryOnTheWayThatEveryUserCanWriteIsRefused() {
        let dir = Self.privateDir()
        mkdir(dir + "/open", 0o777)
        chmod(dir + "/open", 0o777)
        rename(dir + "/policy.toml", dir + "/open/policy.toml")
        let problems = PolicyFileTrust.problems(dir + "/open/policy.toml")
        #expect(problems.map(\.everyone) == [true])
        #expect(problems.first?.description.contains("directory \(dir)/open is writable by every user") == true)
    }

    @Test func aStickyDirectoryLikeTmpHoldingOurOwnFileHasNoProblem() {
        let dir = Self.privateDir()
        chmod(dir, 0o1777)
        #expect(PolicyFileTrust.problems(dir + "/policy.toml") == [])
    }

    @Test func aSymlinkIsFollowedToADirectoryEveryUserCanWrite() {
        let dir = Self.privateDir()
        mkdir(dir + "/open", 0o777)
        chmod(dir + "/open", 0o777)
        rename(dir + "/policy.toml", dir + "/open/policy.toml")
        symlink("open/policy.toml", dir + "/link.toml")
        let problems = PolicyFileTrust.problems(dir + "/link.toml")
        #expect(problems.map(\.everyone) == [true])
    }

    @Test func dotAndDotDotComponentsAreWalkedAsTheKernelWalksThem() {
        let dir = Self.privateDir()
        mkdir(dir + "/open", 0o777)
        chmod(dir + "/open", 0o777)
        // Through an open directory and back out of it: the kernel passes through it, but it holds nothing read.
        #expect(PolicyFileTrust.problems(dir + "/open/../policy.toml") == [])
        rename(dir + "/policy.toml", dir + "/open/policy.toml")
        #expect(PolicyFileTrust.problems(dir + "/./open/./policy.toml").map(\.everyone) == [true])
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to give files away"))
    func aFileOwnedByAnotherUserIsWarnedAbout() {
        let dir = Self.privateDir()
        chown(dir + "/policy.toml", 65534, 65534)
        let problems = PolicyFileTrust.problems(dir + "/policy.toml")
        #expect(problems.map(\.description) == ["\(dir)/policy.toml is owned by uid 65534"])
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to give files away"))
    func anotherUsersSymlinkInAStickyDirectoryCanBeRepointed() {
        let dir = Self.privateDir()
        chmod(dir, 0o1777)
        symlink("policy.toml", dir + "/link.toml")
        lchown(dir + "/link.toml", 65534, 65534)
        let problems = PolicyFileTrust.problems(dir + "/link.toml")
        #expect(problems.map(\.everyone) == [true])
        #expect(problems.first?.description.contains("who can replace \(dir)/link.toml") == true)
    }

    /// A file read and then moved away before the walk (a reload's race,
    /// found 2026-12-02) must not pass as having no problem.
    @Test func aMissingPathIsAProblemForEveryone() {
        let problems = PolicyFileTrust.problems("/nonexistent/sw-trust/policy.toml")
        #expect(problems.map(\.everyone) == [true])
        #expect(problems.first?.description.contains("cannot be walked to its end") == true)
    }
}
