"""Exec, attach and copy judged by the container they act in, with
policies/ci.toml, against the real daemon.

An exec runs, an attach types and a copy reads and writes with the target
container's own privileges and mounts, whatever the request says. On a
socket shared by jobs any container can be named: the CI runner's (which
mounts the Docker socket), a privileged agent's, one binding a host
directory. Differential: straight to the daemon, exec and copy reach the
host directory such a container binds (a file written by `docker cp` appears
on the host); through the proxy they are refused, naming what the container
has, and nothing is written. A job's own containers still work by name and
by ID prefix (the ordinary client tests cover exec, cp and attach too)."""
import json
import os
import tempfile

import pytest

from swhelpers import API, DockerCLI, FakeUnixDaemon, force_remove, http, unique, wait_for

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


@pytest.fixture
def binder(daemon_cli, short_tmp):
    """A running container, made straight on the daemon, that binds a host directory."""
    host_dir = tempfile.mkdtemp(dir=short_tmp)
    secret = unique("host-secret")
    with open(os.path.join(host_dir, "secret"), "w") as f:
        f.write(secret)
    name = unique("binder")
    r = daemon_cli("run", "-d", "--name", name, "--network", "none", "-v", f"{host_dir}:/host", IMG, "sleep", "600")
    assert r.returncode == 0, r.stderr
    yield name, host_dir, secret
    daemon_cli("rm", "-f", name)


@pytest.fixture
def agent(daemon_cli):
    """A running container in the host's pid namespace, made straight on the daemon (as a
    monitoring agent is; a privileged one cannot start on these test machines, whose root
    lacks some capabilities)."""
    name = unique("agent")
    r = daemon_cli("run", "-d", "--pid", "host", "--name", name, "--network", "none", IMG, "sleep", "600")
    assert r.returncode == 0, r.stderr
    yield name
    daemon_cli("rm", "-f", name)


@pytest.fixture
def ci(proxy_factory, cli_path, docker_config):
    proxy = proxy_factory(policy="ci.toml")
    return proxy, DockerCLI(cli_path, proxy.sock, docker_config)


def test_exec_and_cp_in_a_container_binding_a_host_directory_are_refused(binder, daemon_cli, ci, short_tmp):
    name, host_dir, secret = binder
    local = os.path.join(tempfile.mkdtemp(dir=short_tmp), "planted")
    with open(local, "w") as f:
        f.write("planted")

    # The attack is real: straight to the daemon, exec reads and cp writes the host directory.
    r = daemon_cli("exec", name, "cat", "/host/secret")
    assert r.returncode == 0 and r.stdout.decode() == secret, r.stderr
    assert daemon_cli("cp", local, f"{name}:/host/direct").returncode == 0
    assert os.path.exists(os.path.join(host_dir, "direct"))

    proxy, cli = ci
    r = cli("exec", name, "cat", "/host/secret")
    assert r.returncode != 0 and secret.encode() not in r.stdout
    assert f'container "{name}"'.encode() in r.stderr and b"host path" in r.stderr and b"exec.create" in r.stderr, r.stderr
    r = cli("cp", local, f"{name}:/host/proxied")
    assert r.returncode != 0, r.stderr
    assert not os.path.exists(os.path.join(host_dir, "proxied"))
    r = cli("cp", f"{name}:/host/secret", os.path.join(short_tmp, unique("out")))
    assert r.returncode != 0 and b"host path" in r.stderr, r.stderr


