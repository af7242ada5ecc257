import Glibc
import Posix

/// Appends audit records, one JSON line each, with a single write(2) per
/// record so concurrent records never interleave. "-" means standard output.
///
/// A record that cannot be written is reported on stderr once per failure
/// streak; the proxy keeps serving. (Refusing requests when the log is
/// unwritable is a later, documented option.)
public final class AuditLog: @unchecked Sendable {
    private let fd: FileDescriptor
    private let ownsFD: Bool
    private let lock = Locked(false)   // true while in a failure streak

    public init(path: String) throws(SystemError) {
        if path == "-" {
            fd = FileDescriptor(rawValue: STDOUT_FILENO)
            ownsFD = false
        } else {
            let raw = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            if raw < 0 { throw SystemError.last("open \(path)") }
            fd = FileDescriptor(rawValue: raw)
            ownsFD = true
        }
    }

    public func write(_ record: AuditRecord) {
        let line = record.jsonLine()
        lock.withLock { failing in
            do {
                try fd.writeAll(line, socket: false)
                failing = false
            } catch {
                if !failing {
                    let message = "sockwarden: cannot write the audit log: \(error)\n"
                    _ = message.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
                }
                failing = true
            }
        }
    }

    deinit {
        if ownsFD { fd.close() }
    }
}
