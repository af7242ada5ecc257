"""Helpers shared by Sockwarden's integration tests.

Everything that waits has a deadline: a hang is a test failure, never a stuck
suite. Nothing here talks to anything but Unix sockets.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import stat
import struct
import subprocess
import tarfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
POLICIES = Path(os.environ.get("SOCKWARDEN_POLICY_DIR") or REPO / "policies")

IMAGE = "swtest/busybox:latest"
API = "/v1.41"  # dockerd 20.10 speaks at most 1.41
BUSYBOX_APPLETS = (
    "sh cat echo ls sleep true false id env wc head tail dd printf mkdir rm seq yes "
    "md5sum sha256sum"
).split()

CLI_TIMEOUT = 60  # seconds, default for every docker CLI call
SOCK_TIMEOUT = 15  # seconds, default for raw socket reads


def unique(prefix: str = "swt") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def wait_for(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - reported on timeout
            last_exc = exc
        if time.monotonic() >= deadline:
            extra = f" (last error: {last_exc!r})" if last_exc else ""
            pytest.fail(f"timed out after {timeout} s waiting for {what}{extra}")
        time.sleep(interval)


# --------------------------------------------------------------------------
# Raw HTTP/1.1 over a Unix socket
# --------------------------------------------------------------------------


@dataclass
class Response:
    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    interim: list["Response"] = field(default_factory=list)

    def header(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for k, v in reversed(self.headers):
            if k.lower() == name:
                return v
        return default

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self) -> str:  # short, for assertion messages
        body = self.body[:300]
        return f"<Response {self.status} {self.reason!r} headers={self.headers!r} body={body!r}>"


class FakeUnixDaemon:
    """A stand-in for dockerd on a Unix socket: accepts at `path` and serves
    each connection on a thread of its own with `serve(conn, number)` (the
    connection's number, from 1). Subclasses answer what their test needs."""

    def __init__(self, path: str, backlog: int = 16):
        self.path = path
        self.connections = 0
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(backlog)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve_and_close, args=(conn, self.connections), daemon=True).start()

    def _serve_and_close(self, conn, number):
        with conn:
            self.serve(conn, number)

    def serve(self, conn, number: int) -> None:
        raise NotImplementedError

    @staticmethod
    def answer_plain_inspect(conn, name: str, container_id: str) -> None:
        """Answers a container inspect (the policy's look-up of the container
        a request acts in) with a container that has no host access, and
        closes: the proxy's look-ups are one HTTP/1.0 GET per connection."""
        body = json.dumps({"Id": container_id, "Name": "/" + name, "HostConfig": {"NetworkMode": "none"},
                           "Mounts": [], "NetworkSettings": {"Networks": {}}}).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    @staticmethod
    def answer_daemon_facts(conn, target: bytes) -> bool:
        """Answers the proxy's look-up of the daemon's version or storage (a
        copy's check on daemons before 24.0, `ArchiveRaceGuard`) as dockerd
        20.10 on overlay2 does, and closes; False for any other target."""
        if target.endswith(b"/version"):
            body = json.dumps({"Version": "20.10.24+dfsg1", "ApiVersion": "1.41"}).encode()
        elif target.endswith(b"/info"):
            body = json.dumps({"Driver": "overlay2", "DriverStatus": [["Native Overlay Diff", "true"]]}).encode()
        else:
            return False
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        return True

    @staticmethod
    def read_request(conn, buffered: bytes) -> tuple[bytes, bytes, bytes] | None:
        """The next request on `conn` after `buffered`: (head, body by its
        Content-Length, what is left), or None at the end of the stream."""
        while b"\r\n\r\n" not in buffered:
            more = conn.recv(65536)
            if not more:
                return None
            buffered += more
        head, buffered = buffered.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        while len(buffered) < length:
            more = conn.recv(65536)
            if not more:
                return None
            buffered += more
        return head, buffered[:length], buffered[length:]

    def close(self):
        self.listener.close()


class CannedDaemon(FakeUnixDaemon):
    """Answers every request on a keep-alive connection with the same
    response (`status` line and JSON `body`; 204 has none)."""

    def __init__(self, path: str, status: str = "204 No Content", body: bytes = b""):
        self.response = (f"HTTP/1.1 {status}\r\n".encode()
                         + (b"Content-Type: application/json\r\n" + f"Content-Length: {len(body)}\r\n".encode()
                            if body else b"")
                         + b"\r\n" + body)
        super().__init__(path)

    def serve(self, conn, number):
        buffered = b""
        while True:
            request = self.read_request(conn, buffered)
            if request is None:
                return
            _, _, buffered = request
            conn.sendall(self.response)


