"""The real docker CLI through `target` (proxy by default, daemon when direct).

Each test must pass both ways: that is the "the proxy is invisible" proof.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
import time

from swhelpers import API, IMAGE, LineReader, http, stop_process, unique

NONET = ("--network", "none")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def running(dockerd_sock: str, name: str) -> bool:
    r = http(dockerd_sock, "GET", f"{API}/containers/{name}/json")
    return r.status == 200 and r.json()["State"]["Running"]


def start_sleeper(cli, cleanup, seconds: int = 300) -> str:
    name = cleanup.container(unique("sleeper"))
    cli.ok("run", "-d", *NONET, "--name", name, IMAGE, "sleep", str(seconds))
    return name


def test_version(cli):
    r = cli.ok("version", "--format", "{{json .}}")
    v = json.loads(r.stdout)
    assert v["Server"]["ApiVersion"], v
    assert v["Client"]["Version"], v


def test_info(cli):
    r = cli.ok("info", "--format", "{{.ServerVersion}} {{.Containers}}")
    assert r.stdout.strip(), r


def test_run_stdin_eof(cli):
    r = cli.ok("run", "-i", "--rm", *NONET, IMAGE, "cat", input=b"hi\n")
    assert r.stdout == b"hi\n"


def test_run_stdin_large(cli):
    data = os.urandom(2 << 20)
    r = cli.ok("run", "-i", "--rm", *NONET, IMAGE, "sha256sum", input=data)
    assert r.stdout.split()[0].decode() == sha256(data)


def test_run_exit_code_and_stderr(cli):
    r = cli("run", "--rm", *NONET, IMAGE, "sh", "-c", "echo out; echo err >&2; exit 3")
    assert r.returncode == 3, r
    assert r.stdout == b"out\n"
    assert b"err\n" in r.stderr


def test_logs_follow_streams_live(cli, cleanup, dockerd_sock):
    name = cleanup.container(unique("logs"))
    cli.ok("run", "-d", *NONET, "--name", name, IMAGE, "sh", "-c",
           "sleep 0.5; for i in $(seq 1 12); do echo line$i; sleep 0.3; done")
    proc = cli.popen("logs", "-f", name)
    try:
        reader = LineReader(proc)
        reader.wait_line(lambda l: l.startswith("line"), 15, "first log line")
        # The first line reached us while the container is still printing.
        assert running(dockerd_sock, name), "first line only arrived after the container ended"
        reader.wait_eof(20)
        assert proc.wait(10) == 0, proc.stderr.read()
        got = reader.texts()
        assert got == [f"line{i}" for i in range(1, 13)], got
        times = [ts for ts, _ in reader.lines]
        # Lines arrive as they are printed, not in one lump at the end.
        assert times[-1] - times[0] > 1.5, f"all lines arrived within {times[-1] - times[0]:.2f} s"
    finally:
        stop_process(proc)


def test_logs_follow_quiet_stream_not_cut(cli_newest, cleanup):
    cli = cli_newest
    name = cleanup.container(unique("quiet"))
    cli.ok("run", "-d", *NONET, "--name", name, IMAGE, "sh", "-c", "echo before; sleep 7; echo after")
    t0 = time.monotonic()
    r = cli.ok("logs", "-f", name, timeout=40)
    assert r.stdout == b"before\nafter\n", r
    assert time.monotonic() - t0 > 5


def test_attach_running_container(cli, cleanup):
    name = cleanup.container(unique("attach"))
    # The container waits for a line on stdin, so there is no race with attach.
    cli.ok("run", "-d", "-i", *NONET, "--name", name, IMAGE, "sh", "-c",
           "read x; echo got:$x; echo bye >&2; exit 4")
    # stdin stays open: for a container without StdinOnce, dockerd ends the
    # attach session as soon as the client's stdin reaches EOF.
    proc = cli.popen("attach", name, stdin=subprocess.PIPE)
    try:
        reader = LineReader(proc)
        proc.stdin.write(b"ping\n")
        proc.stdin.flush()
        reader.wait_line(lambda l: l == "got:ping", 30, "got:ping")
        reader.wait_eof(30)
        assert proc.wait(30) == 4, proc.stderr.read()
        assert reader.texts() == ["got:ping"]
        assert b"bye" in proc.stderr.read()
    finally:
        proc.stdin.close()
        stop_process(proc)


def test_attach_output_only(cli, cleanup):
    name = cleanup.container(unique("attach"))
    cli.ok("run", "-d", "-i", *NONET, "--name", name, IMAGE, "sh", "-c",
           "read x; sleep 1; for i in 1 2 3; do echo tick$i; sleep 0.2; done; exit 0")
    proc = cli.popen("attach", "--no-stdin", name)
    try:
        # A second attach feeds the container's stdin; it waits 1 s more before
        # printing, which leaves the output-only attach ample time to connect.
        time.sleep(0.5)
        cli.ok("attach", "--sig-proxy=false", name, input=b"go\n", timeout=30)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert out == b"tick1\ntick2\ntick3\n", out
    finally:
        stop_process(proc)


def test_exec_without_stdin(cli, cleanup):
    name = start_sleeper(cli, cleanup)
    r = cli("exec", name, "sh", "-c", "echo out; echo err >&2; exit 3")
    assert r.returncode == 3, r
    assert r.stdout == b"out\n"
    assert b"err\n" in r.stderr
    r = cli.ok("exec", name, "id", "-u")
    assert r.stdout == b"0\n"


def test_exec_with_stdin(cli, cleanup):
    name = start_sleeper(cli, cleanup)
    r = cli.ok("exec", "-i", name, "cat", input=b"hello\nworld\n")
    assert r.stdout == b"hello\nworld\n"
    data = os.urandom(3 << 20)
    r = cli.ok("exec", "-i", name, "sha256sum", input=data)
    assert r.stdout.split()[0].decode() == sha256(data)


def test_exec_stdin_left_open_process_exits(cli, cleanup):
    """The exec'd process ends while our stdin stays open: the CLI must return
    (upstream EOF passes through without waiting for the client's EOF)."""
    name = start_sleeper(cli, cleanup)
    proc = subprocess.Popen([cli.binary, "exec", "-i", name, "sh", "-c", "echo done; exit 5"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=cli.env)
    try:
        t0 = time.monotonic()
        while proc.poll() is None and time.monotonic() - t0 < 20:
            time.sleep(0.05)
        assert proc.poll() is not None, "docker exec -i did not return after the process exited"
        assert proc.returncode == 5
        assert proc.stdout.read() == b"done\n"
    finally:
        proc.stdin.close()
        stop_process(proc)


def test_cp_both_ways(cli, cleanup, sock_dir):
    name = start_sleeper(cli, cleanup)
    data = os.urandom(4 << 20)
    src = os.path.join(sock_dir, "blob.bin")
    with open(src, "wb") as f:
        f.write(data)
    cli.ok("cp", src, f"{name}:/tmp/blob.bin")
    r = cli.ok("exec", name, "sha256sum", "/tmp/blob.bin")
    assert r.stdout.split()[0].decode() == sha256(data)
    dst = os.path.join(sock_dir, "back.bin")
    cli.ok("cp", f"{name}:/tmp/blob.bin", dst)
    with open(dst, "rb") as f:
        assert f.read() == data
    # And as a tar stream on stdout.
    r = cli.ok("cp", f"{name}:/tmp/blob.bin", "-")
    with tarfile.open(fileobj=io.BytesIO(r.stdout)) as tar:
        assert tar.extractfile("blob.bin").read() == data


def test_build_classic(cli, cleanup, sock_dir):
    tag = cleanup.image(f"swtest/built-{unique('b')}:latest")
    data = os.urandom(5 << 20)
    ctx = os.path.join(sock_dir, "ctx")
    os.makedirs(ctx)
    with open(os.path.join(ctx, "blob"), "wb") as f:
        f.write(data)
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write(f"FROM {IMAGE}\nCOPY blob /blob\nRUN wc -c /blob\n")
    r = cli.ok("build", "--network", "none", "-t", tag, ctx, timeout=120)
    assert str(len(data)).encode() in r.stdout, r.stdout[-2000:]
    r = cli.ok("run", "--rm", *NONET, tag, "sha256sum", "/blob")
    assert r.stdout.split()[0].decode() == sha256(data)


def test_save_load_roundtrip(cli, cleanup, dockerd_sock):
    repo = f"swtest/saved-{unique('s')}"
    tag = cleanup.image(f"{repo}:v1")
    r = http(dockerd_sock, "POST", f"{API}/images/{IMAGE}/tag?repo={repo}&tag=v1")
    assert r.status == 201, r
    saved = cli.ok("save", tag).stdout
    with tarfile.open(fileobj=io.BytesIO(saved)) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert tag in manifest[0]["RepoTags"], manifest
    r = http(dockerd_sock, "DELETE", f"{API}/images/{tag}")
    assert r.status == 200, r
    r = cli.ok("load", input=saved)
    assert f"Loaded image: {tag}".encode() in r.stdout, r
    assert http(dockerd_sock, "GET", f"{API}/images/{tag}/json").status == 200


def test_events_live(cli, cleanup):
    name = cleanup.container(unique("ev"))
    since = f"{time.time() - 1:.3f}"
    proc = cli.popen("events", "--since", since, "--filter", f"container={name}",
                     "--format", "{{json .}}")
    try:
        reader = LineReader(proc)
        time.sleep(0.3)  # not required (--since replays), but exercises the live path
        cli.ok("create", *NONET, "--name", name, IMAGE, "true")
        _, line = reader.wait_line(lambda l: '"create"' in l, 20, "create event")
        ev = json.loads(line)
        assert ev.get("Action", ev.get("status")) == "create", ev
        assert proc.poll() is None, "events stream ended early"
    finally:
        stop_process(proc)


def test_events_since_until(cli, cleanup):
    name = cleanup.container(unique("ev"))
    since = time.time() - 1
    cli.ok("create", *NONET, "--name", name, IMAGE, "true")
    cli.ok("rm", name)
    until = time.time() + 1
    r = cli.ok("events", "--since", f"{since:.3f}", "--until", f"{until:.3f}",
               "--filter", f"container={name}", "--format", "{{json .}}", timeout=30)
    actions = [json.loads(l).get("Action") for l in r.stdout.decode().splitlines() if l.strip()]
    assert "create" in actions and "destroy" in actions, actions


def test_stats_no_stream(cli, cleanup):
    name = start_sleeper(cli, cleanup)
    r = cli.ok("stats", "--no-stream", "--format", "{{.Name}}|{{.MemUsage}}", name, timeout=60)
    assert r.stdout.decode().startswith(f"{name}|"), r


def test_wait_exit_code(cli, cleanup):
    name = cleanup.container(unique("wait"))
    cli.ok("run", "-d", *NONET, "--name", name, IMAGE, "sh", "-c", "sleep 0.5; exit 7")
    r = cli.ok("wait", name, timeout=30)
    assert r.stdout.strip() == b"7"


def test_ps_inspect_rm_force(cli, cleanup, dockerd_sock):
    name = start_sleeper(cli, cleanup)
    r = cli.ok("ps", "--filter", f"name={name}", "--format", "{{.Names}}")
    assert r.stdout.strip() == name.encode()
    r = cli.ok("inspect", "--format", "{{.State.Running}}", name)
    assert r.stdout.strip() == b"true"
    cli.ok("rm", "-f", name)
    assert http(dockerd_sock, "GET", f"{API}/containers/{name}/json").status == 404
    r = cli.ok("ps", "-a", "--filter", f"name={name}", "-q")
    assert r.stdout.strip() == b""


def test_inspect_of_a_missing_object_says_no_such_object(cli):
    # `docker inspect NAME` without --type asks for a container, an image, a
    # network, a volume, … and a plugin in turn, moving on after each "not
    # found". A denial on any of those routes must not stand in for the
    # daemon's answer: the job asked about an object that does not exist.
    r = cli("inspect", unique("missing"))
    assert r.returncode != 0
    assert b"No such object" in r.stderr, r.stderr
