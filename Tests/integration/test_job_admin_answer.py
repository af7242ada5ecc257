"""`sockwarden job` reads at most 16 MiB of the admin socket's answer (red team,
2026-12-02). Under the documented `sudo sockwarden job *` rule the runner user
names `--admin-socket`: a socket it serves could send an endless answer, and
root's `sockwarden job` kept all of it in memory. Now it stops reading past
16 MiB and says so (exit 1). No daemon, no proxy: a stand-in serves the socket.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import threading

import pytest

LIMIT = 16 << 20
STAND_IN_STOPS_AT = 64 << 20  # the old binary read all of it, then printed an empty list (exit 0)


class EndlessAnswer:
    """Answers 200 with a body that does not end (until STAND_IN_STOPS_AT bytes or the client leaves)."""

    def __init__(self, path: str):
        self.sent = 0
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(1)
        self.t = threading.Thread(target=self._serve, daemon=True)
        self.t.start()

    def _serve(self):
        conn, _ = self.server.accept()
        with conn:
            conn.settimeout(30)
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[")
                chunk = b'{"id":"' + b"x" * 65000 + b'"},'
                while self.sent < STAND_IN_STOPS_AT:
                    conn.sendall(chunk)
                    self.sent += len(chunk)
            except OSError:
                pass  # the client went away

    def close(self):
        self.server.close()
        self.t.join(30)


@pytest.mark.parametrize("args", [("list",), ("list", "--json"), ("close", "--id", "j1"), ("open", "--id", "j1")])
def test_an_endless_admin_answer_is_cut_at_16_mib(proxy_bin, short_tmp, args):
    path = os.path.join(tempfile.mkdtemp(dir=short_tmp), "admin.sock")
    stand_in = EndlessAnswer(path)
    try:
        r = subprocess.run([proxy_bin, "job", args[0], "--admin-socket", path, *args[1:]], capture_output=True, timeout=60)
    finally:
        stand_in.close()
    assert r.returncode == 1, (r.returncode, r.stdout[-200:], r.stderr[-300:])
    assert b"more than 16 MiB" in r.stderr and path.encode() in r.stderr, r.stderr
    assert stand_in.sent < LIMIT + (4 << 20), stand_in.sent
    assert r.stdout == b"", r.stdout[:200]