class RawConn:
    """One client connection with a read buffer and a tiny HTTP/1.1 parser."""

    def __init__(self, path: str, timeout: float = SOCK_TIMEOUT):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""

    # -- plumbing ---------------------------------------------------------
    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def settimeout(self, t: float) -> None:
        self.sock.settimeout(t)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def shutdown_write(self) -> None:
        self.sock.shutdown(socket.SHUT_WR)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def read_until(self, delim: bytes, limit: int = 1 << 20) -> bytes:
        while delim not in self.buf:
            if len(self.buf) > limit:
                raise AssertionError(f"no {delim!r} within {limit} bytes: {self.buf[:200]!r}")
            if not self._fill():
                raise EOFError(f"connection closed while waiting for {delim!r}; have {self.buf[:200]!r}")
        i = self.buf.index(delim) + len(delim)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise EOFError(f"connection closed after {len(self.buf)} of {n} bytes")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_to_eof(self, limit: int = 64 << 20) -> bytes:
        while True:
            try:
                if not self._fill():
                    break
            except ConnectionResetError:
                break
            if len(self.buf) > limit:
                raise AssertionError("response larger than limit")
        out, self.buf = self.buf, b""
        return out

    # -- HTTP -------------------------------------------------------------
    def read_head(self) -> Response:
        head = self.read_until(b"\r\n\r\n", limit=1 << 20)
        lines = head[:-4].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise AssertionError(f"bad status line {lines[0]!r}")
        headers = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        return Response(parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "", headers)

    def read_body(self, resp: Response, method: str) -> bytes:
        if method == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200:
            return b""
        te = (resp.header("transfer-encoding") or "").lower()
        if "chunked" in te:
            out = b""
            while True:
                size_line = self.read_until(b"\r\n", limit=4096)
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    # trailers
                    while self.read_until(b"\r\n", limit=65536) != b"\r\n":
                        pass
                    return out
                out += self.read_exact(size)
                assert self.read_exact(2) == b"\r\n", "chunk not followed by CRLF"
        cl = resp.header("content-length")
        if cl is not None:
            return self.read_exact(int(cl))
        return self.read_to_eof()

    def read_response(self, method: str = "GET") -> Response:
        """Read one final response (1xx interim responses are collected)."""
        interim = []
        while True:
            resp = self.read_head()
            if 100 <= resp.status < 200 and resp.status != 101:
                interim.append(resp)
                continue
            break
        resp.interim = interim
        if resp.status != 101:
            resp.body = self.read_body(resp, method)
        return resp

    def request(self, method: str, target: str, body: bytes | None = None,
                headers: dict | list | None = None, version: str = "HTTP/1.1") -> Response:
        self.send(build_request(method, target, body, headers, version))
        return self.read_response(method)

    def closed_by_peer(self, timeout: float = 5.0) -> bool:
        """True when the peer closes (EOF/reset) within `timeout` with no extra data."""
        if self.buf:
            raise AssertionError(f"unexpected extra bytes after response: {self.buf[:200]!r}")
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        finally:
            try:
                self.sock.settimeout(old)
            except OSError:
                pass
        if data:
            raise AssertionError(f"unexpected extra bytes after response: {data[:200]!r}")
        return True


def build_request(method: str, target: str, body: bytes | None = None,
                  headers: dict | list | None = None, version: str = "HTTP/1.1") -> bytes:
    hs: list[tuple[str, str]] = []
    items = headers.items() if isinstance(headers, dict) else (headers or [])
    hs.extend(items)
    names = {k.lower() for k, _ in hs}
    if "host" not in names and version == "HTTP/1.1":
        hs.insert(0, ("Host", "docker"))
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        hs.append(("Content-Length", str(len(body))))
    if body is not None and "content-type" not in names:
        hs.append(("Content-Type", "application/json"))
    head = f"{method} {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hs) + "\r\n"
    return head.encode("latin-1") + (body or b"")


def http(path: str, method: str, target: str, body: bytes | None = None,
         headers: dict | None = None, timeout: float = SOCK_TIMEOUT) -> Response:
    """One request on a fresh connection."""
    with RawConn(path, timeout) as c:
        return c.request(method, target, body, headers)


