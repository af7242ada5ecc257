@testable import EngineAPI
import GoJSON
import Testing

/// Decoding with GoJSON's decoder against the schemas.
func decodeBody(_ text: String, as type: GoType) -> Result<GoValue, GoDecodeError> {
    GoDecoder.decodeFirstValue(Array(text.utf8), as: type).map(\.value)
}

@Suite("Body schemas: real client bodies decode and round-trip")
struct CapturedBodyDecodeTests {
    @Test("decodes as dockerd would", arguments: CapturedBodies.all)
    func decodes(_ row: CapturedBody) throws {
        let type = try #require(bodySchema(for: row.route))
        let result = decodeBody(row.body, as: type)
        if case .failure(let e) = result { Issue.record("refused: \(e)") }
    }

    @Test("decode → encode → decode gives the same value", arguments: CapturedBodies.all)
    func roundTrip(_ row: CapturedBody) throws {
        let type = try #require(bodySchema(for: row.route))
        let first = try decodeBody(row.body, as: type).get()
        let bytes = try GoEncoder.encodeChecked(first, as: type).get()
        let second = try GoDecoder.decode(JSONParser.parse(bytes).get(), as: type).get()
        #expect(second == first)
        // And the canonical form is a fixed point.
        #expect(try GoEncoder.encodeChecked(second, as: type).get() == bytes)
    }
}

