/// Why a message was refused. The proxy answers with `status` and a
/// Docker-style `{"message": …}` built from `message`, then closes the connection.
public struct HTTPError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case malformedRequestLine = "malformed_request_line"
        case unsupportedVersion = "unsupported_http_version"
        case malformedHeader = "malformed_header"
        case obsFold = "obs_fold"
        case bareLineFeed = "bare_lf"
        case headTooLarge = "head_too_large"
        case tooManyHeaders = "too_many_headers"
        case invalidContentLength = "invalid_content_length"
        case conflictingFraming = "conflicting_framing"
        case unsupportedTransferEncoding = "unsupported_transfer_encoding"
        case missingHost = "missing_host"
        case duplicateHost = "duplicate_host"
        case unsupportedExpectation = "unsupported_expectation"
        case malformedChunk = "malformed_chunk"
        case trailersNotSupported = "trailers_not_supported"
        case malformedStatusLine = "malformed_status_line"
        case tooManyInterimResponses = "too_many_interim_responses"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The status a server answers with.
    public var status: Int {
        switch code {
        case .headTooLarge, .tooManyHeaders: return 431
        case .unsupportedVersion: return 505
        case .unsupportedTransferEncoding: return 501
        case .unsupportedExpectation: return 417
        default: return 400
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func == (a: HTTPError, b: HTTPError) -> Bool { a.code == b.code }
}