def test_exec_attach_and_exec_start_in_a_container_sharing_the_hosts_pids_are_refused(agent, daemon_cli, ci, dockerd_sock):
    # Straight to the daemon an exec there sees this very test process among the host's.
    r = daemon_cli("exec", agent, "sh", "-c", f"test -d /proc/{os.getpid()}")
    assert r.returncode == 0, r.stderr
    proxy, cli = ci
    r = cli("exec", agent, "sh", "-c", f"test -d /proc/{os.getpid()}")
    assert r.returncode != 0 and b"pid namespace" in r.stderr, r.stderr
    # The CLI shows only the status of a refused attach; the audit record says why.
    r = cli("attach", "--no-stdin", agent, timeout=20)
    assert r.returncode != 0 and b"403" in r.stderr, r.stderr
    def attach_records():
        return [rec for rec in proxy.audit_records() if rec.get("route") == "container.attach" and rec.get("event") == "request"]
    wait_for(lambda: attach_records(), 10, what="the attach's audit record (written by the audit thread)")
    denied = attach_records()
    assert denied[-1]["decision"] == "deny" and "pid namespace" in denied[-1]["reason"], denied[-1:]
    # An exec made on the daemon's own socket, started through the proxy.
    made = http(dockerd_sock, "POST", f"{API}/containers/{agent}/exec", json.dumps({"Cmd": ["true"]}).encode(),
                {"Content-Type": "application/json"})
    assert made.status == 201, made.body
    exec_id = json.loads(made.body)["Id"]
    r = http(proxy.sock, "POST", f"{API}/exec/{exec_id}/start", json.dumps({"Detach": True}).encode(),
             {"Content-Type": "application/json"})
    assert r.status == 403 and b"pid namespace" in r.body, (r.status, r.body)
    inspect = json.loads(http(dockerd_sock, "GET", f"{API}/exec/{exec_id}/json").body)
    assert inspect["Running"] is False and inspect["ExitCode"] is None, inspect


def test_a_jobs_own_container_by_name_and_id_prefix_still_works(ci, dockerd_sock, short_tmp):
    proxy, cli = ci
    name = unique("own")
    try:
        r = cli("run", "-d", "--name", name, "--network", "none", IMG, "sleep", "600")
        assert r.returncode == 0, r.stderr
        short = r.stdout.decode().strip()[:12]
        for ref in (name, short):
            r = cli("exec", ref, "sh", "-c", "echo hi > /tmp/f && cat /tmp/f")
            assert r.returncode == 0 and r.stdout == b"hi\n", r.stderr
            out = os.path.join(short_tmp, unique("f"))
            r = cli("cp", f"{ref}:/tmp/f", out)
            assert r.returncode == 0, r.stderr
            assert open(out, "rb").read() == b"hi\n"
        def exec_records():
            return [rec for rec in proxy.audit_records() if rec.get("route") == "exec.create" and rec.get("event") == "result"]
        wait_for(lambda: len(exec_records()) >= 2, 10, what="both execs' audit records")
        assert all(rec["decision"] == "allow" for rec in exec_records()), exec_records()
    finally:
        force_remove(dockerd_sock, name)


def test_starting_an_operators_stopped_container_that_binds_a_host_directory_is_refused(daemon_cli, ci, short_tmp):
    """A start runs the container's own command with its own mounts: an operator's stopped
    container binding a host directory writes there when anyone starts it."""
    host_dir = tempfile.mkdtemp(dir=short_tmp)
    name = unique("opstop")
    r = daemon_cli("create", "--name", name, "--network", "none", "-v", f"{host_dir}:/host", IMG,
                   "sh", "-c", "echo started >> /host/log")
    assert r.returncode == 0, r.stderr
    log = os.path.join(host_dir, "log")
    try:
        proxy, cli = ci
        for verb in ("start", "restart"):
            r = cli(verb, name)
            assert r.returncode != 0, r.stdout
            assert f'container "{name}"'.encode() in r.stderr and b"host path" in r.stderr, r.stderr
            assert f"container.{verb}".encode() in r.stderr, r.stderr
        assert not os.path.exists(log)
        # The attack is real: straight to the daemon, the start writes on the host.
        assert daemon_cli("start", "-a", name).returncode == 0
        assert open(log).read() == "started\n"
    finally:
        daemon_cli("rm", "-f", name)