@Suite("Container create: keys reach the daemon's fields")
struct ContainerCreateDecodeTests {
    static let create = BodySchemas.containerCreate

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let body: String
        /// Expected effective HostConfig fields (name → JSON literal as the
        /// encoder writes it), nil for "no HostConfig".
        let v20: [String: String]?
        let v28: [String: String]?
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "old API: HostConfig keys at the top level (20.10 applies them, 28.x ignores them)",
            body: #"{"Image":"busybox","Privileged":true,"Binds":["/:/host"],"CapAdd":"SYS_ADMIN","NetworkMode":"host"}"#,
            v20: ["Privileged": "true", "Binds": #"["/:/host"]"#, "CapAdd": #"["SYS_ADMIN"]"#, "NetworkMode": #""host""#],
            v28: nil),
        Row(name: "new API: HostConfig object",
            body: #"{"Image":"busybox","HostConfig":{"Privileged":true,"PidMode":"host"}}"#,
            v20: ["Privileged": "true", "PidMode": #""host""#],
            v28: ["Privileged": "true", "PidMode": #""host""#]),
        Row(name: "both: only the five merged fields come from the top level",
            body: #"{"Image":"busybox","Privileged":true,"Memory":64,"Binds":["/:/h"],"HostConfig":{"CpuShares":2},"CpuShares":9,"VolumeDriver":"x"}"#,
            v20: ["CpuShares": "2", "Memory": "64", "VolumeDriver": #""x""#],
            v28: ["CpuShares": "2"]),
        Row(name: "keys match case-insensitively",
            body: #"{"image":"busybox","hostconfig":{"privileged":true},"PRIVILEGED":false}"#,
            v20: ["Privileged": "true"], v28: ["Privileged": "true"]),
        Row(name: "top-level keys match case-insensitively too",
            body: #"{"Image":"busybox","privileged":true,"BINDS":["/:/h"]}"#,
            v20: ["Privileged": "true", "Binds": #"["/:/h"]"#], v28: nil),
        Row(name: "HostConfig null, then top-level keys",
            body: #"{"Image":"busybox","HostConfig":null,"Privileged":true}"#,
            v20: ["Privileged": "true"], v28: nil),
        Row(name: "a later HostConfig null drops an earlier one",
            body: #"{"Image":"busybox","HostConfig":{"Privileged":true},"HostConfig":null}"#,
            v20: nil, v28: nil),
        Row(name: "duplicate HostConfig objects merge",
            body: #"{"HostConfig":{"Privileged":true},"HostConfig":{"PidMode":"host"}}"#,
            v20: ["Privileged": "true", "PidMode": #""host""#], v28: ["Privileged": "true", "PidMode": #""host""#]),
        Row(name: "Cpuset (20.10) fills CpusetCpus",
            body: #"{"Image":"busybox","Cpuset":"0-1","HostConfig":{}}"#,
            v20: ["CpusetCpus": #""0-1""#], v28: [:]),
        Row(name: "Annotations only inside HostConfig (not a top-level key)",
            body: #"{"Image":"busybox","Annotations":{"a":"b"}}"#,
            v20: nil, v28: nil),
    ]

    @Test("effective HostConfig after decoding", arguments: rows)
    func effective(_ row: Row) throws {
        let body = try decodeBody(row.body, as: Self.create).get()
        for (daemon, expected) in [(DaemonLine.docker20_10, row.v20), (.docker28, row.v28)] {
            let hc = ContainerCreateBody.effectiveHostConfig(of: body, daemon: daemon)
            guard let expected else {
                #expect(hc == nil, "\(daemon)")
                continue
            }
            guard case .structure(let fields)? = hc else {
                Issue.record("\(daemon): no HostConfig"); continue
            }
            var got: [String: String] = [:]
            for f in fields {
                let type = try #require(bodyField(BodySchemas.Container.hostConfig, f.name)).type
                got[f.name] = String(decoding: try GoEncoder.encodeChecked(f.value, as: type).get(), as: UTF8.self)
            }
            #expect(got == expected, "\(daemon)")
        }
    }

    @Test("the Python SDK's and the CLI's create bodies: HostConfig read from the HostConfig object")
    func capturedCreates() throws {
        for row in CapturedBodies.all where row.route == "container.create" {
            let body = try decodeBody(row.body, as: Self.create).get()
            let v20 = ContainerCreateBody.effectiveHostConfig(of: body, daemon: .docker20_10)
            let v28 = ContainerCreateBody.effectiveHostConfig(of: body, daemon: .docker28)
            #expect(v20 != nil && v20 == v28, "\(row.client)")
        }
    }

    @Test("StrSlice fields in Config and HostConfig",
          arguments: [
            (#"{"Cmd":"echo hi"}"#, "Cmd", #"["echo hi"]"#),
            (#"{"Cmd":null}"#, "Cmd", "null"),
            (#"{"Entrypoint":["/bin/sh","-c"]}"#, "Entrypoint", #"["/bin/sh","-c"]"#),
            (#"{"Shell":[]}"#, "Shell", "[]"),
            (#"{"CapAdd":"NET_ADMIN"}"#, "CapAdd", #"["NET_ADMIN"]"#),
          ])
    func strSlices(_ body: String, _ key: String, _ expected: String) throws {
        let value = try decodeBody(body, as: Self.create).get()
        guard case .structure(let fields) = value, let f = fields.first(where: { $0.name == key }) else {
            Issue.record("\(key) missing"); return
        }
        let type = try #require(bodyField(ContainerCreateBody.wrapper, key)).type
        #expect(String(decoding: try GoEncoder.encodeChecked(f.value, as: type).get(), as: UTF8.self) == expected)
    }

    @Test("type errors are refused as the daemon refuses them",
          arguments: [
            (#"{"Cmd":5}"#, "container.create"),
            (#"{"HostConfig":{"CapAdd":[1]}}"#, "container.create"),
            (#"{"Memory":"64m"}"#, "container.create"),
            (#"{"HostConfig":{"Privileged":"true"}}"#, "container.create"),
            (#"{"HostConfig":{"BlkioWeight":70000}}"#, "container.create"),
            (#"{"HostConfig":{"PortBindings":{"80/tcp":{"HostPort":"1"}}}}"#, "container.create"),
            (#"{"ExposedPorts":{"80/tcp":1}}"#, "container.create"),
            (#"{"Cmd":"sh"}"#, "exec.create"),
            (#"{"EnableIPv6":"yes"}"#, "network.create"),
            (#"{"TaskTemplate":{"ContainerSpec":{"Command":"sh"}}}"#, "service.create"),
            (#"{"Name":1}"#, "volume.create"),
            (#""DEBUG=1""#, "plugin.set"),
            (#"{"Name":"network"}"#, "plugin.pull"),
          ])
    func typeErrors(_ body: String, _ route: String) throws {
        let type = try #require(bodySchema(for: route))
        if case .success(let v) = decodeBody(body, as: type) { Issue.record("accepted: \(v)") }
    }

    @Test("unknown keys are ignored, as Go does",
          arguments: [
            (#"{"Image":"x","NoSuchKey":{"deep":[1,2]}}"#, "container.create"),
            (#"{"Container":"web","Cmd":["id"]}"#, "exec.create"),
          ])
    func unknownKeys(_ body: String, _ route: String) throws {
        let type = try #require(bodySchema(for: route))
        #expect(throws: Never.self) { try decodeBody(body, as: type).get() }
    }

    @Test("the Python SDK's lower-case service mode reaches Mode.Replicated")
    func sdkServiceMode() throws {
        let body = #"{"Name":"svc","Mode":{"replicated":{"Replicas":2}}}"#
        let value = try decodeBody(body, as: BodySchemas.serviceCreate).get()
        let bytes = try GoEncoder.encodeChecked(value, as: BodySchemas.serviceCreate).get()
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"Name":"svc","Mode":{"Replicated":{"Replicas":2}}}"#)
    }
}
