"""Limits and hostile clients (issue 6, item 3): one test per limit.

Where each limit is tested:

| limit                                        | test                                                        |
| -------------------------------------------- | ----------------------------------------------------------- |
| head size, default 256 KiB (431)             | test_raw_http.py::test_oversize_head_rejected               |
| head size, --max-head-bytes                  | here: test_head_over_max_head_bytes_gets_431                |
| header count (256 fields, 431)               | here: test_too_many_header_fields_get_431                   |
| inspected body size (1 MiB, 403)             | here: test_body_over_the_inspection_limit_is_denied         |
| connections, global and per uid (503)        | test_proxy.py::test_connection_limit_answers_503_and_recovers |
| dribbled request head (408)                  | test_proxy.py::test_dribbled_head_times_out_but_idle_connections_do_not |
| head or judged body dribbled a byte at a time (408, both serving models) | here: test_dribbling_a_byte_at_a_time_does_not_stretch_the_timeout |
| client gone mid-body (recorded, nothing forwarded, both models) | here: test_client_gone_mid_body_is_recorded_and_nothing_forwarded |
| quiet streams outlive --head-timeout         | here: test_quiet_stream_outlives_head_timeout               |
| file-descriptor exhaustion (both models)    | here: test_fd_exhaustion_*                                  |
| limit flags out of range (usage error, exit 2) | here: test_serve_refuses_limits_out_of_range              |
| memory held by requests being read, all connections (--max-request-memory, 503, both models) | here: test_request_memory_caps_bodies_held_across_connections |
| daemon not accepting yet (a thread waits, the loop serves on) | here: test_a_daemon_that_does_not_accept_yet_stalls_no_one_else |
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
import urllib.parse

import pytest

from swhelpers import (API, IMAGE, POLICIES, Proxy, ProxyStartError, RawConn, Response, build_request,
                       container_exists, force_remove, http, unique)

pytestmark = pytest.mark.proxy_only

PING = b"GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n"


def read_to_eof(s: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            more = s.recv(65536)
        except ConnectionResetError:
            break
        if not more:
            break
        data += more
    return data


def json_message(body: bytes) -> str:
    try:
        message = json.loads(body.decode())["message"]
    except (ValueError, KeyError, TypeError):
        pytest.fail(f"error body is not Docker-style JSON with a message: {body[:300]!r}")
    assert isinstance(message, str) and message
    return message


# --------------------------------------------------------------------------
# request heads and bodies
# --------------------------------------------------------------------------


def test_head_over_max_head_bytes_gets_431(proxy_factory):
    """--max-head-bytes is the limit in force: a head just under it is served,
    one just over it gets a 431 with a JSON message and the connection closes."""
    p = proxy_factory("observe.toml", extra=("--max-head-bytes", "2048"))
    under = build_request("GET", "/_ping", headers={"X-Pad": "a" * 1900})
    over = build_request("GET", "/_ping", headers={"X-Pad": "a" * 2100})
    assert len(under) < 2048 < len(over)
    with RawConn(p.sock, timeout=10) as c:
        c.send(under)
        r = c.read_response()
        assert r.status == 200, r
    with RawConn(p.sock, timeout=10) as c:
        c.send(over)
        r = c.read_response()
        assert r.status == 431, r
        assert "2048" in json_message(r.body), r
        assert c.closed_by_peer(5), "connection left open after a 431"
    assert p.alive()


SERVING = [pytest.param((), id="event-loop"), pytest.param(("--event-loops", "0"), id="threads")]


def dribble(sock_path: str, lead: bytes, data: bytes, every: float, give_up: float) -> tuple[bytes, float]:
    """Sends `lead` at once, then `data` a byte at a time, `every` seconds
    apart, reading what comes back; returns what the proxy sent and how long
    after the first dribbled byte the connection ended."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    try:
        s.sendall(lead)
        s.settimeout(every)
        t0 = time.monotonic()
        got = b""
        for i in range(len(data)):
            if time.monotonic() - t0 > give_up:
                break
            try:
                s.sendall(data[i:i + 1])
                more = s.recv(65536)
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if not more:
                break
            got += more
        s.settimeout(5)
        got += read_to_eof(s)
        return got, time.monotonic() - t0
    finally:
        s.close()


