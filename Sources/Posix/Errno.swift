import CShims
import Glibc

/// An errno from a named system call. Compared by `code`.
public struct SystemError: Error, CustomStringConvertible, Equatable, Sendable {
    public let call: String
    public let code: Int32

    public init(_ call: String, code: Int32) {
        self.call = call
        self.code = code
    }

    public var description: String {
        "\(call): \(String(cString: strerror(code)))"
    }

    public static func last(_ call: String) -> SystemError {
        SystemError(call, code: sw_errno())
    }
}

/// Runs a system call, retrying on EINTR, and maps -1 to `SystemError`.
@inline(__always)
public func retryingEINTR<T: FixedWidthInteger>(_ call: String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = sw_errno()
        if code == EINTR { continue }
        throw SystemError(call, code: code)
    }
}
