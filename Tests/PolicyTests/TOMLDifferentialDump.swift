import Foundation  // tests only: to list and read the generated documents
import Testing
@testable import Policy

/// The sockwarden side of fuzz/tools/toml-differential (a differential run
/// against Python's tomllib): with TOMLDIFF_DIR set, every `*.toml` there is
/// parsed and its tree written beside it as typed JSON (`X.toml.out`), or
/// `ERROR …`. Without TOMLDIFF_DIR it does nothing.
@Suite("TOML differential dump (fuzz/tools/toml-differential)")
struct TOMLDifferentialDump {
    static func escaped(_ s: String) -> String {
        var out = "\""
        for u in s.utf16 {
            if u >= 0x20 && u < 0x7F && u != 0x22 && u != 0x5C {
                out.unicodeScalars.append(Unicode.Scalar(UInt8(u)))
            } else {
                let hex = String(u, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }

    static func typed(_ value: TOMLValue) -> String {
        switch value {
        case .string(let s): return "[\"s\"," + escaped(s) + "]"
        case .integer(let i): return "[\"i\",\(i)]"
        case .boolean(let b): return "[\"b\",\(b)]"
        case .array(let items): return "[\"a\",[" + items.map { typed($0.value) }.joined(separator: ",") + "]]"
        case .table(let t): return typed(t)
        }
    }

    static func typed(_ table: TOMLTable) -> String {
        "[\"t\",[" + table.entries.map { "[" + escaped($0.key) + "," + typed($0.node.value) + "]" }.joined(separator: ",") + "]]"
    }

    @Test func dumpEveryDocumentOfTOMLDIFF_DIR() throws {
        guard let directory = ProcessInfo.processInfo.environment["TOMLDIFF_DIR"] else { return }
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".toml") {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
            let out: String
            do { out = Self.typed(try TOMLParser.parse(bytes: bytes)) } catch { out = "ERROR " + error.description }
            try out.write(toFile: directory + "/" + name + ".out", atomically: false, encoding: .utf8)
        }
    }
}
