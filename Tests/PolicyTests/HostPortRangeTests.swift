import Testing
@testable import Policy

/// `HostPort.withinRange` reads a host port as `nat.ParsePortRange` does:
/// split on the "-" byte, each part ASCII digits (`strconv.ParseUint`).
struct HostPortRangeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let within: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(name: "a port inside the range", text: "8080", within: true),
        .init(name: "a range inside the range", text: "8000-8010", within: true),
        .init(name: "empty: the daemon picks an ephemeral port", text: "", within: true),
        .init(name: "a port outside the range", text: "80", within: false),
        .init(name: "a sign is not a digit (ParseUint refuses +8080)", text: "+8080", within: false),
        .init(name: "a mark after the dash does not hide it", text: "8000-\u{301}8010", within: false),
        .init(name: "a mark after a port is not a digit", text: "8080\u{301}", within: false),
        .init(name: "three parts", text: "8000-8001-8002", within: false),
        .init(name: "an open range", text: "8000-", within: false),
    ]

    @Test(arguments: cases)
    func reads(_ c: Case) {
        #expect(HostPort.withinRange(c.text, 1024...65535) == c.within)
    }
}
