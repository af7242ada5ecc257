/// A small flag parser: `--name value`, `--name=value`, boolean `--name`,
/// and positional arguments. Unknown flags are errors that name the flag.
struct Flags {
    struct Spec {
        let name: String
        let takesValue: Bool
    }

    private(set) var values: [String: String] = [:]
    private(set) var switches: Set<String> = []
    private(set) var positional: [String] = []

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    init(_ arguments: ArraySlice<String>, specs: [Spec]) throws {
        var it = arguments.makeIterator()
        var onlyPositional = false
        while let arg = it.next() {
            if onlyPositional || !arg.hasPrefix("-") || arg == "-" {
                positional.append(arg)
                continue
            }
            if arg == "--" {
                onlyPositional = true
                continue
            }
            var name = arg
            var inline: String?
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            if name == "-h" { name = "--help" }
            guard let spec = specs.first(where: { "--" + $0.name == name }) else {
                throw UsageError(description: "unknown flag \(name)")
            }
            if spec.takesValue {
                guard let value = inline ?? it.next() else {
                    throw UsageError(description: "\(name) needs a value")
                }
                values[spec.name] = value
            } else {
                guard inline == nil else { throw UsageError(description: "\(name) takes no value") }
                switches.insert(spec.name)
            }
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    func has(_ name: String) -> Bool { switches.contains(name) }
}

/// `unix:///run/x.sock` or a plain path.
func socketPath(_ text: String, flag: String) throws -> String {
    if text.hasPrefix("unix://") {
        let path = String(text.dropFirst("unix://".count))
        guard path.hasPrefix("/") || !path.isEmpty else { throw Flags.UsageError(description: "\(flag): empty socket path") }
        return path
    }
    if text.contains("://") {
        throw Flags.UsageError(description: "\(flag): only unix:// sockets are supported, got \(text)")
    }
    guard !text.isEmpty else { throw Flags.UsageError(description: "\(flag): empty socket path") }
    return text
}
