"""HTTP/1.1 edge forms (review of 2026-11-30): each carries a privileged
container create, the request ci.toml denies, in a spelling two parsers
might read differently, or pipelined behind something that might make the
proxy stop judging. Through ci.toml no such container ever exists; straight
to the daemon, the tests note what dockerd makes of the same bytes (the
bare-LF and LF-chunk forms are real creates there, so the refusal matters).
"""

from __future__ import annotations

import json
import re
import socket
import time

import pytest

from swhelpers import API, IMAGE, container_exists, force_remove, http, unique


def body() -> bytes:
    return json.dumps({"Image": IMAGE, "Cmd": ["true"],
                       "HostConfig": {"NetworkMode": "none", "Privileged": True}}).encode()


def create(name: str, eol: bytes = b"\r\n", last_eol: bytes | None = None, extra: bytes = b"") -> bytes:
    b = body()
    lines = [f"POST {API}/containers/create?name={name} HTTP/1.1".encode(), b"Host: d",
             b"Content-Type: application/json", f"Content-Length: {len(b)}".encode()]
    head = eol.join(lines) + (last_eol or eol) + extra + eol
    return head + b


def chunked_create(name: str, chunk: bytes) -> bytes:
    return (f"POST {API}/containers/create?name={name} HTTP/1.1\r\nHost: d\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + chunk


def chunks(data: bytes, size_line=lambda n: f"{n:x}\r\n".encode(), end=b"0\r\n\r\n") -> bytes:
    return size_line(len(data)) + data + b"\r\n" + end


def send(path: str, data: bytes, wait: float = 2.0) -> bytes:
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(wait)
    out = b""
    try:
        s.sendall(data)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            got = s.recv(65536)
            if not got:
                break
            out += got
    except (socket.timeout, BrokenPipeError, ConnectionResetError):
        pass
    finally:
        s.close()
    return out


def statuses(out: bytes) -> list[int]:
    return [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", out)]


# label -> (bytes for a container name, does dockerd 20.10 create it when sent straight)
FORMS = {
    "bare-lf-head": (lambda n: create(n, eol=b"\n"), True),
    "one-lf-line-in-head": (lambda n: create(n, last_eol=b"\n"), True),
    "nul-in-header-value": (lambda n: create(n, extra=b"X-A: a\x00b\r\n"), False),
    "high-byte-header-name": (lambda n: create(n, extra=b"X-\xc3\xa9: a\r\n"), False),
    "http-1.10": (lambda n: create(n).replace(b"HTTP/1.1\r\n", b"HTTP/1.10\r\n", 1), False),
    "chunk-size-lf": (lambda n: chunked_create(n, chunks(body(), lambda k: f"{k:x}\n".encode())), True),
    "chunk-size-0x": (lambda n: chunked_create(n, chunks(body(), lambda k: f"0x{k:x}\r\n".encode())), False),
    "chunk-ext-quoted-crlf": (lambda n: chunked_create(n, chunks(body(), lambda k: f'{k:x};a="\r\n'.encode())), True),
    "trailer-content-length": (lambda n: chunked_create(n, chunks(body(), end=b"0\r\nContent-Length: 5\r\n\r\n")), True),
    "te-identity-then-chunked": (lambda n: create(n, extra=b"Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n")
                                 .replace(f"Content-Length: {len(body())}\r\n".encode(), b"")
                                 .replace(body(), chunks(body())), False),
    "behind-options-star": (lambda n: b"OPTIONS * HTTP/1.1\r\nHost: d\r\n\r\n" + create(n), True),
    "behind-pri": (lambda n: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + create(n), False),
    "behind-bodyless-expect": (lambda n: b"GET /_ping HTTP/1.1\r\nHost: d\r\nExpect: 100-continue\r\n\r\n" + create(n), True),
    "behind-upgrade-on-ping": (lambda n: b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" + create(n), True),
    "behind-h2c-upgrade": (lambda n: b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                           b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n" + create(n), True),
}


@pytest.mark.parametrize("label", sorted(FORMS))
def test_edge_form_never_creates_through_ci(ci_sock, dockerd_sock, label):
    make, _ = FORMS[label]
    name = unique("edge")
    try:
        out = send(ci_sock, make(name))
        time.sleep(0.2)
        assert not container_exists(dockerd_sock, name), (label, out[-400:])
        codes = statuses(out)
        assert codes and codes[-1] in (400, 403, 417, 501, 505), (label, out[-400:])
    finally:
        force_remove(dockerd_sock, name)


@pytest.mark.parametrize("label", sorted(FORMS))
def test_edge_form_straight_to_the_daemon(dockerd_sock, image, label):
    """What dockerd 20.10 does with the same bytes (the reference)."""
    make, creates = FORMS[label]
    name = unique("edge")
    try:
        send(dockerd_sock, make(name))
        time.sleep(0.2)
        assert container_exists(dockerd_sock, name) == creates, label
    finally:
        force_remove(dockerd_sock, name)


@pytest.fixture(scope="module")
def sleeper(dockerd_sock, image):
    name = unique("edge-sleeper")
    r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
             json.dumps({"Image": IMAGE, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none"}}).encode())
    assert r.status == 201, r
    assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start").status == 204
    yield name
    force_remove(dockerd_sock, name)


@pytest.mark.parametrize("how", ["upgrade-101", "raw-200"])
@pytest.mark.parametrize("via", ["proxy", "direct"])
def test_create_pipelined_behind_exec_start_is_stdin(ci_sock, dockerd_sock, sleeper, how, via):
    """A create in the same packet as a hijacking exec start is the exec's
    stdin (through the proxy cat echoes it back), never a request, at the
    daemon or the proxy."""
    r = http(dockerd_sock, "POST", f"{API}/containers/{sleeper}/exec",
             json.dumps({"Cmd": ["cat"], "AttachStdin": True, "AttachStdout": True}).encode())
    assert r.status == 201, r
    start = json.dumps({"Detach": False, "Tty": True}).encode()
    up = "Connection: Upgrade\r\nUpgrade: tcp\r\n" if how == "upgrade-101" else ""
    first = (f"POST {API}/exec/{r.json()['Id']}/start HTTP/1.1\r\nHost: d\r\n{up}"
             f"Content-Type: application/json\r\nContent-Length: {len(start)}\r\n\r\n").encode() + start
    name = unique("edge")
    try:
        out = send(ci_sock if via == "proxy" else dockerd_sock, first + create(name))
        time.sleep(0.2)
        assert statuses(out)[:1] == [101 if how == "upgrade-101" else 200], out[:300]
        if via == "proxy":
            # relayed after the verdict, so cat reads it; dockerd itself drops
            # what its reader had buffered before the hijack
            assert body() in out, out[-300:]
        assert not container_exists(dockerd_sock, name)
    finally:
        force_remove(dockerd_sock, name)


# label -> (exec start body, Upgrade header): exec starts dockerd answers
# without taking the connection over, so it reads the next request from the
# same connection.
NOT_TAKEN_OVER = {
    "detach-200": (b'{"Detach":true,"Tty":false}', False),
    "detach-200-upgrade": (b'{"Detach":true,"Tty":false}', True),
    "unreadable-body-400": (b'{"Detach":', False),
    "unreadable-body-400-upgrade": (b'{"Detach":', True),
}

SERVING = [pytest.param((), id="event-loop"), pytest.param(("--event-loops", "0"), id="threads")]


def _exec_start(dockerd_sock: str, container: str, body: bytes, upgrade: bool) -> bytes:
    r = http(dockerd_sock, "POST", f"{API}/containers/{container}/exec",
             json.dumps({"Cmd": ["cat"], "AttachStdin": True, "AttachStdout": True}).encode())
    assert r.status == 201, r
    up = "Connection: Upgrade\r\nUpgrade: tcp\r\n" if upgrade else ""
    return (f"POST {API}/exec/{r.json()['Id']}/start HTTP/1.1\r\nHost: d\r\n{up}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


@pytest.mark.proxy_only
@pytest.mark.parametrize("serving", SERVING)
@pytest.mark.parametrize("label", sorted(NOT_TAKEN_OVER))
def test_create_pipelined_behind_an_exec_start_not_taken_over_is_judged(proxy_factory, dockerd_sock, sleeper, label, serving):
    """An exec start the daemon answers without taking the connection over
    (detached, or a body it cannot read) leaves the bytes after it to be
    read as the next request: through ci.toml they are judged as one (the
    privileged create is refused), never relayed raw behind the verdict.
    (The red-team of 2026-12-01 found this holds; the differential below
    shows dockerd creates the container when sent straight.)"""
    body, upgrade = NOT_TAKEN_OVER[label]
    p = proxy_factory("ci.toml", extra=serving)
    name = unique("edge")
    try:
        out = send(p.sock, _exec_start(dockerd_sock, sleeper, body, upgrade) + create(name))
        time.sleep(0.2)
        assert not container_exists(dockerd_sock, name), (label, out[-400:])
        codes = statuses(out)
        assert len(codes) == 2 and codes[0] in (200, 400) and codes[1] == 403, (label, out[-600:])
        records = p.wait_results(lambda rs: any(r.get("route") == "container.create" for r in rs))
        create_records = [r for r in records if r.get("route") == "container.create"]
        assert create_records and create_records[-1]["decision"] == "deny", create_records
    finally:
        force_remove(dockerd_sock, name)


@pytest.mark.parametrize("label", sorted(NOT_TAKEN_OVER))
def test_create_pipelined_behind_an_exec_start_not_taken_over_straight_to_the_daemon(dockerd_sock, sleeper, label):
    """The reference: dockerd reads and runs the pipelined create."""
    body, upgrade = NOT_TAKEN_OVER[label]
    name = unique("edge")
    try:
        out = send(dockerd_sock, _exec_start(dockerd_sock, sleeper, body, upgrade) + create(name))
        time.sleep(0.2)
        assert container_exists(dockerd_sock, name), (label, out[-400:])
    finally:
        force_remove(dockerd_sock, name)
