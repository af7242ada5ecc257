// JudgeTime: CPU time of Catalogue.resolve + Policy.judge for one crafted
// body on one route, with the proxy's host environment (HostFileSystem:
// realpath and stat as on the loop thread). For hostile-input measurements.
//   JudgeTime METHOD TARGET BODYFILE [POLICY] [ROUNDS]
import EngineAPI
import Foundation
import GoJSON
import Glibc
import HTTP1
import Policy
import Proxy

func cpuNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

let args = CommandLine.arguments
// JudgeTime --dockerfile FILE: Dockerfile.references (what a judging thread runs on a build's Dockerfile).
if args[1] == "--dockerfile" {
    let text = [UInt8](FileManager.default.contents(atPath: args[2])!)
    var best = UInt64.max
    var last = ""
    for _ in 0..<3 {
        let t0 = cpuNanos()
        let parsed = Dockerfile.references(text, buildArgs: BuildArgs())
        best = min(best, cpuNanos() - t0)
        last = "\(parsed)".prefix(120).description
    }
    print(String(format: "%9.3f ms  %8d bytes  %@", Double(best) / 1e6, text.count, last))
    exit(0)
}
// JudgeTime --head FILE: parse a request head (default limits) and resolve its route.
if args[1] == "--head" {
    let head = [UInt8](FileManager.default.contents(atPath: args[2])!)
    var best = UInt64.max
    var last = ""
    for _ in 0..<5 {
        let t0 = cpuNanos()
        var parser = RequestHeadParser(limits: HTTPLimits())
        let parsed = parser.parse(head)
        var resolution: RouteResolution?
        if case .complete(let h, _) = parsed { resolution = Catalogue.resolve(method: h.method, target: h.target) }
        best = min(best, cpuNanos() - t0)
        switch parsed {
        case .complete(let h, _): last = "head ok, \(h.headers.count) headers; route \(resolution!)".prefix(200).description
        case .failure(let e): last = "refused: \(e)"
        case .needMore: last = "needs more"
        }
    }
    print(String(format: "%9.3f ms  %8d bytes  %@", Double(best) / 1e6, head.count, last))
    exit(0)
}
let method = args[1], target = args[2]
let body = [UInt8](FileManager.default.contents(atPath: args[3])!)
let policyPath = args.count > 4 ? args[4] : "policies/ci.toml"
let rounds = args.count > 5 ? Int(args[5])! : 5
let policy = try! Policy.parse(bytes: [UInt8](FileManager.default.contents(atPath: policyPath)!), fileName: policyPath)
let env: HostEnvironment = ProcessInfo.processInfo.environment["LITERAL"] != nil ? LiteralHostEnvironment() : HostFileSystem(upstreamSocket: "/var/run/docker.sock")
var best = UInt64.max
var last = ""
for _ in 0..<rounds {
    let t0 = cpuNanos()
    guard case .matched(let m) = Catalogue.resolve(method: method, target: target) else { fatalError("route") }
    var input = PolicyInput(method: method, route: m.route, apiVersion: m.apiVersion, rawQuery: m.rawQuery, contentType: "application/json")
    input.parameters = m.parameters
    input.body = .complete(body, contentType: "application/json")
    let j = policy.judge(input, environment: env)
    let t = cpuNanos() - t0
    best = min(best, t)
    last = "\(j.decision.verdict) \(j.decision.reason.prefix(160))"
}
print(String(format: "%9.3f ms  %8d bytes  %@", Double(best) / 1e6, body.count, last))
