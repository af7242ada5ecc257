import Testing
@testable import Proxy

@Suite("job open takes a policy only from serve's job policy directory")
struct JobPolicyPlaceTests {
    @Test("under the directory, at any depth: allowed",
          arguments: ["/etc/sockwarden/ci.toml", "/etc/sockwarden/teams/a.toml", "//etc//sockwarden/ci.toml"])
    func allowed(_ path: String) {
        #expect(JobPolicyPlace.refusal(path, under: "/etc/sockwarden") == nil)
        #expect(JobPolicyPlace.refusal(path, under: "/etc/sockwarden/") == nil)
    }

    @Test("anywhere else, the directory itself, a sibling with the same prefix, or a path that climbs out: refused",
          arguments: [
              "/work/main/fuzz/policies/permissive.toml",
              "/etc/sockwarden",
              "/etc/sockwarden-old/ci.toml",
              "/etc/sockwarden/../shadow",
              "/etc/sockwarden/./ci.toml",
              "ci.toml",
              "/etc/shadow",
          ])
    func refused(_ path: String) {
        #expect(JobPolicyPlace.refusal(path, under: "/etc/sockwarden") != nil)
    }

    @Test("a path is cleaned as written, without following symlinks",
          arguments: [("/etc/sockwarden/../sockwarden/./ci.toml", "/etc/sockwarden/ci.toml"), ("//a//b/", "/a/b"),
                      ("/../x", "/x"), ("/", "/")])
    func clean(_ c: (String, String)) {
        #expect(JobPolicyPlace.clean(c.0) == c.1)
    }

    @Test("the message names the directory and the serve flag")
    func message() {
        let text = JobPolicyPlace.refusal("/tmp/mine.toml", under: "/etc/sockwarden") ?? ""
        #expect(text.contains("/tmp/mine.toml is not under /etc/sockwarden"))
        #expect(text.contains("serve --job-policies"))
    }
}
