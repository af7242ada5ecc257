import Glibc

public enum Files {
    /// Reads a whole regular file (policy files are small; capped at 16 MiB).
    public static func read(_ path: String, limit: Int = 16 << 20) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError.last("open \(path)") }
        defer { close(fd) }
        return try readAll(fd, path: path, limit: limit)
    }

    private static func readAll(_ fd: Int32, path: String, limit: Int) throws(SystemError) -> [UInt8] {
        var out: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let n = try FileDescriptor(rawValue: fd).read(into: chunk)
            if n == 0 { return out }
            out += UnsafeRawBufferPointer(rebasing: chunk[0..<n])
            if out.count > limit { throw SystemError("read \(path)", code: EFBIG) }
        }
    }

    /// `read`, of a regular file only: opened without blocking (a FIFO put in
    /// the file's place cannot hang the reader) and refused unless `fstat`
    /// of what was opened says it is a regular file.
    public static func readRegular(_ path: String, limit: Int = 16 << 20) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        if fd < 0 { throw SystemError.last("open \(path)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError.last("fstat \(path)") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw SystemError("open \(path): not a regular file", code: EINVAL) }
        return try readAll(fd, path: path, limit: limit)
    }

    /// The group id for a name or a number.
    public static func groupID(_ nameOrNumber: String) -> UInt32? {
        if let n = UInt32(nameOrNumber) { return n }
        guard let entry = getgrnam(nameOrNumber) else { return nil }
        return entry.pointee.gr_gid
    }

    public static func writeStderr(_ text: String) {
        _ = text.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
    }

    public static func writeStdout(_ text: String) {
        _ = text.withCString { Glibc.write(STDOUT_FILENO, $0, strlen($0)) }
    }
}
