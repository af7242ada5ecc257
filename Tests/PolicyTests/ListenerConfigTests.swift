import Testing
@testable import Policy

@Suite("listeners files: [[job]] and [[peer]] tables")
struct ListenerConfigTests {
    static func parse(_ text: String) -> Result<ListenerConfig, PolicyError> {
        do { return .success(try ListenerConfig.parse(source: text, fileName: "l.toml")) } catch { return .failure(error) }
    }

    @Test("a peer names exactly one whole-number id",
          arguments: [("[[peer]]\nuid = 2001\npolicy = \"p.toml\"\n", 2001 as UInt32?, nil as UInt32?),
                      ("[[peer]]\ngid = 0\npolicy = \"p.toml\"\n", nil, 0),
                      ("[[peer]]\ngid = 4294967295\npolicy = \"p.toml\"\n", nil, 4294967295)])
    func peer(_ c: (String, UInt32?, UInt32?)) throws {
        let config = try Self.parse(c.0).get()
        #expect(config.peers.map(\.uid) == [c.1])
        #expect(config.peers.map(\.gid) == [c.2])
    }

    @Test("an id that is not a whole number in range is an error at its position, not a missing key",
          arguments: [("[[peer]]\nuid = 2001\ngid = \"3001\"\npolicy = \"p.toml\"\n", 3),
                      ("[[peer]]\nuid = -1\npolicy = \"p.toml\"\n", 2),
                      ("[[peer]]\ngid = 4294967296\npolicy = \"p.toml\"\n", 2)])
    func badID(_ c: (String, Int)) {
        guard case .failure(let error) = Self.parse(c.0) else {
            Issue.record("accepted: \(c.0)")
            return
        }
        #expect(error.line == c.1)
        #expect(error.message.contains("must be a whole number from 0 to 4294967295"))
    }

    @Test("both ids, or neither, is refused")
    func exactlyOne() {
        for text in ["[[peer]]\nuid = 1\ngid = 1\npolicy = \"p.toml\"\n", "[[peer]]\npolicy = \"p.toml\"\n"] {
            guard case .failure(let error) = Self.parse(text) else {
                Issue.record("accepted: \(text)")
                continue
            }
            #expect(error.message.contains("exactly one of uid = N or gid = N"))
        }
    }
}
