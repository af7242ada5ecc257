@testable import EngineAPI
import GoJSON
import Testing

@Suite("POST /build query parameters")
struct BuildQueryTests {
    @Test("every parameter newImageBuildOptions reads is listed once")
    func complete() {
        let names = BuildQuery.parameters.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(Set(names) == [
            "dockerfile", "q", "nocache", "forcerm", "pull", "memswap", "memory", "cpushares", "cpuperiod",
            "cpuquota", "cpusetcpus", "cpusetmems", "cgroupparent", "networkmode", "t", "extrahosts",
            "securityopt", "squash", "target", "remote", "session", "buildid", "rm", "platform", "outputs",
            "shmsize", "isolation", "ulimits", "buildargs", "labels", "cachefrom", "version",
        ])
    }

    @Test("security-relevant parameters are flagged",
          arguments: ["networkmode", "extrahosts", "securityopt", "cgroupparent", "shmsize", "ulimits",
                      "isolation", "platform", "remote", "buildargs", "version", "memory"])
    func flagged(_ name: String) throws {
        #expect(try #require(BuildQuery.parameter(named: name)).securityRelevant)
    }

    @Test("extrahosts and t are repeated values, not JSON")
    func repeated() throws {
        for name in ["extrahosts", "t", "securityopt"] {
            guard case .stringList = try #require(BuildQuery.parameter(named: name)).parse else {
                Issue.record("\(name) is not a list"); continue
            }
        }
    }

    /// The JSON parameters as the docker CLI 28.2.2 sent them (captured):
    /// `docker build --ulimit nofile=1:2 --build-arg A=1 --build-arg B --label l=v --cache-from x`.
    @Test("the CLI's JSON-valued parameters fit their Go types",
          arguments: [
            ("ulimits", #"[{"Name":"nofile","Hard":2,"Soft":1}]"#),
            ("buildargs", #"{"A":"1","B":null}"#),
            ("labels", #"{"l":"v"}"#),
            ("cachefrom", #"["x"]"#),
            ("outputs", #"[{"Type":"local","Attrs":{"dest":"/out"}}]"#),
          ])
    func jsonValues(_ name: String, _ value: String) throws {
        guard case .json(let type) = try #require(BuildQuery.parameter(named: name)).parse else {
            Issue.record("\(name) is not JSON"); return
        }
        #expect(schemaProblems(bodyJSON(value), type).isEmpty)
    }

    @Test("version gates")
    func gates() throws {
        #expect(try #require(BuildQuery.parameter(named: "platform")).since == "1.32")
        #expect(try #require(BuildQuery.parameter(named: "outputs")).since == "1.40")
        guard case .oneOf(let values) = try #require(BuildQuery.parameter(named: "version")).parse else {
            Issue.record("version"); return
        }
        #expect(values == ["1", "2"])
    }
}
