import EngineAPI

/// How one request would be routed and judged, without a daemon: what
/// `sockwarden explain` prints and what `sockwarden test` checks.
public struct WhatIf: Sendable {
    public let judgement: Judgement
    /// The catalogue route; nil for an unknown route or an invalid target.
    public let route: Route?
    /// The `/vX.Y` of the target, nil when unversioned.
    public let apiVersion: String?

    public var decision: Decision { judgement.decision }
}

extension Policy {
    /// Routes `target` as the daemon would, then judges it under the
    /// policy's mode, as `serve` does for a request with this body.
    /// - Parameters:
    ///   - body: the request body, nil when there is none.
    ///   - contentType: the Content-Type header; nil means none was sent.
    public func whatIf(method: String, target: String, body: [UInt8]?, contentType: String?,
                       environment: HostEnvironment = LiteralHostEnvironment()) -> WhatIf {
        switch Catalogue.resolve(method: method, target: target) {
        case .matched(let match):
            var input = PolicyInput(method: method, route: match.route, apiVersion: match.apiVersion, rawQuery: match.rawQuery,
                                    body: body.map { .complete($0, contentType: contentType) }, contentType: contentType)
            input.parameters = match.parameters
            return WhatIf(judgement: judge(input, environment: environment), route: match.route, apiVersion: match.apiVersion)
        case .unknown:
            return WhatIf(judgement: judge(PolicyInput(method: method, route: nil), environment: environment), route: nil, apiVersion: nil)
        case .invalid(let reason):
            let decision = Decision(verdict: .deny, rule: "invalid-target", reason: reason)
            return WhatIf(judgement: Judgement(decision: decision, mode: mode, forwards: false, forwardBody: nil, facts: nil),
                          route: nil, apiVersion: nil)
        }
    }
}

/// `--api-version 1.41` / `api-version = "1.41"`: the version prefix put in
/// front of an unversioned path.
public enum APIVersionPrefix {
    /// "1.41" → "/v1.41/containers/json". An error text when the version is
    /// not `MAJOR.MINOR` or the target already has a version prefix.
    public static func apply(_ version: String, to target: String) -> Result<String, PrefixError> {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
            return .failure(PrefixError(description: "API version \"\(version)\" must look like 1.41"))
        }
        if let existing = versionPrefix(of: target) {
            return .failure(PrefixError(description: "\(target) already names API version \(existing); drop the API version or the /v\(existing) prefix"))
        }
        guard target.hasPrefix("/") else {
            return .failure(PrefixError(description: "\(target) must start with \"/\""))
        }
        return .success("/v\(version)\(target)")
    }

    /// The X.Y of a `/vX.Y/` prefix, if the target has one.
    public static func versionPrefix(of target: String) -> String? {
        guard target.hasPrefix("/v") else { return nil }
        let rest = target.dropFirst(2)
        let version = rest.prefix { $0 == "." || ($0.isASCII && $0.isNumber) }
        guard let first = version.first, first.isNumber else { return nil }
        let after = rest.dropFirst(version.count)
        guard after.isEmpty || after.first == "/" || after.first == "?" else { return nil }
        return String(version)
    }

    public struct PrefixError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }
}
