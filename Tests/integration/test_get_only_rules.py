"""A rule limited to GET and HEAD reads as read-only (read-only.toml says
the loader keeps such rules free of routes that change something), but
`GET /containers/{id}/attach/ws` takes a container's stdin over a
websocket. Under `methods = ["GET", "HEAD"]` a dashboard's client typed
commands into an operator's interactive container (`exec` was refused).
Such a rule is now refused unless an earlier rule decides the websocket
attach."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import tempfile
import time

import pytest

from swhelpers import API, IMAGE, POLICIES, http, unique

pytestmark = pytest.mark.proxy_only

GET_ONLY = '[[rules]]\nid = "dashboard"\naction = "allow"\nmethods = ["GET", "HEAD"]\n'


def type_through_websocket(sock: str, name: str, line: bytes) -> bytes:
    """Attaches to `name` by websocket with stdin and sends `line`; the status line."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sock)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {API}/containers/{name}/attach/ws?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: docker\r\n"
               f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    status = s.recv(4096).split(b"\r\n")[0]
    if b" 101 " in status:
        mask = os.urandom(4)
        s.sendall(bytes([0x81, 0x80 | len(line)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(line)))
        time.sleep(1.0)
    s.close()
    return status


def test_a_get_and_head_rule_may_not_reach_the_websocket_attach(proxy_bin, dockerd_sock, image, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    name = unique("wsvictim")
    body = {"Image": IMAGE, "Cmd": ["sh"], "OpenStdin": True, "AttachStdin": True, "HostConfig": {"NetworkMode": "none"}}
    assert http(dockerd_sock, "POST", f"{API}/containers/create?name={name}", json.dumps(body).encode(),
                headers={"Content-Type": "application/json"}).status == 201
    try:
        assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start").status == 204
        # Straight to the daemon, a GET writes to the shell's stdin.
        assert b" 101 " in type_through_websocket(dockerd_sock, name, b"echo typed > /tmp/typed\n")
        r = http(dockerd_sock, "GET", f"{API}/containers/{name}/archive?path=/tmp/typed")
        assert r.status == 200 and b"typed\n" in r.body, r
        # Such a policy does not load: serve and check refuse it, saying what to do.
        policy = os.path.join(d, "get-only.toml")
        with open(policy, "w") as f:
            f.write(GET_ONLY)
        out = subprocess.run([proxy_bin, "serve", "--listen", os.path.join(d, "sw.sock"), "--upstream", dockerd_sock,
                              "--policy", policy], capture_output=True, text=True, timeout=30)
        assert out.returncode == 2 and "container.attach.websocket" in out.stderr, out
        assert "deny it in a rule before this one" in out.stderr, out.stderr
        # read-only.toml with the websocket attach added to its GET-only containers rule: refused too.
        with open(POLICIES / "read-only.toml") as f:
            text = f.read()
        edited = text.replace('"container.list",             # GET /containers/json',
                              '"container.list",\n    "container.attach.websocket",', 1)
        assert edited != text
        policy = os.path.join(d, "read-only.toml")
        with open(policy, "w") as f:
            f.write(edited)
        out = subprocess.run([proxy_bin, "check", policy], capture_output=True, text=True, timeout=30)
        assert out.returncode == 2 and "container.attach.websocket" in out.stderr, out
    finally:
        http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")
