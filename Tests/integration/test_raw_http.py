"""HTTP/1.1 on raw Unix sockets.

The well-formed cases run both ways (proxy and direct) — the daemon's own
behaviour is the reference. Framing errors and denials are proxy-only.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from swhelpers import (API, IMAGE, RawConn, build_request, container_exists, demux, force_remove,
                       http, unique)


def create_body(cmd=("true",), **extra) -> bytes:
    cfg = {"Image": IMAGE, "Cmd": list(cmd), "HostConfig": {"NetworkMode": "none"}}
    cfg.update(extra)
    return json.dumps(cfg).encode()


def chunked(body: bytes, pieces: int = 3) -> bytes:
    step = max(1, len(body) // pieces + 1)
    out = b""
    for i in range(0, len(body), step):
        part = body[i:i + step]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


# --------------------------------------------------------------------------
# well-formed requests (both modes)
# --------------------------------------------------------------------------


def test_keep_alive_three_requests(target):
    with RawConn(target) as c:
        r1 = c.request("GET", "/_ping")
        r2 = c.request("GET", f"{API}/version")
        r3 = c.request("GET", f"{API}/containers/json?all=1")
    assert (r1.status, r1.body) == (200, b"OK"), r1
    assert r2.status == 200 and r2.json()["ApiVersion"], r2
    assert r3.status == 200 and isinstance(r3.json(), list), r3


def test_keep_alive_create_inspect_delete(target, dockerd_sock):
    name = unique("ka")
    try:
        with RawConn(target) as c:
            r = c.request("POST", f"{API}/containers/create?name={name}", create_body())
            assert r.status == 201, r
            cid = r.json()["Id"]
            r = c.request("GET", f"{API}/containers/{name}/json")
            assert r.status == 200 and r.json()["Id"] == cid, r
            r = c.request("DELETE", f"{API}/containers/{cid}")
            assert r.status == 204 and r.body == b"", r
            r = c.request("GET", "/_ping")
            assert r.status == 200, r
        assert not container_exists(dockerd_sock, name)
    finally:
        force_remove(dockerd_sock, name)


def test_pipelining_three_gets(target):
    with RawConn(target) as c:
        c.send(build_request("GET", "/_ping") + build_request("GET", f"{API}/version")
               + build_request("GET", f"{API}/containers/json"))
        r1, r2, r3 = c.read_response(), c.read_response(), c.read_response()
    assert r1.status == 200 and r1.body == b"OK", r1
    assert r2.status == 200 and "ApiVersion" in r2.json(), r2
    assert r3.status == 200 and isinstance(r3.json(), list), r3


def test_head_ping_then_reuse(target):
    with RawConn(target) as c:
        r = c.request("HEAD", "/_ping")
        assert r.status == 200, r
        r = c.request("GET", "/_ping")
        assert r.status == 200 and r.body == b"OK", r


def test_http10_request(target):
    with RawConn(target) as c:
        c.send(b"GET /_ping HTTP/1.0\r\n\r\n")
        r = c.read_response()
        assert r.status == 200 and r.body == b"OK", r
        assert c.closed_by_peer(5), "HTTP/1.0 connection without keep-alive was not closed"


def test_connection_close_honoured(target):
    with RawConn(target) as c:
        r = c.request("GET", "/_ping", headers={"Connection": "close"})
        assert r.status == 200 and r.body == b"OK", r
        assert c.closed_by_peer(5), "connection not closed after Connection: close"


def test_expect_100_continue(target, dockerd_sock):
    name = unique("expect")
    body = create_body()
    try:
        with RawConn(target) as c:
            c.send(build_request("POST", f"{API}/containers/create?name={name}",
                                 headers=[("Content-Type", "application/json"),
                                          ("Content-Length", str(len(body))),
                                          ("Expect", "100-continue")]))
            c.settimeout(5)
            interim = c.read_head()
            assert interim.status == 100, f"expected 100 Continue before the body, got {interim}"
            c.settimeout(15)
            c.send(body)
            r = c.read_response("POST")
            assert r.status == 201, r
            r = c.request("GET", "/_ping")
            assert r.status == 200, r
        assert container_exists(dockerd_sock, name)
    finally:
        force_remove(dockerd_sock, name)


def test_chunked_request_body(target, dockerd_sock):
    name = unique("chunked")
    body = create_body(("echo", "chunked-ok"), Labels={"pad": "x" * 3000})
    try:
        with RawConn(target) as c:
            c.send(build_request("POST", f"{API}/containers/create?name={name}",
                                 headers=[("Content-Type", "application/json"),
                                          ("Transfer-Encoding", "chunked")]) + chunked(body, 4))
            r = c.read_response("POST")
            assert r.status == 201, r
            cid = r.json()["Id"]
            # the connection is still in sync afterwards
            r = c.request("GET", f"{API}/containers/{cid}/json")
            assert r.status == 200, r
            assert r.json()["Config"]["Cmd"] == ["echo", "chunked-ok"]
            assert r.json()["Config"]["Labels"]["pad"] == "x" * 3000
    finally:
        force_remove(dockerd_sock, name)


def _attach_container(dockerd_sock: str, cmd: list[str]) -> str:
    name = unique("hijack")
    r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
             create_body(cmd, OpenStdin=True, StdinOnce=True, AttachStdin=True,
                         AttachStdout=True, AttachStderr=True))
    assert r.status == 201, r
    return name


def _hijack(target: str, name: str, upgrade: bool) -> RawConn:
    c = RawConn(target, timeout=20)
    hs = [("Content-Type", "text/plain")]
    if upgrade:
        hs += [("Connection", "Upgrade"), ("Upgrade", "tcp")]
    c.send(build_request("POST", f"{API}/containers/{name}/attach?stream=1&stdin=1&stdout=1&stderr=1",
                         headers=hs))
    r = c.read_head()
    if upgrade:
        assert r.status == 101, r
        assert (r.header("upgrade") or "").lower() == "tcp", r
    else:
        assert r.status == 200, r
        assert r.header("content-type") == "application/vnd.docker.raw-stream", r
    return c


@pytest.mark.parametrize("upgrade", [True, False], ids=["upgrade-101", "raw-200"])
def test_hijacked_attach_half_close(target, dockerd_sock, upgrade):
    """Client stdin → container; client half-closes; output and EOF come back."""
    name = _attach_container(dockerd_sock, ["sh", "-c", "wc -c; echo bye >&2"])
    try:
        c = _hijack(target, name, upgrade)
        with c:
            r = http(dockerd_sock, "POST", f"{API}/containers/{name}/start")
            assert r.status == 204, r
            payload = b"x" * (512 << 10)
            c.send(payload)
            c.shutdown_write()
            out, err = demux(c.read_to_eof())
        assert out.strip() == str(len(payload)).encode(), (out, err)
        assert err == b"bye\n"
        r = http(dockerd_sock, "GET", f"{API}/containers/{name}/json")
        assert r.json()["State"]["ExitCode"] == 0
    finally:
        force_remove(dockerd_sock, name)


@pytest.mark.parametrize("upgrade", [True, False], ids=["upgrade-101", "raw-200"])
def test_hijacked_attach_upstream_eof_first(target, dockerd_sock, upgrade):
    """The container exits while the client keeps its side open: EOF must reach us."""
    name = _attach_container(dockerd_sock, ["sh", "-c", "echo early"])
    try:
        c = _hijack(target, name, upgrade)
        with c:
            r = http(dockerd_sock, "POST", f"{API}/containers/{name}/start")
            assert r.status == 204, r
            t0 = time.monotonic()
            data = c.read_to_eof()
            assert time.monotonic() - t0 < 15
            out, _ = demux(data)
            assert out == b"early\n"
    finally:
        force_remove(dockerd_sock, name)


# --------------------------------------------------------------------------
# proxy-only: denial in a pipeline
# --------------------------------------------------------------------------


@pytest.mark.proxy_only
@pytest.mark.parametrize("denied", ["get-logs", "post-exec-with-body"])
def test_pipelining_with_denied_request(proxy_factory, dockerd_sock, denied):
    p = proxy_factory("read-only.toml")
    name = _attach_container(dockerd_sock, ["true"])
    try:
        if denied == "get-logs":
            mid = build_request("GET", f"{API}/containers/{name}/logs?stdout=1&stderr=1")
        else:
            mid = build_request("POST", f"{API}/containers/{name}/exec",
                                json.dumps({"Cmd": ["true"], "AttachStdout": True}).encode())
        with RawConn(p.sock) as c:
            c.send(build_request("GET", "/_ping") + mid + build_request("GET", f"{API}/version"))
            r1, r2, r3 = c.read_response(), c.read_response(), c.read_response()
        assert (r1.status, r1.body) == (200, b"OK"), r1
        assert r2.status == 403, r2
        assert "denied by policy read-only.toml" in r2.json()["message"], r2
        assert r3.status == 200 and "ApiVersion" in r3.json(), r3
    finally:
        force_remove(dockerd_sock, name)


# --------------------------------------------------------------------------
# proxy-only: framing errors → 400 JSON, connection closed, daemon untouched
# --------------------------------------------------------------------------


def _head(target: str, lines: list[str], version: str = "HTTP/1.1") -> bytes:
    return (f"POST {target} {version}\r\n" + "".join(l + "\r\n" for l in lines) + "\r\n").encode("latin-1")


def _bad(lines_before, body_fn=lambda b: b, host=True):
    def make(target: str, body: bytes) -> bytes:
        lines = (["Host: docker"] if host else []) + ["Content-Type: application/json"]
        lines += [l.format(n=len(body), n1=len(body) + 1, nc=len(chunked(body))) for l in lines_before]
        return _head(target, lines) + body_fn(body)
    return make


FRAMING_CASES = {
    "cl-and-te": _bad(["Content-Length: {nc}", "Transfer-Encoding: chunked"], chunked),
    "te-and-cl": _bad(["Transfer-Encoding: chunked", "Content-Length: {n}"], chunked),
    "two-different-cl": _bad(["Content-Length: {n}", "Content-Length: {n1}"], lambda b: b + b" "),
    "cl-12a": _bad(["Content-Length: 12a"]),
    "cl-negative": _bad(["Content-Length: -1"]),
    "cl-plus": _bad(["Content-Length: +{n}"]),
    "chunk-size-zz": _bad(["Transfer-Encoding: chunked"], lambda b: b"zz\r\n" + chunked(b)),
    "chunk-size-negative": _bad(["Transfer-Encoding: chunked"], lambda b: b"-1\r\n" + chunked(b)),
    "chunk-size-overflow": _bad(["Transfer-Encoding: chunked"],
                                lambda b: b"1" + b"0" * 20 + b"\r\n" + chunked(b)),
    "obs-fold-space": _bad(["Content-Length: {n}", "X-Folded: a", " b"]),
    "obs-fold-tab": _bad(["Content-Length: {n}", "X-Folded: a", "\tb"]),
    "nul-in-header": _bad(["Content-Length: {n}", "X-Bad: a\x00b"]),
    "bare-cr-in-header": _bad(["Content-Length: {n}", "X-Bad: a\rb"]),
    "header-without-colon": _bad(["Content-Length: {n}", "X-No-Colon value"]),
    "space-before-colon": _bad(["Content-Length: {n}", "X-Test : x"]),
    "missing-host-http11": _bad(["Content-Length: {n}"], host=False),
}


def _assert_rejected(c: RawConn, allowed=(400,)):
    r = c.read_response("POST")
    assert r.status in allowed, r
    try:
        msg = r.json()["message"]
    except (ValueError, KeyError, TypeError):
        pytest.fail(f"error body is not JSON with a message: {r}")
    assert isinstance(msg, str) and msg, r
    assert c.closed_by_peer(5), "connection left open after a framing error"


@pytest.mark.proxy_only
@pytest.mark.parametrize("case", sorted(FRAMING_CASES))
def test_framing_error_rejected(proxy, dockerd_sock, case):
    name = unique("framing")
    try:
        raw = FRAMING_CASES[case](f"{API}/containers/create?name={name}", create_body())
        with RawConn(proxy.sock, timeout=10) as c:
            try:
                c.send(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # rejected before we finished sending: fine, read the answer
            _assert_rejected(c)
        time.sleep(0.2)
        assert not container_exists(dockerd_sock, name), "the daemon acted on a malformed request"
        assert proxy.alive()
    finally:
        force_remove(dockerd_sock, name)


@pytest.mark.proxy_only
def test_oversize_head_rejected(proxy, dockerd_sock):
    name = unique("oversize")
    body = create_body()
    pad = [f"X-Pad-{i}: {'a' * 1000}" for i in range(1024)]  # ~1 MiB of headers
    raw = _head(f"{API}/containers/create?name={name}",
                ["Host: docker", "Content-Type: application/json", f"Content-Length: {len(body)}", *pad]) + body
    try:
        with RawConn(proxy.sock, timeout=15) as c:
            def sender():
                try:
                    c.sock.sendall(raw)
                except OSError:
                    pass  # the proxy may close while we are still sending

            t = threading.Thread(target=sender, daemon=True)
            t.start()
            _assert_rejected(c, allowed=(400, 431))
            t.join(15)
        assert not container_exists(dockerd_sock, name)
        assert proxy.alive()
    finally:
        force_remove(dockerd_sock, name)
