import Glibc
import Posix
import Proxy

/// Reads a file line by line in bounded memory (1 MiB reads), for
/// `sockwarden audit`; with `follow`, waits for more at the end and, like
/// `tail -F`, reopens the path when logrotate has replaced the file.
final class AuditLineReader {
    let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the next newline resumes: bytes from `start` up
    /// to here hold none (a long line is scanned once, not once per read).
    private var scanned = 0
    private var eof = false
    private(set) var lineNumber = 0
    private var identity: (dev: UInt64, ino: UInt64)

    init(path: String) throws(SystemError) {
        self.path = path
        if path == "-" {
            fd = STDIN_FILENO
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw SystemError.last("open \(path)") }
        }
        identity = AuditLineReader.identity(fd: fd)
    }

    deinit {
        if fd != STDIN_FILENO { Glibc.close(fd) }
    }

    enum Next {
        /// A line without its newline; `complete` is false for a last line that has none.
        case line(ArraySlice<UInt8>, complete: Bool)
        case end
    }

    /// The next line, or `.end` at the end of the file. `keepingPartial`
    /// (before `follow`): a last line without its newline is left for
    /// `follow` to finish (it is a record still being written), not
    /// returned.
    func next(keepingPartial: Bool = false) throws(SystemError) -> Next {
        while true {
            if let line = nextLine() { return .line(line, complete: true) }
            if eof {
                if start < buffer.count && !keepingPartial {
                    let line = buffer[start...]
                    start = buffer.count
                    scanned = start
                    lineNumber += 1
                    return .line(line, complete: false)
                }
                return .end
            }
            try fill()
        }
    }

    /// Like `next`, but at the end waits for more (polling every 250 ms) and
    /// reopens the path when the file was rotated or truncated. A line is
    /// returned once its newline has arrived; one the old file ends without
    /// is returned (incomplete) before the new file is read.
    func follow() throws(SystemError) -> ArraySlice<UInt8> {
        while true {
            if let line = nextLine() { return line }
            eof = false
            let before = buffer.count - start
            try fill()
            if buffer.count - start > before { continue }
            // Nothing new: rotated or truncated?
            if path != "-", rotated() {
                if start < buffer.count {
                    let line = buffer[start...]
                    start = buffer.count
                    scanned = start
                    lineNumber += 1
                    return line
                }
                Glibc.close(fd)
                let fresh = open(path, O_RDONLY | O_CLOEXEC)
                if fresh >= 0 {
                    fd = fresh
                    identity = AuditLineReader.identity(fd: fd)
                    buffer.removeAll()
                    start = 0
                    scanned = 0
                    lineNumber = 0
                    continue
                }
                fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            }
            usleep(250_000)
        }
    }

    /// The complete line at `start`, if a newline has arrived.
    private func nextLine() -> ArraySlice<UInt8>? {
        guard let nl = buffer[max(start, scanned)...].firstIndex(of: 10) else {
            scanned = buffer.count
            return nil
        }
        let line = buffer[start..<nl]
        start = nl + 1
        scanned = start
        lineNumber += 1
        return line
    }

    private func fill() throws(SystemError) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            scanned = 0
            start = 0
        } else if start > 1 << 20 {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        let result = chunk.withUnsafeMutableBytes { raw -> Result<Int, SystemError> in
            do throws(SystemError) { return .success(try FileDescriptor(rawValue: fd).read(into: raw)) } catch { return .failure(error) }
        }
        let n = try result.get()
        if n == 0 {
            eof = true
        } else {
            buffer += chunk[0..<n]
        }
    }

    private func rotated() -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        if UInt64(st.st_dev) != identity.dev || UInt64(st.st_ino) != identity.ino { return true }
        // Truncated in place (copytruncate): the file is now shorter than what was read.
        let position = lseek(fd, 0, SEEK_CUR)
        return position >= 0 && Int64(st.st_size) < Int64(position)
    }

    private static func identity(fd: Int32) -> (dev: UInt64, ino: UInt64) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return (0, 0) }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }
}

/// Times in the audit log and on the command line.
enum AuditTime {
    /// Milliseconds since the epoch of `2026-11-29T19:38:41.644Z` (also
    /// without fraction, with a space for T, or a date alone; UTC).
    static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 10, let y = num(0, 4), b[4] == 0x2D, let m = num(5, 2), b[7] == 0x2D, let d = num(8, 2),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        var seconds = 0
        var ms = 0
        if b.count > 10 {
            guard b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "), let hh = num(11, 2), b.count > 13, b[13] == 0x3A,
                  let mm = num(14, 2) else { return nil }
            var i = 16
            var ss = 0
            if i < b.count && b[i] == 0x3A {
                guard let s = num(17, 2) else { return nil }
                ss = s
                i = 19
                if i < b.count && b[i] == UInt8(ascii: ".") {
                    i += 1
                    var digits = 0
                    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                        if digits < 3 { ms = ms * 10 + Int(b[i] - 0x30) }
                        digits += 1
                        i += 1
                    }
                    guard digits > 0 else { return nil }
                    if digits < 3 { for _ in digits..<3 { ms *= 10 } }
                }
            }
            if i < b.count && b[i] == UInt8(ascii: "Z") { i += 1 }
            guard i == b.count, hh < 24, mm < 60, ss < 61 else { return nil }
            seconds = hh * 3600 + mm * 60 + ss
        }
        // Days from civil (Howard Hinnant's algorithm).
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Int64(days * 86400 + seconds) * 1000 + Int64(ms)
    }

    /// `--since`/`--until`: a time as above, or an age like 90s, 15m, 2h, 7d (before now).
    static func parseFlag(_ text: String, now: Int64) -> Int64? {
        if let t = parse(text) { return t }
        guard let unit = text.last, let n = Int64(text.dropLast()), n >= 0 else { return nil }
        let factor: Int64
        switch unit {
        case "s": factor = 1000
        case "m": factor = 60_000
        case "h": factor = 3_600_000
        case "d": factor = 86_400_000
        default: return nil
        }
        // An age beyond the representable is not an age (not a crash).
        let (age, overflow) = n.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        let (when, before) = now.subtractingReportingOverflow(age)
        return before ? nil : when
    }

    static func nowMilliseconds() -> Int64 {
        let t = wallClock()
        return Int64(t.seconds) * 1000 + Int64(t.nanoseconds / 1_000_000)
    }

    /// `2026-11-29 19:38` style, UTC, for bucket labels (`seconds`: include seconds).
    static func format(_ ms: Int64, seconds: Bool = true) -> String {
        let full = AuditRecord.rfc3339((Int(ms / 1000), Int(ms % 1000) * 1_000_000))
        let text = full.replacingT()
        return String(text.prefix(seconds ? 19 : 16))
    }
}

private extension String {
    func replacingT() -> String {
        String(self.map { $0 == "T" ? " " : $0 })
    }
}
