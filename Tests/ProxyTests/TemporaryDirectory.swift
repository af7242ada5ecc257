import Glibc

/// A new private directory (0700) under /tmp, named `/tmp/<prefix>-XXXXXX`,
/// removed with everything in it when the test process exits. (Under /tmp
/// itself, not $TMPDIR: the policy-trust tests reason about its parents.)
func makeTemporaryDirectory(_ prefix: String) -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp /tmp/\(prefix)-XXXXXX")
    let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    TemporaryDirectories.shared.removeAtExit(path)
    return path
}

/// The directories the unit tests made, removed at exit (they were left in
/// /tmp, some twenty per run).
final class TemporaryDirectories: @unchecked Sendable {
    static let shared = TemporaryDirectories()
    private var lock = pthread_mutex_t()
    private var paths: [String] = []
    private var registered = false

    private init() { pthread_mutex_init(&lock, nil) }

    func removeAtExit(_ path: String) {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        paths.append(path)
        if !registered {
            registered = true
            atexit { TemporaryDirectories.shared.removeAll() }
        }
    }

    private func removeAll() {
        pthread_mutex_lock(&lock)
        let all = paths
        paths = []
        pthread_mutex_unlock(&lock)
        for path in all { Self.removeTree(path) }
    }

    /// `rm -rf path`, without following symbolic links (tests make some).
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            chmod(path, 0o700)
            if let dir = opendir(path) {
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    if name == "." || name == ".." { continue }
                    removeTree(path + "/" + name)
                }
                closedir(dir)
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
