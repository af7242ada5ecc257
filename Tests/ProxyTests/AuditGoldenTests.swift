import Testing
@testable import Proxy

/// The log format, byte for byte: every case renders exactly the line the
/// renderer before the fast one wrote (docs/audit-log.md; fixtures below),
/// the chain advances by one and `prev` becomes the line's hash.
@Suite struct AuditGoldenTests {
    @Test(arguments: AuditGoldenCases.cases)
    func rendersTheSameBytesAsBefore(_ c: AuditGoldenCases.Case) throws {
        var renderer = AuditLineRenderer(run: AuditGoldenCases.run, seq: c.seq, prev: c.prev)
        var out: [UInt8] = [1, 2]   // what is already pending stays
        c.render(&renderer, &out)
        #expect(out.prefix(2) == [1, 2])
        let line = String(decoding: out.dropFirst(2), as: UTF8.self)
        #expect(line == (AuditGoldenTests.lines[c.id] ?? "missing fixture") + "\n")
        #expect(renderer.seq == c.seq + 1)
        #expect(line.hasSuffix("\"hash\":\"\(renderer.prev)\"}\n"))
        #expect(AuditChain.check(line: Array(out.dropFirst(2).dropLast())[...]) == .sealed(prev: c.prev, hash: renderer.prev))
    }

    @Test func consecutiveRecordsChain() {
        var renderer = AuditLineRenderer(run: "r", seq: 0, prev: AuditChain.genesis)
        var out: [UInt8] = []
        renderer.request(AuditGoldenCases.ping(), into: &out)
        let first = renderer.prev
        renderer.result(AuditGoldenCases.ping(), into: &out)
        let lines = out.split(separator: 10)
        #expect(lines.count == 2)
        #expect(AuditChain.check(line: lines[1]) == .sealed(prev: first, hash: renderer.prev))
    }

    static let lines: [String: String] = [
        "ping request": ##"{"v":1,"seq":0,"time":"2026-11-29T21:43:17.436Z","run":"8d18ae0ceff3","event":"request","conn":2,"req":7,"peer":null,"method":"GET","target":"/_ping","route":"system.ping","group":"system","api_version":null,"decision":"allow","would_deny":false,"mode":"enforce","rule":"ci-work","reason":"group \"system\" is allowed","policy":"ci.toml","policy_digest":"sha256:abababababababababababababababababababababababababababababababab","facts":null,"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"f3b2e386a147cea1a27b2758960a7c0354789c725a038709c85442ddacda0feb"}"##,
        "ping result": ##"{"v":1,"seq":1,"time":"2026-11-29T21:43:17.436Z","run":"8d18ae0ceff3","event":"result","conn":2,"req":7,"peer":null,"method":"GET","target":"/_ping","route":"system.ping","group":"system","api_version":null,"decision":"allow","would_deny":false,"mode":"enforce","rule":"ci-work","reason":"group \"system\" is allowed","policy":"ci.toml","policy_digest":"sha256:abababababababababababababababababababababababababababababababab","status":200,"hijacked":false,"bytes_in":0,"bytes_out":250,"judge_ms":0.041,"response_ms":0.182,"duration_ms":1.190,"error":null,"prev":"e5b69f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f","hash":"044fff8e755ef21fd6e23d175f40cb3b6f080d8bca7bd46bca1cb2c31ed464ae"}"##,
        "busy request: facts, peer, container, job, escapes": ##"{"v":1,"seq":41,"time":"1970-01-01T00:00:00.999Z","run":"8d18ae0ceff3","event":"request","conn":18446744073709551615,"req":0,"peer":{"uid":4294967295,"gid":0,"pid":-1,"container":"3f2a9c"},"method":"POST","target":"/v1.41/containers/create?name=\"x\"&a=\\b\u0001\u001f\u007f\t\r\n/é/日本/🐳","route":"container.create","group":"containers","api_version":"1.41","decision":"deny","would_deny":true,"mode":"warn","rule":"host-paths","reason":"[host-paths]: HostConfig.Binds[0] \"/etc:/x\"","policy":"p\"o\\l.toml","policy_digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","job":{"id":"job-1","labels":{"team":"a\"b","":"ü"}},"facts":{"image":[{"field":"Image","value":"busybox"}],"privileged":false},"prev":"e5b69f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f","hash":"8af145b5f0e9ad7323e082a12a3c142b9d46553ce7f23af4394961dd6b5ea1bd"}"##,
        "busy result: error, extreme numbers, no response time": ##"{"v":1,"seq":42,"time":"1970-01-01T00:00:00.999Z","run":"8d18ae0ceff3","event":"result","conn":18446744073709551615,"req":0,"peer":{"uid":4294967295,"gid":0,"pid":-1,"container":"3f2a9c"},"method":"POST","target":"/v1.41/containers/create?name=\"x\"&a=\\b\u0001\u001f\u007f\t\r\n/é/日本/🐳","route":"container.create","group":"containers","api_version":"1.41","decision":"deny","would_deny":true,"mode":"warn","rule":"host-paths","reason":"[host-paths]: HostConfig.Binds[0] \"/etc:/x\"","policy":"p\"o\\l.toml","policy_digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","job":{"id":"job-1","labels":{"team":"a\"b","":"ü"}},"status":101,"hijacked":true,"bytes_in":18446744073709551615,"bytes_out":0,"judge_ms":0.000,"response_ms":null,"duration_ms":12345.678,"error":"daemon gone: \"EOF\"\n","prev":"e5b69f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f","hash":"b6ceccd2e527b242bac736c9cf5b34b2b0fb581cfbf90c679728e5a0b1e02288"}"##,
        "bare request: nulls, empty strings, year 2100": ##"{"v":1,"seq":9,"time":"2100-01-01T23:59:59.005Z","run":"8d18ae0ceff3","event":"request","conn":0,"req":0,"peer":null,"method":"-","target":"-","route":null,"group":null,"api_version":null,"decision":"deny","would_deny":false,"mode":"enforce","rule":"","reason":null,"policy":"","policy_digest":"","facts":null,"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"8d70fe354274c22852e3132f0818aad03d2f344353a7a913b3249db91f895ffc"}"##,
        "bare result: no status, no judge time": ##"{"v":1,"seq":10,"time":"2100-01-01T23:59:59.005Z","run":"8d18ae0ceff3","event":"result","conn":0,"req":0,"peer":null,"method":"-","target":"-","route":null,"group":null,"api_version":null,"decision":"deny","would_deny":false,"mode":"enforce","rule":"","reason":null,"policy":"","policy_digest":"","status":null,"hijacked":false,"bytes_in":0,"bytes_out":0,"judge_ms":null,"response_ms":null,"duration_ms":0.000,"error":null,"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"944ca8a06bb9e1fd4bb90537425f587d362a1929f06ca90cdee5820e54906175"}"##,
        "event with members": ##"{"v":1,"seq":18446744073709551614,"time":"2026-11-29T21:43:17.012Z","run":"8d18ae0ceff3","event":"gap","since":"2026-11-29T21:43:17.000Z","error":null,"refused_requests":3,"ok":true,"prev":"e5b69f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f","hash":"59d994caa2939aff81acbac33ccff9db042c8a811c55b7ec95fee8645aa7db5d"}"##,
        "event without members": ##"{"v":1,"seq":5,"time":"1971-01-01T00:00:00.100Z","run":"8d18ae0ceff3","event":"stop","prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"e783da73465369e3d1ee4d94d7de319c71422117d302bdbcc1da61935dcf2051"}"##,
    ]
}
