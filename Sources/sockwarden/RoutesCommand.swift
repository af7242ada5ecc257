import Glibc
import EngineAPI

func runRoutes(_ args: ArraySlice<String>) -> Never {
    let flags: Flags
    do {
        flags = try Flags(args, specs: [.init(name: "help", takesValue: false), .init(name: "group", takesValue: true)])
    } catch {
        fail("routes: \(error); run 'sockwarden help routes'")
    }
    if flags.has("help") {
        print(routesHelp)
        exit(0)
    }
    var routes = Catalogue.routes
    if let group = flags["group"] {
        guard let g = RouteGroup(rawValue: group) else {
            fail("routes: unknown group \"\(group)\"; groups: \(RouteGroup.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        routes = routes.filter { $0.group == g }
    }
    let methodWidth = 7
    let pathWidth = max(4, routes.map(\.template.count).max() ?? 4) + 2
    let nameWidth = max(4, routes.map(\.name.count).max() ?? 4) + 2
    func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
    print(pad("METHOD", methodWidth) + pad("PATH", pathWidth) + pad("ROUTE", nameWidth) + "GROUP")
    for route in routes {
        print(pad(route.method, methodWidth) + pad(route.template, pathWidth) + pad(route.name, nameWidth) + route.group.rawValue)
    }
    exit(0)
}
