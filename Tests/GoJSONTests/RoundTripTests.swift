import Testing
import GoJSON

/// SplitMix64: small, deterministic, good enough to explore.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}

/// Random JSON shaped like (and often unlike) a schema: right kinds most of
/// the time, case-folded and unknown keys, duplicates, nulls, odd numbers.
struct JSONGenerator {
    var rng: SplitMix64
    let strings = ["", "a", "K", "\u{212A}", "é", "e\u{301}", "<&>", "\u{2028}", "\u{0}\u{1F}\"\\", "ſ", "😀", "aGk=", "12", "null", "\"x\"", "true", "-0"]
    let numbers = ["0", "-0", "1", "-1", "127", "128", "255", "256", "1.5", "1e2", "-2.5e-3", "1e400", "9223372036854775807",
                   "9223372036854775808", "18446744073709551615", "0.1", "5e-324", "3.4028235e38", "1e21", "1e-7", "12345678901234567890"]

    mutating func value(for type: GoType, depth: Int) -> JSONValue {
        if depth > 6 || rng.chance(8) { return any(depth: depth + 1) }
        if rng.chance(7) { return .null }
        switch type {
        case .bool: return .bool(rng.chance(50))
        case .int, .uint, .float: return .number(rng.pick(numbers))
        case .string: return .string(rng.pick(strings))
        case .bytes: return rng.chance(70) ? .string(rng.pick(["", "aGk=", "aGl=", "AAEC/w==", "a\nGk=", "aGk"])) : .array([.number("1"), .number("255")])
        case .interface: return any(depth: depth + 1)
        case .pointer(let t): return value(for: t, depth: depth)
        case .custom: return rng.chance(50) ? .string(rng.pick(strings)) : .array((0..<rng.below(3)).map { _ in .string(rng.pick(strings)) })
        case .slice(let t), .array(let t, _):
            return .array((0..<rng.below(5)).map { _ in value(for: t, depth: depth + 1) })
        case .map(let k, let t):
            var members: [JSONMember] = []
            for _ in 0..<rng.below(4) {
                let key: String
                switch k {
                case .string: key = rng.pick(strings)
                case .int, .uint: key = rng.pick(["1", "01", "+1", "-1", "0", "-0", "255", "256", "x"])
                }
                members.append(JSONMember(key, value(for: t, depth: depth + 1)))
            }
            return .object(members)
        case .structure(let st):
            var members: [JSONMember] = []
            for _ in 0..<rng.below(8) {
                if rng.chance(10) {
                    members.append(JSONMember(rng.pick(["zzz", "Nope", "\u{212A}"]), any(depth: depth + 1)))
                    continue
                }
                let f = rng.pick(st.fields)
                var key = f.name
                if rng.chance(20) { key = key.uppercased() } else if rng.chance(10) { key = key.lowercased() }
                members.append(JSONMember(key, f.quoted && rng.chance(70) ? quoted(f.type) : value(for: f.type, depth: depth + 1)))
            }
            return .object(members)
        }
    }

    mutating func quoted(_ type: GoType) -> JSONValue {
        switch type {
        case .bool: return .string(rng.pick(["true", "false", "null", "tru"]))
        case .string: return .string(rng.pick(["\"x\"", "\"\\u00e9\"", "null", "x", "\"\""]))
        case .pointer(let t): return rng.chance(20) ? .string("null") : quoted(t)
        default: return .string(rng.pick(numbers + ["null", ""]))
        }
    }

    mutating func any(depth: Int) -> JSONValue {
        switch rng.below(depth > 5 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(rng.chance(50))
        case 2: return .number(rng.pick(numbers))
        case 3: return .string(rng.pick(strings))
        case 4: return .array((0..<rng.below(4)).map { _ in any(depth: depth + 1) })
        default: return .object((0..<rng.below(4)).map { _ in JSONMember(rng.pick(strings), any(depth: depth + 1)) })
        }
    }
}

