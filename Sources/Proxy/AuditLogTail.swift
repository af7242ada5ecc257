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

    /// Reads backwards from the end (pread(2); the fd must be readable) to
    /// the newline before the last line, then reads that line, at most
    /// `maxLineBytes` of it. A client can make one record tens of MiB long
    /// (a 1 MiB body of DEL bytes, each escaped as `\u007f` in the facts and
    /// again in the reason): a cap of a few MiB broke the chain at the next
    /// start when such a record was the last one (serve killed right after).
    static func read(fd: Int32, maxLineBytes: Int = 256 << 20) -> Tail {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .unusable("cannot stat the file", needsNewline: false) }
        let size = Int(st.st_size)
        if size == 0 { return .empty }
        var last: UInt8 = 0
        guard pread(fd, &last, 1, off_t(size - 1)) == 1 else { return .unusable("cannot read the file's end", needsNewline: false) }
        if last != 10 { return .unusable("its last line is incomplete (no newline)", needsNewline: true) }
        // Where the last line starts: after the newline before the final one.
        var lineStart = 0
        var offset = size - 1
        let chunk = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: chunk)
        search: while offset > 0 {
            let n = min(chunk, offset)
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, n, off_t(offset - n)) }
            guard got == n else { return .unusable("cannot read the file's end", needsNewline: false) }
            if let i = buffer[0..<n].lastIndex(of: 10) {
                lineStart = offset - n + i + 1
                break search
            }
            offset -= n
            if size - 1 - offset > maxLineBytes { break }
        }
        let length = size - lineStart
        guard length - 1 <= maxLineBytes else {
            return .unusable("its last line is longer than \(maxLineBytes >> 20) MiB", needsNewline: false)
        }
        var tail = [UInt8](repeating: 0, count: length)
        let got = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(lineStart)) }
        guard got == length else { return .unusable("cannot read the file's end", needsNewline: false) }
        return parse(tail, isFileStart: true)
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
