#if canImport(Glibc)
import Glibc
#endif

/// Reading the fixed inputs some targets need (policy files) once, at start-up.
public enum FuzzFiles {
    /// The repository root, from this source file's path
    /// (…/fuzz/Sources/FuzzSupport/Files.swift), unless SOCKWARDEN_ROOT is set.
    public static var repositoryRoot: String {
        if let root = getenv("SOCKWARDEN_ROOT") { return String(cString: root) }
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }

    /// The whole file, or a fatal error naming it: a fuzz target with a
    /// missing fixture must not run as if it were fine.
    public static func read(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { fatalError("fuzz fixture \(path) cannot be opened") }
        defer { fclose(file) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n == 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
