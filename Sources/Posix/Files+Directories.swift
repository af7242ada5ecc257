import Glibc

extension Files {
    /// mkdir -p with `mode` for the directories it creates; an existing
    /// directory is left as it is.
    public static func makeDirectory(_ path: String, mode: mode_t) throws(SystemError) {
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            built += "/" + component
            if mkdir(built, mode) != 0 && errno != EEXIST {
                throw SystemError.last("mkdir \(built)")
            }
        }
    }

    /// Writes `bytes` to a temporary file beside `path`, fsyncs it and renames
    /// it over `path`: readers see the old or the new content, never a part.
    public static func writeAtomically(_ path: String, bytes: [UInt8], mode: mode_t = 0o600) throws(SystemError) {
        let temporary = path + ".tmp"
        let raw = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        if raw < 0 { throw SystemError.last("open \(temporary)") }
        let fd = FileDescriptor(rawValue: raw)
        do {
            try fd.writeAll(bytes, socket: false)
        } catch {
            fd.close()
            unlink(temporary)
            throw error
        }
        fsync(raw)
        fd.close()
        if rename(temporary, path) != 0 {
            let error = SystemError.last("rename \(temporary)")
            unlink(temporary)
            throw error
        }
    }

    /// The names in a directory (not "." or ".."); empty when it cannot be read.
    public static func list(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
