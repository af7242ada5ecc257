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
  sockwarden help [COMMAND]                                show help
  sockwarden --version

Run 'sockwarden help serve' for the proxy's options.

EXIT CODES
  0 success   1 runtime failure   2 bad usage or invalid policy
"""

let serveHelp = """
USAGE
  sockwarden serve --listen SOCK --policy FILE [options]

Runs in the foreground. SIGTERM or SIGINT: stop accepting, remove the socket,
let in-flight requests finish (see --grace-period), exit 0. SIGHUP: reload the
policy file; an invalid policy leaves the old one in force and is reported.

OPTIONS
  --listen SOCK          socket to listen on: a path or unix:///path (required)
  --upstream SOCK        the Docker daemon's socket (default: /var/run/docker.sock)
  --policy FILE          policy file, see policies/README.md (required)
  --audit-log FILE       where audit records go, one JSON line per request;
                         "-" is standard output (default: -)
  --socket-mode MODE     octal permissions of the listening socket (default: 0660)
  --socket-group GROUP   group owning the listening socket, name or id
                         (default: the group of the process)
  --grace-period SECS    how long in-flight requests may finish after
                         SIGTERM/SIGINT (default: 10)
  --max-head-bytes N     largest request head accepted (default: 262144)
  --max-connections N    open client connections at most; more get a 503
                         (default: 4096)
  --max-connections-per-uid N
                         open connections at most per peer uid (SO_PEERCRED);
                         0: no limit (default: 1024)
  --head-timeout SECS    time a client has to finish a request head it has
                         started; then 408 and close (default: 30; 0: none).
                         Idle keep-alive connections and streams never time out
  -h, --help             show this help

EXAMPLE
  sockwarden serve --listen /run/sockwarden/ci.sock \\
      --upstream unix:///var/run/docker.sock \\
      --policy /etc/sockwarden/ci.toml --audit-log /var/log/sockwarden/audit.jsonl
  DOCKER_HOST=unix:///run/sockwarden/ci.sock docker ps
"""

let checkHelp = """
USAGE
  sockwarden check FILE...

Validates each policy file without serving. Prints `FILE: ok` per valid file
and `FILE:LINE:COLUMN: problem` per invalid one, on stderr.
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
