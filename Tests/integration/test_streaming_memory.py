"""Large bodies stream through in constant memory: 1 GiB up (PUT archive,
Content-Length and chunked) and 1 GiB down (GET archive), with the proxy's
peak resident memory checked afterwards. No timing assertions."""
import json
import socket
import tarfile

import pytest

from swhelpers import API, RawConn, build_request, force_remove, http, unique

pytestmark = pytest.mark.proxy_only

GIB = 1 << 30
CHUNK = 1 << 20


def tar_header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def tar_length(size: int) -> int:
    return 512 + size + (-size % 512) + 1024


def send_tar(conn: RawConn, size: int, chunked: bool) -> None:
    zeros = bytes(CHUNK)
    parts = [tar_header("big.bin", size)]
    for offset in range(0, size, CHUNK):
        parts.append(zeros[:min(CHUNK, size - offset)])
        if len(parts) > 1 or offset + CHUNK >= size:
            for p in parts:
                conn.send(b"%x\r\n%s\r\n" % (len(p), p) if chunked else p)
            parts = []
    trailer = bytes(-size % 512) + bytes(1024)
    conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(trailer), trailer) if chunked else trailer)


def peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_gigabyte_upload_and_download_in_constant_memory(proxy_factory, dockerd_sock, chunked):
    p = proxy_factory("observe.toml", audit=False)
    name = unique("big")
    try:
        body = json.dumps({"Image": "swtest/busybox", "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none"}}).encode()
        assert http(dockerd_sock, "POST", f"{API}/containers/create?name={name}", body).status == 201
        assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start").status == 204
        before = peak_rss_kib(p.proc.pid)

        headers = [("Content-Type", "application/x-tar")]
        headers.append(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(tar_length(GIB))))
        with RawConn(p.sock, timeout=300) as c:
            c.send(build_request("PUT", f"{API}/containers/{name}/archive?path=/tmp", None, headers))
            send_tar(c, GIB, chunked)
            r = c.read_response("PUT")
        assert r.status == 200, r

        # HTTP/1.0: the daemon answers without chunking and closes at the end,
        # so the body is every byte after the head; counted, never kept.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(300)
        try:
            s.connect(p.sock)
            s.sendall(build_request("GET", f"{API}/containers/{name}/archive?path=/tmp/big.bin", version="HTTP/1.0"))
            data = b""
            while b"\r\n\r\n" not in data:
                more = s.recv(65536)
                assert more, data
                data += more
            head, rest = data.split(b"\r\n\r\n", 1)
            assert head.startswith(b"HTTP/1.0 200") or head.startswith(b"HTTP/1.1 200"), head
            received = len(rest)
            while True:
                more = s.recv(1 << 20)
                if not more:
                    break
                received += len(more)
        finally:
            s.close()
        assert received >= GIB, received

        after = peak_rss_kib(p.proc.pid)
        assert after - before < 64 * 1024, f"peak RSS grew from {before} KiB to {after} KiB while streaming 2 GiB"
        assert after < 128 * 1024, f"peak RSS {after} KiB"
    finally:
        force_remove(dockerd_sock, name)
