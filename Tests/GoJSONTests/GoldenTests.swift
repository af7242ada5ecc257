import Testing
import GoJSON

/// A case whose expected outcome came from Go's own encoding/json (see
/// scripts/go-oracle): the value Go decoded, printed by json.Marshal, and the
/// bytes its Decoder consumed; or the kind of error Go returned.
struct GoldenCase: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable {
        case value(consumed: Int, json: String)
        case error(kind: String)
    }

    let name: String
    let schema: String
    let input: [UInt8]
    let expected: Expected
    /// Go accepts it; we refuse it on purpose (a form we do not emulate).
    let refuse: Bool

    /// One line of `goldenTable` (see GoldenCases.swift for the format).
    init(line: Substring) {
        let f = line.split(separator: "\t", maxSplits: 6, omittingEmptySubsequences: false)
        name = String(f[0])
        schema = String(f[1])
        input = Self.hexBytes(f[2])
        refuse = f[3] == "refuse"
        if f[4] == "ok" {
            let json = f[6].hasPrefix("hex:")
                ? String(decoding: Self.hexBytes(f[6].dropFirst(4)), as: UTF8.self)
                : String(f[6])
            expected = .value(consumed: Int(f[5])!, json: json)
        } else {
            expected = .error(kind: String(f[4]))
        }
    }

    static func hexBytes(_ hex: Substring) -> [UInt8] {
        var bytes: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let hi = it.next(), let lo = it.next() {
            bytes.append(UInt8(String(decoding: [hi, lo], as: UTF8.self), radix: 16)!)
        }
        return bytes
    }

    var testDescription: String { name }
}

let goldenCases: [GoldenCase] = goldenTable.split(separator: "\n").map { GoldenCase(line: $0) }

@Suite("Golden cases from Go's encoding/json")
struct GoldenTests {
    @Test("decodes as Go does", arguments: goldenCases)
    func golden(_ c: GoldenCase) throws {
        let type = Schemas.named(c.schema)
        let parsed = JSONParser.parseFirstValue(c.input)
        switch c.expected {
        case .error(let kind):
            let parseCode: GoDecodeError.Code? = switch kind {
            case "syntax": .syntax
            case "unexpectedEOF": .unexpectedEOF
            case "empty": .empty
            default: nil
            }
            if let parseCode {
                guard case .failure(let error) = parsed else {
                    Issue.record("Go: \(kind) error; we parsed \(parsed)")
                    return
                }
                #expect(error.code == parseCode, "\(error)")
            } else {
                guard case .success(let (json, _)) = parsed else {
                    Issue.record("Go parsed it (then failed decoding); we did not: \(parsed)")
                    return
                }
                let decoded = GoDecoder.decode(json, as: type)
                if case .success(let v) = decoded {
                    Issue.record("Go refused it (\(kind)); we decoded \(goMarshal(v, type))")
                }
            }
        case .value(let consumed, let expectedJSON):
            guard case .success(let (json, used)) = parsed else {
                Issue.record("Go decoded it; we did not parse it: \(parsed)")
                return
            }
            #expect(used == consumed)
            let decoded = GoDecoder.decode(json, as: type)
            if c.refuse {
                #expect(throws: GoDecodeError.self) { try decoded.get() }
                return
            }
            guard case .success(let value) = decoded else {
                Issue.record("Go decoded it; we refused: \(decoded)")
                return
            }
            let ours = goMarshal(value, type)
            #expect(ours.utf8.elementsEqual(expectedJSON.utf8), "\nours: \(ours)\ngo:   \(expectedJSON)")
            #expect(roundTrips(value, type), "round trip changed \(value)")
        }
    }

    @Test("the fixtures come from dockerd 20.10's Go")
    func goVersion() {
        #expect(goldenGoVersion == "go1.19.8")
        #expect(goldenCases.count > 800)
    }
}
