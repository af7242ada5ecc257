"""`Builder-Version` in a ping's answer, where BuildKit is refused.

dockerd 23 and later answer `/_ping` with `Builder-Version: 2` (20.10 does
only with `"features": {"buildkit": true}`), and a docker CLI before 23 (Debian
bookworm's 20.10, in many CI images) then runs `docker build` with BuildKit by
itself. A policy that refuses BuildKit's streams answered its `/session` with
403 and the plain `docker build` failed ("unable to upgrade to h2c"), though
the job never asked for BuildKit. Where BuildKit is refused (enforce mode,
its streams or `[builds] buildkit` refuse it; every job socket) sockwarden
passes the ping on with `Builder-Version: 1`, as the daemon itself says with
BuildKit off; where it is allowed, the daemon's `2` passes as sent.

The daemon here is a stand-in in front of the private dockerd 20.10: a
connection whose first request is a ping gets the real daemon's answer with
`Builder-Version: 2` added, and is closed; any other connection is relayed
to the daemon byte for byte (so a build goes to the real daemon)."""
import json
import os
import re
import shutil
import socket
import tempfile
import threading

import pytest

from swhelpers import API, CLI_PATHS, POLICIES, DockerCLI, FakeUnixDaemon, RawConn, cli_id, http, unique
from test_jobs import IMG, Jobs

pytestmark = pytest.mark.proxy_only


