// bench/micro: the judged-body path of one `docker run` container create,
// stage by stage, beside baselines measured in the same run. See bench/README.md.
import EngineAPI
import Foundation
import GoJSON
import Policy

/// Everything runs in a nonisolated static function: top-level code would be
/// MainActor-isolated, and every stage closure would then check its executor.
@main
enum MicroBench {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        func option(_ name: String, _ fallback: String) -> String {
            guard let i = arguments.firstIndex(of: name), arguments.index(after: i) < arguments.endIndex else { return fallback }
            return arguments[arguments.index(after: i)]
        }
        let root = option("--root", ".")
        let rounds = Int(option("--rounds", "7")) ?? 7
        let roundMs = Double(option("--round-ms", "60")) ?? 60
        let only = option("--only", "")

        func load(_ path: String) -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: root + "/" + path) else {
                fatalError("cannot read \(root)/\(path) (run from the repository root, or pass --root)")
            }
            return [UInt8](data)
        }

        let policyPath = option("--policy", "policies/ci.toml")
        let body = load(option("--body", "bench/bodies/container-create.json"))
        let policy: Policy
        do {
            policy = try Policy.parse(bytes: load(policyPath), fileName: policyPath)
        } catch {
            fatalError("\(error)")
        }
        let method = "POST"
        let target = "/v1.51/containers/create"
        let contentType = "application/json"
        let environment = LiteralHostEnvironment()

        guard case .matched(let match) = Catalogue.resolve(method: method, target: target) else { fatalError("route") }
        let schema = GoType.structure(ContainerCreateBody.wrapper)

        /// The PolicyInput exactly as Connection+Requests.swift builds it for a judged body.
        func policyInput(_ match: EndpointMatch) -> PolicyInput {
            var input = PolicyInput(method: method, route: match.route, apiVersion: match.apiVersion,
                                    rawQuery: match.rawQuery, contentType: contentType)
            input.parameters = match.parameters
            input.body = .complete(body, contentType: contentType)
            return input
        }

        // What the stages below work on, prepared once.
        let input = policyInput(match)
        let judgement = policy.judge(input, environment: environment)
        guard judgement.decision.allowed, let forwarded = judgement.forwardBody, let facts = judgement.facts else {
            fatalError("the create body is not allowed by \(policyPath): \(judgement.decision.reason)")
        }
        guard case .success(let decoded) = GoDecoder.decodeFirstValue(body, as: schema) else { fatalError("decode") }
        let bodyData = Data(body)

        let stages: [Stage] = [
            Stage(name: "copy", what: "baseline: copy the 1468 body bytes into a new [UInt8]") {
                var copy = [UInt8](repeating: 0, count: body.count)
                copy.withUnsafeMutableBytes { dst in body.withUnsafeBytes { dst.copyMemory(from: $0) } }
                return copy.count
            },
            Stage(name: "jsonserialization", what: "baseline: Foundation JSONSerialization.jsonObject of the body") {
                let object = try! JSONSerialization.jsonObject(with: bodyData)
                return (object as! NSDictionary).count
            },
            Stage(name: "resolve", what: "Catalogue.resolve(POST /v1.51/containers/create)") {
                if case .matched(let m) = Catalogue.resolve(method: method, target: target) { return m.parameters.count + 1 }
                return 0
            },
            Stage(name: "parse", what: "JSONParser.parseFirstValue (JSON text only)") {
                if case .success(let r) = JSONParser.parseFirstValue(body) { return r.consumed }
                return 0
            },
            Stage(name: "decode", what: "GoDecoder.decodeFirstValue against the create schema (parse included)") {
                if case .success(let r) = GoDecoder.decodeFirstValue(body, as: schema) { return r.consumed }
                return 0
            },
            Stage(name: "encode", what: "GoEncoder.encode of the decoded body (the forwarded bytes)") {
                GoEncoder.encode(decoded.value, as: schema).count
            },
            Stage(name: "facts", what: "ContainerFacts.extract from the decoded body (what RequestInterpreter asks for)") {
            let value = decoded.value
            let endpoints = value[field: "NetworkingConfig"]?[field: "EndpointsConfig"]?.mapEntries ?? []
            return ContainerFacts.extract(config: value, hostConfig: value[field: "HostConfig"], endpoints: endpoints).asks.count
        },
        Stage(name: "interpret", what: "RequestInterpreter.interpret: decode + facts + encode") {
                if case .success(let i) = RequestInterpreter.interpret(route: match.route, parameters: match.parameters, rawQuery: match.rawQuery,
                                                                      body: body, contentType: contentType) {
                    return i.facts.asks.count + (i.canonicalBody?.count ?? 0)
                }
                return 0
            },
            Stage(name: "judge", what: "Policy.judge with the proxy's PolicyInput (decode, facts, rules, encode)") {
                let j = policy.judge(policyInput(match), environment: environment)
                return (j.forwardBody?.count ?? 0) + (j.facts?.asks.count ?? 0)
            },
            Stage(name: "facts-json", what: "FactsJSON.render of the judged facts (the audit record's facts)") {
                FactsJSON.render(facts).count
            },
            Stage(name: "proxy-path", what: "resolve + judge + facts rendering: what the proxy does per create") {
                guard case .matched(let m) = Catalogue.resolve(method: method, target: target) else { return 0 }
                let j = policy.judge(policyInput(m), environment: environment)
                return (j.forwardBody?.count ?? 0) + (j.facts.map(FactsJSON.render)?.count ?? 0)
            },
        ]

        print("body: \(body.count) bytes, forwarded: \(forwarded.count) bytes, facts: \(facts.asks.count) asks; policy \(policyPath)")
        print("CPU time of this thread, best and median of \(rounds) rounds of ~\(Int(roundMs)) ms")
        print("")
        func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, n - s.count))
            return left ? fill + s : s + fill
        }
        print(pad("stage", 18) + pad("ns/op", 10, left: true) + pad("median", 10, left: true) + pad("allocs/op", 11, left: true)
              + pad("x copy", 9, left: true) + pad("x JSONSer", 10, left: true) + "  what")
        var copyNs = 0.0
        var foundationNs = 0.0
        for stage in stages where only.isEmpty || only.split(separator: ",").contains(Substring(stage.name)) {
            let m = measure(stage, rounds: rounds, roundMs: roundMs)
            if stage.name == "copy" { copyNs = m.bestNs }
            if stage.name == "jsonserialization" { foundationNs = m.bestNs }
            func ratio(_ base: Double) -> String { base > 0 ? String(format: "%.1f", m.bestNs / base) : "-" }
            print(pad(stage.name, 18) + pad(String(format: "%.0f", m.bestNs), 10, left: true)
                  + pad(String(format: "%.0f", m.medianNs), 10, left: true)
                  + pad(String(format: "%.1f", m.allocations), 11, left: true)
                  + pad(ratio(copyNs), 9, left: true) + pad(ratio(foundationNs), 10, left: true) + "  " + stage.what)
        }
        if sink == 42 { print("") }
    }
}
