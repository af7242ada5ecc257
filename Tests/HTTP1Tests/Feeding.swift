@testable import HTTP1

/// Feeds a head parser the whole input at once, or one byte more at a time
/// (as a dribbling client would), and returns the outcome either way.
enum Feed: String, CaseIterable, CustomStringConvertible {
    case allAtOnce, byteByByte

    var description: String { rawValue }

    func requestHead(_ input: [UInt8], limits: HTTPLimits = .default) -> HeadParseResult<RequestHead> {
        var parser = RequestHeadParser(limits: limits)
        switch self {
        case .allAtOnce:
            return parser.parse(input)
        case .byteByByte:
            for end in 1...input.count {
                let result = parser.parse(Array(input[0..<end]))
                if case .needMore = result { continue }
                return result
            }
            return .needMore
        }
    }

    func responseHead(_ input: [UInt8]) -> HeadParseResult<ResponseHead> {
        var parser = ResponseHeadParser()
        switch self {
        case .allAtOnce:
            return input.withUnsafeBytes { parser.parse($0) }
        case .byteByByte:
            for end in 1...input.count {
                let result = Array(input[0..<end]).withUnsafeBytes { parser.parse($0) }
                if case .needMore = result { continue }
                return result
            }
            return .needMore
        }
    }

    func responseSummary(_ input: [UInt8]) -> HeadParseResult<ResponseSummary> {
        var parser = ResponseHeadParser()
        switch self {
        case .allAtOnce:
            return input.withUnsafeBytes { parser.parseSummary($0) }
        case .byteByByte:
            for end in 1...input.count {
                let result = Array(input[0..<end]).withUnsafeBytes { parser.parseSummary($0) }
                if case .needMore = result { continue }
                return result
            }
            return .needMore
        }
    }

    /// Decodes a chunked body; returns the decoded data, the bytes consumed and the final status.
    func chunked(_ input: [UInt8], allowTrailers: Bool = false) -> (data: [UInt8], consumed: Int, status: ChunkedDecoder.Status) {
        var decoder = ChunkedDecoder(allowTrailers: allowTrailers)
        var data: [UInt8] = []
        let step = self == .allAtOnce ? max(input.count, 1) : 1
        var offset = 0
        var status = ChunkedDecoder.Status.needMore
        while offset < input.count {
            let slice = Array(input[offset..<min(offset + step, input.count)])
            let (used, s) = slice.withUnsafeBytes { decoder.decode($0) { data += $0 } }
            offset += used
            status = s
            if s != .needMore { break }
        }
        return (data, offset, status)
    }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
