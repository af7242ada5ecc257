"""The Python docker SDK (docker 7.x) through `target`."""

from __future__ import annotations

import io
import os
import select
import socket
import tarfile
import time

import docker
import pytest

from swhelpers import IMAGE, demux, unique


@pytest.fixture
def sdk(target, image):
    client = docker.DockerClient(base_url=f"unix://{target}", version="auto", timeout=60)
    yield client
    client.close()


def run_sleeper(sdk, cleanup, **kw):
    name = cleanup.container(unique("sdk"))
    return sdk.containers.run(IMAGE, ["sleep", "300"], name=name, detach=True,
                              network_mode="none", **kw)


def test_ping_version_info(sdk):
    assert sdk.ping() is True
    v = sdk.version()
    assert v["ApiVersion"] and v["Version"], v
    assert "Containers" in sdk.info()
    assert "Images" in sdk.df()


def test_images_list(sdk):
    tags = [t for img in sdk.images.list() for t in img.tags]
    assert IMAGE in tags, tags


def test_run_logs_stream_wait_remove(sdk, cleanup):
    name = cleanup.container(unique("sdk"))
    c = sdk.containers.run(IMAGE, ["sh", "-c", "for i in 1 2 3 4 5; do echo n$i; sleep 0.2; done; exit 2"],
                           name=name, detach=True, network_mode="none")
    got = b""
    deadline = time.monotonic() + 30
    for chunk in c.logs(stream=True, follow=True):
        got += chunk
        assert time.monotonic() < deadline, "log stream did not end"
    assert got == b"".join(f"n{i}\n".encode() for i in range(1, 6)), got
    assert c.wait(timeout=30)["StatusCode"] == 2
    assert c.logs(stdout=True, stderr=False).count(b"\n") == 5
    c.remove()
    assert name not in [x.name for x in sdk.containers.list(all=True)]


def test_exec_run(sdk, cleanup):
    c = run_sleeper(sdk, cleanup)
    r = c.exec_run(["sh", "-c", "echo out; echo err >&2; exit 9"], demux=True)
    assert r.exit_code == 9
    assert r.output == (b"out\n", b"err\n")
    r = c.exec_run(["sh", "-c", "echo streamed"], stream=True)
    assert b"".join(r.output) == b"streamed\n"


def test_put_get_archive(sdk, cleanup):
    c = run_sleeper(sdk, cleanup)
    data = os.urandom(3 << 20)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        ti = tarfile.TarInfo("payload.bin")
        ti.size = len(data)
        tar.addfile(ti, io.BytesIO(data))
    assert c.put_archive("/tmp", buf.getvalue()) is True
    stream, stat = c.get_archive("/tmp/payload.bin")
    assert stat["size"] == len(data), stat
    raw = b"".join(stream)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        assert tar.extractfile("payload.bin").read() == data


def test_exec_stdin_socket_half_close(sdk, cleanup):
    """Hijacked exec (Upgrade: tcp): write stdin, half-close, read until EOF."""
    c = run_sleeper(sdk, cleanup)
    ex = sdk.api.exec_create(c.id, ["sh", "-c", "wc -c; echo fin >&2"], stdin=True, stdout=True, stderr=True)
    sock = sdk.api.exec_start(ex["Id"], socket=True)
    raw = sock._sock if hasattr(sock, "_sock") else sock
    raw.settimeout(30)
    payload = os.urandom(1 << 20)
    raw.sendall(payload)
    raw.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        chunk = raw.recv(65536)
        if not chunk:
            break
        got += chunk
    sock.close()
    out, err = demux(got)
    assert out.strip() == str(len(payload)).encode(), (out, err)
    assert err == b"fin\n"
    assert sdk.api.exec_inspect(ex["Id"])["ExitCode"] == 0


def test_attach_socket(sdk, cleanup):
    name = cleanup.container(unique("sdk"))
    c = sdk.containers.create(IMAGE, ["sh", "-c", "read x; echo back:$x"], name=name,
                              stdin_open=True, network_mode="none")
    sock = sdk.api.attach_socket(c.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
    raw = sock._sock if hasattr(sock, "_sock") else sock
    raw.settimeout(30)
    c.start()
    raw.sendall(b"hello\n")
    got = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r, _, _ = select.select([raw], [], [], 1)
        if not r:
            continue
        chunk = raw.recv(65536)
        if not chunk:
            break
        got += chunk
    sock.close()
    out, _ = demux(got)
    assert out == b"back:hello\n"
    assert c.wait(timeout=30)["StatusCode"] == 0


def test_events_decode(sdk, cleanup):
    name = cleanup.container(unique("sdk"))
    since = time.time() - 1
    c = sdk.containers.create(IMAGE, ["true"], name=name, network_mode="none")
    c.remove()
    until = time.time() + 1
    events = list(sdk.events(since=since, until=until, decode=True,
                             filters={"container": name}))
    actions = [e.get("Action") for e in events]
    assert "create" in actions and "destroy" in actions, events


# What ci.toml refuses in `containers.run` keyword arguments that work
# straight on the daemon, and the part of sockwarden's message that says how
# to allow it (each named only "allowed: none" before 2026-12-01).
CI_REFUSALS = [
    ({"cap_add": ["NET_ADMIN"]}, 'add "NET_ADMIN" to capabilities in [containers] to allow it'),
    ({"sysctls": {"net.ipv4.ip_unprivileged_port_start": "0"}},
     'add "net.ipv4.ip_unprivileged_port_start" to sysctls in [containers] to allow it'),
    ({"runtime": "runc"}, 'add "runc" to runtimes in [containers] to allow it'),
    ({"pid_mode": "host"}, 'add "pid" to host-namespaces in [containers] to allow it'),
    ({"security_opt": ["seccomp=unconfined"]}, "set seccomp-unconfined = true in [security-options] to allow it"),
]


@pytest.mark.proxy_only
@pytest.mark.parametrize("kwargs,fix", CI_REFUSALS, ids=[next(iter(k)) for k, _ in CI_REFUSALS])
def test_ci_refusal_says_how_to_allow_it(kwargs, fix, dockerd_sock, image, proxy_factory):
    straight = docker.DockerClient(base_url=f"unix://{dockerd_sock}", version="auto", timeout=60)
    ci = docker.DockerClient(base_url=f"unix://{proxy_factory('ci.toml', audit=False).sock}", version="auto", timeout=60)
    try:
        assert straight.containers.run(IMAGE, ["echo", "ran"], network_mode="none", remove=True, **kwargs) == b"ran\n"
        with pytest.raises(docker.errors.APIError) as err:
            ci.containers.run(IMAGE, ["echo", "ran"], network_mode="none", remove=True, **kwargs)
        assert err.value.status_code == 403
        message = err.value.explanation
        assert message.startswith("sockwarden: POST /containers/create (container.create) denied by policy ci.toml: ["), message
        assert fix in message, message
    finally:
        straight.close()
        ci.close()
