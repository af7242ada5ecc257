import GoJSON
import Testing
@testable import Tenancy

/// `X-Registry-Config` as the docker CLI sends it: base64url of a JSON map.
private func config(_ json: String) -> String { GoBase64URL.encode(Array(json.utf8)) }

private func decoded(_ selection: BuildPullAuth.Selection) -> String? {
    guard case .header(let value) = selection, let json = GoBase64URL.decode(Array(value.utf8)) else { return nil }
    return String(decoding: json, as: UTF8.self)
}

@Suite("The credentials a job socket pulls a build's image with (registry.ResolveAuthConfig)")
struct BuildPullAuthTests {
    static let hub = #"{"username":"hub","password":"p1"}"#
    static let local = #"{"username":"loc","password":"p2"}"#

    @Test("the daemon's choice of AuthConfig for the reference's index", arguments: [
        // Docker Hub: only the official key, whatever else there is.
        ("busybox:1", #"{"https://index.docker.io/v1/":\#(hub)}"#, #"{"username":"hub","password":"p1"}"#),
        ("docker.io/library/busybox", #"{"https://index.docker.io/v1/":\#(hub)}"#, #"{"username":"hub","password":"p1"}"#),
        ("index.docker.io/team/app:2", #"{"https://index.docker.io/v1/":\#(hub)}"#, #"{"username":"hub","password":"p1"}"#),
        ("busybox", #"{"docker.io":\#(hub),"index.docker.io":\#(hub)}"#, nil),
        // Another registry: by its name, exact first, then legacy URL keys by hostname.
        ("localhost:5000/base:1", #"{"localhost:5000":\#(local),"https://index.docker.io/v1/":\#(hub)}"#, #"{"username":"loc","password":"p2"}"#),
        ("localhost:5000/base:1", #"{"http://localhost:5000/v1/":\#(local)}"#, #"{"username":"loc","password":"p2"}"#),
        ("localhost:5000/base:1", #"{"https://localhost:5000":\#(local)}"#, #"{"username":"loc","password":"p2"}"#),
        ("localhost:5000/base:1", #"{"https://localhost:5000/":\#(hub),"localhost:5000":\#(local)}"#, #"{"username":"loc","password":"p2"}"#),
        ("localhost:5000/base:1", #"{"localhost":\#(local),"https://index.docker.io/v1/":\#(hub)}"#, nil),
        ("reg.example/base@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", #"{"reg.example":\#(local)}"#, #"{"username":"loc","password":"p2"}"#),
        // A later duplicate key wins, as in a Go map.
        ("localhost:5000/b:1", #"{"localhost:5000":\#(hub),"localhost:5000":\#(local)}"#, #"{"username":"loc","password":"p2"}"#),
        // Nothing found, or an empty map: no X-Registry-Auth at all.
        ("localhost:5000/b:1", "{}", nil),
        ("localhost:5000/b:1", "null", nil),
    ] as [(String, String, String?)])
    func selection(_ c: (String, String, String?)) {
        let chosen = BuildPullAuth.select(reference: c.0, registryConfig: config(c.1))
        if let expected = c.2 {
            #expect(decoded(chosen) == expected, "\(c.0) \(c.1): \(chosen)")
        } else {
            #expect(chosen == .none, "\(c.0) \(c.1): \(chosen)")
        }
    }

    @Test("no header, or an empty one: no credentials")
    func absent() {
        #expect(BuildPullAuth.select(reference: "busybox", registryConfig: nil) == .none)
        #expect(BuildPullAuth.select(reference: "busybox", registryConfig: "") == .none)
    }

    @Test("a header the daemon reads only in part (or not at all) is not guessed at", arguments: [
        "not base64!", "e30", GoBase64URL.encode(Array("[1]".utf8)), GoBase64URL.encode(Array("{\"r\":1}".utf8)),
        GoBase64URL.encode(Array("{\"r\":{\"username\":1}}".utf8)), GoBase64URL.encode(Array("{".utf8)),
        // Standard, not URL, base64: "/" is not in the URL alphabet.
        "e30/",
    ])
    func unreadable(_ header: String) {
        guard case .unreadable = BuildPullAuth.select(reference: "localhost:5000/b:1", registryConfig: header) else {
            Issue.record("\(header) was read")
            return
        }
    }

    @Test("the index name and legacy hostnames, as newIndexInfo and ConvertToHostname give them", arguments: [
        ("busybox", "docker.io"), ("index.docker.io/a/b", "docker.io"), ("localhost:5000/a", "localhost:5000"),
        ("Reg.Example/a", "Reg.Example"), ("team/App", nil),
    ] as [(String, String?)])
    func index(_ c: (String, String?)) {
        #expect(BuildPullAuth.indexName(c.0) == c.1, "\(c.0)")
    }

    @Test("ConvertToHostname", arguments: [
        ("https://index.docker.io/v1/", "index.docker.io"), ("http://localhost:5000/v2", "localhost:5000"), ("localhost:5000", "localhost:5000"),
        ("HTTPS://x/", "HTTPS:"),
    ])
    func hostname(_ c: (String, String)) {
        #expect(BuildPullAuth.hostname(c.0) == c.1)
    }
}

@Suite("The daemon's answer to a build's pull")
struct PullStreamReaderTests {
    static func read(_ text: String, split: Int = 7) -> PullStreamReader.Result {
        var reader = PullStreamReader()
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            reader.feed(bytes[i..<min(i + split, bytes.count)])
            i += split
        }
        return reader.result
    }

    @Test("pulled, or failed with the status and message the pull's client would get", arguments: [
        ("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"status\":\"Pulling from base\"}\r\n{\"status\":\"Digest: sha256:ab\"}\r\n", PullStreamReader.Result.pulled),
        ("HTTP/1.0 200 OK\r\n\r\n{\"status\":\"Pulling\"}\r\n{\"errorDetail\":{\"message\":\"unauthorized: who are you\"},\"error\":\"unauthorized: who are you\"}\r\n",
         .failed(status: 500, message: "unauthorized: who are you")),
        ("HTTP/1.0 200 OK\r\n\r\n{\"errorDetail\":{\"message\":\"unexpected EOF\"}}", .failed(status: 500, message: "unexpected EOF")),
        ("HTTP/1.0 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"message\":\"manifest for reg/x:1 not found: manifest unknown\"}\n",
         .failed(status: 404, message: "manifest for reg/x:1 not found: manifest unknown")),
        ("HTTP/1.0 500 Internal Server Error\r\n\r\n", .failed(status: 500, message: "the daemon answered 500")),
        ("", .failed(status: 502, message: "the daemon's answer to the pull is not HTTP")),
    ])
    func outcome(_ c: (String, PullStreamReader.Result)) {
        #expect(Self.read(c.0) == c.1)
        #expect(Self.read(c.0, split: 1) == c.1)
    }

    @Test("the progress lines are passed on whole, error messages kept for the result")
    func shown() {
        var reader = PullStreamReader()
        var shown: [UInt8] = []
        let text = "HTTP/1.0 200 OK\r\n\r\n{\"status\":\"Pulling\"}\r\n{\"status\":\"Dow" + "nloading\"}\r\n{\"error\":\"boom\"}\r\n"
        for b in Array(text.utf8) { shown += reader.feed([b]) }
        #expect(String(decoding: shown, as: UTF8.self) == "{\"status\":\"Pulling\"}\r\n{\"status\":\"Downloading\"}\r\n")
        #expect(reader.result == .failed(status: 500, message: "boom"))
    }
}
