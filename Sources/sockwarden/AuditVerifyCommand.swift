import Glibc
import Posix
import Proxy

let auditVerifyHelp = """
USAGE
  sockwarden audit verify [--allow-restarts] [--from-genesis] [--expect HASH[,HASH...]] FILE...

Checks the hash chain of audit log files, in the order given (oldest first:
after logrotate, `audit.jsonl.2 audit.jsonl.1 audit.jsonl`). Each record's
hash must match its contents and its "prev" must be the previous record's
hash, also across files. Stops at the first broken link and names it as
FILE:LINE: what is wrong.

The first record may chain to a file that is not given (a rotated piece
whose predecessor is gone); its "prev" is printed as the anchor. Deleting
records from the *end* of the last file cannot be seen from the chain alone:
give a hash kept elsewhere with --expect (`serve` writes one to stderr, that
is the journal, every --audit-anchor seconds and at exit: "audit anchor").

OPTIONS
  --from-genesis     the first record must start a chain (the log is whole)
  --allow-restarts   accept a chain that restarts at a "start" record (a log
                     on stdout: each run starts a new chain there)
  --expect HASHES    these records (64-hex hashes, comma-separated) must be
                     among the verified ones: a log cut before an anchor fails
  -h, --help         show this help

EXIT CODES
  0 every link holds   1 a broken link (FILE:LINE on stderr), or no record at all
  2 bad usage or unreadable file

EXAMPLES
  sockwarden audit verify /var/log/sockwarden/audit.jsonl
  sockwarden audit verify $(ls /var/log/sockwarden/audit.jsonl-* | sort) /var/log/sockwarden/audit.jsonl
  sockwarden audit verify --expect "$(journalctl -u sockwarden -o cat | sed -n 's/.*audit anchor: .* has hash \\([0-9a-f]*\\);.*/\\1/p' | tail -1)" \\
      /var/log/sockwarden/audit.jsonl
"""

func runAuditVerify(_ args: ArraySlice<String>) -> Never {
    let flags: Flags
    do {
        flags = try Flags(args, specs: [.init(name: "help", takesValue: false), .init(name: "allow-restarts", takesValue: false),
                                        .init(name: "from-genesis", takesValue: false), .init(name: "expect", takesValue: true)])
    } catch {
        fail("audit verify: \(error); run 'sockwarden audit verify --help'")
    }
    if flags.has("help") {
        print(auditVerifyHelp)
        exit(0)
    }
    guard !flags.positional.isEmpty else { fail("audit verify: name at least one audit log file, oldest first") }
    var verifier = AuditChainVerifier()
    verifier.allowRestarts = flags.has("allow-restarts")
    verifier.requireGenesis = flags.has("from-genesis")
    if let text = flags["expect"] {
        for hash in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard hash.utf8.count == 64, hash.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
                fail("audit verify: --expect takes record hashes (64 lowercase hex digits, comma-separated), got \"\(hash)\"")
            }
            verifier.expected.insert(hash)
        }
    }
    for path in flags.positional {
        let reader: AuditLineReader
        do {
            reader = try AuditLineReader(path: path)
        } catch {
            fail("audit verify: cannot read \(path): \(error)")
        }
        var lines = 0
        while true {
            let next: AuditLineReader.Next
            do {
                next = try reader.next()
            } catch {
                fail("audit verify: cannot read \(path): \(error)")
            }
            guard case .line(let line, let complete) = next else { break }
            lines += 1
            if let broken = verifier.feed(line, file: path, number: reader.lineNumber, complete: complete) {
                Files.writeStderr("\(broken)\n")
                Files.writeStdout("FAILED: \(verifier.records) record(s) verified before \(broken.file):\(broken.line)\n")
                exit(1)
            }
        }
        if lines == 0 {
            Files.writeStderr("audit verify: \(path) is empty\n")
        }
    }
    if verifier.records == 0 {
        // Every run writes a `start` record before it serves: a log with no
        // record at all was emptied (or is not an audit log).
        Files.writeStderr("audit verify: no records at all in \(flags.positional.joined(separator: ", ")): every run of serve writes a start record first, so the log was emptied or truncated, or these are not audit logs\n")
        Files.writeStdout("FAILED: no records to verify\n")
        exit(1)
    }
    let missing = verifier.expected.subtracting(verifier.found).sorted()
    if !missing.isEmpty {
        for hash in missing {
            Files.writeStderr("audit verify: no record with hash \(hash) in these files: the log was cut before that record, or it was written to a file not given\n")
        }
        Files.writeStdout("FAILED: \(missing.count) of \(verifier.expected.count) expected record(s) missing from \(verifier.records) verified record(s)\n")
        exit(1)
    }
    let anchor = verifier.anchor.map { $0 == AuditChain.genesis ? "genesis" : "prev \($0) (an earlier file)" } ?? "none"
    let expected = verifier.expected.isEmpty ? "" : "; \(verifier.found.count) expected record(s) found"
    Files.writeStdout("ok: \(verifier.records) record(s) in \(flags.positional.count) file(s); chain starts at \(anchor); last hash \(verifier.lastHash ?? "none")\(expected)\n")
    if !verifier.restarts.isEmpty {
        Files.writeStdout("chain restarts (allowed): \(verifier.restarts.joined(separator: ", "))\n")
    }
    exit(0)
}
