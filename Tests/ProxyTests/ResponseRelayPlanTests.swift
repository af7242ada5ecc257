import HTTP1
import Testing
@testable import Proxy

/// The response thread's one decision per final response head: the hijack
/// verdict the request thread waits for, and how the answer is relayed.
/// A hijack candidate must get a verdict whichever way its answer goes (a job
/// socket's filtered `images/json` with `Connection: Upgrade` once got none,
/// and its connection hung with both threads for good).
@Suite struct ResponseRelayPlanTests {
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let candidate: Bool
        let routeHijacks: Bool
        let status: Int
        let framing: BodyFraming
        let rewrites: Bool
        let warns: Bool
        let plan: ResponseRelayPlan
        var description: String { name }
    }

    static func p(_ verdict: Bool?, _ way: ResponseRelayPlan.Way) -> ResponseRelayPlan { ResponseRelayPlan(verdict: verdict, way: way) }

    static let cases: [Case] = [
        Case(name: "an ordinary answer", candidate: false, routeHijacks: false, status: 200, framing: .length(2),
             rewrites: false, warns: false, plan: p(nil, .plain)),
        Case(name: "attach's raw-stream 200 takes over", candidate: true, routeHijacks: true, status: 200, framing: .untilClose,
             rewrites: false, warns: false, plan: p(true, .hijack)),
        Case(name: "attach's 101 takes over", candidate: true, routeHijacks: true, status: 101, framing: .none,
             rewrites: false, warns: false, plan: p(true, .hijack)),
        Case(name: "a detached exec start's 200 with a length does not", candidate: true, routeHijacks: true, status: 200, framing: .length(0),
             rewrites: false, warns: false, plan: p(false, .plain)),
        Case(name: "an upgrade on a route that does not hijack, answered 200", candidate: true, routeHijacks: false, status: 200, framing: .untilClose,
             rewrites: false, warns: false, plan: p(false, .plain)),
        Case(name: "an upgrade answered 101 takes over", candidate: true, routeHijacks: false, status: 101, framing: .none,
             rewrites: false, warns: false, plan: p(true, .hijack)),
        Case(name: "a filtered answer to an upgrade request still gets its verdict", candidate: true, routeHijacks: false, status: 200,
             framing: .length(100), rewrites: true, warns: false, plan: p(false, .rewrite)),
        Case(name: "a filtered route's error to an upgrade request gets its verdict", candidate: true, routeHijacks: false, status: 500,
             framing: .length(10), rewrites: true, warns: false, plan: p(false, .rewrite)),
        Case(name: "a filtered route answered 101 is a take-over, not filtered", candidate: true, routeHijacks: false, status: 101,
             framing: .none, rewrites: true, warns: false, plan: p(true, .hijack)),
        Case(name: "a filtered answer, no upgrade", candidate: false, routeHijacks: false, status: 200, framing: .chunked,
             rewrites: true, warns: false, plan: p(nil, .rewrite)),
        Case(name: "a warned create with an upgrade gets its verdict", candidate: true, routeHijacks: false, status: 201, framing: .length(90),
             rewrites: false, warns: true, plan: p(false, .warn)),
        Case(name: "a warned attach takes over with the warning in its head", candidate: true, routeHijacks: true, status: 200,
             framing: .untilClose, rewrites: false, warns: true, plan: p(true, .warn)),
        Case(name: "a 101 to a request that asked for no upgrade is no take-over", candidate: false, routeHijacks: false, status: 101,
             framing: .none, rewrites: false, warns: false, plan: p(nil, .plain)),
    ]

    @Test(arguments: cases) func plan(_ c: Case) {
        #expect(ResponseRelayPlan.plan(hijackCandidate: c.candidate, routeHijacks: c.routeHijacks, status: c.status, framing: c.framing,
                                       rewrites: c.rewrites, warns: c.warns) == c.plan)
    }

    /// Every hijack candidate gets a verdict, on every combination.
    @Test func everyCandidateGetsAVerdict() {
        for routeHijacks in [false, true] {
            for status in [100, 101, 200, 201, 204, 304, 404, 500] {
                for framing: BodyFraming in [.none, .length(0), .length(5), .chunked, .untilClose] {
                    for rewrites in [false, true] {
                        for warns in [false, true] {
                            let plan = ResponseRelayPlan.plan(hijackCandidate: true, routeHijacks: routeHijacks, status: status,
                                                              framing: framing, rewrites: rewrites, warns: warns)
                            #expect(plan.verdict != nil)
                            #expect((plan.verdict == true) == (plan.way == .hijack || (plan.way == .warn && plan.verdict == true)))
                        }
                    }
                }
            }
        }
    }
}
