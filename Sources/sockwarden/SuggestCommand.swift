import Glibc
import Policy
import Posix
import Proxy

let suggestHelp = """
USAGE
  sockwarden suggest --audit-log FILE [--base POLICY] [--upstream SOCK]

Learning: proposes the narrowest policy that would have allowed what the
audit log recorded, and prints it on standard output as a policy file with
comments. Record a session first, typically with the policy you are rolling
out in audit mode (`serve --mode audit`), so that requests it would deny are
recorded with their facts instead of being refused.

What it learns:
  - routes: one allow rule per group listing exactly the routes (and methods)
    of the requests that were allowed or would-deny; nothing else is allowed.
  - body settings: loosened from the secure defaults (or from --base) only as
    far as the recorded facts need: a capability, a host path, a port… each
    with a comment citing how many requests needed it and when.
An exec, attach or copy is learned from the container it acted in (its
record's target_container and facts), as a create is, and listed with what
that container needed; in older logs, without them, one denied for its
container is listed as NOT CHECKED.
Requests denied in enforce mode are not learned (they are listed in a
comment). Records without facts (a policy with trust-bodies = true, such as
observe.toml) teach routes only; the output says so.

The suggestion is parsed back and every learned request replayed against it;
those it would still deny (bodies that no setting can allow, values a list
would read as a pattern, such as sysctl "*", or that a policy cannot hold)
are listed at the top and on standard error. When what it learned beyond the
base amounts to root on the host (privileged, host paths, a swarm to join,
routes that manage the swarm or plugins, …) the policy starts with a
# WARNING block naming each, and standard error says so
(policies/README.md, "Learning a policy").

OPTIONS
  --audit-log FILE   the audit log (JSON lines); "-" is standard input (required)
  --base POLICY      start from this policy and add only what it lacks
                     (its rules and settings are kept; comments are not)
  --upstream SOCK    the daemon socket `serve` protects, for judging host
                     paths as `serve` would (default: /var/run/docker.sock)

EXIT CODES
  0 the suggestion allows every learned request   1 it still denies some (listed)
  2 bad usage, unreadable log or base, or nothing to learn

EXAMPLES
  sockwarden serve --listen /run/sw.sock --policy policies/ci.toml --mode audit --audit-log /tmp/audit.jsonl
  # ... run the CI job against /run/sw.sock ...
  sockwarden suggest --audit-log /tmp/audit.jsonl > ci-learned.toml
  sockwarden suggest --audit-log /tmp/audit.jsonl --base policies/ci.toml > ci-learned.toml
  sockwarden check ci-learned.toml && sockwarden serve --policy ci-learned.toml --mode warn ...
"""

func runSuggest(_ args: ArraySlice<String>) -> Never {
    let specs: [Flags.Spec] = [.init(name: "audit-log", takesValue: true), .init(name: "base", takesValue: true),
                               .init(name: "upstream", takesValue: true), .init(name: "help", takesValue: false)]
    let flags: Flags
    do {
        flags = try Flags(args, specs: specs)
    } catch {
        fail("suggest: \(error); run 'sockwarden help suggest'")
    }
    if flags.has("help") {
        print(suggestHelp)
        exit(0)
    }
    guard flags.positional.isEmpty else { fail("suggest: unexpected argument \(flags.positional[0]); give the log with --audit-log FILE") }
    guard let logPath = flags["audit-log"] else { fail("suggest: --audit-log FILE is required (the log `serve --audit-log` wrote)") }
    var base: Policy?
    if let basePath = flags["base"] {
        switch loadPolicy(path: basePath) {
        case .success(let p): base = p
        case .failure(let message): fail("suggest: the base policy is invalid:\n\(message)")
        }
    }
    let upstream: String
    do {
        upstream = try socketPath(flags["upstream"] ?? "/var/run/docker.sock", flag: "--upstream")
    } catch {
        fail("suggest: \(error)")
    }

    var entries: [AuditEntry] = []
    var skipped: [String] = []
    do {
        let reader = try AuditLineReader(path: logPath)
        while case .line(let line, _) = try reader.next() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            switch AuditEntry.parse(Array(line), number: reader.lineNumber) {
            case .entry(let entry): entries.append(entry)
            case .other: break
            case .invalid(let why): skipped.append("\(logPath):\(reader.lineNumber): \(why)")
            }
        }
    } catch {
        fail("suggest: cannot read the audit log: \(error)")
    }
    for message in skipped.prefix(5) { Files.writeStderr("sockwarden: suggest: skipped \(message)\n") }
    if skipped.count > 5 { Files.writeStderr("sockwarden: suggest: skipped \(skipped.count - 5) more unreadable lines\n") }

    let source = logPath == "-" ? "standard input" : logPath
    let environment = LookupWatch(HostFileSystem(upstreamSocket: upstream))
    let result = PolicySuggestion.suggest(entries: entries, source: source, skippedLines: skipped.count, base: base,
                                          environment: environment)
    if let notice = environment.notice(upstream: upstream) {
        Files.writeStderr("sockwarden: suggest: \(notice) (what needed it was neither learned nor allowed when replayed)\n")
    }
    switch result {
    case .failure(let error):
        fail("suggest: \(error)")
    case .success(let suggestion):
        let loosened = HostEquivalentLoosening.of(suggestion.policy, beyond: base)
        if !loosened.isEmpty {
            // Loudly, in the file and on stderr: one request in the log is enough to learn any of these.
            var head = "# WARNING: this policy gives jobs what amounts to root on the host, learned from the log:\n"
            for line in loosened { head += "#   - \(line)\n" }
            head += "# Check which requests needed it (the comments below name them) before you enforce it.\n"
            Files.writeStdout(head)
            Files.writeStderr("sockwarden: suggest: WARNING: the suggestion gives jobs what amounts to root on the host:\n")
            for line in loosened { Files.writeStderr("  - \(line)\n") }
        }
        Files.writeStdout(suggestion.text)
        if suggestion.notAllowed.isEmpty {
            if suggestion.unchecked.isEmpty {
                Files.writeStderr("sockwarden: suggest: learned from \(suggestion.learned) request(s); the suggestion loads and allows every one of them\n")
            } else {
                Files.writeStderr("sockwarden: suggest: learned from \(suggestion.learned) request(s); the suggestion loads and allows every one of them it can check; \(suggestion.unchecked.count) exec, attach or copy request(s) were denied for the container they act in and are not checked (see NOT CHECKED in the header)\n")
            }
            exit(0)
        }
        Files.writeStderr("sockwarden: suggest: learned from \(suggestion.learned) request(s); \(suggestion.notAllowed.count) would still be denied:\n")
        for line in suggestion.notAllowed.prefix(10) { Files.writeStderr("  \(AuditDisplayText.escaped(line))\n") }
        exit(1)
    }
}
