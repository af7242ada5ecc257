import EngineAPI
import Foundation  // tests only: to list the shipped policy files
import Testing
@testable import Policy

/// A policy decides each catalogue route once, when it is loaded
/// (`Policy.routeDecisions`); judging a request reads that table. These
/// tests hold the table to the rule walk it replaces.
@Suite struct RouteDecisionTableTests {
    static let shipped: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot() + "/policies")) ?? [])
        .filter { $0.hasSuffix(".toml") && !$0.hasSuffix(".tests.toml") }.sorted()

    @Test func everyShippedPolicyIsCovered() {
        #expect(Self.shipped.count >= 3, "found \(Self.shipped)")
    }

    @Test(arguments: shipped)
    func tableAgreesWithTheRuleWalkOnEveryRoute(_ file: String) throws {
        let policy = try loadShippedPolicy(file)
        for route in Catalogue.routes {
            let judged = policy.evaluateRoute(PolicyInput(method: route.method, route: route))
            let walked = Policy.decide(policy.rules, method: route.method, route: route)
            #expect(judged == walked, "\(file): \(route.name)")
        }
    }

    @Test func aMethodOtherThanTheRoutesOwnWalksTheRules() throws {
        let policy = try Policy.parse(source: """
            [[rules]]
            id = "system-posts"
            action = "allow"
            groups = ["system"]
            methods = ["POST"]
            """, fileName: "t.toml")
        let ping = try #require(Catalogue.route(named: "system.ping"))
        #expect(policy.evaluateRoute(PolicyInput(method: "GET", route: ping)).rule == Decision.defaultDeny)
        // Not what the router produces (it matches by method), but the
        // table must not answer for a method it was not built with.
        let asPost = policy.evaluateRoute(PolicyInput(method: "POST", route: ping))
        #expect(asPost.rule == "system-posts" && asPost.allowed)
    }

    @Test func aRouteOutsideTheCatalogueWalksTheRules() throws {
        let policy = try loadShippedPolicy("ci.toml")
        let ping = try #require(Catalogue.route(named: "system.ping"))
        let lookalike = Route(method: ping.method, template: "/other", name: ping.name, group: ping.group, muxTemplate: "/other")
        #expect(Catalogue.index(of: lookalike) == nil)
        #expect(policy.evaluateRoute(PolicyInput(method: "GET", route: lookalike))
                == Policy.decide(policy.rules, method: "GET", route: lookalike))
    }
}
