let version = "0.1.0-dev"

let mainHelp = """
sockwarden \(version): a policy proxy for the Docker Engine API socket.

CI jobs get sockwarden's socket instead of /var/run/docker.sock. Every request
is parsed, judged against a policy, recorded in an audit log, and forwarded
to the daemon only if the policy allows it.

USAGE
  sockwarden serve --listen SOCK --policy FILE [options]   run the proxy
  sockwarden check FILE...                                 validate policy files
  sockwarden routes [--group GROUP]                        list the API routes policies can name
  sockwarden explain --policy FILE METHOD TARGET [--body F] what-if: how one request would be judged
  sockwarden test [PATH...]                                run the test cases kept beside policies
  sockwarden suggest --audit-log FILE [--base POLICY]      learn a policy from a recorded session
  sockwarden audit [FILTERS] [--summary] FILE...           review audit logs (table, --json, --follow)
  sockwarden audit verify FILE...                          check the audit logs' hash chain
  sockwarden help [COMMAND]                                show help
  sockwarden --version

Run 'sockwarden help COMMAND' for a command's options, examples and exit codes.

EXIT CODES
  0 success   1 runtime failure (test: a case failed; suggest: some requests
  still denied)   2 bad usage or invalid policy   3 explain: denied
"""

let serveHelp = """
USAGE
  sockwarden serve --listen SOCK --policy FILE [options]

Runs in the foreground. SIGTERM or SIGINT: stop accepting, remove the socket,
let in-flight requests finish (see --grace-period), exit 0. SIGHUP, or a
change to the policy file: reload it; a new policy is validated, then swapped
in atomically; an invalid one leaves the old one in force and is reported on
stderr and in the audit log. A changed file is read once it has been still
for a second: replace a policy by renaming a new file into place. A policy
file (or a directory on its way) every user can write is refused; one its
group or another user can write is warned about. Job and [[peer]] policies
are reloaded the same way. SIGUSR1: reopen the audit log (logrotate).
Every audit record carries the sha256 digest of the policy that judged it.

OPTIONS
  --listen SOCK          socket to listen on: a path or unix:///path (required)
  --upstream SOCK        the Docker daemon's socket (default: /var/run/docker.sock)
  --policy FILE          policy file, see policies/README.md (required)
  --mode MODE            override the mode of every policy serve loads (the
                         main, [[peer]] and job policies) for a rollout:
                         enforce (refuse denied requests), warn (forward
                         them, record would_deny, warn the client: WARNING
                         lines in docker run, an X-Sockwarden-Warning header
                         elsewhere) or audit (forward and record, silently).
                         Kept when the policies are reloaded
  --audit-log FILE       where audit records go: hash-chained JSON lines, see
                         docs/audit-log.md; "-" is standard output (default: -).
                         A file is locked: one serve writes it
                         SIGUSR1 reopens FILE (logrotate's postrotate)
  --audit-failure WHAT   when the log cannot be written or keep up: refuse
                         (answer new requests 503, forward nothing unrecorded)
                         or continue (serve, count the lost records loudly)
                         (default: refuse)
  --audit-queue N        records that may wait to be written (default: 16384)
  --audit-anchor SECS    every SECS, and at exit, name the last record written
                         (its hash) on stderr, for journald to keep apart from
                         the file: `audit verify --expect HASH` then sees a cut
                         tail (default: 60; 0: never; not for --audit-log -)
  --policy-poll SECS     check the policy file for changes every SECS and
                         reload it (default: 1; 0: only on SIGHUP)
  --metrics-socket SOCK  serve Prometheus metrics (GET /metrics) on this Unix
                         socket, created like --listen's (default: none)
  --admin-socket SOCK    per-job sockets: serve `sockwarden job open/close/list`
                         on this Unix socket (root or this user only); see
                         docs/tenancy.md (default: none)
  --jobs-dir DIR         where job sockets are created (default: /run/sockwarden/jobs)
  --state-dir DIR        where open jobs are kept across restarts
                         (default: /var/lib/sockwarden/jobs)
  --job-policy FILE      a job's policy when `job open` names none
                         (default: --policy); it must judge bodies
  --job-policies DIR     where `job open --policy FILE` may take a policy
                         from (FILE under DIR, at any depth); any other file
                         is refused before it is read (default: the
                         directory of --job-policy)
  --listeners FILE       static job sockets ([[job]]) and per-uid or per-gid
                         policies of the main socket ([[peer]], reloaded
                         like --policy); see docs/tenancy.md
  --reap-after-close S,S reap a closed job's label again this many seconds
                         after its close, for what a request cut at the close
                         still made (default: 10,30,60,120; none: never;
                         forgotten by a restart)
  --socket-mode MODE     octal permissions of the listening socket (default: 0660)
  --socket-group GROUP   group owning the listening socket, name or id
                         (default: the group of the process)
  --grace-period SECS    how long in-flight requests may finish after
                         SIGTERM/SIGINT (default: 10; at most 86400)
  --max-head-bytes N     largest request head accepted (default: 262144;
                         1024 to 16777216)
  --max-connections N    open client connections at most; more get a 503
                         (default: 4096; at most 1000000)
  --max-connections-per-uid N
                         open connections at most per peer uid (SO_PEERCRED);
                         0: no limit (default: 1024; at most 1000000)
  --max-connections-total N
                         open connections at most on all sockets together (the
                         main socket and every job socket, each of which also
                         has --max-connections); more get a 503 (default: half
                         of --audit-queue, 8192; at most 1000000)
  --head-timeout SECS    time a client has to finish a request head it has
                         started, and a body read to be judged; then 408 and
                         close (default: 30; 0: none; at most 86400). Idle
                         keep-alive connections and streams never time out
  --event-loops N        threads serving keep-alive request/response traffic
                         with epoll (default: 1). Hijacked (attach/exec),
                         upgraded, streamed-upload and warn-mode requests
                         move their connection to threads of its own; 0:
                         every connection gets its own threads. Job sockets
                         always use threads
  --send-batching HOW    how an event loop sends: io-uring (default) puts
                         off the sends of one batch of ready connections
                         until all of them are read and judged, then makes
                         them in one io_uring call (one point where the
                         daemon or a client can preempt the proxy instead of
                         one per send); plain puts them off the same way and
                         makes one send(2) each (what io-uring falls back to,
                         with a note, where io_uring is missing or refused by
                         seccomp or kernel.io_uring_disabled); off sends each
                         at once
  --spool-dir DIR        where a build's context is kept (an unlinked file)
                         while its Dockerfile is read and judged, before
                         anything is forwarded (default: $TMPDIR or /var/tmp)
  --max-build-context BYTES
                         the largest build context read; a larger one gets
                         a 413 (default: 8589934592, 8 GiB)
  --max-request-memory BYTES
                         memory that requests being read to be judged may
                         hold past each connection's 64 KiB read buffer (a
                         long head, a body read whole), all connections
                         together; a request that would go past it gets a
                         503 and nothing is forwarded (default: 268435456,
                         256 MiB; at least 2097152)
  --peer-rate N          requests a second one peer may send, on every
                         socket together; past it (and past --peer-burst
                         saved up) its requests wait their turn, nothing is
                         refused. A peer is the job on a job's socket,
                         else the calling container when sockwarden finds
                         it, else the uid. Stderr says
                         "PEER RATE" (once a minute per peer) and
                         sockwarden_peer_rate_waits_total counts the waits
                         (default: 2000; 0: no limit)
  --peer-burst N         requests a peer may send at once before its rate
                         applies (default: 4000, or twice --peer-rate)
  -h, --help             show this help

EXAMPLE
  sockwarden serve --listen /run/sockwarden/ci.sock \\
      --upstream unix:///var/run/docker.sock \\
      --policy /etc/sockwarden/ci.toml --audit-log /var/log/sockwarden/audit.jsonl
  DOCKER_HOST=unix:///run/sockwarden/ci.sock docker ps
  # a rollout: record first, then warn, then enforce
  sockwarden serve --listen /run/sockwarden/ci.sock --policy ci.toml --mode audit --audit-log audit.jsonl

EXIT CODES
  0 stopped by SIGTERM/SIGINT   1 cannot listen, open the audit log or start
  2 bad usage or invalid policy
"""

let checkHelp = """
USAGE
  sockwarden check FILE...

Validates each policy file without serving. Prints `FILE: ok` per valid file
and `FILE:LINE:COLUMN: problem` per invalid one, on stderr. A tests file
(X.tests.toml, see 'sockwarden help test') is validated as one, not run.
As serve does, it refuses a policy file that every user can write (the file
or a directory on its way) and warns on stderr when its group or another
user than root and this one can: whoever can write it sets the policy.
Exit code 0 when every file is valid, 2 otherwise.

EXAMPLE
  sockwarden check policies/*.toml
"""

let routesHelp = """
USAGE
  sockwarden routes [--group GROUP]

Lists every Docker Engine API route sockwarden recognises: method, path,
route name (what policies name in `routes`) and group (what they name in
`groups`). A request that matches no route is always denied.
"""
