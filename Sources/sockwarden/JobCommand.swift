import Glibc
import GoJSON
import Posix
import Proxy

let jobHelp = """
sockwarden job: open, close and list per-job sockets of a running `serve`.

Usage:
  sockwarden job open  --admin-socket SOCK --id ID [--policy FILE] [--label KEY=VALUE]... [--ttl DURATION] [--socket PATH [--socket-group GROUP]]
                       [--watch-pid PID | --watch-container ID]
  sockwarden job close --admin-socket SOCK --id ID
  sockwarden job list  --admin-socket SOCK [--json]

open   mints a socket for one CI job and prints its path as the last line of
       stdout; bind-mount it into the job as /var/run/docker.sock. Everything
       the job creates carries the label io.sockwarden.job=ID; the job sees
       and touches only that (other objects answer "No such ...").
       --policy defaults to serve's --job-policy (or --policy); it must judge
       bodies and be under serve's --job-policies directory (by default the
       --job-policy's own). --ttl: 90s, 30m, 2h (the job is closed and reaped then).
       --watch-pid PID / --watch-container ID: the job also closes (and is
       reaped) when that process exits or that container is removed from
       the daemon, also while serve is down (checked when it starts).
       --socket: where to create the socket (default <jobs-dir>/ID.sock), e.g.
       a fixed path per runner that the runner already mounts; it is 0660,
       owned by root and by --socket-group GROUP (default: root's group), so
       give it the group of the user that connects (the runner's).
close  removes the socket, then force-removes the job's containers, then its
       networks, volumes and the images it built. Prints what was removed.
list   shows the open jobs.

The admin socket is served by `sockwarden serve --admin-socket SOCK`; only
root or the user serve runs as may use it. An answer over 16 MiB, or a wait
of 10 minutes for the next byte of it, fails (exit 1).

Exit codes: 0 done, 1 the daemon or serve refused (the message says why),
2 usage.

Examples:
  sock=$(sockwarden job open --admin-socket /run/sockwarden/admin.sock --id "$CI_JOB_ID" --ttl 2h | tail -n1)
  docker run -v "$sock:/var/run/docker.sock" ci-image make test
  sockwarden job close --admin-socket /run/sockwarden/admin.sock --id "$CI_JOB_ID"
"""

func runJob(_ args: ArraySlice<String>) -> Never {
    guard let sub = args.first, ["open", "close", "list"].contains(sub) else {
        if args.first == "--help" || args.first == "-h" { print(jobHelp); exit(0) }
        fail("job: expected open, close or list; run 'sockwarden help job'")
    }
    var admin: String?
    var id: String?
    var policy: String?
    var socketPath: String?
    var socketGroup: String?
    var ttl: Int?
    var watchPid: Int32?
    var watchContainer: String?
    var labels: [(String, String)] = []
    var json = false
    var it = args.dropFirst().makeIterator()
    func value(_ flag: String) -> String {
        guard let v = it.next() else { fail("job \(sub): \(flag) needs a value") }
        return v
    }
    while let arg = it.next() {
        switch arg {
        case "--admin-socket": admin = value(arg)
        case "--id": id = value(arg)
        case "--policy": policy = value(arg)
        case "--socket": socketPath = absolutePath(value(arg))
        case "--socket-group": socketGroup = value(arg)
        case "--json": json = true
        case "--help", "-h": print(jobHelp); exit(0)
        case "--ttl":
            let text = value(arg)
            guard let seconds = parseDuration(text) else { fail("job open: --ttl must be like 90s, 30m or 2h, got \(text)") }
            ttl = seconds
        case "--watch-pid":
            let text = value(arg)
            guard let pid = Int32(text), pid > 0 else { fail("job open: --watch-pid must be a process id, got \(text)") }
            watchPid = pid
        case "--watch-container": watchContainer = value(arg)
        case "--label":
            let text = value(arg)
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { fail("job open: --label must be KEY=VALUE, got \(text)") }
            labels.append((String(parts[0]), String(parts[1])))
        default:
            fail("job \(sub): unknown argument \(arg); run 'sockwarden help job'")
        }
    }
    guard let admin else { fail("job \(sub): --admin-socket SOCK is required (serve's --admin-socket)") }
    switch sub {
    case "open":
        guard let id else { fail("job open: --id ID is required") }
        var labelObject = JSONObjectWriter()
        for (k, v) in labels { labelObject.field(k, v) }
        var body = JSONObjectWriter()
        body.field("id", id)
        if let policy { body.field("policy", JobPolicyPlace.clean(absolutePath(policy))) }
        body.raw("labels", labelObject.finish())
        if let ttl { body.field("ttl", ttl) }
        if let watchPid { body.field("watch_pid", Int(watchPid)) }
        if let watchContainer { body.field("watch_container", watchContainer) }
        if let socketPath { body.field("socket", socketPath) }
        if let socketGroup { body.field("socket_group", socketGroup) }
        let (status, answer) = adminRequest(admin, "POST", "/jobs", body: body.finish())
        guard status == 201, let socket = answer.member("socket")?.string else { fail("job open: \(message(status, answer))", code: 1) }
        print(socket)
    case "close":
        guard let id else { fail("job close: --id ID is required") }
        let (status, answer) = adminRequest(admin, "DELETE", "/jobs/\(id)", body: nil)
        for item in answer.member("removed")?.array ?? [] { print("removed \(item.string ?? "")") }
        for item in answer.member("failed")?.array ?? [] { print("failed  \(item.string ?? "")") }
        guard status == 200 else { fail("job close: \(message(status, answer))", code: 1) }
    default:
        let (status, answer, raw) = adminExchange(admin, "GET", "/jobs", body: nil)
        guard status == 200 else { fail("job list: \(message(status, answer))", code: 1) }
        if json {
            Files.writeStdout(String(decoding: raw, as: UTF8.self))
        } else {
            print("ID\tSOCKET\tPOLICY\tEXPIRES")
            for job in answer.array ?? [] {
                let expires: String
                if case .number(let t)? = job.member("expires_at") { expires = t } else { expires = "-" }
                print("\(job.member("id")?.string ?? "")\t\(job.member("socket")?.string ?? "")\t\(job.member("policy")?.string ?? "")\t\(expires)")
            }
        }
    }
    exit(0)
}