class BuildKitPing(FakeUnixDaemon):
    """dockerd 23 and later as their ping says (see the module's text)."""

    def __init__(self, path: str, daemon: str):
        self.daemon = daemon
        super().__init__(path)

    def serve(self, conn, number):
        buffered = b""
        while b"\r\n\r\n" not in buffered:
            more = conn.recv(65536)
            if not more:
                return
            buffered += more
        request_line = buffered.split(b"\r\n", 1)[0].split(b" ")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as up:
            up.connect(self.daemon)
            if len(request_line) == 3 and request_line[1].split(b"?")[0].endswith(b"/_ping"):
                head, body, _ = self.read_request(conn, buffered)
                up.sendall(head + b"\r\n\r\n" + body)
                answer_head, answer_body, _ = self.read_response(up, request_line[0])
                conn.sendall(answer_head + b"\r\nConnection: close\r\nBuilder-Version: 2\r\n\r\n" + answer_body)
                return
            up.sendall(buffered)
            back = threading.Thread(target=self._copy, args=(up, conn), daemon=True)
            back.start()
            self._copy(conn, up)
            back.join(timeout=300)

    @staticmethod
    def read_response(up, method: bytes) -> tuple[bytes, bytes, bytes]:
        """The daemon's answer to a ping: (head, body by its Content-Length, the rest)."""
        buffered = b""
        while b"\r\n\r\n" not in buffered:
            buffered += up.recv(65536)
        head, buffered = buffered.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length" and method != b"HEAD":
                length = int(v.strip())
        while len(buffered) < length:
            buffered += up.recv(65536)
        return head, buffered[:length], buffered[length:]

    @staticmethod
    def _copy(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


@pytest.fixture
def newer_daemon(dockerd_sock, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    stand_in = BuildKitPing(os.path.join(d, "d.sock"), dockerd_sock)
    yield stand_in.path
    stand_in.close()


def buildkit_allowed_policy(directory: str) -> str:
    """ci.toml with BuildKit allowed: its streams and `[builds] buildkit`."""
    text = (POLICIES / "ci.toml").read_text()
    text, n = re.subn(r'^action = "deny"\n(description = "BuildKit.*\n)groups = \["session"\]$',
                      r'action = "allow"\n\1groups = ["session"]', text, flags=re.M)
    assert n == 1
    text, n = re.subn(r"^buildkit = false.*$", "buildkit = true", text, flags=re.M)
    assert n == 1
    path = os.path.join(directory, "ci-buildkit.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


# (request, its body): the loop's ping, its HEAD, a versioned one, and one a
# connection thread serves (a body past what the loop buffers).
PINGS = [("GET", "/_ping", None), ("HEAD", "/_ping", None), ("GET", f"{API}/_ping", None),
         ("GET", "/_ping", b"x" * (96 * 1024))]


def head_without(response, *names: str) -> list[tuple[str, str]]:
    return [(k.lower(), v) for k, v in response.headers if k.lower() not in {"date", *names}]


@pytest.mark.parametrize("method,target,body", PINGS, ids=["get", "head", "versioned", "thread"])
def test_a_ping_tells_the_classic_builder_where_buildkit_is_refused(proxy_factory, newer_daemon, short_tmp,
                                                                    method, target, body):
    direct = RawConn(newer_daemon).request(method, target, body)
    assert direct.header("Builder-Version") == "2", direct
    refusing = proxy_factory("ci.toml", upstream=newer_daemon)
    allowing = proxy_factory(buildkit_allowed_policy(tempfile.mkdtemp(dir=short_tmp)), upstream=newer_daemon)
    observing = proxy_factory("observe.toml", upstream=newer_daemon)
    for proxy, told in ((refusing, "1"), (allowing, "2"), (observing, "2")):
        with RawConn(proxy.sock) as c:
            r = c.request(method, target, body)
        assert r.status == direct.status == 200, (proxy.policy, r)
        assert [v for k, v in r.headers if k.lower() == "builder-version"] == [told], (proxy.policy, r)
        # Nothing else of the daemon's answer changes.
        assert head_without(r, "builder-version") == head_without(direct, "builder-version"), (proxy.policy, r, direct)
        assert r.body == direct.body


def test_a_job_socket_tells_the_classic_builder_whatever_its_policy(proxy_bin, newer_daemon, image, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    jobs = Jobs(proxy_bin, newer_daemon, d)
    jobs.proxy.policy = buildkit_allowed_policy(d)
    jobs.start()
    try:
        job = jobs.open(unique("bv"))
        # Job sockets refuse BuildKit builds whatever the policy says (BuildScope).
        assert http(job, "GET", "/_ping").header("Builder-Version") == "1"
        assert http(jobs.proxy.sock, "GET", "/_ping").header("Builder-Version") == "2"
    finally:
        jobs.proxy.stop()


OLD_CLIS = [p for p in CLI_PATHS if cli_id(p) == "cli20"]


@pytest.mark.skipif(not OLD_CLIS, reason="Debian's docker CLI 20.10 is not installed")
def test_a_plain_docker_build_of_a_cli_before_23_works_on_a_daemon_that_says_buildkit(
        proxy_factory, newer_daemon, docker_config, dockerd_sock, cleanup, short_tmp):
    proxy = proxy_factory("ci.toml", upstream=newer_daemon)
    cli = DockerCLI(OLD_CLIS[0], proxy.sock, docker_config)
    del cli.env["DOCKER_BUILDKIT"]  # the CLI decides by the ping, as in a job that sets nothing
    ctx = tempfile.mkdtemp(dir=short_tmp)
    try:
        with open(os.path.join(ctx, "Dockerfile"), "w") as f:
            f.write(f"FROM {IMG}\nRUN echo built > /built\n")
        tag = cleanup.image(unique("bvcli") + ":1")
        out = cli.ok("build", "--network", "none", "-t", tag, ctx, timeout=120)
        assert b"Successfully tagged" in out.stdout, out.stdout[-500:]
        with open(proxy.audit) as f:
            routes = [json.loads(line).get("route") for line in f if line.strip()]
        # A classic build: no BuildKit session was asked for.
        assert "build.image" in routes and "session.start" not in routes, routes
        assert http(dockerd_sock, "GET", f"{API}/images/{tag}/json").status == 200
    finally:
        shutil.rmtree(ctx, ignore_errors=True)
