// Fuzz target: the JSON scanner, Go's encoding/json decoding semantics and
// the canonical encoder, on arbitrary bytes, against every body schema the
// policy judges (container create first among them, service and swarm specs
// for the []byte/base64 fields).
//
// Properties:
// 1. No crash, whatever the bytes (the encoder's own precondition included:
//    it stops the process on a value the decoder should never produce).
// 2. Deterministic: parsing and decoding twice give equal results.
// 3. `parse` (json.Unmarshal) accepts a subset of what `parseFirstValue`
//    (json.Decoder.Decode) accepts, with the same value, and only
//    whitespace after it.
// 4. Rendering a parsed value and parsing it again gives the same value;
//    interface{} normalisation is idempotent.
// 5. Canonical form: for every schema (the body schemas of every judged
//    route), a value the decoder produced
//    encodes (`encodeChecked` succeeds), the encoding is a single JSON value
//    that decodes to an equal value, and encoding that again gives the same
//    bytes: encode(decode(encode(v))) == encode(v).
// 6. Single pass = reference path: for every schema, `decodeFirstValue`
//    (DirectDecoder, falling back to the reference path) gives what
//    `decodeFirstValueReference` (parse, then decode) gives: the same value,
//    bytes consumed and encoding, or the same error.
// 7. Canonical text: `decodeFirstValueAndCanonical` (which forwards a body's
//    own bytes when the single pass finds them canonical) gives the value
//    `decodeFirstValue` gives and exactly GoEncoder's encoding of it.

import EngineAPI
import FuzzSupport
import GoJSON

let schemas: [(name: String, type: GoType)] = [
    ("container.create", BodySchemas.containerCreate),
    ("container.update", BodySchemas.containerUpdate),
    ("exec.create", BodySchemas.execCreate),
    ("volume.create", BodySchemas.volumeCreate),
    ("network.create", BodySchemas.networkCreate),
    ("network.connect", BodySchemas.networkConnect),
    ("service.create", .structure(BodySchemas.Swarm.serviceSpec)),
    ("swarm.init", .structure(BodySchemas.Swarm.initRequest)),
    ("swarm.join", .structure(BodySchemas.Swarm.joinRequest)),
    ("swarm.update", .structure(BodySchemas.Swarm.spec)),
    ("plugin.pull", BodySchemas.Plugin.privileges),
    ("plugin.set", BodySchemas.Plugin.setArgs),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGoJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)

    let first = JSONParser.parseFirstValue(bytes)
    Property.check(sameFirst(first, JSONParser.parseFirstValue(bytes)), "parseFirstValue is deterministic")
    let whole = JSONParser.parse(bytes)
    Property.check(whole == JSONParser.parse(bytes) , "parse is deterministic")
    if case .success(let value) = whole {
        guard case .success(let (firstValue, consumed)) = first else {
            Property.fail("parse accepted what parseFirstValue refused")
        }
        Property.check(firstValue == value, "parse and parseFirstValue read the same value")
        Property.check(bytes[consumed...].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D },
                       "parse accepted non-whitespace after the value")
    }
    for schema in schemas {
        checkSinglePass(bytes, schema.name, schema.type)
    }

    guard case .success(let (json, consumed)) = first else { return 0 }
    Property.check(consumed > 0 && consumed <= bytes.count, "consumed \(consumed) is within the input")

    let rendered = GoEncoder.render(json)
    Property.check(JSONParser.parse(rendered) == .success(json), "render then parse gives the value back: \(Printable.bytes(rendered))")

    let normalised = GoDecoder.interfaceValue(json)
    Property.check(normalised == GoDecoder.interfaceValue(json), "interface{} normalisation is deterministic")
    if case .success(let any) = normalised {
        let text = GoEncoder.render(any)
        guard case .success(let reparsed) = JSONParser.parse(text) else {
            Property.fail("a normalised interface{} value renders as invalid JSON: \(Printable.bytes(text))")
        }
        Property.check(GoDecoder.interfaceValue(reparsed) == .success(any), "interface{} normalisation is idempotent")
    }

    for schema in schemas {
        let decoded = GoDecoder.decode(json, as: schema.type)
        Property.check(decoded == GoDecoder.decode(json, as: schema.type), "\(schema.name): decoding is deterministic")
        guard case .success(let value) = decoded else { continue }
        let encoded: [UInt8]
        switch GoEncoder.encodeChecked(value, as: schema.type) {
        case .success(let bytes): encoded = bytes
        case .failure(let error): Property.fail("\(schema.name): a decoded value does not encode: \(error)")
        }
        guard case .success(let reparsed) = JSONParser.parse(encoded) else {
            Property.fail("\(schema.name): the canonical encoding is not one JSON value: \(Printable.bytes(encoded))")
        }
        guard case .success(let again) = GoDecoder.decode(reparsed, as: schema.type) else {
            Property.fail("\(schema.name): the canonical encoding does not decode: \(Printable.bytes(encoded)) \(GoDecoder.decode(reparsed, as: schema.type))")
        }
        Property.check(again == value, "\(schema.name): the canonical encoding decodes to an equal value; encoding: \(Printable.bytes(encoded))\n  first:  \(value)\n  second: \(again)")
        let reencoded = GoEncoder.encodeChecked(again, as: schema.type)
        Property.check(reencoded == .success(encoded),
                       "\(schema.name): encode(decode(encode(v))) == encode(v): \(Printable.bytes(encoded)) vs \(reencoded.map { Printable.bytes($0) })")
    }
    return 0
}

func sameFirst(_ a: Result<(value: JSONValue, consumed: Int), GoDecodeError>,
               _ b: Result<(value: JSONValue, consumed: Int), GoDecodeError>) -> Bool {
    switch (a, b) {
    case (.success(let x), .success(let y)): return x.value == y.value && x.consumed == y.consumed
    case (.failure(let x), .failure(let y)): return x == y && x.message == y.message
    default: return false
    }
}

func checkSinglePass(_ bytes: [UInt8], _ name: String, _ type: GoType) {
    let fast = GoDecoder.decodeFirstValue(bytes, as: type)
    let reference = GoDecoder.decodeFirstValueReference(bytes, as: type)
    switch (fast, reference) {
    case (.success(let f), .success(let r)):
        let encoded = GoEncoder.encodeChecked(f.value, as: type)
        Property.check(f.consumed == r.consumed && f.value == r.value
                       && encoded == GoEncoder.encodeChecked(r.value, as: type),
                       "\(name): the single pass and the reference path decode differently:\n  single pass: \(f)\n  reference:   \(r)")
        switch GoDecoder.decodeFirstValueAndCanonical(bytes, as: type) {
        case .success(let (value, canonical)):
            Property.check(value == f.value && canonical == encoded,
                           "\(name): the canonical text is not GoEncoder's: \(canonical.map { Printable.bytes($0) }) vs \(encoded.map { Printable.bytes($0) })")
        case .failure(let error):
            Property.fail("\(name): decodeFirstValueAndCanonical fails (\(error)) where decodeFirstValue succeeds")
        }
    case (.failure(let f), .failure(let r)):
        Property.check(f == r, "\(name): the single pass and the reference path fail differently: \(f) vs \(r)")
    default:
        Property.fail("\(name): single pass \(fast), reference \(reference)")
    }
}