func parseDuration(_ text: String) -> Int? {
    guard let unit = text.last else { return nil }
    let multipliers: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
    if let m = multipliers[unit], let n = Int(text.dropLast()), n > 0 {
        let (seconds, overflow) = n.multipliedReportingOverflow(by: m)
        return overflow ? nil : seconds
    }
    if let n = Int(text), n > 0 { return n }
    return nil
}

func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let length = buffer.firstIndex(of: 0) ?? buffer.count
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
}

func message(_ status: Int, _ answer: JSONValue) -> String {
    answer.member("message")?.string ?? "the admin socket answered \(status)"
}

/// One request to the admin socket; the status and the JSON answer.
func adminRequest(_ socket: String, _ method: String, _ path: String, body: [UInt8]?) -> (Int, JSONValue) {
    let (status, json, _) = adminExchange(socket, method, path, body: body)
    return (status, json)
}

func adminExchange(_ socket: String, _ method: String, _ path: String, body: [UInt8]?) -> (Int, JSONValue, [UInt8]) {
    let fd: FileDescriptor
    do {
        fd = try UnixSocket.connect(path: socket)
    } catch {
        fail("cannot reach the admin socket \(socket): \(error); is `sockwarden serve --admin-socket \(socket)` running?", code: 1)
    }
    defer { fd.close() }
    var request = "\(method) \(path) HTTP/1.1\r\nHost: sockwarden\r\nConnection: close\r\n"
    if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
    request += "\r\n"
    do {
        try fd.writeAll(Array(request.utf8) + (body ?? []))
    } catch {
        fail("cannot write to the admin socket: \(error)", code: 1)
    }
    let response = readAdminAnswer(fd, socket)
    guard response.count > 12, let end = headEnd(response) else { fail("the admin socket gave no answer", code: 1) }
    let status = Int(String(decoding: response[9..<12], as: UTF8.self)) ?? 0
    let raw = Array(response[end...])
    guard case .success(let json) = JSONParser.parse(raw) else { return (status, .null, raw) }
    return (status, json, raw)
}

/// Serve's answers are small (a list of thousands of jobs is a few MiB).
/// Under `sudo sockwarden job *` the caller names the socket, so what
/// answers may not be serve: its answer is read up to 16 MiB, each read
/// waiting up to 10 minutes (a close reaps the job's objects first).
let adminAnswerLimit = 16 << 20
let adminReadTimeoutMilliseconds = 600_000

/// The admin socket's whole answer (to its end), or a failure past the
/// limit or the timeout. A read error ends it as the end would.
func readAdminAnswer(_ fd: FileDescriptor, _ socket: String) -> [UInt8] {
    fd.setReceiveTimeout(milliseconds: adminReadTimeoutMilliseconds)
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let result = chunk.withUnsafeMutableBytes { raw -> Result<Int, SystemError> in
            do throws(SystemError) { return .success(try fd.read(into: raw)) } catch { return .failure(error) }
        }
        switch result {
        case .success(0):
            return response
        case .success(let n):
            guard response.count + n <= adminAnswerLimit else {
                fail("the admin socket \(socket) answered more than 16 MiB, more than serve ever answers; is it `sockwarden serve --admin-socket`?", code: 1)
            }
            response += chunk[0..<n]
        case .failure(let error) where error.code == EAGAIN || error.code == EWOULDBLOCK:
            fail("the admin socket \(socket) sent nothing for 10 minutes; gave up", code: 1)
        case .failure:
            return response
        }
    }
}

func headEnd(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
        return i + 4
    }
    return nil
}

extension JSONValue {
    func member(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }
    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
}