def ping(path: str, timeout: float = 2.0) -> bool:
    try:
        r = http(path, "GET", "/_ping", timeout=timeout)
        return r.status == 200 and r.body == b"OK"
    except (OSError, EOFError, AssertionError, ValueError):
        return False


def can_connect(path: str) -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def socket_published(path: str) -> bool:
    """Whether sockwarden's socket is at `path`, without connecting to it:
    it binds under a temporary name and renames it into place after
    listen(2) (`UnixSocket.listenStaged`), so a socket file there is ready.
    (A probe connection would hold one of its connection slots until it
    noticed the close.)"""
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except OSError:
        return False


def demux(stream: bytes) -> tuple[bytes, bytes]:
    """Split Docker's multiplexed (non-TTY) stream into stdout and stderr."""
    out, err, i = b"", b"", 0
    while i + 8 <= len(stream):
        kind, size = stream[i], struct.unpack(">I", stream[i + 4:i + 8])[0]
        payload = stream[i + 8:i + 8 + size]
        if kind == 2:
            err += payload
        else:
            out += payload
        i += 8 + size
    assert i == len(stream), f"truncated multiplexed frame at byte {i} of {len(stream)}"
    return out, err


def container_exists(daemon_sock: str, name: str) -> bool:
    r = http(daemon_sock, "GET", f"{API}/containers/{name}/json")
    assert r.status in (200, 404), r
    return r.status == 200


def force_remove(daemon_sock: str, name: str) -> None:
    try:
        http(daemon_sock, "DELETE", f"{API}/containers/{name}?force=1&v=1", timeout=30)
    except (OSError, EOFError):
        pass


# --------------------------------------------------------------------------
# docker CLI
# --------------------------------------------------------------------------


CLI_PATHS = [p for p in ("/usr/local/bin/docker", "/usr/bin/docker") if os.access(p, os.X_OK)]


def cli_id(path: str) -> str:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, timeout=10, text=True).stdout
        ver = out.split("version", 1)[1].split(",")[0].strip()
        return f"cli{ver.split('.')[0]}"
    except Exception:  # noqa: BLE001
        return os.path.basename(os.path.dirname(path))


class DockerCLI:
    """The docker CLI pointed at one socket, with a throwaway DOCKER_CONFIG."""

    def __init__(self, binary: str, sock: str, config_dir: str):
        self.binary = binary
        self.sock = sock
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        self.env.update({
            "DOCKER_HOST": f"unix://{sock}",
            "DOCKER_CONFIG": config_dir,
            "DOCKER_BUILDKIT": "0",
            "DOCKER_CLI_HINTS": "false",
            "DOCKER_CLI_EXPERIMENTAL": "disabled",
        })

    def __repr__(self):
        return f"DockerCLI({self.binary} -> {self.sock})"

    def __call__(self, *args: str, input: bytes | str | None = None, timeout: float = CLI_TIMEOUT,
                 cwd: str | None = None) -> subprocess.CompletedProcess:
        if isinstance(input, str):
            input = input.encode()
        cmd = [self.binary, *args]
        try:
            return subprocess.run(cmd, input=input if input is not None else b"",
                                  capture_output=True, timeout=timeout, env=self.env, cwd=cwd)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"`docker {' '.join(args)}` hung for {timeout} s "
                        f"(stdout={(exc.stdout or b'')[-300:]!r} stderr={(exc.stderr or b'')[-300:]!r})")

    def ok(self, *args: str, **kw) -> subprocess.CompletedProcess:
        r = self(*args, **kw)
        assert r.returncode == 0, (f"`docker {' '.join(args)}` exited {r.returncode}: "
                                   f"stderr={r.stderr[-1000:]!r} stdout={r.stdout[-300:]!r}")
        return r

    def popen(self, *args: str, stdin=subprocess.DEVNULL) -> subprocess.Popen:
        return subprocess.Popen([self.binary, *args], stdin=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env)


