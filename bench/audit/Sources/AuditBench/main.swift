import Foundation
import Glibc
@testable import Proxy

// Per-record cost of the audit log, stage by stage, beside baselines.
// Usage: AuditBench [--records N] [--rounds R] [--out FILE] [--only WORD]
// Times are thread CPU nanoseconds per record (best of R rounds), except
// the pipeline's, which is the whole process's CPU (both threads).

var records = 20_000
var rounds = 5
var out = "/tmp/sockwarden-audit-bench.jsonl"
/// Runs only the rows whose name contains this (for profiling one stage).
var only = ""
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fatalError("\(flag) needs a value") }
    switch flag {
    case "--records": records = Int(value)!
    case "--rounds": rounds = Int(value)!
    case "--out": out = value
    case "--only": only = value
    default: fatalError("unknown flag \(flag); usage: AuditBench [--records N] [--rounds R] [--out FILE] [--only WORD]")
    }
}

let fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
guard fd >= 0 else { fatalError("cannot open \(out)") }
/// Only a regular file is truncated, and removed at the end: `--out /dev/null`
/// must stay the device.
let regularFile: Bool = {
    var st = stat()
    return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}()
func rewind() { if regularFile { _ = ftruncate(fd, 0) } }
rewind()

/// Lines are written in batches of this many, as a busy writer would.
let batchLines = 64
var batch: [UInt8] = []
batch.reserveCapacity(1 << 20)
func flush(force: Bool = false) {
    batch.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            precondition(n > 0, "write \(out) failed")
            offset += n
        }
    }
    batch.removeAll(keepingCapacity: true)
}

struct Row {
    let stage: String
    var ns: [Double] = []
}
var rows: [Row] = []
func measure(_ stage: String, _ perKind: (Kind) -> Double) {
    guard only.isEmpty || stage.contains(only) else { return }
    var row = Row(stage: stage)
    for kind in Kind.all { row.ns.append(perKind(kind)) }
    rows.append(row)
}

var stages = Stages()
let lines = Kind.all.map { kind -> [UInt8] in
    var s = Stages()
    var b: [UInt8] = []
    s.line(kind, onto: &b)
    return b
}

measure("render (JSON members)") { kind in
    Clock.perIteration(rounds: rounds, count: records) { _ in consume(stages.render(kind)) }
}
measure("seal (chain + SHA-256)") { kind in
    let object = stages.object(kind)
    return Clock.perIteration(rounds: rounds, count: records) { _ in consume(stages.seal(object)) }
}
measure("render + seal + write") { kind in
    Clock.perIteration(rounds: rounds, count: records) { i in
        stages.line(kind, onto: &batch)
        if i % batchLines == batchLines - 1 { flush(); rewind() }
    }
}

// The whole AuditLog: admit + write on this thread, the writer thread
// renders and writes. Process CPU per record (2 records per exchange).
var switches: [Double] = []
/// CPU of the connection's side alone (admit + write), per record.
var producer: [Double] = []
measure("AuditLog pipeline (2 threads)") { kind in
    guard !kind.result else { return .nan }
    rewind()
    let log = try! AuditLog(path: out, capacity: 16384)
    try! log.start(first: AuditEvent("start") { _ in })
    let c0 = Clock.contextSwitches(), t0 = Clock.process(), p0 = Clock.thread()
    for _ in 0..<records {
        var r = kind.record
        r.judgedAt = nil
        r.respondedAt = nil
        r.status = nil
        _ = log.admit(&r)
        r.status = 200
        log.write(r)
    }
    producer.append(Double(Clock.thread() - p0) / Double(2 * records))
    _ = log.close(last: AuditEvent("stop") { _ in }, timeoutSeconds: 60)
    let cpu = Double(Clock.process() - t0), cs = Double(Clock.contextSwitches() - c0)
    switches.append(cs / Double(2 * records))
    return cpu / Double(2 * records)
}

measure("baseline: write the same bytes") { kind in
    let line = lines[Kind.all.firstIndex { $0.name == kind.name }!]
    return Clock.perIteration(rounds: rounds, count: records) { i in
        batch += line
        if i % batchLines == batchLines - 1 { flush(); rewind() }
    }
}
measure("baseline: SHA-256 of the line") { kind in
    let line = lines[Kind.all.firstIndex { $0.name == kind.name }!]
    return Clock.perIteration(rounds: rounds, count: records) { _ in consume(SHA256.hash(line)) }
}
measure("baseline: SHA-256, Swift rounds only") { kind in
    // What seal's hash costs on a CPU without the SHA extensions: the same
    // number of blocks (the line plus padding) through the portable rounds.
    let line = lines[Kind.all.firstIndex { $0.name == kind.name }!]
    let padded = line + [UInt8](repeating: 0, count: (line.count + 9 + 63) / 64 * 64 - line.count)
    let blocks = padded.count / 64
    return Clock.perIteration(rounds: rounds, count: records) { _ in
        var state = SHA256.initial
        padded.withUnsafeBytes { SHA256.compressPortable(&state, $0.baseAddress!, blocks: blocks) }
        consume(state.0)
    }
}
let encoder = JSONEncoder()
measure("baseline: Foundation JSONEncoder") { kind in
    let value = EncodableRecord(kind, seq: 12345)
    return Clock.perIteration(rounds: rounds, count: max(1, records / 4)) { _ in consume(try! encoder.encode(value)) }
}
close(fd)
if regularFile { unlink(out) }

func cell(_ ns: Double) -> String { ns.isNaN ? "" : String(format: "%.0f", ns) }
print("records=\(records) rounds=\(rounds) out=\(out)")
print("line bytes: " + zip(Kind.all, lines).map { "\($0.name) \($1.count)" }.joined(separator: ", "))
print("| stage (ns per record) | " + Kind.all.map(\.name).joined(separator: " | ") + " |")
print("| --- |" + String(repeating: " ---: |", count: Kind.all.count))
for row in rows {
    let cells = row.stage.hasPrefix("AuditLog")
        ? [cell(row.ns[0]) + " (pair avg)", "", cell(row.ns[2]) + " (pair avg)", ""]
        : row.ns.map(cell)
    print("| \(row.stage) | " + cells.joined(separator: " | ") + " |")
}
if producer.count == 2 {
    print("pipeline connection-thread share (admit + write) per record: ping \(cell(producer[0])) ns, create \(cell(producer[1])) ns")
}
if switches.count == 2 {
    print("pipeline context switches per record: ping \(String(format: "%.3f", switches[0])), create \(String(format: "%.3f", switches[1]))")
}
