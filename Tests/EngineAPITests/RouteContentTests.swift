import Testing
@testable import EngineAPI

/// What of a request is judged is stored on each route, worked out once
/// from `RequestInterpreter`'s sets: it must say what the sets say.
@Suite struct RouteContentTests {
    @Test("the judged-body, judged-query and unjudgeable sets are disjoint")
    func setsAreDisjoint() {
        #expect(RequestInterpreter.judgedBodies.isDisjoint(with: RequestInterpreter.judgedQueries))
        #expect(RequestInterpreter.judgedBodies.isDisjoint(with: RequestInterpreter.unjudgeable))
        #expect(RequestInterpreter.judgedQueries.isDisjoint(with: RequestInterpreter.unjudgeable))
    }

    @Test("every set names catalogue routes")
    func setsNameRoutes() {
        let names = Set(Catalogue.routes.map(\.name))
        for set in [RequestInterpreter.judgedBodies, RequestInterpreter.judgedQueries, RequestInterpreter.unjudgeable] {
            #expect(set.subtracting(names).isEmpty, "\(set.subtracting(names))")
        }
    }

    @Test("each catalogue route's content is its set's")
    func eachRouteSaysWhatItsSetSays() {
        for route in Catalogue.routes {
            let expected: RouteContent = RequestInterpreter.unjudgeable.contains(route.name) ? .unjudgeable
                : RequestInterpreter.judgedBodies.contains(route.name) ? .judgedBody
                : RequestInterpreter.judgedQueries.contains(route.name) ? .judgedQuery : .routeOnly
            #expect(route.content == expected, "\(route.name)")
        }
        #expect(Catalogue.routes.filter { $0.content == .judgedBody }.count == RequestInterpreter.judgedBodies.count)
    }
}
