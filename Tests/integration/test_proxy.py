"""Proxy-specific behaviour: policy denials, audit log, lifecycle, robustness."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import time
import urllib.parse

import pytest

from swhelpers import (API, IMAGE, POLICIES, DockerCLI, RawConn, build_request, container_exists, force_remove,
                       http, ping, unique)

pytestmark = pytest.mark.proxy_only

DENIED = "denied by policy read-only.toml"


def run_bin(argv: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{argv} did not finish within {timeout} s (stderr={exc.stderr!r})")


def start_container(dockerd_sock: str, cmd=("sleep", "300")) -> str:
    name = unique("pxy")
    r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
             json.dumps({"Image": IMAGE, "Cmd": list(cmd), "HostConfig": {"NetworkMode": "none"}}).encode())
    assert r.status == 201, r
    r = http(dockerd_sock, "POST", f"{API}/containers/{name}/start")
    assert r.status == 204, r
    return name


def json_message(r) -> str:
    try:
        msg = r.json()["message"]
    except (ValueError, KeyError, TypeError):
        pytest.fail(f"body is not JSON with a message: {r}")
    assert isinstance(msg, str) and msg
    return msg


# --------------------------------------------------------------------------
# policy
# --------------------------------------------------------------------------


def test_denial_reaches_docker_cli(proxy_factory, dockerd_sock, cli_path, docker_config, cleanup):
    p = proxy_factory("read-only.toml")
    name = cleanup.container(start_container(dockerd_sock))
    cli = DockerCLI(cli_path, p.sock, docker_config)
    # allowed through read-only
    cli.ok("version")
    assert name.encode() in cli.ok("ps", "--format", "{{.Names}}").stdout
    cli.ok("inspect", name)
    # denied: message reaches the user
    for args in (["exec", name, "true"], ["logs", name],
                 ["run", "--rm", "--network", "none", IMAGE, "true"]):
        r = cli(*args)
        assert r.returncode != 0, f"docker {args} succeeded through read-only.toml"
        assert DENIED.encode() in r.stderr, f"docker {args}: stderr={r.stderr!r}"


def test_denial_response_shape(proxy_factory, dockerd_sock, cleanup):
    p = proxy_factory("read-only.toml")
    name = cleanup.container(start_container(dockerd_sock))
    r = http(p.sock, "POST", f"{API}/containers/{name}/exec", json.dumps({"Cmd": ["true"]}).encode())
    assert r.status == 403, r
    assert "json" in (r.header("content-type") or ""), r
    msg = json_message(r)
    assert msg.startswith("sockwarden: POST "), msg
    assert "(exec.create)" in msg and DENIED in msg, msg


def test_client_traffic_goes_through_the_session_proxy(proxy, cli):
    """Sanity: in proxy mode the client tests really talk to sockwarden."""
    assert cli.sock == proxy.sock
    before = len(proxy.audit_results())
    cli.ok("version")
    recs = proxy.wait_results(lambda rs: any(r.get("route") == "system.version" for r in rs[before:]),
                              what="system.version in the session proxy's audit log")
    assert all(r.get("decision") == "allow" for r in recs[before:]), recs[before:]


@pytest.mark.parametrize("policy", ["observe.toml", "read-only.toml"])
def test_unknown_route(proxy_factory, policy):
    p = proxy_factory(policy)
    r = http(p.sock, "GET", f"{API}/nonexistent")
    assert r.status in (403, 404), r
    json_message(r)


def test_percent_encoded_path_is_container_list(proxy_factory):
    p = proxy_factory("observe.toml")
    r = http(p.sock, "GET", f"{API}/containers%2Fjson")
    assert r.status == 200 and isinstance(r.json(), list), r  # as the daemon answers it
    recs = p.wait_results(lambda rs: any("%2F" in str(x.get("path", "")) or x.get("route") == "container.list"
                                         for x in rs), what="audit record for containers%2Fjson")
    routes = [x.get("route") for x in recs]
    assert routes == ["container.list"], recs


@pytest.mark.parametrize("method,path", [
    ("GET", "/containers/{name}%2Flogs?stdout=1&stderr=1"),
    ("GET", "%2Fcontainers/{name}/logs?stdout=1&stderr=1"),
    ("POST", "/containers/{name}%2Fexec"),
    ("GET", "/containers/{name}%2farchive?path=/etc"),
], ids=["logs-%2F", "version-%2F-logs", "exec-%2F", "archive-%2f"])
def test_percent_encoded_denied_route_stays_denied(proxy_factory, dockerd_sock, cleanup, method, path):
    p = proxy_factory("read-only.toml")
    name = cleanup.container(start_container(dockerd_sock))
    target = API + path.format(name=name)
    body = json.dumps({"Cmd": ["true"]}).encode() if method == "POST" else None
    direct = http(dockerd_sock, method, target, body)
    assert direct.status in (200, 201), f"daemon itself does not decode this path: {direct}"
    r = http(p.sock, method, target, body)
    # Denied (403) or refused as malformed (400): either way never forwarded.
    assert r.status in (400, 403), f"{method} {target} passed read-only.toml: {r}"
    json_message(r)


# --------------------------------------------------------------------------
# upstream failure, audit log
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["missing-socket", "refused"])
def test_dead_upstream_502(proxy_factory, sock_dir, kind):
    upstream = os.path.join(sock_dir, "dead.sock")
    if kind == "refused":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(upstream)  # bound, never listening: connect() is refused
        s.close()
    p = proxy_factory("observe.toml", upstream=upstream)
    r = http(p.sock, "GET", f"{API}/version")
    assert r.status == 502, r
    json_message(r)
    recs = p.wait_results(lambda rs: len(rs) >= 1, what="audit record for the 502")
    assert recs[-1].get("status") == 502, recs
    assert recs[-1].get("method") == "GET", recs
    # the proxy keeps serving
    assert http(p.sock, "GET", "/_ping").status == 502
    assert p.alive()


def test_audit_one_line_per_request(proxy_factory):
    p = proxy_factory("observe.toml")
    with RawConn(p.sock) as c:
        for path in ("/_ping", f"{API}/version", f"{API}/containers/json"):
            assert c.request("GET", path).status == 200
    r = http(p.sock, "POST", f"{API}/containers/create?name=swt-{os.getpid()}-nosuchimage",
             json.dumps({"Image": "swtest/does-not-exist:none"}).encode())
    assert r.status == 404, r
    recs = p.wait_results(lambda rs: len(rs) >= 4, what="4 audit records")
    time.sleep(0.3)
    # Result records are written as exchanges end, which across connections
    # need not be the order the requests came in: order them by request id.
    recs = sorted(p.audit_results(), key=lambda r: r["req"])
    assert len(recs) == 4, recs
    for rec in recs:
        for key in ("route", "decision", "status", "method"):
            assert key in rec, f"audit record without {key!r}: {rec}"
        assert rec["decision"] == "allow", rec
    assert [r["status"] for r in recs] == [200, 200, 200, 404], recs
    assert [r["method"] for r in recs] == ["GET", "GET", "GET", "POST"], recs
    assert recs[2]["route"] == "container.list", recs


def test_audit_records_denial(proxy_factory, dockerd_sock, cleanup):
    p = proxy_factory("read-only.toml")
    name = cleanup.container(start_container(dockerd_sock))
    assert http(p.sock, "GET", f"{API}/containers/{name}/logs?stdout=1").status == 403
    assert http(p.sock, "GET", f"{API}/containers/{name}/json").status == 200
    recs = p.wait_results(lambda rs: len(rs) >= 2, what="2 audit records")
    assert [(r.get("decision"), r.get("status")) for r in recs] == [("deny", 403), ("allow", 200)], recs
    assert all(r.get("route") for r in recs), recs


# --------------------------------------------------------------------------
# `check` and start-up
# --------------------------------------------------------------------------


BROKEN_POLICY = '# a policy with a TOML syntax error on line 3\n\nname = = "broken"\n'


def test_check_valid_policies(proxy_bin):
    files = sorted(str(p) for p in POLICIES.glob("*.toml"))
    if not files:
        pytest.skip("no policies/*.toml yet")
    r = run_bin([proxy_bin, "check", *files])
    assert r.returncode == 0, r.stderr.decode()


def test_check_broken_policy(proxy_bin, sock_dir):
    path = os.path.join(sock_dir, "broken.toml")
    with open(path, "w") as f:
        f.write(BROKEN_POLICY)
    r = run_bin([proxy_bin, "check", path])
    assert r.returncode != 0, r
    err = r.stderr.decode(errors="replace")
    m = re.search(rf"(?:{re.escape(path)}|broken\.toml):(\d+):(\d+): \S", err)
    assert m, f"no file:line:column: message on stderr: {err!r}"
    assert m.group(1) == "3", f"error reported on line {m.group(1)}, expected 3: {err!r}"


def test_serve_refuses_broken_policy(proxy_factory, sock_dir):
    path = os.path.join(sock_dir, "broken.toml")
    with open(path, "w") as f:
        f.write(BROKEN_POLICY)
    p = proxy_factory(path, wait=False)
    try:
        rc = p.proc.wait(15)
    except subprocess.TimeoutExpired:
        pytest.fail("serve kept running with a broken policy")
    assert rc != 0
    assert "broken.toml" in p.log_tail(), p.log_tail()
    assert not os.path.exists(p.sock), "socket created despite the broken policy"


# --------------------------------------------------------------------------
# lifecycle of the listening socket
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sig,idle_conn", [(signal.SIGTERM, False), (signal.SIGINT, False),
                                           (signal.SIGTERM, True)],
                         ids=["SIGTERM", "SIGINT", "SIGTERM-idle-keepalive"])
def test_signal_graceful_exit(proxy_factory, sig, idle_conn):
    p = proxy_factory("observe.toml")
    assert ping(p.sock)
    conn = None
    if idle_conn:
        conn = RawConn(p.sock)
        assert conn.request("GET", "/_ping").status == 200
    try:
        t0 = time.monotonic()
        rc = p.stop(sig, timeout=15)
        # nothing in flight (an idle keep-alive connection is not in flight)
        assert time.monotonic() - t0 < 5, f"took {time.monotonic() - t0:.1f} s to exit"
        assert rc == 0, f"exit status {rc}: {p.log_tail()}"
        assert not os.path.exists(p.sock), "socket file left behind"
    finally:
        if conn:
            conn.close()


def test_stale_socket_replaced(proxy_factory, sock_dir):
    listen = os.path.join(sock_dir, "stale.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(listen)
    s.close()  # the file stays, nobody listens
    assert os.path.exists(listen)
    p = proxy_factory("observe.toml", listen=listen)
    assert ping(listen)
    assert p.alive()


def test_live_socket_not_taken_over(proxy_factory):
    a = proxy_factory("observe.toml")
    b = proxy_factory("observe.toml", listen=a.sock, wait=False)
    try:
        rc = b.proc.wait(15)
    except subprocess.TimeoutExpired:
        pytest.fail("a second serve on a live socket kept running")
    assert rc != 0
    assert b.log_tail().strip(), "no message on stderr"
    assert a.alive()
    assert ping(a.sock), "the first proxy lost its socket"


def test_listen_socket_mode_0660(proxy_factory):
    p = proxy_factory("observe.toml")
    st = os.stat(p.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(stat.S_IMODE(st.st_mode))


# --------------------------------------------------------------------------
# robustness
# --------------------------------------------------------------------------


def proxy_fd_count(p) -> int:
    return len(os.listdir(f"/proc/{p.proc.pid}/fd"))


@pytest.mark.parametrize("cut", ["mid-head", "mid-body", "mid-chunked", "mid-quiet-stream"])
def test_client_disconnect_mid_request(proxy_factory, dockerd_sock, cut):
    """A client that vanishes mid-request must not hurt the next client, must not
    make the daemon act, and its connections (client and upstream) must be
    released promptly — not held until the daemon happens to write something."""
    p = proxy_factory("observe.toml")
    name = unique("cut")
    body = json.dumps({"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"},
                       "Labels": {"pad": "p" * 2000}}).encode()
    target = f"{API}/containers/create?name={name}"
    # an event stream that stays silent: filtered on a container that never exists
    quiet_events = f"{API}/events?filters=" + urllib.parse.quote(json.dumps({"container": [name + "-never"]}))
    assert ping(p.sock)
    time.sleep(0.3)
    base = proxy_fd_count(p)
    try:
        for _ in range(3):
            c = RawConn(p.sock)
            if cut == "mid-head":
                c.send(build_request("POST", target, body)[:40])
            elif cut == "mid-body":
                c.send(build_request("POST", target, body)[:-len(body) // 2])
            elif cut == "mid-chunked":
                c.send(build_request("POST", target, headers={"Transfer-Encoding": "chunked",
                                                               "Content-Type": "application/json"})
                       + f"{len(body):x}\r\n".encode() + body[:100])
            else:
                c.send(build_request("GET", quiet_events))
                assert c.read_head().status == 200
            time.sleep(0.1)
            c.close()
            t0 = time.monotonic()
            assert ping(p.sock, timeout=5), "next client not served"
            assert time.monotonic() - t0 < 5
            deadline = time.monotonic() + 5
            while proxy_fd_count(p) > base and time.monotonic() < deadline:
                time.sleep(0.05)
            now = proxy_fd_count(p)
            assert now <= base, (f"sockwarden still holds {now - base} more fds ({base} -> {now}) 5 s "
                                 f"after the client vanished ({cut}): its client/upstream sockets leak")
        assert p.alive()
        time.sleep(0.3)
        assert not container_exists(dockerd_sock, name), "daemon acted on a truncated request"
        t0 = time.monotonic()
        assert p.stop(signal.SIGTERM, timeout=15) == 0
        assert time.monotonic() - t0 < 5, \
            f"SIGTERM took {time.monotonic() - t0:.1f} s: vanished clients still counted as in flight"
    finally:
        force_remove(dockerd_sock, name)


def test_dribbled_head_times_out_but_idle_connections_do_not(proxy_factory):
    """A client that starts a request head and never finishes it gets a 408
    and is closed; a connection idle between requests stays open."""
    import socket
    p = proxy_factory("observe.toml", extra=("--head-timeout", "1"))
    dribbler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        dribbler.connect(p.sock)
        idle.connect(p.sock)
        dribbler.settimeout(20)
        dribbler.sendall(b"GET /_ping HTTP/1.1\r\nHo")
        data = b""
        while True:
            more = dribbler.recv(4096)
            if not more:
                break
            data += more
        assert data.startswith(b"HTTP/1.1 408 "), data
        assert b"not complete within 1 s" in data, data
        idle.settimeout(2.5)
        with pytest.raises(socket.timeout):
            idle.recv(1)  # nothing arrives and the proxy does not close it
        idle.settimeout(10)
        idle.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n")
        assert idle.recv(100).startswith(b"HTTP/1.1 200 ")
    finally:
        dribbler.close()
        idle.close()


@pytest.mark.parametrize("flag", ["--max-connections", "--max-connections-per-uid"])
def test_connection_limit_answers_503_and_recovers(proxy_factory, flag):
    """Past the limit a new connection gets a 503 with a message saying which
    limit; once a connection closes, new ones are admitted again."""
    import socket
    import time
    p = proxy_factory("observe.toml", extra=(flag, "3"))
    held = []
    try:
        for _ in range(3):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(p.sock)
            s.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n")
            s.settimeout(10)
            assert s.recv(100).startswith(b"HTTP/1.1 200 ")
            held.append(s)
        extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        extra.connect(p.sock)
        extra.settimeout(10)
        data = b""
        while True:
            more = extra.recv(4096)
            if not more:
                break
            data += more
        extra.close()
        assert data.startswith(b"HTTP/1.1 503 "), data
        assert flag.encode() in data, data
        held.pop().close()
        deadline = time.time() + 10
        while True:
            # The proxy frees the closed slot asynchronously: until then a
            # new connection still gets the 503 (and may be closed before
            # our request is even written).
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(p.sock)
                s.settimeout(10)
                s.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n")
                reply = s.recv(100)
            except OSError as exc:
                reply = repr(exc).encode()
            finally:
                s.close()
            if reply.startswith(b"HTTP/1.1 200 ") or time.time() > deadline:
                break
            time.sleep(0.1)
        assert reply.startswith(b"HTTP/1.1 200 "), reply
    finally:
        for s in held:
            s.close()
