import EngineAPI
import Testing

/// Which registry dockerd contacts, and which hosts are this machine.
@Suite("Registry hosts as dockerd finds them")
struct RegistryHostTests {
    @Test("a reference's registry (splitDockerDomain)", arguments: [
        ("busybox", "docker.io"),
        ("library/busybox:1", "docker.io"),
        ("index.docker.io/library/busybox", "docker.io"),
        ("ghcr.io/owner/image:tag", "ghcr.io"),
        ("localhost/x", "localhost"),
        ("localhost:5000/x", "localhost:5000"),
        ("127.0.0.1:5000/secret/path:tag", "127.0.0.1:5000"),
        ("team/image", "docker.io"),
        ("LOCALHOST/x", "LOCALHOST"),          // 28.x: an upper-case first part is a domain
        ("[::1]:5000/x", "[::1]:5000"),
        ("a@sha256:" + String(repeating: "a", count: 64), "docker.io"),
    ])
    func reference(_ reference: String, _ host: String) {
        #expect(RegistryHost.of(reference: reference) == host)
    }

    @Test("a login's serveraddress (url.Parse of it, https:// put before)", arguments: [
        ("", "docker.io"),
        ("https://index.docker.io/v1/", "docker.io"),
        ("registry.example.com", "registry.example.com"),
        ("http://127.0.0.1:5000", "127.0.0.1:5000"),
        ("https://localhost:5000/v2/", "localhost:5000"),
        ("127.0.0.1:5000?x#y", "127.0.0.1:5000"),
    ])
    func login(_ address: String, _ host: String) {
        #expect(RegistryHost.of(loginAddress: address) == host)
    }

    @Test("login addresses read other than url.Parse reads them are not decided", arguments: [
        "https://user@127.0.0.1:5000", "https://127.0.0.%31:5000", "https://", "https:///v2/", "a b", "x\\y",
    ])
    func undecidedLogin(_ address: String) {
        #expect(RegistryHost.of(loginAddress: address) == nil)
    }

    @Test("hosts that are this machine, or may be", arguments: [
        "localhost", "LOCALHOST:5000", "localhost.", "localhost.localdomain", "ip6-localhost", "foo.localhost",
        "127.0.0.1", "127.0.0.1:5000", "127.9.9.9", "0.0.0.0:80", "169.254.169.254", "[::1]:5000", "[fe80::1]",
        "127.1", "2130706433", "0x7f.1", "0177.0.0.1", "127.000.000.001",
    ])
    func thisHost(_ host: String) {
        #expect(RegistryHost.isThisHost(host))
    }

    @Test("hosts that are not", arguments: [
        "docker.io", "ghcr.io", "registry.example.com:5000", "10.0.0.5:5000", "192.168.1.10", "8.8.8.8",
        "cafe.be", "a1.de", "localhostx.com", "my-localhost",
    ])
    func notThisHost(_ host: String) {
        #expect(!RegistryHost.isThisHost(host))
    }

    @Test("policy entries", arguments: [
        ("docker.io", ["*"], true),
        ("localhost:5000", ["*"], false),
        ("localhost:5000", ["*", "localhost:5000"], true),
        ("LOCALHOST:5000", ["localhost:5000"], true),
        ("localhost:5001", ["localhost:5000"], false),
        ("a.example.com:443", ["*.example.com"], true),
        ("example.com", ["*.example.com"], false),
        ("evil-example.com", ["*.example.com"], false),
        ("ghcr.io", ["docker.io"], false),
    ])
    func entries(_ host: String, _ entries: [String], _ allowed: Bool) {
        #expect(RegistryHost.allowed(host, by: entries) == allowed)
    }
}