def create_request() -> bytes:
    body = json.dumps({"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}).encode()
    return build_request("POST", f"{API}/containers/create", body)


@pytest.mark.parametrize("extra", SERVING)
@pytest.mark.parametrize("part", ["head", "body"])
def test_dribbling_a_byte_at_a_time_does_not_stretch_the_timeout(proxy_factory, extra, part):
    """--head-timeout is a deadline from the head's first byte (for a judged
    body: from the end of its head), not an idle time per read: a client
    sending a byte every 0.3 s still gets its 408 about a second in, on
    the event loop and on connection threads alike, and nothing is
    forwarded."""
    p = proxy_factory("ci.toml", extra=("--head-timeout", "1") + extra)
    raw = create_request()
    head_end = raw.index(b"\r\n\r\n") + 4
    lead, data = (b"", raw) if part == "head" else (raw[:head_end], raw[head_end:])
    got, took = dribble(p.sock, lead, data, every=0.3, give_up=20)
    assert got.startswith(b"HTTP/1.1 408 "), got[:300]
    expected = f"request {part} was not complete within 1 s"
    assert expected in json_message(got.split(b"\r\n\r\n", 1)[1]), got
    assert took < 6, f"the 408 came after {took:.1f} s of dribbling: the timeout was stretched"
    recs = p.wait_results(lambda rs: any(r["rule"] == "head-timeout" for r in rs), timeout=10)
    assert not any(r.get("status") == 201 for r in recs), "a dribbled create was forwarded"
    assert p.alive()


@pytest.mark.parametrize("extra", SERVING)
def test_client_gone_mid_body_is_recorded_and_nothing_forwarded(proxy_factory, extra):
    """A client that sends a judged request's head and part of its body,
    then closes, leaves an `incomplete-request` record; nothing reaches the
    daemon, and the proxy serves on."""
    p = proxy_factory("ci.toml", extra=extra)
    raw = create_request()
    with RawConn(p.sock, timeout=10) as c:
        c.send(raw[:-10])
        time.sleep(0.3)
    recs = p.wait_results(lambda rs: len(rs) >= 1, timeout=10)
    assert [r["rule"] for r in recs] == ["incomplete-request"], recs
    assert recs[0]["route"] == "container.create" and recs[0]["status"] is None, recs
    with RawConn(p.sock, timeout=10) as c:
        assert c.request("GET", "/_ping").status == 200


def test_a_daemon_that_does_not_accept_yet_stalls_no_one_else(proxy_factory, short_tmp):
    """A daemon whose accept queue is full (busy, or hung) makes a Unix
    connect wait. The event loop, which serves every connection, must not
    wait with it: the request goes to a thread that waits as a direct client
    would, other clients are served meanwhile, and once the daemon accepts
    the waiting request is answered (no 503)."""
    import threading
    d = tempfile.mkdtemp(dir=short_tmp)
    path = os.path.join(d, "busy.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(0)
    queued = []
    try:
        while True:  # fill the accept queue
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect(path)
            except BlockingIOError:
                c.close()
                break
            queued.append(c)
        p = proxy_factory("observe.toml", upstream=path)
        answer = {}

        def ping():
            with RawConn(p.sock, timeout=30) as c:
                answer["response"] = c.request("GET", "/_ping")
        waiting = threading.Thread(target=ping)
        waiting.start()
        time.sleep(1)
        assert waiting.is_alive() and "response" not in answer, answer  # it waits for the daemon
        t0 = time.monotonic()
        with RawConn(p.sock, timeout=10) as c:  # the loop serves others meanwhile
            r = c.request("GET", "/not-a-docker-route")
            assert r.status == 404 and "not a Docker Engine API route" in json_message(r.body), r
        assert time.monotonic() - t0 < 2
        # The daemon catches up: it accepts the queued connections and then the proxy's.
        listener.settimeout(10)
        for _ in range(len(queued)):
            listener.accept()[0].close()
        while True:
            daemon, _ = listener.accept()
            with daemon:
                daemon.settimeout(10)
                request = b""
                while b"\r\n\r\n" not in request:
                    request += daemon.recv(4096)
                if request.startswith(b"GET /info "):
                    continue  # serve's look at the daemon at start (CgroupV1Notice), queued too
                assert request.startswith(b"GET /_ping HTTP/1.1\r\n"), request
                daemon.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK")
                waiting.join(20)
                break
        assert answer["response"].status == 200 and answer["response"].body == b"OK", answer
        assert p.alive()
    finally:
        for c in queued:
            c.close()
        listener.close()


@pytest.mark.parametrize("flag, value, says", [
    ("--head-timeout", "100000000000000", "at most 86400"),  # overflowed the deadline: a trap at the first dribbled head
    ("--head-timeout", "-1", "whole seconds"),
    ("--grace-period", "99999999999999", "at most 86400"),   # overflowed at SIGTERM
    ("--max-head-bytes", "10", "at least 1024"),
    ("--max-head-bytes", "9223372036854775807", "at most 16777216"),  # overflowed buffer limits: a trap at the first request
    ("--max-connections", "9223372036854775807", "1 to 1000000"),    # overflowed the descriptor check at start
    ("--max-connections-per-uid", "9223372036854775807", "0 (no limit) to 1000000"),
    ("--max-connections-total", "0", "1 to 1000000"),
    ("--event-loops", "65", "0 to 64"),
    ("--max-request-memory", "1048576", "at least 2097152"),
    ("--peer-rate", "-1", "0 (no limit) to 10000000"),
    ("--peer-burst", "0", "1 to 100000000"),
])
def test_serve_refuses_limits_out_of_range(proxy_bin, sock_dir, flag, value, says):
    """A limit sockwarden cannot honour is a usage error at start (exit 2,
    the flag named), not a crash later."""
    import subprocess
    argv = [proxy_bin, "serve", "--listen", os.path.join(sock_dir, "x.sock"), "--upstream", os.path.join(sock_dir, "d.sock"),
            "--policy", str(POLICIES / "ci.toml"), flag, value]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert flag in r.stderr and says in r.stderr, r.stderr


@pytest.mark.parametrize("fields, status", [(255, 200), (256, 200), (257, 431), (1000, 431)])
def test_too_many_header_fields_get_431(proxy_factory, fields, status):
    """At most 256 header fields (Host included); one more is a 431."""
    p = proxy_factory("observe.toml")
    headers = [(f"X-F{i}", "v") for i in range(fields - 1)]  # + Host
    with RawConn(p.sock, timeout=10) as c:
        try:
            c.send(build_request("GET", "/_ping", headers=headers))
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = c.read_response()
    assert r.status == status, r
    if status == 431:
        assert "header fields" in json_message(r.body), r


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_body_over_the_inspection_limit_is_denied(proxy_factory, dockerd_sock, framing):
    """A container-create body larger than 1 MiB cannot be judged, so it is
    denied (403, saying why) under a policy that reads bodies, whatever the
    framing, and the daemon never sees it."""
    p = proxy_factory("ci.toml")
    name = unique("bigbody")
    body = json.dumps({"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"},
                       "Labels": {"pad": "x" * (1 << 20)}}).encode()
    assert len(body) > 1 << 20
    if framing == "chunked":
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 65536]), body[i:i + 65536])
                          for i in range(0, len(body), 65536))
        raw = build_request("POST", f"{API}/containers/create?name={name}",
                            headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"}) \
            + chunks + b"0\r\n\r\n"
    else:
        raw = build_request("POST", f"{API}/containers/create?name={name}", body)
    try:
        with RawConn(p.sock, timeout=20) as c:
            try:
                c.send(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the whole body was read: fine, read the answer
            r = c.read_response("POST")
        assert r.status == 403, r
        assert "larger than 1048576 bytes" in json_message(r.body), r
        assert not container_exists(dockerd_sock, name), "the daemon created a container from an unjudged body"
        assert p.alive()
    finally:
        force_remove(dockerd_sock, name)


def padded_create(name: str, size: int) -> tuple[bytes, bytes]:
    """A create request for `name` whose body is `size` bytes (a padded
    label): (head, body)."""
    base = {"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}, "Labels": {"pad": ""}}
    pad = size - len(json.dumps(base).encode())
    base["Labels"]["pad"] = "x" * pad
    body = json.dumps(base).encode()
    assert len(body) == size
    raw = build_request("POST", f"{API}/containers/create?name={name}", body)
    return raw[:-len(body)], body


def metric(path: str, name: str) -> int:
    with RawConn(path, timeout=10) as c:
        r = c.request("GET", "/metrics")
    for line in r.body.decode().splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError(f"{name} not in {r.body[:2000]!r}")


@pytest.mark.parametrize("extra", SERVING)
def test_request_memory_caps_bodies_held_across_connections(proxy_factory, dockerd_sock, short_tmp, extra):
    """--max-request-memory caps what bodies being read to be judged hold,
    all connections together: with 2 MiB, two clients each holding most of
    a 900 KB create body leave no room for a third, which gets a 503 saying
    which flag, and nothing of it is forwarded; the two finish and are
    forwarded, and then the memory is free again for the next."""
    metrics = os.path.join(tempfile.mkdtemp(dir=short_tmp), "m.sock")
    p = proxy_factory("ci.toml", extra=("--max-request-memory", str(2 << 20), "--metrics-socket", metrics) + extra)
    names = [unique("reqmem") for _ in range(4)]
    size = 900_000
    holders = []
    try:
        for name in names[:2]:
            head, body = padded_create(name, size)
            c = RawConn(p.sock, timeout=20)
            c.send(head + body[:800_000])
            holders.append((c, body))
            time.sleep(0.5)  # read (and held) before the next one
        assert metric(metrics, "sockwarden_request_memory_bytes") > 1 << 20
        head, body = padded_create(names[2], size)
        with RawConn(p.sock, timeout=20) as c:
            try:
                c.send(head + body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the whole body was read
            r = c.read_response("POST")
        assert r.status == 503, r
        message = json_message(r.body)
        assert "--max-request-memory" in message and "nothing of this request was forwarded" in message, message
        for c, body in holders:
            c.send(body[800_000:])
            assert c.read_response("POST").status == 201
            c.close()
        holders = []
        deadline = time.monotonic() + 10
        while metric(metrics, "sockwarden_request_memory_bytes") != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert metric(metrics, "sockwarden_request_memory_bytes") == 0, "the two finished requests still hold memory"
        assert metric(metrics, "sockwarden_request_memory_refusals_total") == 1
        head, body = padded_create(names[3], size)
        with RawConn(p.sock, timeout=20) as c:
            c.send(head + body)
            assert c.read_response("POST").status == 201, "the memory was not given back"
        assert [container_exists(dockerd_sock, n) for n in names] == [True, True, False, True]
        recs = p.wait_results(lambda rs: any(r["rule"] == "request-memory" for r in rs), timeout=10)
        refused = [r for r in recs if r["rule"] == "request-memory"]
        assert len(refused) == 1 and refused[0]["decision"] == "deny" and refused[0]["status"] == 503, refused
        assert p.alive()
    finally:
        for c, _ in holders:
            c.close()
        for n in names:
            force_remove(dockerd_sock, n)


# --------------------------------------------------------------------------
# quiet streams
# --------------------------------------------------------------------------


def test_quiet_stream_outlives_head_timeout(proxy_factory, dockerd_sock):
    """With --head-timeout 1, an events stream and a `logs -f` stream that
    stay silent for 4 s are not cut: the head timeout only covers a request
    head being received, never a response being relayed."""
    p = proxy_factory("observe.toml", extra=("--head-timeout", "1"))
    name = unique("quiet")
    try:
        r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
                 json.dumps({"Image": IMAGE, "Cmd": ["sh", "-c", "echo before; sleep 4; echo after"],
                             "HostConfig": {"NetworkMode": "none"}}).encode())
        assert r.status == 201, r
        events = RawConn(p.sock, timeout=30)
        filters = urllib.parse.quote(json.dumps({"container": [name], "event": ["die"]}))
        events.send(build_request("GET", f"{API}/events?filters={filters}"))
        head = events.read_head()
        assert head.status == 200, head
        assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start").status == 204
        # Follows the container until it exits: 4 s of silence between the lines.
        logs = http(p.sock, "GET", f"{API}/containers/{name}/logs?follow=1&stdout=1", timeout=30)
        assert logs.status == 200, logs
        assert b"before\n" in logs.body and b"after\n" in logs.body, logs
        # The events stream was silent all along and now reports the exit.
        events.read_until(b'"die"', limit=1 << 16)
        events.close()
        assert p.alive()
    finally:
        force_remove(dockerd_sock, name)


# --------------------------------------------------------------------------
# file-descriptor exhaustion
# --------------------------------------------------------------------------

NOFILE = 64


class LimitedProxy(Proxy):
    """A proxy started with RLIMIT_NOFILE lowered to NOFILE (soft and hard),
    through prlimit(1), which execs it (same pid)."""

    @property
    def argv(self) -> list[str]:
        return ["prlimit", f"--nofile={NOFILE}:{NOFILE}", "--"] + super().argv


@pytest.fixture(params=SERVING)
def limited_proxy(request, proxy_bin, dockerd_sock, image, short_tmp):
    """On the event loop and on connection threads alike."""
    if not shutil.which("prlimit"):
        pytest.skip("prlimit (util-linux) is not installed")
    d = tempfile.mkdtemp(dir=short_tmp)
    p = LimitedProxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, str(POLICIES / "observe.toml"),
                     os.path.join(d, "audit.jsonl"), d, request.param)
    try:
        p.start()
    except ProxyStartError as exc:
        pytest.fail(str(exc))
    yield p
    p.stop()


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def exhaust(p: Proxy, idle: int = 0) -> tuple[list[RawConn], list[RawConn], Response]:
    """Opens `idle` silent connections, then connections that each hold a
    daemon connection (a ping), until the proxy refuses one. Returns the idle
    ones, the busy ones and the refusal."""
    idle_conns = [RawConn(p.sock, timeout=15) for _ in range(idle)]
    busy = []
    for _ in range(NOFILE * 2):
        c = RawConn(p.sock, timeout=15)
        try:
            c.send(PING)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused (and closed) before the request was written: read the refusal
        r = c.read_response()
        if r.status == 200:
            busy.append(c)
            continue
        c.close()
        return idle_conns, busy, r
    pytest.fail(f"{NOFILE * 2} connections with RLIMIT_NOFILE {NOFILE} and no refusal; log: {p.log_tail()}")


def test_fd_exhaustion_is_survived_reported_and_recovered(limited_proxy):
    """Out of descriptors: new clients get a Docker-style 503 saying so (not a
    hang), stderr and the audit log say so, the accept loop does not spin,
    open connections keep working, and once descriptors free up new clients
    are served again."""
    p = limited_proxy
    assert f"RLIMIT_NOFILE is {NOFILE}" in p.log_tail(), "no startup warning about the low descriptor limit"
    _, busy, refusal = exhaust(p)
    try:
        assert len(busy) >= 10, f"only {len(busy)} connections before exhaustion"
        # Usually the 503 of the accept loop; rarely (a descriptor taken for
        # an instant by glibc in another thread) the 502 of the daemon dial.
        assert refusal.status in (502, 503), refusal
        message = json_message(refusal.body)
        assert "out of file descriptors" in message or "Too many open files" in message, message
        assert "sockwarden: out of file descriptors" in p.log_tail(20000), p.log_tail()
        p.wait_audit(lambda rs: any(r.get("rule") == "fd-exhaustion" and r.get("status") == 503 for r in rs),
                     what="an fd-exhaustion audit record")

        # Still exhausted: a burst of clients is answered, and the proxy does
        # not burn CPU while it waits for descriptors.
        before = cpu_seconds(p.proc.pid)
        for _ in range(20):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(15)
                s.connect(p.sock)
                assert read_to_eof(s).startswith(b"HTTP/1.1 503 ")
        time.sleep(2)
        used = cpu_seconds(p.proc.pid) - before
        assert used < 1.0, f"the proxy used {used:.2f} s of CPU in ~2 s while out of descriptors: it spins"

        # Open connections are untouched.
        for c in (busy[0], busy[-1]):
            r = c.request("GET", f"{API}/containers/json")
            assert r.status == 200 and isinstance(r.json(), list), r

        # Free some descriptors: new clients are served again.
        for c in busy[:10]:
            c.close()
        del busy[:10]
        deadline = time.monotonic() + 10
        while True:
            with RawConn(p.sock, timeout=10) as c:
                try:
                    r = c.request("GET", "/_ping")
                    status = r.status
                except (EOFError, ConnectionResetError, BrokenPipeError, AssertionError):
                    status = None
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status == 200, f"not served again after descriptors were freed; log: {p.log_tail()}"
        assert "file descriptors available again" in p.log_tail(20000), p.log_tail()
        assert p.alive()
    finally:
        for c in busy:
            c.close()


def test_fd_exhaustion_when_dialing_the_daemon_answers_not_hangs(limited_proxy):
    """Connections admitted earlier whose first requests come when no
    descriptor is left for their daemon connections get a Docker-style error
    at once, not a hang, and the proxy keeps running.

    After exhaust() at most two descriptors are free (a new connection is
    admitted only with three), so of three idle connections at least one
    finds none when it dials the daemon."""
    p = limited_proxy
    idle, busy, refusal = exhaust(p, idle=3)
    try:
        assert refusal.status in (502, 503), refusal
        answers = [c.request("GET", "/_ping") for c in idle]
        failed = [r for r in answers if r.status != 200]
        assert failed, f"all {len(idle)} late dials succeeded: {answers}"
        for r in failed:
            assert r.status in (502, 503), r
            message = json_message(r.body)
            assert "file descriptors" in message or "Too many open files" in message, message
        assert p.alive()
    finally:
        for c in idle + busy:
            c.close()


@pytest.mark.parametrize("event_loops", ["0", "1"], ids=["threads", "loop"])
def test_the_total_cap_counts_every_socket(proxy_bin, dockerd_sock, image, short_tmp, event_loops):
    """Every socket has its own --max-connections, but all share one audit
    queue: `--max-connections-total` caps their sum. With a total of 3, two
    connections held on the main socket and one on a job socket leave no room
    on either; one closed makes room again."""
    from swhelpers import socket_published, wait_for
    d = tempfile.mkdtemp(dir=short_tmp)
    job_sock = os.path.join(d, "job.sock")
    listeners = os.path.join(d, "listeners.toml")
    with open(listeners, "w") as f:
        f.write(f'[[job]]\nid = "{unique("total")}"\npolicy = "{POLICIES / "ci.toml"}"\nsocket = "{job_sock}"\n')
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, str(POLICIES / "ci.toml"), os.path.join(d, "audit.jsonl"), d,
              ("--listeners", listeners, "--jobs-dir", os.path.join(d, "jobs"), "--state-dir", os.path.join(d, "state"),
               "--max-connections-total", "3", "--event-loops", event_loops)).start()
    held: list[RawConn] = []
    try:
        # Not a probe connection: it would count against the total until the
        # proxy noticed its close (a 503 below once, on a loaded machine).
        wait_for(lambda: socket_published(job_sock), 10, what="the job socket")
        for sock in (p.sock, p.sock, job_sock):
            c = RawConn(sock, timeout=10)
            assert c.request("GET", f"{API}/_ping").status == 200
            held.append(c)
        for sock in (p.sock, job_sock):
            # Refused at accept: the 503 comes before any request is sent.
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(10)
                s.connect(sock)
                answer = read_to_eof(s)
            assert answer.startswith(b"HTTP/1.1 503 ") and b"--max-connections-total" in answer, answer
        held.pop(0).close()

        def room():
            with RawConn(job_sock, timeout=10) as c:
                try:
                    return c.request("GET", f"{API}/_ping").status == 200
                except (EOFError, ConnectionResetError, BrokenPipeError):
                    return False
        wait_for(room, 10, interval=0.1, what="room on the job socket once a main-socket connection closed")
    finally:
        for c in held:
            c.close()
        p.stop()