@Suite("Round trips")
struct RoundTripTests {
    @Test("decode → encode → parse → decode is the identity", arguments: [
        #"{"Name":"a","name":"b","In":{"a":1},"In":{"c":[1,2]},"List":[{"a":1},{"a":2}],"List":[{"b":"x"}]}"#,
        #"{"Labels":{"é":"1","e\u0301":"2","K":"3","\u212a":"4","<&>":"\u2028"},"MapI":{"01":"a","-0":"z","+7":"p"}}"#,
        #"{"Any":{"b":1.0,"a":[1e2,null,{"z":-0}],"b":"s"},"Anys":[1e-7,1e21,0.1]}"#,
        #"{"Bytes":"aGl=","BytesL":["",null,"AAEC/w=="],"Arr":[1],"ArrS":[{"p":{"a":1}}]}"#,
        #"{"q":"012","qp":"null","qb":"true","qs":"\"a\\'b\"","qf":"-.5","qf32":"0.1","qu":"7","qsp":"\"\""}"#,
        #"{"Cmd":"ls","CmdP":["a","b"],"CmdL":[null,"x"],"CmdM":{"k":null},"PP":3,"Str":"\u0000"}"#,
        #"{"F32":3.4028235e38,"F64":-0,"I8":-128,"U64":18446744073709551615,"size":-1}"#,
        "null", "{}",
    ])
    func kitchen(_ text: String) throws {
        let value = try GoDecoder.decodeFirstValue(Array(text.utf8), as: Schemas.kitchen).get().value
        #expect(roundTrips(value, Schemas.kitchen))
    }

    @Test("encoding is canonical: sorted map keys, schema field order, no duplicates")
    func canonicalForm() throws {
        let text = #"{"ab":"2","Name":"x","NAME":"y","Labels":{"b":"1","a":"2","b":"3"},"zzz":1}"#
        let value = try GoDecoder.decodeFirstValue(Array(text.utf8), as: Schemas.kitchen).get().value
        let encoded = String(decoding: GoEncoder.encode(value, as: Schemas.kitchen), as: UTF8.self)
        #expect(encoded == #"{"Name":"y","Labels":{"a":"2","b":"3"},"ab":"2"}"#)
    }

    @Test("strings are escaped as Go escapes them")
    func escaping() {
        let s = "\"\\\u{8}\u{C}\n\r\t\u{1}<>&\u{2028}\u{2029}é😀\u{7F}"
        let out = String(decoding: GoEncoder.render(.string(s)), as: UTF8.self)
        #expect(out == #""\"\\\u0008\u000c\n\r\t\u0001\u003c\u003e\u0026\u2028\u2029é😀"# + "\u{7F}\"")
    }

    @Test("random documents: never crash, and whatever decodes round-trips", arguments: 0..<8)
    func randomDocuments(_ seed: Int) throws {
        var gen = JSONGenerator(rng: SplitMix64(state: UInt64(seed) &* 7919 &+ 17))
        var decoded = 0
        for _ in 0..<400 {
            let json = gen.value(for: Schemas.kitchen, depth: 0)
            let text = GoEncoder.render(json)
            let (parsed, consumed) = try JSONParser.parseFirstValue(text).get()
            #expect(consumed == text.count)
            #expect(exactlyEqual(parsed, json))
            guard case .success(let value) = GoDecoder.decode(parsed, as: Schemas.kitchen) else { continue }
            decoded += 1
            #expect(roundTrips(value, Schemas.kitchen), "\(String(decoding: text, as: UTF8.self))")
            // Canonical: encoding the re-decoded value gives the same bytes.
            let once = GoEncoder.encode(value, as: Schemas.kitchen)
            let again = try GoDecoder.decode(JSONParser.parse(once).get(), as: Schemas.kitchen).get()
            #expect(GoEncoder.encode(again, as: Schemas.kitchen) == once)
        }
        #expect(decoded > 20)
    }

    @Test("random byte damage: the parser and decoder never crash", arguments: 0..<4)
    func damagedDocuments(_ seed: Int) {
        var gen = JSONGenerator(rng: SplitMix64(state: UInt64(seed) &+ 1000))
        for _ in 0..<300 {
            var bytes = GoEncoder.render(gen.value(for: Schemas.kitchen, depth: 0))
            for _ in 0..<(1 + gen.rng.below(4)) where !bytes.isEmpty {
                let i = gen.rng.below(bytes.count)
                switch gen.rng.below(3) {
                case 0: bytes[i] = UInt8(truncatingIfNeeded: gen.rng.next())
                case 1: bytes.remove(at: i)
                default: bytes.insert(gen.rng.pick(Array("{}[],:\"\\ 0-.eE\u{80}".utf8)), at: i)
                }
            }
            switch JSONParser.parseFirstValue(bytes) {
            case .failure: continue
            case .success(let (json, consumed)):
                #expect(consumed <= bytes.count)
                if case .success(let value) = GoDecoder.decode(json, as: Schemas.kitchen) {
                    #expect(roundTrips(value, Schemas.kitchen))
                }
            }
        }
    }
}