class LineReader:
    """Reads a Popen's stdout line by line in a thread, timestamping each line."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.lines: list[tuple[float, str]] = []
        self.cond = threading.Condition()
        self.eof = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        for raw in iter(self.proc.stdout.readline, b""):
            with self.cond:
                self.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait_line(self, pred, timeout: float, what: str = "line"):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for ts, line in self.lines:
                    if pred(line):
                        return ts, line
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    pytest.fail(f"no {what} within {timeout} s (eof={self.eof}); got {self.texts()[-20:]!r}")
                self.cond.wait(left)

    def wait_eof(self, timeout: float):
        self.t.join(timeout)
        if self.t.is_alive():
            pytest.fail(f"stream did not end within {timeout} s; got {self.texts()[-20:]!r}")

    def texts(self) -> list[str]:
        return [line for _, line in self.lines]


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> int | None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    return proc.returncode


# --------------------------------------------------------------------------
# Sockwarden process
# --------------------------------------------------------------------------


class ProxyStartError(Exception):
    pass


class Proxy:
    def __init__(self, binary: str, listen: str, upstream: str, policy: str,
                 audit: str | None, workdir: str, extra: tuple[str, ...] = ()):
        self.binary, self.sock, self.upstream = binary, listen, upstream
        self.policy, self.audit, self.workdir, self.extra = policy, audit, workdir, extra
        self.log_path = os.path.join(workdir, f"sockwarden-{uuid.uuid4().hex[:6]}.log")
        self.proc: subprocess.Popen | None = None

    @property
    def argv(self) -> list[str]:
        argv = [self.binary, "serve", "--listen", self.sock, "--upstream", self.upstream,
                "--policy", self.policy]
        if self.audit:
            argv += ["--audit-log", self.audit]
        return argv + list(self.extra)

    def start(self, wait: bool = True, timeout: float = 15) -> "Proxy":
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ProxyStartError(f"sockwarden exited with {self.proc.returncode} before "
                                      f"listening: {self.log_tail()}")
            if os.path.exists(self.sock) and can_connect(self.sock):
                return
            time.sleep(0.02)
        raise ProxyStartError(f"sockwarden not listening on {self.sock} after {timeout} s: {self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()
        return self.proc.returncode

    def log_tail(self, n: int = 3000) -> str:
        try:
            data = Path(self.log_path).read_bytes()
        except OSError:
            return "<no log>"
        return data[-n:].decode(errors="replace")

    def audit_records(self) -> list[dict]:
        if not self.audit or not os.path.exists(self.audit):
            return []
        out = []
        # split("\n"), not splitlines(): a record is one line of JSON Lines.
        # The last piece has no newline yet: a line the writer is still
        # writing (read mid-write(2)), left for the next read. It was parsed
        # as `_unparsable` and, having no "event", counted as a result, so
        # `wait_results` could return before the result was written.
        lines = Path(self.audit).read_text(errors="replace").split("\n")
        for line in lines[:-1]:
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"_unparsable": line})
        return out

    def audit_results(self) -> list[dict]:
        """One record per finished request: the "result" records (the log also
        holds a "request" record per request, written when it is judged, and
        events such as "start"; see docs/audit-log.md)."""
        return [r for r in self.audit_records() if r.get("event", "result") == "result"]

    def wait_results(self, pred, timeout: float = 5, what: str = "audit result records") -> list[dict]:
        """Wait until pred(result records) is truthy; returns the result records."""
        self.wait_audit(lambda rs: pred([r for r in rs if r.get("event", "result") == "result"]), timeout, what)
        return self.audit_results()

    def wait_audit(self, pred, timeout: float = 5, what: str = "audit record") -> list[dict]:
        """Wait until pred(records) is truthy; returns the records."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.audit_records()
            if pred(records):
                return records
            if time.monotonic() >= deadline:
                pytest.fail(f"timed out after {timeout} s waiting for {what}; audit log has "
                            f"{len(records)} records: {records[-10:]!r}")
            time.sleep(0.05)


def tar_of(files: dict[str, bytes]) -> bytes:
    """A tar archive of regular files."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class LoopbackListener:
    """A TCP listener on 127.0.0.1 that records what connections send; with
    `hang_up`, it counts a connection and closes it at once (a registry
    client then fails fast instead of waiting for an answer)."""

    def __init__(self, hang_up: bool = False):
        self.hang_up = hang_up
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            if self.hang_up:
                conn.close()
                continue
            conn.settimeout(0.5)
            with conn:
                while not self._stop.is_set():
                    try:
                        data = conn.recv(4096)
                    except socket.timeout:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    self.received += data

    def wait_for(self, needle: bytes, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while needle not in self.received and time.monotonic() < end:
            time.sleep(0.1)
        return needle in self.received

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