def test_a_jobs_own_container_starts_and_restarts_by_name_and_id_prefix(ci, dockerd_sock):
    proxy, cli = ci
    name = unique("ownstart")
    try:
        r = cli("create", "--name", name, "--network", "none", IMG, "sleep", "600")
        assert r.returncode == 0, r.stderr
        short = r.stdout.decode().strip()[:12]
        assert cli("start", name).returncode == 0
        r = cli("restart", "-t", "0", short)
        assert r.returncode == 0, r.stderr
        starts = lambda: [rec for rec in proxy.audit_records()
                          if rec.get("route") in ("container.start", "container.restart") and rec.get("event") == "request"]
        wait_for(lambda: len(starts()) >= 2, 10, what="the start and restart records")
        assert all(rec["decision"] == "allow" and rec["target_container"]["name"] == name for rec in starts()), starts()
    finally:
        force_remove(dockerd_sock, name)


def test_a_missing_container_is_refused_rather_than_forwarded(ci):
    proxy, cli = ci
    r = cli("exec", unique("ghost"), "true")
    assert r.returncode != 0 and b"No such container" in r.stderr, r.stderr


MISSING_ROUTES = [
    ("POST", "/containers/{}/start", b""), ("POST", "/containers/{}/stop", b""), ("POST", "/containers/{}/restart", b""),
    ("POST", "/containers/{}/kill", b""), ("POST", "/containers/{}/update", b"{}"), ("POST", "/containers/{}/exec", b'{"Cmd":["true"]}'),
    ("GET", "/containers/{}/archive?path=/", None), ("HEAD", "/containers/{}/archive?path=/", None),
    ("PUT", "/containers/{}/archive?path=/", b"x"), ("POST", "/exec/{}/start", b'{"Detach":true}'),
]


@pytest.mark.parametrize("method,template,body", MISSING_ROUTES, ids=[f"{m} {t.split('?')[0]}" for m, t, _ in MISSING_ROUTES])
def test_a_missing_container_gets_the_daemons_own_404(ci, dockerd_sock, method, template, body):
    """Differential (found 2026-12-02 by the clients sweep): cleanup code
    tells a container already gone by the daemon's 404 (the SDK's NotFound,
    Go's errdefs.IsNotFound); the main socket answered the policy's 403
    ("names no container the daemon knows"). Now the daemon's own answer,
    byte for byte, with nothing forwarded."""
    proxy, _ = ci
    ghost = unique("ghost") if "/exec/" not in template else "f" * 64
    headers = {"Content-Type": "application/json"} if body and body.startswith(b"{") else \
        ({"Content-Type": "application/x-tar"} if method == "PUT" else None)
    target = API + template.format(ghost)
    r, d = http(proxy.sock, method, target, body, headers), http(dockerd_sock, method, target, body, headers)
    assert d.status == 404, (target, d.status, d.body)
    assert (r.status, r.body) == (d.status, d.body), (target, r.status, r.body, d.body)


def test_exec_in_a_container_that_joined_the_pid_namespace_of_one_sharing_the_hosts_is_refused(agent, daemon_cli, ci):
    # A container made on the daemon (a sidecar) in the pid namespace of the agent, which is the
    # host's: an exec there sees the host's processes although the sidecar itself has no `--pid host`.
    joiner = unique("joiner")
    r = daemon_cli("run", "-d", "--name", joiner, "--pid", f"container:{agent}", "--network", "none", IMG, "sleep", "600")
    assert r.returncode == 0, r.stderr
    try:
        r = daemon_cli("exec", joiner, "sh", "-c", f"test -d /proc/{os.getpid()}")
        assert r.returncode == 0, r.stderr
        proxy, cli = ci
        r = cli("exec", joiner, "sh", "-c", f"test -d /proc/{os.getpid()} && echo host-pids")
        assert r.returncode != 0 and b"host-pids" not in r.stdout, (r.stdout, r.stderr)
        assert b"PidMode" in r.stderr, r.stderr
    finally:
        daemon_cli("rm", "-f", joiner)


