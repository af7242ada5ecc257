#if canImport(Glibc)
import Glibc
#endif

/// A property every input must satisfy. When it does not, the process stops
/// (libFuzzer reports the crash and saves the input as `crash-<sha1>`), after
/// printing which property failed and a printable copy of the input.
public enum Property {
    /// The input being judged, for the failure message. Set by `fuzzInput`.
    nonisolated(unsafe) static var current: [UInt8] = []

    public static func check(_ condition: @autoclosure () -> Bool, _ property: @autoclosure () -> String,
                             file: StaticString = #fileID, line: UInt = #line) {
        if !condition() { fail(property(), file: file, line: line) }
    }

    public static func fail(_ property: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
        let shown = current.count <= 2048 ? Printable.bytes(current) : Printable.bytes(Array(current.prefix(2048))) + "…"
        writeStandardError("\n=== property violated at \(file):\(line)\n=== \(property)\n=== input (\(current.count) bytes): \(shown)\n")
        fatalError("property violated: \(property)", file: file, line: line)
    }
}

func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(2, buffer.baseAddress! + offset, buffer.count - offset)
            if n <= 0 { return }
            offset += n
        }
    }
}

/// Wraps libFuzzer's (data, size) in an array and remembers it for messages.
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    Property.current = bytes
    return bytes
}

public enum Printable {
    /// Bytes as a Swift-like string literal: printable ASCII as is, the rest escaped.
    public static func bytes(_ bytes: some Sequence<UInt8>) -> String {
        var out = "\""
        for b in bytes {
            switch b {
            case 0x0D: out += "\\r"
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789abcdef")
                out += "\\x\(hex[Int(b >> 4)])\(hex[Int(b & 15)])"
            }
        }
        return out + "\""
    }
}
