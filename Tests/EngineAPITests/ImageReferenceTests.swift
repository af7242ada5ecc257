import EngineAPI
import Testing

/// Reference normalisation as docker/distribution's ParseNormalizedNamed +
/// TagNameOnly; nil for what the policy must not judge by name.
let imageReferenceCases: [(String, String?)] = [
    ("busybox", "docker.io/library/busybox:latest"),
    ("busybox:1.36", "docker.io/library/busybox:1.36"),
    ("library/busybox", "docker.io/library/busybox:latest"),
    ("docker.io/busybox", "docker.io/library/busybox:latest"),
    ("index.docker.io/library/busybox:1", "docker.io/library/busybox:1"),
    ("user/app", "docker.io/user/app:latest"),
    ("registry.example.com/team/app:v1", "registry.example.com/team/app:v1"),
    ("localhost/app", "localhost/app:latest"),
    ("localhost:5000/app", "localhost:5000/app:latest"),
    ("registry:5000/app", "registry:5000/app:latest"),
    ("busybox@sha256:" + String(repeating: "a", count: 64), "docker.io/library/busybox@sha256:" + String(repeating: "a", count: 64)),
    ("a.b/c:t@sha256:" + String(repeating: "0", count: 64), "a.b/c:t@sha256:" + String(repeating: "0", count: 64)),
    ("my_app-x.y__z", "docker.io/library/my_app-x.y__z:latest"),
    // Not judged by name: IDs, ID prefixes, invalid references.
    ("deadbeef", nil),
    ("sha256:" + String(repeating: "a", count: 64), nil),
    (String(repeating: "a", count: 64), nil),
    ("BusyBox", nil),
    ("busybox:", nil),
    ("busybox@sha256:abc", nil),
    ("a//b", nil),
    ("-a", nil),
    ("a..b", nil),
    ("", nil),
    ("registry.example.com:x/app", nil),
    ("bu\u{17F}ybox", nil),
]

@Suite("Image references normalise as the daemon's")
struct ImageReferenceTests {
    @Test("normalised form", arguments: imageReferenceCases)
    func normalise(_ c: (String, String?)) {
        #expect(ImageReference.normalise(c.0) == c.1, "\(c.0)")
    }

    @Test("patterns match the normalised reference, never a look-alike prefix")
    func patterns() {
        let patterns = ["docker.io/library/busybox:*", "registry.example.com/ci/*"].compactMap(ImageReference.normalisePattern)
        #expect(patterns.count == 2)
        #expect(ImageReference.allowed("busybox", by: patterns))
        #expect(ImageReference.allowed("docker.io/library/busybox:1", by: patterns))
        #expect(ImageReference.allowed("registry.example.com/ci/app:1", by: patterns))
        #expect(!ImageReference.allowed("busybox.evil.example/x", by: patterns))
        #expect(!ImageReference.allowed("registry.example.com/cix/app", by: patterns))
        #expect(!ImageReference.allowed("registry.example.com.evil/ci/app", by: patterns))
        #expect(!ImageReference.allowed("deadbeef", by: patterns))
        #expect(ImageReference.allowed("deadbeef", by: ["*"]))
        #expect(ImageReference.normalisePattern("busybox*") == nil, "a wildcard must start with its registry")
        #expect(ImageReference.normalisePattern("busybox") == "docker.io/library/busybox:latest")
    }
}
