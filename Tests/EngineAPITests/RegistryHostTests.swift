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

    @Test("a search term's registry (splitReposSearchTerm, then url.Parse of https:// and it)", arguments: [
        ("busybox", "docker.io"),
        ("team/image", "docker.io"),
        ("index.docker.io/busybox", "docker.io"),
        ("127.0.0.1:5000/x", "127.0.0.1:5000"),
        ("localhost/x", "localhost"),
        ("127.0.0.1:5000?q#f/x", "127.0.0.1:5000"),
    ])
    func search(_ term: String, _ host: String) {
        #expect(RegistryHost.of(searchTerm: term) == host)
    }

    @Test("search terms read other than url.Parse reads them are not decided", arguments: [
        "u@127.0.0.1:5000/x",           // user info: dockerd connects to 127.0.0.1:5000 (found 2026-11-30)
        "u@localhost:5000/x", "a%40b@127.1:1/x", "127.0.0.%31:5000/x", "x\\y.z/x",
    ])
    func undecidedSearch(_ term: String) {
        #expect(RegistryHost.of(searchTerm: term) == nil)
    }

    @Test("a plugin push: the registry of its name, never an ID prefix", arguments: [
        ("127.0.0.1:5000/ci/plug:latest", "registry 127.0.0.1:5000"),
        ("localhost:5000/p", "registry localhost:5000"),
        ("vieux/sshfs:latest", "registry docker.io"),
        ("p", "registry docker.io"),
        ("4f2c1a", "unjudged"),
        (String(repeating: "a", count: 64), "unjudged"),
    ])
    func pluginPush(_ name: String, _ fact: String) throws {
        let route = try #require(Catalogue.route(named: "plugin.push"))
        guard case .success(let interpretation) = RequestInterpreter.interpret(route: route, parameters: ["name": name], rawQuery: nil,
                                                                               body: nil, contentType: nil) else {
            Issue.record("not interpreted"); return
        }
        let asks = interpretation.facts.asks.map { ask -> String in
            switch ask.kind {
            case .registry(let host): return "registry \(host)"
            case .unjudged: return "unjudged"
            default: return "other"
            }
        }
        #expect(asks == [fact])
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

    @Test("names an /etc/hosts file maps to this host")
    func hostsFile() {
        let file = """
        127.0.0.1\tlocalhost
        127.0.1.1 ci-runner-7.example.com ci-runner-7 # Debian's line for the host name
        ::1     ip6-localhost ip6-loopback
        fe00::0 ip6-localnet
        ff02::1 ip6-allnodes
        10.0.0.5 registry.internal
        # 127.0.0.1 commented-out
        169.254.169.254 metadata.google.internal
        127.0.0.1 Runsc.
        broken
        """
        #expect(RegistryHost.localNames(hostsFile: Array(file.utf8)) == [
            "localhost", "ci-runner-7.example.com", "ci-runner-7", "ip6-localhost", "ip6-loopback",
            "metadata.google.internal", "runsc",
        ])
    }

    @Test("a name the environment knows as this host's counts as this host for *")
    func thisHostFromTheCaller() {
        #expect(!RegistryHost.allowed("vm:5000", by: ["*"], thisHost: true))
        #expect(RegistryHost.allowed("vm:5000", by: ["*", "vm:5000"], thisHost: true))
        #expect(RegistryHost.name(of: "VM.:5000") == "vm")
    }
}