@pytest.fixture
def lending_ci(proxy_factory, cli_path, docker_config, short_tmp):
    """ci.toml with volumes-from = true: a job may copy another container's mounts, judged."""
    text = open(os.path.join(os.path.dirname(__file__), "..", "..", "policies", "ci.toml"), encoding="utf-8").read()
    assert "volumes-from = false" in text
    path = os.path.join(tempfile.mkdtemp(dir=short_tmp), "lending.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("volumes-from = false", "volumes-from = true"))
    proxy = proxy_factory(policy=path)
    return proxy, DockerCLI(cli_path, proxy.sock, docker_config)


def test_a_volumes_from_source_renamed_and_replaced_does_not_clear_the_borrower(binder, daemon_cli, lending_ci):
    # The daemon stores VolumesFrom by the name given and copied the source's mounts at create:
    # renaming the source and making a harmless container under its name changes nothing the
    # borrower has, so the borrower is judged by the mounts it has, not by what the name now is.
    name, host_dir, secret = binder
    borrower = unique("borrower")
    r = daemon_cli("run", "-d", "--name", borrower, "--volumes-from", name, "--network", "none", IMG, "sleep", "600")
    assert r.returncode == 0, r.stderr
    proxy, cli = lending_ci
    try:
        r = cli("exec", borrower, "cat", "/host/secret")
        assert r.returncode != 0 and secret.encode() not in r.stdout, r.stderr
        # What a job on the shared socket can do: rename the source, make a harmless one in its place.
        assert cli("rename", name, name + "-old").returncode == 0
        r = cli("create", "--name", name, "--network", "none", IMG, "true")
        assert r.returncode == 0, r.stderr
        r = cli("exec", borrower, "cat", "/host/secret")
        assert r.returncode != 0 and secret.encode() not in r.stdout, (r.stdout, r.stderr)
        assert b"host path" in r.stderr, r.stderr
    finally:
        daemon_cli("rm", "-f", borrower, name + "-old")


def test_the_old_copy_route_is_judged_by_its_container_too(binder, dockerd_sock, proxy_factory, short_tmp):
    # `POST /containers/{id}/copy` (API < 1.24, 20.10 only) reads a path out of the container,
    # through its binds, as `docker cp` does. ci.toml refuses API versions before 1.24; an
    # operator who lowers min-version must not open this copy either.
    name, host_dir, secret = binder
    body = json.dumps({"Resource": "/host/secret"}).encode()
    direct = http(dockerd_sock, "POST", f"/v1.23/containers/{name}/copy", body, {"Content-Type": "application/json"})
    assert direct.status == 200 and secret.encode() in direct.body, (direct.status, direct.body[:200])
    text = open(os.path.join(os.path.dirname(__file__), "..", "..", "policies", "ci.toml"), encoding="utf-8").read()
    assert 'min-version = "1.24"' in text
    path = os.path.join(tempfile.mkdtemp(dir=short_tmp), "old-api.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace('min-version = "1.24"', 'min-version = "1.23"'))
    proxy = proxy_factory(policy=path)
    r = http(proxy.sock, "POST", f"/v1.23/containers/{name}/copy", body, {"Content-Type": "application/json"})
    assert r.status == 403 and secret.encode() not in r.body, (r.status, r.body[:200])
    assert b"host path" in r.body, r.body


def test_with_join_namespaces_a_container_joining_a_host_namespace_is_refused(agent, daemon_cli, proxy_factory,
                                                                             cli_path, docker_config, short_tmp):
    # join-namespaces = true lets a job join another container's namespaces (compose's
    # `network_mode: service:x`); that container's namespace may be the host's (the agent's
    # `--pid host`), which host-namespaces = [] refuses. Judged at create and at exec.
    text = open(os.path.join(os.path.dirname(__file__), "..", "..", "policies", "ci.toml"), encoding="utf-8").read()
    assert "join-namespaces = false" in text
    path = os.path.join(tempfile.mkdtemp(dir=short_tmp), "joins.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("join-namespaces = false", "join-namespaces = true"))
    proxy = proxy_factory(policy=path)
    cli = DockerCLI(cli_path, proxy.sock, docker_config)
    created = unique("joiner")
    sidecar = unique("sidecar")
    mine = unique("mine")
    try:
        r = cli("run", "--rm", "--name", created, "--pid", f"container:{agent}", "--network", "none", IMG,
                "sh", "-c", f"test -d /proc/{os.getpid()} && echo host-pids")
        assert r.returncode != 0 and b"host-pids" not in r.stdout, (r.stdout, r.stderr)
        assert b"which is the host's" in r.stderr, r.stderr
        r = daemon_cli("run", "-d", "--name", sidecar, "--pid", f"container:{agent}", "--network", "none", IMG, "sleep", "600")
        assert r.returncode == 0, r.stderr
        r = cli("exec", sidecar, "sh", "-c", f"test -d /proc/{os.getpid()} && echo host-pids")
        assert r.returncode != 0 and b"host-pids" not in r.stdout, (r.stdout, r.stderr)
        # Joining a job's own container still works.
        assert cli("run", "-d", "--name", mine, "--network", "none", IMG, "sleep", "600").returncode == 0
        r = cli("run", "--rm", "--pid", f"container:{mine}", "--network", "none", IMG, "sh", "-c", "echo joined")
        assert r.returncode == 0 and r.stdout == b"joined\n", r.stderr
    finally:
        daemon_cli("rm", "-f", created, sidecar, mine)


class SwappingDaemon(FakeUnixDaemon):
    """A fake dockerd whose container `x` is a different container (another
    full ID, both labelled as the job's) at every look-up: a rename between
    the policy's look-up and the job scope's."""

    def __init__(self, directory: str, job: str):
        self.job = job
        self.asked = 0
        super().__init__(os.path.join(directory, "swap.sock"))

    def serve(self, conn, number):
        request = self.read_request(conn, b"")
        if request is None:
            return
        target = request[0].split(b" ", 2)[1]
        # By its full ID a container is the one with that ID (a job socket's policy
        # looks the container it found up again by its full ID).
        full = next((i for i in ("ab" * 32, "cd" * 32) if target.endswith(f"/containers/{i}/json".encode())), None)
        if target.endswith(b"/containers/x/json") or full:
            if not full:
                self.asked += 1
            body = json.dumps({"Id": full or ("ab" if self.asked % 2 else "cd") * 32, "Name": "/x",
                               "Config": {"Labels": {"io.sockwarden.job": self.job}},
                               "HostConfig": {"NetworkMode": "none"}}).encode()
            status = b"200 OK"
        else:
            body, status = b'{"message":"page not found"}', b"404 Not Found"
        conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


def test_a_container_swapped_between_the_policys_and_the_job_scopes_look_ups_is_refused(proxy_bin, short_tmp):
    """On a job socket the policy looks the container up (and pins it) and the
    job scope looks it up again (and pins the one the job owns): a rename in
    between would make them differ. The request is refused rather than sent
    to either."""
    from swhelpers import POLICIES, Proxy, can_connect
    d = tempfile.mkdtemp(dir=short_tmp)
    job = unique("swapjob")
    daemon = SwappingDaemon(d, job)
    job_sock = os.path.join(d, "job.sock")
    listeners = os.path.join(d, "listeners.toml")
    with open(listeners, "w") as f:
        f.write(f'[[job]]\nid = "{job}"\npolicy = "{POLICIES / "ci.toml"}"\nsocket = "{job_sock}"\n')
    # Both IDs the canned daemon answers are containers the job's socket created (a static job's record file).
    os.makedirs(os.path.join(d, "state"), mode=0o700)
    with open(os.path.join(d, "state", f"{job}.containers"), "w") as f:
        json.dump(["ab" * 32, "cd" * 32], f)
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), daemon.path, str(POLICIES / "ci.toml"), os.path.join(d, "audit.jsonl"), d,
              ("--listeners", listeners, "--jobs-dir", os.path.join(d, "jobs"), "--state-dir", os.path.join(d, "state"))).start(wait=False)
    try:
        wait_for(lambda: can_connect(job_sock), 10, what="the job socket")
        r = http(job_sock, "POST", f"{API}/containers/x/exec", json.dumps({"Cmd": ["ls"]}).encode(),
                 {"Content-Type": "application/json"})
        assert r.status == 409 and b"changed while it was being judged" in r.body, (r.status, r.body)
        assert daemon.asked >= 2
    finally:
        p.stop()
        daemon.close()
