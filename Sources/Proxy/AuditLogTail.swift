import Glibc
import Posix

/// The last record of an existing audit file, so a restarted proxy (or a
/// reopen) continues its chain.
enum AuditLogTail {
    enum Tail: Equatable {
        case empty
        /// The last line is a sealed record: its hash and `seq`.
        case sealed(hash: String, seq: UInt64?)
        /// The file does not end with a sealed record. `needsNewline`: its
        /// last line has no newline (new records must not be glued to it).
        case unusable(String, needsNewline: Bool)
    }

    /// Reads backwards from the end (pread(2); the fd must be readable), at
    /// most 4 MiB, to find the last line.
    static func read(fd: Int32) -> Tail {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .unusable("cannot stat the file", needsNewline: false) }
        let size = Int(st.st_size)
        if size == 0 { return .empty }
        var tail: [UInt8] = []
        var offset = size
        let chunk = 64 * 1024
        while offset > 0 && tail.count < 4 << 20 {
            let n = min(chunk, offset)
            var buffer = [UInt8](repeating: 0, count: n)
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, n, off_t(offset - n)) }
            guard got == n else { return .unusable("cannot read the file's end", needsNewline: false) }
            tail = buffer + tail
            offset -= n
            // A complete last line: a newline before the final one, or the file start.
            if tail.dropLast().contains(10) || offset == 0 { break }
        }
        return parse(tail, isFileStart: offset == 0)
    }

    /// The last line of `tail` (the end of a file).
    static func parse(_ tail: [UInt8], isFileStart: Bool) -> Tail {
        guard let lastByte = tail.last else { return .empty }
        if lastByte != 10 { return .unusable("its last line is incomplete (no newline)", needsNewline: true) }
        let body = tail.dropLast()
        guard let start = body.lastIndex(of: 10).map({ $0 + 1 }) ?? (isFileStart ? body.startIndex : nil) else {
            return .unusable("its last line is longer than 4 MiB", needsNewline: false)
        }
        let line = body[start...]
        switch AuditChain.check(line: line) {
        case .sealed(_, let hash):
            return .sealed(hash: hash, seq: seqValue(line))
        case .altered:
            return .unusable("its last record's hash does not match its contents", needsNewline: false)
        case .unsealed:
            return .unusable("its last line is not a sealed audit record (an older format, or not written by sockwarden)", needsNewline: false)
        }
    }

    /// The `seq` member's value, read from the line's start (`{"v":1,"seq":N,`).
    static func seqValue(_ line: ArraySlice<UInt8>) -> UInt64? {
        let key = Array("\"seq\":".utf8)
        let bytes = Array(line.prefix(64))
        guard bytes.count > key.count else { return nil }
        for i in 0...(bytes.count - key.count) where Array(bytes[i..<(i + key.count)]) == key {
            var value: UInt64 = 0
            var j = i + key.count
            var digits = 0
            while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 {
                // A doctored number beyond UInt64 is no seq (not a wrapped one).
                let (tens, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = tens.addingReportingOverflow(UInt64(bytes[j] - 0x30))
                if o1 || o2 { return nil }
                value = next
                j += 1
                digits += 1
            }
            return digits > 0 ? value : nil
        }
        return nil
    }
}
