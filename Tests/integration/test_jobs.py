"""Per-job tenancy (issue 5): two jobs on one `sockwarden serve --admin-socket`,
in front of the private dockerd. Each check is made on the daemon's state,
straight from the daemon socket, never from the proxy's answers alone.

Requests that name another job's object use raw HTTP: the docker CLI answers
a 404 on create by pulling the image, which would leave loopback."""
import grp
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import pytest

from swhelpers import API, Proxy, RawConn, build_request, can_connect, http, tar_of, unique, wait_for

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"
POLICIES = os.path.join(os.path.dirname(__file__), "..", "..", "policies")


class Jobs:
    """A serve with an admin socket, and the `sockwarden job` client."""

    def __init__(self, binary: str, daemon: str, workdir: str, flags: tuple[str, ...] = ()):
        self.binary, self.daemon, self.dir = binary, daemon, workdir
        self.admin = os.path.join(workdir, "admin.sock")
        # Tests write their job policies beside the serve's own directory (in the session's short_tmp).
        places = () if "--job-policies" in flags or "--job-policy" in flags else ("--job-policies", os.path.dirname(workdir.rstrip("/")))
        extra = ("--admin-socket", self.admin, "--jobs-dir", os.path.join(workdir, "jobs"),
                 "--state-dir", os.path.join(workdir, "state"), *places, *flags)
        self.proxy = Proxy(binary, os.path.join(workdir, "sw.sock"), daemon, os.path.join(POLICIES, "ci.toml"),
                           os.path.join(workdir, "audit.jsonl"), workdir, extra)

    def start(self):
        self.proxy.start()
        wait_for(lambda: os.path.exists(self.admin) and can_connect(self.admin), 10, what="admin socket")
        return self

    def job(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        out = subprocess.run([self.binary, "job", *args, "--admin-socket", self.admin],
                             capture_output=True, text=True, timeout=120)
        if check:
            assert out.returncode == 0, (args, out.stdout, out.stderr)
        return out

    def open(self, job_id: str, *extra: str) -> str:
        return self.job("open", "--id", job_id, *extra).stdout.strip().splitlines()[-1]

    def audit(self) -> list[dict]:
        with open(os.path.join(self.dir, "audit.jsonl")) as f:
            # A last line without its newline is still being written: left for the next read.
            return [json.loads(line) for line in f if line.strip() and line.endswith("\n")]


@pytest.fixture
def jobs(proxy_bin, dockerd_sock, image, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    j = Jobs(proxy_bin, dockerd_sock, d).start()
    yield j
    j.proxy.stop()
    # Whatever a failed test left behind, by label, straight on the daemon.
    for kind, path in (("containers", "/containers/json?all=1"), ("networks", "/networks"), ("volumes", "/volumes")):
        body = json.loads(http(dockerd_sock, "GET", f"{API}{path}").body)
        items = (body["Volumes"] or []) if kind == "volumes" else body
        for item in items:
            labels = item.get("Labels") or {}
            if "io.sockwarden.job" in labels:
                ident = item.get("Name") if kind == "volumes" else item["Id"]
                http(dockerd_sock, "DELETE", f"{API}/{kind}/{ident}?force=1&v=1")


def post(sock: str, target: str, body) -> "object":
    return http(sock, "POST", target, json.dumps(body).encode(), {"Content-Type": "application/json"})


def create(sock: str, name: str, **host_config):
    return post(sock, f"{API}/containers/create?name={name}",
                {"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none", **host_config}})


def inspect(daemon: str, name: str) -> dict | None:
    r = http(daemon, "GET", f"{API}/containers/{name}/json")
    return json.loads(r.body) if r.status == 200 else None


@pytest.fixture
def two_jobs(jobs, dockerd_sock):
    """Job A and job B, each with a running container, a volume and a network."""
    a, b = unique("ja"), unique("jb")
    socks = {a: jobs.open(a), b: jobs.open(b)}
    objects = {}
    for job, sock in socks.items():
        vol, net, ctr = f"{job}-vol", f"{job}-net", f"{job}-c"
        assert post(sock, f"{API}/volumes/create", {"Name": vol}).status == 201
        assert post(sock, f"{API}/networks/create", {"Name": net}).status == 201
        assert create(sock, ctr).status == 201
        assert http(sock, "POST", f"{API}/containers/{ctr}/start", b"").status == 204
        objects[job] = {"sock": sock, "volume": vol, "network": net, "container": ctr,
                        "id": inspect(dockerd_sock, ctr)["Id"]}
    yield a, b, objects


def test_each_job_lists_only_its_own(two_jobs, dockerd_sock):
    a, b, objects = two_jobs
    for me, other in ((a, b), (b, a)):
        sock = objects[me]["sock"]
        names = [n for c in json.loads(http(sock, "GET", f"{API}/containers/json?all=1").body) for n in c["Names"]]
        assert names == [f"/{objects[me]['container']}"], names
        volumes = [v["Name"] for v in json.loads(http(sock, "GET", f"{API}/volumes").body)["Volumes"] or []]
        assert volumes == [objects[me]["volume"]], volumes
        networks = [n["Name"] for n in json.loads(http(sock, "GET", f"{API}/networks").body)]
        assert networks == [objects[me]["network"]], networks
        # A filter of the client's own cannot widen the scope.
        widened = http(sock, "GET", f"{API}/containers/json?all=1&filters=%7B%22label%22%3A%7B%22io.sockwarden.job%3D{other}%22%3Atrue%7D%7D")
        assert json.loads(widened.body) == [], widened.body


def ways_to_name(obj: dict) -> list[str]:
    return [obj["container"], obj["id"], obj["id"][:12], obj["id"][:4]]


CONTAINER_ROUTES = [
    ("GET", "/containers/{}/json"), ("GET", "/containers/{}/logs?stdout=1"), ("GET", "/containers/{}/top"),
    ("GET", "/containers/{}/changes"), ("GET", "/containers/{}/stats?stream=0"), ("GET", "/containers/{}/export"),
    ("GET", "/containers/{}/archive?path=/etc"), ("HEAD", "/containers/{}/archive?path=/etc"),
    ("POST", "/containers/{}/kill"), ("POST", "/containers/{}/pause"), ("POST", "/containers/{}/stop?t=0"),
    ("POST", "/containers/{}/restart?t=0"), ("POST", "/containers/{}/rename?name=stolen"),
    ("POST", "/containers/{}/wait"), ("DELETE", "/containers/{}?force=1"),
]


@pytest.mark.parametrize("method,template", CONTAINER_ROUTES, ids=[f"{m} {t}" for m, t in CONTAINER_ROUTES])
def test_another_jobs_container_does_not_exist(two_jobs, dockerd_sock, method, template):
    a, b, objects = two_jobs
    victim = objects[b]
    before = inspect(dockerd_sock, victim["id"])
    for name in ways_to_name(victim):
        for prefix in (API, ""):
            target = prefix + template.format(name)
            r = http(objects[a]["sock"], method, target, b"" if method == "POST" else None)
            assert r.status == 404, (target, r.status, r.body[:200])
            if method != "HEAD":
                missing = f"No such container: {name}"
                if template.endswith("/kill"):
                    missing = f"Cannot kill container: {name}: {missing}"  # dockerd wraps kill's
                assert json.loads(r.body)["message"] == missing, r.body
    after = inspect(dockerd_sock, victim["id"])
    assert after is not None and after["State"]["Running"] and after["Name"] == before["Name"], after and after["State"]


def test_another_jobs_container_cannot_be_exec_attached_or_committed(two_jobs, dockerd_sock):
    a, b, objects = two_jobs
    sock, victim = objects[a]["sock"], objects[b]
    r = post(sock, f"{API}/containers/{victim['container']}/exec", {"Cmd": ["true"]})
    assert r.status == 404, r.body
    r = http(sock, "POST", f"{API}/containers/{victim['container']}/attach?stream=1&stdout=1", b"")
    assert r.status == 404, r.body
    r = http(sock, "POST", f"{API}/commit?container={victim['container']}&repo=stolen", b"")
    assert r.status == 404, r.body
    assert inspect(dockerd_sock, victim["id"])["ExecIDs"] is None
    assert http(dockerd_sock, "GET", f"{API}/images/stolen/json").status == 404
    # An exec of B's, by its ID, is no more A's than the container.
    r = post(victim["sock"], f"{API}/containers/{victim['container']}/exec", {"Cmd": ["true"]})
    exec_id = json.loads(r.body)["Id"]
    assert http(sock, "GET", f"{API}/exec/{exec_id}/json").status == 404
    assert http(sock, "POST", f"{API}/exec/{exec_id}/start", b'{"Detach":true}', {"Content-Type": "application/json"}).status == 404
    assert json.loads(http(dockerd_sock, "GET", f"{API}/exec/{exec_id}/json").body)["Running"] is False


def test_another_jobs_volume_and_network_do_not_exist(two_jobs, dockerd_sock):
    a, b, objects = two_jobs
    sock, victim = objects[a]["sock"], objects[b]
    assert http(sock, "GET", f"{API}/volumes/{victim['volume']}").status == 404
    r = http(sock, "DELETE", f"{API}/volumes/{victim['volume']}?force=1")
    assert r.status == 404 and json.loads(r.body)["message"] == f"get {victim['volume']}: no such volume", r.body
    assert http(dockerd_sock, "GET", f"{API}/volumes/{victim['volume']}").status == 200
    net_id = json.loads(http(dockerd_sock, "GET", f"{API}/networks/{victim['network']}").body)["Id"]
    for name in (victim["network"], net_id, net_id[:12]):
        r = http(sock, "DELETE", f"{API}/networks/{name}")
        assert r.status == 404 and json.loads(r.body)["message"] == f"network {name} not found", r.body
        r = post(sock, f"{API}/networks/{name}/connect", {"Container": objects[a]["container"]})
        assert r.status == 404, r.body
    assert http(dockerd_sock, "GET", f"{API}/networks/{net_id}").status == 200
    # Connecting the other job's container to my network is no better.
    r = post(sock, f"{API}/networks/{objects[a]['network']}/connect", {"Container": victim["container"]})
    assert r.status == 404 and b"No such container" in r.body, r.body


def test_create_bodies_cannot_reach_another_jobs_objects(jobs, two_jobs, dockerd_sock, short_tmp):
    """Job C's policy allows VolumesFrom and joining namespaces, so tenancy,
    not the policy, is what must stop it reaching job B's objects."""
    _, b, objects = two_jobs
    text = open(os.path.join(POLICIES, "ci.toml"), encoding="utf-8").read()
    text = text.replace("volumes-from = false", "volumes-from = true").replace("join-namespaces = false", "join-namespaces = true")
    fd, policy = tempfile.mkstemp(suffix=".toml", dir=short_tmp)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    sock, victim = jobs.open(unique("jc"), "--policy", policy), objects[b]
    attempts = [
        {"VolumesFrom": [victim["container"]]},
        {"VolumesFrom": [victim["id"][:12] + ":ro"]},
        {"PidMode": f"container:{victim['container']}"},
        {"NetworkMode": f"container:{victim['id'][:12]}"},
        {"IpcMode": f"container:{victim['id']}"},
        {"Binds": [f"{victim['volume']}:/stolen"]},
        {"Mounts": [{"Type": "volume", "Source": victim["volume"], "Target": "/stolen"}]},
        {"NetworkMode": victim["network"]},
    ]
    for host_config in attempts:
        name = unique("steal")
        r = create(sock, name, **host_config)
        assert r.status in (404, 409), (host_config, r.status, r.body)
        assert inspect(dockerd_sock, name) is None, host_config
    # The same policy does let a job use its own container's namespace.
    own = unique("own")
    assert create(sock, own).status == 201
    assert create(sock, unique("peer"), PidMode=f"container:{own}").status == 201


def test_the_owner_label_cannot_be_set_by_the_client(jobs, dockerd_sock):
    sock = jobs.open(unique("jl"))
    name = unique("forged")
    r = post(sock, f"{API}/containers/create?name={name}",
             {"Image": IMG, "Cmd": ["true"], "Labels": {"io.sockwarden.job": "someone-else"}, "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 403 and b"io.sockwarden.job" in r.body, r.body
    assert inspect(dockerd_sock, name) is None
    r = post(sock, f"{API}/volumes/create", {"Name": name, "Labels": {"io.sockwarden.job": "x"}})
    assert r.status == 403, r.body
    assert http(dockerd_sock, "GET", f"{API}/volumes/{name}").status == 404


def test_a_new_named_volume_in_a_bind_is_created_for_the_job(jobs, dockerd_sock):
    job = unique("jv")
    sock = jobs.open(job)
    name, volume = unique("c"), unique("fresh")
    assert create(sock, name, Binds=[f"{volume}:/data"]).status == 201
    labels = json.loads(http(dockerd_sock, "GET", f"{API}/volumes/{volume}").body)["Labels"]
    assert labels == {"io.sockwarden.job": job}, labels
    jobs.job("close", "--id", job)
    assert http(dockerd_sock, "GET", f"{API}/volumes/{volume}").status == 404


def test_docker_cli_works_inside_a_job(jobs, dockerd_sock, docker_config):
    job = unique("jcli")
    sock = jobs.open(job)
    env = dict(os.environ, DOCKER_HOST=f"unix://{sock}", DOCKER_CONFIG=docker_config)
    name = unique("cli")

    def docker(*args):
        out = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, env=env)
        assert out.returncode == 0, (args, out.stderr)
        return out.stdout

    assert docker("run", "--rm", "--network", "none", IMG, "echo", "hi").strip() == "hi"
    docker("run", "-d", "--name", name, "--network", "none", "-v", f"{name}-v:/v", IMG, "sleep", "60")
    assert docker("exec", name, "sh", "-c", "echo ok > /v/f && cat /v/f").strip() == "ok"
    assert docker("ps", "-a", "--format", "{{.Names}}").split() == [name]
    docker("volume", "create", f"{name}-v2")
    docker("network", "create", f"{name}-n")
    docker("rm", "-f", name)


def test_closed_jobs_leave_no_descriptors_behind(jobs):
    """Each closed job kept its listening socket and a spare descriptor open
    for as long as serve ran: 30 jobs took it from 16 to 76 descriptors
    (found 2026-12-02, session 23, by a review)."""
    fds = f"/proc/{jobs.proxy.proc.pid}/fd"

    def cycle(n):
        for _ in range(n):
            job = unique("jf")
            jobs.open(job)
            jobs.job("close", "--id", job)

    cycle(3)
    before = len(os.listdir(fds))
    cycle(20)
    time.sleep(0.5)
    after = len(os.listdir(fds))
    assert after <= before + 2, (before, after)


def test_close_reaps_everything_the_job_owns(jobs, dockerd_sock):
    job = unique("jr")
    sock = jobs.open(job)
    ctr = unique("r")
    assert post(sock, f"{API}/volumes/create", {"Name": f"{ctr}-v"}).status == 201
    assert post(sock, f"{API}/networks/create", {"Name": f"{ctr}-n"}).status == 201
    assert create(sock, ctr, Binds=[f"{ctr}-v:/v"]).status == 201
    assert http(sock, "POST", f"{API}/containers/{ctr}/start", b"").status == 204
    out = jobs.job("close", "--id", job)
    assert "removed container" in out.stdout and "removed network" in out.stdout and "removed volume" in out.stdout, out.stdout
    assert inspect(dockerd_sock, ctr) is None
    assert http(dockerd_sock, "GET", f"{API}/volumes/{ctr}-v").status == 404
    assert http(dockerd_sock, "GET", f"{API}/networks/{ctr}-n").status == 404
    assert not os.path.exists(sock)
    def reaped():
        return [r for r in jobs.audit() if r.get("rule") == "job-reap"]
    kinds = {"containers", "networks", "volumes"}
    wait_for(lambda: {r["target"].split("/")[1] for r in reaped()} >= kinds, 10, what=f"job-reap records of {kinds}")


def test_ttl_expiry_reaps(jobs, dockerd_sock):
    job = unique("jt")
    sock = jobs.open(job, "--ttl", "2s")
    ctr = unique("t")
    assert create(sock, ctr).status == 201
    wait_for(lambda: inspect(dockerd_sock, ctr) is None, 15, what="the TTL reaper")
    assert not os.path.exists(sock)
    assert job not in jobs.job("list").stdout


def test_jobs_survive_a_restart_and_expire_while_down(jobs, dockerd_sock):
    keep, short = unique("jk"), unique("js")
    keep_sock = jobs.open(keep)
    short_sock = jobs.open(short, "--ttl", "3s")
    kept, doomed = unique("k"), unique("d")
    assert create(keep_sock, kept).status == 201
    assert create(short_sock, doomed).status == 201
    jobs.proxy.stop(signal.SIGKILL)
    time.sleep(4)
    jobs.proxy.start()
    # The admin socket opens once the persisted jobs are restored (and expired ones reaped).
    wait_for(lambda: can_connect(jobs.admin), 20, what="the admin socket after the restart")
    wait_for(lambda: can_connect(keep_sock), 10, what="the restored job socket")
    # The kept job is back, with its container still its own.
    names = [n for c in json.loads(http(keep_sock, "GET", f"{API}/containers/json?all=1").body) for n in c["Names"]]
    assert names == [f"/{kept}"], names
    # The short job expired while sockwarden was down: reaped on start.
    wait_for(lambda: inspect(dockerd_sock, doomed) is None, 15, what="reaping of the expired job")
    assert not os.path.exists(short_sock)
    jobs.job("close", "--id", keep)
    assert inspect(dockerd_sock, kept) is None


def test_job_open_refuses_bad_ids_and_policies_that_trust_bodies(jobs, short_tmp):
    out = jobs.job("open", "--id", "../x", check=False)
    assert out.returncode == 1 and "job id" in out.stderr, out.stderr
    observe = os.path.join(tempfile.mkdtemp(dir=short_tmp), "observe.toml")
    shutil.copy(os.path.join(POLICIES, "observe.toml"), observe)
    out = jobs.job("open", "--id", unique("jo"), "--policy", observe, check=False)
    assert out.returncode == 1 and "trust-bodies" in out.stderr, out.stderr
    job = unique("jd")
    jobs.open(job)
    out = jobs.job("open", "--id", job, check=False)
    assert out.returncode == 1 and "already open" in out.stderr, out.stderr
    jobs.job("close", "--id", job)


def test_job_open_refuses_a_policy_others_can_change(jobs, short_tmp):
    """`job open --policy FILE` names the file, and whoever may run `job
    open` (a runner given `sudo sockwarden job *`) could write one of its
    own: a job policy that others than root and serve's user can change
    (owned by another user, or in a directory they own) is refused, not
    only warned about (found 2026-12-02: a runner user's own policy with
    `privileged = true` was loaded)."""
    d = tempfile.mkdtemp(dir=short_tmp)
    os.chmod(d, 0o755)
    theirs = os.path.join(d, "theirs.toml")
    with open(os.path.join(POLICIES, "ci.toml")) as src, open(theirs, "w") as dst:
        dst.write(src.read())
    os.chown(theirs, 65534, 65534)
    out = jobs.job("open", "--id", unique("jp"), "--policy", theirs, check=False)
    assert out.returncode == 1 and "owned by uid 65534" in out.stderr and "is not loaded" in out.stderr, out.stderr
    os.chown(theirs, 0, 0)
    os.chown(d, 65534, 65534)
    out = jobs.job("open", "--id", unique("jp"), "--policy", theirs, check=False)
    assert out.returncode == 1 and "owned by uid 65534" in out.stderr, out.stderr
    os.chown(d, 0, 0)
    job = unique("jp")
    jobs.open(job, "--policy", theirs)  # root's, in root's directory: loaded
    jobs.job("close", "--id", job)


def test_job_open_takes_policies_only_from_serves_job_policy_directory(proxy_bin, dockerd_sock, image, short_tmp):
    """Every policy root owns loaded, wherever it was: the runner user of the
    sudo rule opened a job with a fixture policy allowing privileged
    containers and host binds, and the parse errors of root-only files that
    are no policy quoted their lines back (found 2026-12-02, session 23).
    Now a file outside `--job-policies` (by default the default job
    policy's directory) is refused before it is read."""
    d = tempfile.mkdtemp(dir=short_tmp)
    jobs = Jobs(proxy_bin, dockerd_sock, d, ("--job-policy", os.path.join(POLICIES, "ci.toml"))).start()
    permissive = os.path.join(os.path.dirname(POLICIES), "fuzz", "policies", "permissive.toml")
    secret = os.path.join(d, "secret.conf")
    with open(secret, "w") as f:
        f.write("[x]\ntoken = sk-live-SECRETTOKEN\n")
    os.chmod(secret, 0o600)
    try:
        for path in (permissive, secret, os.path.join(POLICIES, "..", "fuzz", "policies", "permissive.toml")):
            out = jobs.job("open", "--id", unique("jq"), "--policy", path, check=False)
            assert out.returncode == 1 and ("where this serve takes job policies from" in out.stderr or "without . or .." in out.stderr), out.stderr
            assert "SECRET" not in out.stderr and "token" not in out.stderr, out.stderr
        job = unique("jq")
        jobs.open(job, "--policy", os.path.join(POLICIES, "read-only.toml"))  # beside the default job policy: taken
        jobs.job("close", "--id", job)
    finally:
        jobs.proxy.stop()
    # Inside the directory, a directory another user owns may hold a symlink to a root-only file:
    # refused before it is read, so its error quotes nothing of the file (found by a review, session 23).
    pol = os.path.join(d, "pol")
    os.makedirs(os.path.join(pol, "sub"))
    shutil.copy(os.path.join(POLICIES, "ci.toml"), os.path.join(pol, "ci.toml"))
    os.symlink(secret, os.path.join(pol, "sub", "leak.toml"))
    os.chown(os.path.join(pol, "sub"), 65534, 65534)
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp),
                ("--job-policy", os.path.join(pol, "ci.toml"), "--job-policies", pol)).start()
    try:
        out = jobs.job("open", "--id", unique("jq"), "--policy", os.path.join(pol, "sub", "leak.toml"), check=False)
        assert out.returncode == 1 and "is not loaded" in out.stderr, out.stderr
        assert "SECRET" not in out.stderr and "token" not in out.stderr, out.stderr
    finally:
        jobs.proxy.stop()


def test_a_create_naming_an_object_many_times_is_looked_up_once(jobs, dockerd_sock):
    """A job's create can name one container a thousand times (links): it
    is looked up once and the create goes through; one that names more
    than 256 distinct objects is refused before any look-up (one create
    with 3000 links made 9000 daemon connections before 2026-12-02)."""
    job = unique("jl")
    sock = jobs.open(job)
    target = f"{job}-t"
    assert create(sock, target).status == 201
    r = create(sock, f"{job}-l", Links=[f"{target}:alias{i}" for i in range(1000)])
    assert r.status == 201, r.body
    links = inspect(dockerd_sock, f"{job}-l")["HostConfig"]["Links"]
    assert len(links) == 1000, links[:3]
    r = create(sock, f"{job}-m", Links=[f"{job}-nope{i}:a" for i in range(300)])
    assert r.status == 400 and b"names more than 256" in r.body, r.body


def test_a_docker_socket_mount_lands_on_the_jobs_own_socket(jobs, dockerd_sock):
    """A job container asking for the daemon's socket (by path, or through
    another job's socket) gets its own job's socket mounted instead."""
    job, other = unique("jn"), unique("jo")
    sock = jobs.open(job)
    other_sock = jobs.open(other)
    for label, source in (("the daemon socket", dockerd_sock), ("another job's socket", other_sock)):
        for style in ("Binds", "Mounts"):
            name = unique("nested")
            if style == "Binds":
                r = create(sock, name, Binds=[f"{source}:/var/run/docker.sock"])
            else:
                r = create(sock, name, Mounts=[{"Type": "bind", "Source": source, "Target": "/var/run/docker.sock"}])
            assert r.status == 201, (label, style, r.body)
            mounts = inspect(dockerd_sock, name)["Mounts"]
            assert [(m["Source"], m["Destination"]) for m in mounts] == [(sock, "/var/run/docker.sock")], (label, style, mounts)
            # The record says what the job asked for (its facts show the socket judged and mounted).
            def record():
                return [r for r in jobs.audit() if r.get("event") == "request" and r.get("route") == "container.create"
                        and f"name={name}" in r.get("target", "")]
            wait_for(record, 10, what="the create's record")
            reason = record()[0]["reason"]
            assert f'the daemon\'s socket "{source}": its own socket {sock} was mounted instead' in reason, reason
    # The daemon socket's directory is still a host path the policy refuses.
    r = create(sock, unique("dir"), Binds=[f"{os.path.dirname(dockerd_sock)}:/d"])
    assert r.status == 403, r.body


def test_job_quotas(jobs, dockerd_sock, short_tmp):
    text = open(os.path.join(POLICIES, "ci.toml"), encoding="utf-8").read()
    text += '\n[jobs]\nmax-containers = 2\nmax-memory = "64m"\nmax-cpus = 1\n'
    fd, policy = tempfile.mkstemp(suffix=".toml", dir=short_tmp)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    sock = jobs.open(unique("jq"), "--policy", policy)
    mb = 1 << 20
    r = create(sock, unique("q"))
    assert r.status == 403 and b"--memory" in r.body, r.body
    first = unique("q")
    assert create(sock, first, Memory=48 * mb, NanoCpus=500_000_000).status == 201
    r = create(sock, unique("q"), Memory=32 * mb, NanoCpus=500_000_000)
    assert r.status == 403 and b"max-memory" in r.body, r.body
    r = create(sock, unique("q"), Memory=16 * mb, NanoCpus=600_000_000)
    assert r.status == 403 and b"max-cpus" in r.body, r.body
    assert create(sock, unique("q"), Memory=16 * mb, NanoCpus=500_000_000).status == 201
    over = unique("q")
    r = create(sock, over, Memory=mb * 8, NanoCpus=100_000_000)
    assert r.status == 403 and b"max-containers" in r.body, r.body
    assert inspect(dockerd_sock, over) is None


def test_static_listeners_and_peer_policies(proxy_bin, dockerd_sock, image, short_tmp):
    """`serve --listeners FILE` without an admin socket: a static job socket
    with its own policy and owner, and a per-uid policy on the main socket
    (the tests run as uid 0, so the [[peer]] entry for uid 0 applies)."""
    d = tempfile.mkdtemp(dir=short_tmp)
    static_sock = os.path.join(d, "team.sock")
    listeners = os.path.join(d, "listeners.toml")
    team = unique("team")
    with open(listeners, "w") as f:
        f.write(f'[[job]]\nid = "{team}"\npolicy = "{os.path.join(POLICIES, "ci.toml")}"\nsocket = "{static_sock}"\nmode = "0600"\n\n'
                f'[[peer]]\nuid = 0\npolicy = "{os.path.join(POLICIES, "read-only.toml")}"\n')
    extra = ("--listeners", listeners, "--jobs-dir", os.path.join(d, "jobs"), "--state-dir", os.path.join(d, "state"))
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, os.path.join(POLICIES, "ci.toml"),
              os.path.join(d, "audit.jsonl"), d, extra).start()
    try:
        wait_for(lambda: can_connect(static_sock), 10, what="the static job socket")
        assert os.stat(static_sock).st_mode & 0o777 == 0o600
        name = unique("static")
        assert create(static_sock, name).status == 201
        labels = inspect(dockerd_sock, name)["Config"]["Labels"]
        assert labels.get("io.sockwarden.job") == team, labels
        # The main socket judges uid 0 with read-only.toml: lists yes, creates no.
        assert http(p.sock, "GET", f"{API}/containers/json").status == 200
        r = create(p.sock, unique("main"))
        assert r.status == 403 and b"read-only.toml" in r.body, r.body
    finally:
        p.stop()
        http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")


PEER_CLIENT = """
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"POST /v1.41/containers/create HTTP/1.1\\r\\nHost: docker\\r\\nContent-Type: application/json\\r\\n"
          b"Content-Length: 2\\r\\nConnection: close\\r\\n\\r\\n{}")
data = b""
while chunk := s.recv(65536):
    data += chunk
print(data.decode(errors="replace"))
"""


@pytest.mark.parametrize("groups,judged_by", [
    (("--regid", "3001", "--clear-groups"), "read-only.toml"),
    (("--regid", "2002", "--groups", "3001"), "read-only.toml"),
    (("--regid", "2002", "--clear-groups"), "ci.toml"),
], ids=["primary group", "supplementary group", "not in the group"])
def test_a_gid_peer_policy_is_for_every_member_of_the_group(proxy_bin, dockerd_sock, image, groups, judged_by):
    """SO_PEERCRED carries the primary gid only: a member of the group who
    made another of its groups primary (sg, newgrp, setpriv) was judged by
    the main policy (found 2026-12-02, session 23). A `[[peer]] gid` entry
    now matches the supplementary groups too (SO_PEERGROUPS)."""
    d = tempfile.mkdtemp(prefix="swg.", dir="/tmp")
    os.chmod(d, 0o755)
    try:
        listeners = os.path.join(d, "listeners.toml")
        with open(listeners, "w") as f:
            f.write(f'[[peer]]\ngid = 3001\npolicy = "{os.path.join(POLICIES, "read-only.toml")}"\n')
        p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, os.path.join(POLICIES, "ci.toml"),
                  os.path.join(d, "audit.jsonl"), d, ("--listeners", listeners, "--socket-mode", "0666")).start()
        try:
            out = subprocess.run(["setpriv", "--reuid", "2002", *groups, "python3", "-c", PEER_CLIENT, p.sock],
                                 capture_output=True, text=True, timeout=30)
            assert out.returncode == 0, out.stderr
            def judged():
                return [r["policy"] for r in p.audit_records() if r.get("event") == "request" and r.get("route") == "container.create"]
            wait_for(judged, 10, what="the create's request record")
            assert judged() == [judged_by], out.stdout
        finally:
            p.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("serve_mode,status", [("enforce", 403), ("audit", None)])
def test_serve_mode_applies_to_peer_and_job_policies(proxy_bin, dockerd_sock, image, short_tmp, serve_mode, status):
    """`serve --mode` overrode the main policy's mode only: a [[peer]] policy
    written with `mode = "audit"` forwarded what `--mode enforce` was meant
    to refuse, and one written to enforce kept refusing under `--mode audit`
    (found 2026-12-02, session 23)."""
    d = tempfile.mkdtemp(dir=short_tmp)
    written = "audit" if serve_mode == "enforce" else "enforce"
    text = open(os.path.join(POLICIES, "read-only.toml"), encoding="utf-8").read()
    assert 'mode = "enforce"' in text
    peer_policy = os.path.join(d, "peer.toml")
    with open(peer_policy, "w") as f:
        f.write(text.replace('mode = "enforce"', f'mode = "{written}"'))
    listeners = os.path.join(d, "listeners.toml")
    with open(listeners, "w") as f:
        f.write(f'[[peer]]\nuid = 0\npolicy = "{peer_policy}"\n')
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, os.path.join(POLICIES, "ci.toml"),
              os.path.join(d, "audit.jsonl"), d, ("--listeners", listeners, "--mode", serve_mode)).start()
    try:
        r = http(p.sock, "POST", f"{API}/containers/create", b'{"HostConfig":{"NetworkMode":"none"}}', {"Content-Type": "application/json"})
        if status is None:
            assert r.status != 403, r  # forwarded: the daemon's own answer (no image named)
        else:
            assert r.status == status and b"peer.toml" in r.body, r
        def judged():
            return [(x["mode"], x["would_deny"]) for x in p.audit_records() if x.get("event") == "request" and x.get("route") == "container.create"]
        wait_for(judged, 10, what="the create's request record")
        assert judged() == [(serve_mode, serve_mode == "audit")]
    finally:
        p.stop()


def test_every_socket_is_up_once_the_main_socket_appears(proxy_bin, dockerd_sock, image, short_tmp):
    """Clients (and the tests) wait for the --listen path only: by then the
    metrics, admin and static job sockets must be up too. Started five times,
    each socket is connected to at once, with no waiting."""
    d = tempfile.mkdtemp(dir=short_tmp)
    listeners = os.path.join(d, "listeners.toml")
    static_sock = os.path.join(d, "team.sock")
    with open(listeners, "w") as f:
        f.write(f'[[job]]\nid = "{unique("team")}"\npolicy = "{os.path.join(POLICIES, "ci.toml")}"\nsocket = "{static_sock}"\n')
    others = {"metrics": os.path.join(d, "m.sock"), "admin": os.path.join(d, "admin.sock"), "static job": static_sock}
    extra = ("--metrics-socket", others["metrics"], "--admin-socket", others["admin"], "--listeners", listeners,
             "--jobs-dir", os.path.join(d, "jobs"), "--state-dir", os.path.join(d, "state"))
    for round in range(5):
        p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, os.path.join(POLICIES, "ci.toml"),
                  os.path.join(d, f"audit{round}.jsonl"), d, extra).start()
        try:
            down = [what for what, path in others.items() if not can_connect(path)]
            assert not down, f"round {round}: the main socket was up before {down}"
        finally:
            assert p.stop() == 0, p.log_tail()
    assert sorted(n for n in os.listdir(d) if n.startswith(".sw-")) == [], "staging names left behind"


def test_a_bad_listeners_file_stops_serve_with_its_position(proxy_bin, dockerd_sock, image, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    listeners = os.path.join(d, "listeners.toml")
    with open(listeners, "w") as f:
        f.write('[[peer]]\nuid = 0\ngid = 0\npolicy = "x.toml"\n')
    out = subprocess.run([proxy_bin, "serve", "--listen", os.path.join(d, "sw.sock"), "--upstream", dockerd_sock,
                          "--policy", os.path.join(POLICIES, "ci.toml"), "--listeners", listeners],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "listeners.toml:1:1" in out.stderr and "exactly one of uid" in out.stderr, out.stderr


@pytest.mark.parametrize("case", [
    ("a jobs dir every user can enter", "jobs", 0o755, "can be entered by every user"),
    ("a jobs dir its group can write", "jobs", 0o770, "writable by its group"),
    ("a state dir every user can write", "state", 0o777, "writable by its group or every user"),
], ids=lambda c: c[0])
def test_serve_refuses_job_directories_others_can_use(proxy_bin, dockerd_sock, image, short_tmp, case):
    """An existing --jobs-dir or --state-dir is used as it is: one others
    can write lets them plant a job's state or replace a socket, and a jobs
    dir every user can enter lets each connect to every job's socket (found
    2026-12-02). serve refuses to start and says how to fix it."""
    _, which, mode, text = case
    d = tempfile.mkdtemp(dir=short_tmp)
    os.makedirs(os.path.join(d, which))
    os.chmod(os.path.join(d, which), mode)
    out = subprocess.run([proxy_bin, "serve", "--listen", os.path.join(d, "sw.sock"), "--upstream", dockerd_sock,
                          "--policy", os.path.join(POLICIES, "ci.toml"), "--admin-socket", os.path.join(d, "admin.sock"),
                          "--jobs-dir", os.path.join(d, "jobs"), "--state-dir", os.path.join(d, "state")],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and text in out.stderr and "chmod" in out.stderr, (out.returncode, out.stderr)


def test_a_job_socket_at_a_fixed_runner_path_survives_a_restart(jobs, dockerd_sock):
    """A runner hook opens each job at the same path the runner mounts."""
    path = os.path.join(jobs.dir, "runner-1.sock")
    job = unique("jp")
    # The runner's user connects: the socket is 0660 and the runner's group's (nogroup stands in),
    # kept across the restart. Without --socket-group it was root's only (found 2026-12-02, session 23).
    assert jobs.open(job, "--socket", path, "--socket-group", "nogroup") == path
    nogroup = grp.getgrnam("nogroup").gr_gid
    assert (os.stat(path).st_mode & 0o777, os.stat(path).st_gid) == (0o660, nogroup)
    name = unique("p")
    assert create(path, name).status == 201
    jobs.proxy.stop(signal.SIGKILL)
    jobs.proxy.start()
    # The admin socket opens once the persisted jobs are restored (and expired ones reaped).
    wait_for(lambda: can_connect(jobs.admin), 20, what="the admin socket after the restart")
    wait_for(lambda: can_connect(path), 10, what="the restored runner socket")
    assert (os.stat(path).st_mode & 0o777, os.stat(path).st_gid) == (0o660, nogroup)
    assert [n for c in json.loads(http(path, "GET", f"{API}/containers/json?all=1").body) for n in c["Names"]] == [f"/{name}"]
    jobs.job("close", "--id", job)
    assert inspect(dockerd_sock, name) is None and not os.path.exists(path)


def linked_directories(parent: str) -> tuple[str, str, str]:
    """Two directories and a symlink `d` leading to the first."""
    base = tempfile.mkdtemp(dir=parent)
    real, other, link = (os.path.join(base, n) for n in ("real", "other", "d"))
    os.mkdir(real)
    os.mkdir(other)
    os.symlink(real, link)
    return real, other, link


def test_job_close_removes_the_socket_where_it_was_made_not_where_its_path_leads_now(jobs):
    """Whoever can write a directory on a job's `--socket` path (the runner
    user, under the documented sudo rule) could point it elsewhere before
    the close, which unlinked the path: root deleted any file of the
    socket's name (found 2026-12-02, session 23). Now the socket's own
    directory entry goes, and nothing else; the same at serve's stop."""
    for how in ("close", "stop"):
        real, victim, link = linked_directories(jobs.dir)
        job = unique("jl")
        assert jobs.open(job, "--socket", os.path.join(link, "important.conf")) == os.path.join(link, "important.conf")
        assert os.listdir(real) == ["important.conf"]
        with open(os.path.join(victim, "important.conf"), "w") as f:
            f.write("keep me")
        os.unlink(link)
        os.symlink(victim, link)
        if how == "close":
            jobs.job("close", "--id", job)
        else:
            jobs.proxy.stop()
            jobs.proxy.start()
            wait_for(lambda: can_connect(jobs.admin), 20, what="the admin socket after the restart")
        with open(os.path.join(victim, "important.conf")) as f:
            assert f.read() == "keep me", how
        assert os.listdir(real) == [], how
    # A restart removes (and replaces) only the stale socket serve made, not a dead one the path leads to now.
    real, other, link = linked_directories(jobs.dir)
    job = unique("jl")
    path = os.path.join(link, "s.sock")
    jobs.open(job, "--socket", path)
    jobs.proxy.stop(signal.SIGKILL)  # its socket stays behind, stale
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(os.path.join(other, "s.sock"))
    dead.close()  # another stale socket of that name, where the path will lead
    os.unlink(link)
    os.symlink(other, link)
    jobs.proxy.start()
    wait_for(lambda: can_connect(jobs.admin), 20, what="the admin socket after the restart")
    assert os.listdir(other) == ["s.sock"] and not can_connect(path), "the other stale socket was replaced"
    jobs.job("close", "--id", job, check=False)
    # Restored twice in a row: the state names the socket of the latest start.
    job = unique("jl")
    path = os.path.join(jobs.dir, "twice.sock")
    jobs.open(job, "--socket", path)
    for _ in range(2):
        jobs.proxy.stop(signal.SIGKILL)
        jobs.proxy.start()
        wait_for(lambda: can_connect(jobs.admin), 20, what="the admin socket after the restart")
        wait_for(lambda: can_connect(path), 10, what="the restored socket")
    jobs.job("close", "--id", job)


def test_a_socket_in_a_setgid_directory_takes_its_group_without_a_chown(jobs):
    """deploy/runners/github-actions/tmpfiles.conf: the runners' socket
    directory is setgid and of the runners' group, so a job socket made
    there (0660) is theirs even where serve may not chown (the shipped
    unit), and the runners' user needs no membership of serve's group, whose
    main socket is not scoped to a job (found 2026-12-02, session 23)."""
    d = tempfile.mkdtemp(dir=jobs.dir)
    nogroup = grp.getgrnam("nogroup").gr_gid
    os.chown(d, 0, nogroup)
    os.chmod(d, 0o2770)
    path = os.path.join(d, "runner-9.sock")
    job = unique("jg")
    assert jobs.open(job, "--socket", path) == path
    assert (os.stat(path).st_mode & 0o7777, os.stat(path).st_gid) == (0o660, nogroup)
    jobs.job("close", "--id", job)


def test_the_github_actions_hooks_open_and_close_a_job(jobs, dockerd_sock):
    """deploy/runners/github-actions/job-*.sh run as the runner would run
    them (its environment variables), without a real runner."""
    hooks = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "runners", "github-actions")
    socket_path = os.path.join(jobs.dir, "runner-7.sock")
    env = dict(os.environ, SOCKWARDEN=jobs.binary, SOCKWARDEN_ADMIN=jobs.admin, SOCKWARDEN_RUNNER_SOCKET=socket_path,
               RUNNER_NAME="runner-7", GITHUB_RUN_ID="123", GITHUB_RUN_ATTEMPT="2", GITHUB_REPOSITORY="org/repo")
    for run in (1, 2):
        started = subprocess.run([os.path.join(hooks, "job-started.sh")], env=env, capture_output=True, text=True, timeout=60)
        assert started.returncode == 0, started.stderr
        name = unique("gha")
        assert create(socket_path, name).status == 201
        labels = inspect(dockerd_sock, name)["Config"]["Labels"]
        assert labels["io.sockwarden.job"] == "gha-123-2-runner-7", labels
        done = subprocess.run([os.path.join(hooks, "job-completed.sh")], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert inspect(dockerd_sock, name) is None, f"run {run}: not reaped"


def test_audit_records_of_a_job_carry_its_id_and_labels(jobs, dockerd_sock):
    job = unique("ja")
    sock = jobs.open(job, "--label", "ci.pipeline=42", "--label", "team=infra")
    assert http(sock, "GET", f"{API}/containers/json").status == 200

    def records():
        return [r for r in jobs.audit() if r.get("route") == "container.list" and (r.get("job") or {}).get("id") == job]
    wait_for(lambda: records(), 10, what="the job's audit record")
    assert records()[0]["job"]["labels"] == {"ci.pipeline": "42", "team": "infra"}, records()[0]
    # The main socket's records carry no job.
    assert http(jobs.proxy.sock, "GET", f"{API}/containers/json").status == 200
    wait_for(lambda: [r for r in jobs.audit() if r.get("route") == "container.list" and "job" not in r], 10, what="a main-socket record")


def test_every_socket_numbers_its_requests_from_one_count(jobs, dockerd_sock):
    """The main socket's and each job socket's requests, and a job's close
    and reaps, get `conn`/`req` numbers unique in the run, so a reader
    (`sockwarden audit`) pairs each request record with its own result:
    before 2026-12-02 each job socket counted from 1 (its first request
    was `req` 1 like the main socket's) and every close and reap record
    was `conn` 0, `req` 0."""
    a, b = unique("ja"), unique("jb")
    socks = [jobs.proxy.sock, jobs.open(a), jobs.open(b)]
    for sock in socks:
        assert http(sock, "GET", f"{API}/containers/json").status == 200
    for job in (a, b):
        assert create(socks[1] if job == a else socks[2], f"{job}-c").status == 201
        jobs.job("close", "--id", job)
    wait_for(lambda: sum(1 for r in jobs.audit() if r.get("event") == "result" and r.get("rule") == "job-close") == 2, 30,
             what="both closes' records")
    records = [r for r in jobs.audit() if r.get("event") in ("request", "result")]
    requests = [r for r in records if r["event"] == "request"]
    reqs = [r["req"] for r in requests]
    assert len(reqs) == len(set(reqs)), sorted(reqs)
    assert all(r["req"] > 0 for r in requests), [r for r in requests if r["req"] == 0]
    conns = {r["conn"] for r in requests if r.get("route") == "container.list"}
    assert len(conns) == 3, conns
    for result in (r for r in records if r["event"] == "result"):
        request = [q for q in requests if q["req"] == result["req"]]
        assert len(request) == 1 and request[0]["target"] == result["target"], (result, request)


def test_an_exec_session_cut_by_job_close_is_recorded_as_cut_by_the_close(jobs, dockerd_sock):
    """`job close` shuts a job's live exec session down; its result record
    says the close cut it, not that the client went away (a red-team
    helper's finding, 2026-12-02)."""
    job = unique("jx")
    sock = jobs.open(job)
    name = f"{job}-c"
    assert create(sock, name).status == 201
    assert http(sock, "POST", f"{API}/containers/{name}/start", b"").status == 204
    made = post(sock, f"{API}/containers/{name}/exec", {"Cmd": ["sleep", "300"], "AttachStdout": True, "AttachStderr": True})
    assert made.status == 201, made.body
    exec_id = json.loads(made.body)["Id"]
    with RawConn(sock, timeout=30) as c:
        c.send(build_request("POST", f"{API}/exec/{exec_id}/start", b'{"Detach":false,"Tty":false}',
                             headers={"Upgrade": "tcp", "Connection": "Upgrade", "Content-Type": "application/json"}))
        assert c.read_head().status == 101
        jobs.job("close", "--id", job)

    def result():
        return [r for r in jobs.audit() if r.get("event") == "result" and r.get("route") == "exec.start"
                and (r.get("job") or {}).get("id") == job]
    wait_for(result, 15, what="the exec session's result")
    assert result()[0]["hijacked"] is True, result()[0]
    assert result()[0]["error"].startswith("cut by `job close`"), result()[0]


def test_one_job_cannot_hold_the_whole_audit_queue(proxy_bin, dockerd_sock, image, short_tmp):
    """Every request holds a place in the audit queue until its exchange
    ends, a quiet stream for as long as it is open. One job's streams
    filled the whole queue before 2026-12-02 (a red-team helper: every
    socket, the runner's too, answered 503). A job now holds at most a
    quarter of it: past that its own requests get a 503 that says why,
    other jobs and the main socket are served."""
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp), flags=("--audit-queue", "40")).start()
    streams = []
    try:
        a, b = unique("qa"), unique("qb")
        sock_a, sock_b = jobs.open(a), jobs.open(b)
        for _ in range(10):  # a quarter of 40: each open event stream holds one place
            c = RawConn(sock_a, timeout=30)
            c.send(build_request("GET", f"{API}/events"))
            assert c.read_head().status == 200
            streams.append(c)
        refused = http(sock_a, "GET", f"{API}/_ping")
        assert refused.status == 503 and b"has 10 requests in flight" in refused.body, refused
        assert http(sock_b, "GET", f"{API}/_ping").status == 200
        assert http(jobs.proxy.sock, "GET", f"{API}/_ping").status == 200
        streams.pop().close()
        wait_for(lambda: http(sock_a, "GET", f"{API}/_ping").status == 200, 10, what="the job served again once a stream ended")
    finally:
        for c in streams:
            c.close()
        jobs.proxy.stop()


def test_one_jobs_slow_bodies_cannot_take_the_request_memory(proxy_bin, dockerd_sock, image, short_tmp):
    """Bodies read to be judged are held in memory, counted against
    --max-request-memory for every socket together. One job's slow large
    creates held all of it before 2026-12-02 (a red-team helper: every
    socket's large creates got a 503). A job now holds at most half: with
    4 MiB, its third 900 KB create still being sent gets a 503 naming the
    job, while another job's and the main socket's are served."""
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp), flags=("--max-request-memory", str(4 << 20))).start()
    holders = []
    try:
        a, b = unique("ma"), unique("mb")
        sock_a, sock_b = jobs.open(a), jobs.open(b)

        def padded(name: str) -> tuple[bytes, bytes]:
            base = {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}, "Labels": {"pad": ""}}
            base["Labels"]["pad"] = "x" * (900_000 - len(json.dumps(base).encode()))
            body = json.dumps(base).encode()
            raw = build_request("POST", f"{API}/containers/create?name={name}", body, headers={"Content-Type": "application/json"})
            return raw[:-len(body)], body

        for i in range(2):
            head, body = padded(f"{a}-{i}")
            c = RawConn(sock_a, timeout=20)
            c.send(head + body[:800_000])
            holders.append(c)
            time.sleep(0.5)  # read (and held) before the next one
        head, body = padded(f"{a}-2")
        with RawConn(sock_a, timeout=20) as c:
            try:
                c.send(head + body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the whole body was read
            r = c.read_response("POST")
        assert r.status == 503 and f"job {a}'s requests".encode() in r.body, r
        for sock, name in ((sock_b, f"{b}-c"), (jobs.proxy.sock, unique("mmain"))):
            head, body = padded(name)
            with RawConn(sock, timeout=20) as c:
                c.send(head + body)
                assert c.read_response("POST").status == 201, name
            http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")
    finally:
        for c in holders:
            c.close()
        jobs.proxy.stop()


def test_open_connections_count_every_socket(proxy_bin, dockerd_sock, image, short_tmp):
    """sockwarden_open_connections counts the job sockets' connections too
    (it read 0 with 4096 open on one job's socket before 2026-12-02)."""
    d = tempfile.mkdtemp(dir=short_tmp)
    metrics = os.path.join(d, "m.sock")
    jobs = Jobs(proxy_bin, dockerd_sock, d, flags=("--metrics-socket", metrics)).start()
    held = []

    def open_connections() -> int:
        text = http(metrics, "GET", "/metrics").body.decode()
        return int(next(line for line in text.splitlines() if line.startswith("sockwarden_open_connections ")).split()[1])
    try:
        sock = jobs.open(unique("oc"))
        for _ in range(3):
            c = RawConn(sock, timeout=10)
            c.send(build_request("GET", f"{API}/_ping"))
            assert c.read_head().status == 200
            held.append(c)
        wait_for(lambda: open_connections() == 3, 10, what="the job socket's three connections counted")
        for c in held:
            c.close()
        held = []
        wait_for(lambda: open_connections() == 0, 10, what="none open once they closed")
    finally:
        for c in held:
            c.close()
        jobs.proxy.stop()


def held_connection(sock: str, held: list) -> socket.socket:
    """A connection to `sock`, kept in `held` (closed by the test's end)."""
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(30)
    c.connect(sock)
    held.append(c)
    return c


@pytest.fixture
def small_spool(short_tmp):
    """A 64 MiB tmpfs for build contexts."""
    d = tempfile.mkdtemp(dir=short_tmp)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", d], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {r.stderr!r}")
    yield d
    subprocess.run(["umount", "-l", d], capture_output=True)


def test_one_jobs_idle_uploads_cannot_take_the_spool(proxy_bin, dockerd_sock, image, short_tmp, small_spool, cleanup):
    """Build contexts are spooled whole before they are judged, and an
    upload that stops sending holds what it spooled. One job's idle
    uploads filled the spool's file system before 2026-12-02 (a red-team
    helper: every build, the runner's too, got "No space left on device",
    and on the root file system the host and the audit log with it). Now a
    job's uploads hold at most half of the room and the file system keeps
    5% free: the job's third 12 MiB upload (of 64 MiB) is refused with a
    503 that says why, while another job and the main socket still build."""
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp), flags=("--spool-dir", small_spool)).start()
    held = []
    try:
        a, b = unique("sa"), unique("sb")
        sock_a, sock_b = jobs.open(a), jobs.open(b)
        chunk = b"\0" * (1 << 20)
        answers = []
        for _ in range(3):
            c = held_connection(sock_a, held)
            try:
                c.sendall(f"POST {API}/build?t={a}-x HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\n"
                          f"Content-Length: {100 << 20}\r\n\r\n".encode())
                for _ in range(12):
                    c.sendall(chunk)
            except OSError:
                pass  # refused part-way: the answer is waiting
            c.setblocking(False)
            try:
                answers.append(c.recv(65536))
            except BlockingIOError:
                answers.append(b"")  # still uploading: no answer
            c.setblocking(True)
        assert answers[0] == answers[1] == b"", answers
        assert answers[2].startswith(b"HTTP/1.1 503 ") and b"more than its share" in answers[2], answers[2]
        for sock, who in ((sock_b, b), (jobs.proxy.sock, "main")):
            tag = cleanup.image(f"swtest/spool-{who}:{unique('t')}")
            r = http(sock, "POST", f"{API}/build?t={tag}&networkmode=none",
                     tar_of({"Dockerfile": f"FROM {IMG}\nRUN true\n".encode()}), {"Content-Type": "application/x-tar"},
                     timeout=120)
            assert r.status == 200 and b"Successfully built" in r.body, (who, r.status, r.body[-400:])
    finally:
        for c in held:
            c.close()
        jobs.proxy.stop()


def test_a_spooled_context_waiting_to_be_sent_still_counts(proxy_bin, dockerd_sock, image, short_tmp, small_spool):
    """A build pipelined behind an open event stream is read whole and
    spooled, then waits: the daemon reads nothing more on that connection
    while the stream is open. Its room was given back once it was read
    before 2026-12-02 (a reviewer filled 57 of 64 MiB with one job that
    way); it counts until the spool file is closed."""
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp), flags=("--spool-dir", small_spool)).start()
    held = []
    try:
        sock_a = jobs.open(unique("sp"))
        body = tar_of({"Dockerfile": f"FROM {IMG}\n".encode(), "pad": b"\0" * (12 << 20)})
        answers = []
        for _ in range(3):
            c = held_connection(sock_a, held)
            try:
                c.sendall(build_request("GET", f"{API}/events"))
                c.sendall(f"POST {API}/build?networkmode=none HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            except OSError:
                pass
            time.sleep(1)  # read and spooled
            c.setblocking(False)
            data = b""
            try:
                while chunk := c.recv(65536):
                    data += chunk
            except BlockingIOError:
                pass
            c.setblocking(True)
            answers.append(data)
        # The events stream's head came on each; the builds' answers wait behind the streams (in order),
        # so their records say: the third, past the job's half, was refused.
        assert all(a.startswith(b"HTTP/1.1 200 ") for a in answers), [a[:80] for a in answers]

        def builds():
            return [r for r in jobs.audit() if r.get("event") == "request" and r.get("route") == "build.image"]
        wait_for(lambda: len(builds()) == 3, 15, what="the three builds' records")
        decisions = [(r["decision"], r["rule"]) for r in builds()]
        assert all(d == "allow" for d, _ in decisions[:2]), decisions
        assert decisions[2] == ("deny", "build-context") and "more than its share" in builds()[2]["reason"], builds()[2]
    finally:
        for c in held:
            c.close()
        jobs.proxy.stop()


def test_system_df_shows_only_the_jobs_containers_and_volumes(two_jobs, dockerd_sock):
    a, b, objects = two_jobs
    df = json.loads(http(objects[a]["sock"], "GET", f"{API}/system/df").body)
    assert [c["Names"] for c in df["Containers"]] == [[f"/{objects[a]['container']}"]], df["Containers"]
    assert [v["Name"] for v in df["Volumes"]] == [objects[a]["volume"]], df["Volumes"]
    # The daemon itself reports both jobs' objects.
    full = json.loads(http(dockerd_sock, "GET", f"{API}/system/df").body)
    names = {n for c in full["Containers"] for n in c["Names"]}
    assert {f"/{objects[a]['container']}", f"/{objects[b]['container']}"} <= names


def test_the_main_socket_cannot_plant_objects_in_a_jobs_scope(jobs, dockerd_sock):
    """With job sockets in use, a client of the main socket cannot create
    anything carrying a job's owner label."""
    job = unique("jm")
    sock = jobs.open(job)
    name = unique("planted")
    r = post(jobs.proxy.sock, f"{API}/containers/create?name={name}",
             {"Image": IMG, "Cmd": ["true"], "Labels": {"io.sockwarden.job": job}, "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 403 and b"reserved" in r.body, r.body
    assert inspect(dockerd_sock, name) is None
    assert json.loads(http(sock, "GET", f"{API}/containers/json?all=1").body) == []
    # Without the label, the main socket works as before.
    assert create(jobs.proxy.sock, name).status == 201
    http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")


@pytest.mark.parametrize("trigger,failure", [
    ("sighup", "SIGHUP: JOB POLICY RELOAD FAILED"),
    ("file-change", "job policy file changed: JOB POLICY RELOAD FAILED"),
])
def test_a_jobs_policy_file_is_reloaded(jobs, dockerd_sock, short_tmp, trigger, failure):
    """On SIGHUP, and by polling the file without a signal; a broken policy
    leaves the last good one in force, loudly, naming what triggered it."""
    original = open(os.path.join(POLICIES, "ci.toml"), encoding="utf-8").read()
    fd, policy = tempfile.mkstemp(suffix=".toml", dir=short_tmp)
    with os.fdopen(fd, "w") as f:
        f.write(original)
    sock = jobs.open(unique("jh"), "--policy", policy)
    assert http(sock, "GET", f"{API}/containers/json").status == 200

    def write(text: str):
        with open(policy, "w") as f:
            f.write(text)
        if trigger == "sighup":
            jobs.proxy.proc.send_signal(signal.SIGHUP)

    deny_lists = '[[rules]]\nid = "no-lists"\naction = "deny"\nroutes = ["container.list"]\n\n'
    write(original.replace("[[rules]]", deny_lists + "[[rules]]", 1))
    wait_for(lambda: http(sock, "GET", f"{API}/containers/json").status == 403, 10, what="the job's reloaded policy")
    write("[[rules]\n")
    wait_for(lambda: failure in jobs.proxy.log_tail(20000), 10, what="the reload failure on stderr")
    assert http(sock, "GET", f"{API}/containers/json").status == 403
    assert http(sock, "GET", "/_ping").status == 200


def test_a_job_closes_when_its_watched_process_exits(jobs, dockerd_sock):
    runner = subprocess.Popen(["sleep", "300"])
    try:
        job = unique("jw")
        sock = jobs.open(job, "--watch-pid", str(runner.pid))
        ctr = unique("w")
        assert create(sock, ctr).status == 201
        time.sleep(1.5)
        assert inspect(dockerd_sock, ctr) is not None  # alive while the process is
        runner.kill()
        runner.wait()
        wait_for(lambda: inspect(dockerd_sock, ctr) is None, 15, what="reaping after the watched process exited")
        assert not os.path.exists(sock)
        # The record is written by the audit writer a moment after the socket goes.
        wait_for(lambda: any(r.get("rule") == "job-close" and "process" in r.get("reason", "") for r in jobs.audit()),
                 10, what="the job-close record")
    finally:
        runner.kill()
    out = jobs.job("open", "--id", unique("jw"), "--watch-pid", "999999999", check=False)
    assert out.returncode != 0 and "not a running process" in out.stderr, out.stderr


def test_a_job_closes_when_its_watched_container_is_removed(jobs, dockerd_sock):
    ci = unique("ci-job")
    assert post(dockerd_sock, f"{API}/containers/create?name={ci}", {"Image": IMG, "Cmd": ["true"]}).status == 201
    job = unique("jc")
    sock = jobs.open(job, "--watch-container", ci)
    ctr = unique("c")
    assert create(sock, ctr).status == 201
    assert http(dockerd_sock, "DELETE", f"{API}/containers/{ci}").status == 204
    wait_for(lambda: inspect(dockerd_sock, ctr) is None, 20, what="reaping after the watched container was removed")
    assert not os.path.exists(sock)
    out = jobs.job("open", "--id", unique("jc"), "--watch-container", "no-such-ci-container", check=False)
    assert out.returncode != 0 and "no such container" in out.stderr, out.stderr


def test_a_job_whose_process_died_while_serve_was_down_is_reaped_on_start(jobs, dockerd_sock):
    runner = subprocess.Popen(["sleep", "300"])
    job = unique("jd")
    sock = jobs.open(job, "--watch-pid", str(runner.pid))
    ctr = unique("d")
    assert create(sock, ctr).status == 201
    jobs.proxy.stop(signal.SIGKILL)
    runner.kill()
    runner.wait()
    jobs.proxy.start()
    wait_for(lambda: can_connect(jobs.admin), 20, what="the admin socket after the restart")
    assert inspect(dockerd_sock, ctr) is None  # reaped before the admin socket opened
    assert not os.path.exists(sock)
    assert "is gone: reaped" in jobs.proxy.log_tail(20000)


def test_concurrent_creates_cannot_overshoot_a_quota(jobs, dockerd_sock, short_tmp):
    import concurrent.futures
    text = open(os.path.join(POLICIES, "ci.toml"), encoding="utf-8").read() + "\n[jobs]\nmax-containers = 3\n"
    fd, policy = tempfile.mkstemp(suffix=".toml", dir=short_tmp)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    job = unique("jcq")
    sock = jobs.open(job, "--policy", policy)
    names = [unique("cq") for _ in range(12)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda n: create(sock, n).status, names))
    assert sorted(set(statuses)) == [201, 403] and statuses.count(201) == 3, statuses
    owned = json.loads(http(dockerd_sock, "GET", f"{API}/containers/json?all=1&filters="
                            + urllib.parse.quote(json.dumps({"label": [f"io.sockwarden.job={job}"]}))).body)
    assert len(owned) == 3, owned
    # Reservations end with their exchanges: after a removal there is room again.
    created = [n for n, s in zip(names, statuses) if s == 201]
    assert http(sock, "DELETE", f"{API}/containers/{created[0]}").status == 204
    assert create(sock, unique("cq")).status == 201
    assert create(sock, unique("cq")).status == 403


def test_the_gitlab_runner_scripts_clear_only_the_runners_scope(two_jobs, dockerd_sock, docker_config):
    """deploy/runners/gitlab-runner/config.toml's pre/post build scripts, run
    with the docker CLI through one runner's socket, as the job container
    would run them."""
    import tomllib
    path = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "runners", "gitlab-runner", "config.toml")
    with open(path, "rb") as f:
        runner = tomllib.load(f)["runners"][0]
    assert runner["limit"] == 1
    a, b, objects = two_jobs
    mine, other = objects[a], objects[b]
    env = dict(os.environ, DOCKER_HOST=f"unix://{mine['sock']}", DOCKER_CONFIG=docker_config)
    for script in ("pre_build_script", "post_build_script"):
        out = subprocess.run(["sh", "-ec", runner[script]], capture_output=True, text=True, timeout=120, env=env)
        assert out.returncode == 0, (script, out.stderr)
    assert inspect(dockerd_sock, mine["container"]) is None
    assert http(dockerd_sock, "GET", f"{API}/volumes/{mine['volume']}").status == 404
    assert http(dockerd_sock, "GET", f"{API}/networks/{mine['network']}").status == 404
    # The other runner's objects and the shared image are untouched.
    assert inspect(dockerd_sock, other["container"])["State"]["Running"]
    assert http(dockerd_sock, "GET", f"{API}/volumes/{other['volume']}").status == 200
    assert http(dockerd_sock, "GET", f"{API}/networks/{other['network']}").status == 200
    assert http(dockerd_sock, "GET", f"{API}/images/{IMG}/json").status == 200


def test_an_admin_client_that_stops_sending_is_answered_and_closed(jobs):
    """The admin socket gives a request 10 s in all: a client that sends
    half a head and goes quiet gets a 400 saying so (it held a thread
    forever before); `job list` works meanwhile."""
    import socket
    import time
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(jobs.admin)
    try:
        s.sendall(b"GET /jobs HTTP/1.1\r\nHo")
        assert jobs.job("list").returncode == 0
        s.settimeout(20)
        t0 = time.monotonic()
        data = b""
        while True:
            more = s.recv(4096)
            if not more:
                break
            data += more
        assert time.monotonic() - t0 < 15
    finally:
        s.close()
    assert data.startswith(b"HTTP/1.1 400 ") and b"within 10 s" in data, data


@pytest.mark.parametrize("route,changes,body", [
    ("import", ["LABEL io.sockwarden.job={job}"], None),
    ("import", ["ENV X=sockwarden", "LABEL io.${X}.job={job}"], None),
    ("import", ['LABEL "io.sockwarden.jo"b={job}'], None),
    ("commit", ["ENV X=sockwarden", "label io.${X}.job={job}"], None),
    ("commit", ["LABEL 'io.sockwarden.jo'b={job}"], None),
    ("commit", [], {"Labels": {"io.sockwarden.job": "{job}"}}),
], ids=["import-plain", "import-variable", "import-quoted", "commit-variable", "commit-quoted", "commit-body"])
def test_the_main_socket_cannot_plant_images_in_a_jobs_scope(jobs, dockerd_sock, route, changes, body):
    job = unique("jp")
    sock = jobs.open(job)
    repo = unique("planted")
    query = "".join("&changes=" + urllib.parse.quote(c.replace("{job}", job)) for c in changes)
    if route == "import":
        r = http(jobs.proxy.sock, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag=1{query}",
                 tar_of({"f": b"x"}), {"Content-Type": "application/x-tar"})
    else:
        name = unique("pc")
        assert create(jobs.proxy.sock, name).status == 201
        payload = json.dumps({k: {kk: vv.replace("{job}", job) for kk, vv in v.items()} for k, v in (body or {}).items()}).encode()
        r = http(jobs.proxy.sock, "POST", f"{API}/commit?container={name}&repo={repo}&tag=1{query}", payload,
                 {"Content-Type": "application/json"})
        http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")
    try:
        assert r.status == 403 and b"reserved" in r.body, r.body[:500]
        assert http(dockerd_sock, "GET", f"{API}/images/{repo}:1/json").status == 404
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{repo}:1?force=1")


def test_the_main_socket_imports_with_plain_label_changes(jobs, dockerd_sock):
    jobs.open(unique("jp"))
    repo = unique("plain")
    r = http(jobs.proxy.sock, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag=1&changes=" + urllib.parse.quote("LABEL a=b"),
             tar_of({"f": b"x"}), {"Content-Type": "application/x-tar"})
    try:
        assert r.status == 200 and b"error" not in r.body, r.body[:500]
        assert json.loads(http(dockerd_sock, "GET", f"{API}/images/{repo}:1/json").body)["Config"]["Labels"] == {"a": "b"}
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{repo}:1?force=1")


def job_containers(daemon: str, job: str) -> list[str]:
    """The names of the job's containers, straight from the daemon."""
    query = urllib.parse.quote(json.dumps({"label": [f"io.sockwarden.job={job}"]}))
    return [n for c in json.loads(http(daemon, "GET", f"{API}/containers/json?all=1&filters={query}").body) for n in c["Names"]]


def answer_after_close(conn: RawConn, data: bytes) -> int | None:
    """Sends on a connection that was open across `job close`: the status of
    the answer, or None when the proxy had closed the connection."""
    try:
        conn.send(data)
        return conn.read_response("POST").status
    except (OSError, EOFError):
        return None


def test_a_request_body_held_across_close_creates_nothing(jobs, dockerd_sock):
    """A create whose body is still arriving when the job is closed is not
    forwarded afterwards: the job's scope ends with `job close`."""
    job = unique("jx")
    sock = jobs.open(job)
    name = unique("late")
    body = json.dumps({"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none"}}).encode()
    with RawConn(sock, timeout=10) as conn:
        request = build_request("POST", f"{API}/containers/create?name={name}", body)
        conn.send(request[:-5])
        time.sleep(0.5)  # the proxy waits for the rest of the body
        jobs.job("close", "--id", job)
        assert not os.path.exists(sock)
        status = answer_after_close(conn, request[-5:])
        assert status is None or not 200 <= status < 300, status
        time.sleep(1)
        assert inspect(dockerd_sock, name) is None
        assert job_containers(dockerd_sock, job) == []


def test_a_connection_busy_at_close_cannot_create_later(jobs, dockerd_sock):
    """The reviewer's case: a ping whose body is held while the job is closed,
    then a create on the same keep-alive connection a while later."""
    job = unique("jd")
    sock = jobs.open(job)
    name = unique("late")
    with RawConn(sock, timeout=10) as conn:
        conn.send(f"GET {API}/_ping HTTP/1.1\r\nHost: docker\r\nContent-Length: 3\r\n\r\n".encode())
        time.sleep(0.5)
        jobs.job("close", "--id", job)
        answer_after_close(conn, b"abc")
        time.sleep(2)
        status = answer_after_close(conn, build_request("POST", f"{API}/containers/create?name={name}", json.dumps(
            {"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none"}}).encode()))
        assert status is None or not 200 <= status < 300, status
        time.sleep(1)
        assert inspect(dockerd_sock, name) is None
        assert job_containers(dockerd_sock, job) == []


def test_a_request_judged_after_close_is_refused_with_410(jobs, dockerd_sock):
    """A request at the daemon when the job is closed gets its answer; one
    judged after that on the same connection is refused, recorded, and the
    connection closed; the reap waits for the first."""
    job = unique("jg")
    sock = jobs.open(job)
    ctr, name = unique("s"), unique("late")
    assert create(sock, ctr).status == 201
    assert http(sock, "POST", f"{API}/containers/{ctr}/start", b"").status == 204
    with RawConn(sock, timeout=15) as conn:
        # stats without one-shot: the daemon takes two samples (about 1 s) before it answers.
        conn.send(build_request("GET", f"{API}/containers/{ctr}/stats?stream=false"))
        time.sleep(0.2)
        closing = subprocess.Popen([jobs.binary, "job", "close", "--id", job, "--admin-socket", jobs.admin],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: not os.path.exists(sock), 5, what="the job's socket to go")
        conn.send(build_request("POST", f"{API}/containers/create?name={name}", json.dumps(
            {"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none"}}).encode()))
        assert conn.read_response().status == 200
        refused = conn.read_response("POST")
        assert refused.status == 410 and refused.json() == {"message": f"sockwarden: job {job} is closed"}, refused
        assert conn.closed_by_peer()
        assert closing.wait(30) == 0
    assert inspect(dockerd_sock, name) is None and inspect(dockerd_sock, ctr) is None
    assert job_containers(dockerd_sock, job) == []
    wait_for(lambda: any(r.get("rule") == "job-closed" and r.get("status") == 410 for r in jobs.audit()), 10,
             what="the audit record of the refusal")


def test_close_ends_the_jobs_streams_at_once(jobs, dockerd_sock):
    """A stream (logs -f) open on the job's socket is cut by `job close`,
    without waiting out the grace given to requests at the daemon."""
    job = unique("jf")
    sock = jobs.open(job)
    ctr = unique("f")
    assert create(sock, ctr).status == 201
    assert http(sock, "POST", f"{API}/containers/{ctr}/start", b"").status == 204
    with RawConn(sock, timeout=10) as conn:
        conn.send(build_request("GET", f"{API}/containers/{ctr}/logs?follow=1&stdout=1&stderr=1"))
        assert conn.read_head().status == 200
        started = time.monotonic()
        jobs.job("close", "--id", job)
        assert time.monotonic() - started < 4
        conn.settimeout(5)
        try:
            conn.read_to_eof()
            ended = True
        except socket.timeout:
            ended = False
        assert ended, "the job's log stream is still open after job close"
    assert inspect(dockerd_sock, ctr) is None


def import_labelled(daemon: str, job: str, repo: str):
    """What an import still running at the daemon when its job was closed
    ends in: an image with the job's owner label (made straight on the
    daemon, as dockerd finishes an import whose body it has)."""
    changes = urllib.parse.quote(f"LABEL io.sockwarden.job={job}")
    r = http(daemon, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag=1&changes={changes}", tar_of({"f": b"x"}),
             {"Content-Type": "application/x-tar"})
    assert r.status == 200 and b"error" not in r.body, r.body
    assert json.loads(http(daemon, "GET", f"{API}/images/{repo}:1/json").body)["Config"]["Labels"]["io.sockwarden.job"] == job


def test_an_image_with_a_closed_jobs_label_is_not_reaped_late(proxy_bin, dockerd_sock, image, short_tmp):
    """The closed job's reaps run again at each offset of --reap-after-close
    (1, 2 and 4 s here). They used to remove every image with the job's
    label, such as what an import cut by the close ends in; but an image the
    runner made from a job's image carries the label too, so images are
    reaped by the IDs the job's socket recorded only, late reaps included
    (docs/tenancy.md, "Images: label, seal and the recorded ID"): an image
    made straight on the daemon with the label stays (a network with it is
    reaped, which shows the late reap ran). A late reap of the old
    job never touches what the job opened again under the same id makes.
    (Fails on the old binary: its late reap removed the image.)"""
    d = tempfile.mkdtemp(dir=short_tmp)
    jobs = Jobs(proxy_bin, dockerd_sock, d, ("--reap-after-close", "1,2,4")).start()
    job, repo = unique("jl"), unique("late-import")
    try:
        jobs.open(job)
        closed = time.monotonic()
        jobs.job("close", "--id", job)
        import_labelled(dockerd_sock, job, repo)
        # A network with the label, as a request cut by the close could leave: networks are still reaped by label.
        net = unique("late-net")
        r = post(dockerd_sock, f"{API}/networks/create", {"Name": net, "Labels": {"io.sockwarden.job": job}})
        assert r.status == 201, r.body
        wait_for(lambda: http(dockerd_sock, "GET", f"{API}/networks/{net}").status == 404, 8,
                 what="the late reap of the network with the closed job's label")
        wait_for(lambda: any(r.get("rule") == "job-late-reap" and r["target"] == f"/jobs/{job}" for r in jobs.audit()), 5,
                 what="the job-late-reap record")
        # The same reap left the image.
        assert http(dockerd_sock, "GET", f"{API}/images/{repo}:1/json").status == 200, "the late reap removed an image by its label"
        # Opened again before the schedule ends: what the new job makes stays.
        sock = jobs.open(job)
        ctr = unique("kept")
        assert create(sock, ctr).status == 201
        time.sleep(max(0.0, closed + 6 - time.monotonic()))
        assert inspect(dockerd_sock, ctr) is not None, "a late reap of the old job removed the new job's container"
        jobs.job("close", "--id", job)
        assert inspect(dockerd_sock, ctr) is None
        assert http(dockerd_sock, "GET", f"{API}/images/{repo}:1/json").status == 200, "an image with the job's label was reaped"
    finally:
        jobs.proxy.stop()
        http(dockerd_sock, "DELETE", f"{API}/images/{repo}:1?force=1")


def test_an_upgrade_request_to_a_filtered_route_does_not_stall_its_connection(proxy_bin, dockerd_sock, image, short_tmp):
    """A job socket filters the answers of `images/json` and `system/df`. A
    request to them that asks for an upgrade (`Connection: Upgrade`) is a
    hijack candidate: the request thread waits for the response thread's
    verdict before reading on. The filtered relay once gave none, so the
    connection stopped reading the client for good (the pipelined ping never
    answered; the connection and its two threads were held until restart, so
    a job could fill the proxy's connection cap for every client). The daemon
    answers both; so must the proxy, and keep serving after many such ones."""
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp), ("--max-connections", "30")).start()
    try:
        sock = jobs.open(unique("ju"))
        upgrade = {"Connection": "Upgrade", "Upgrade": "tcp"}
        for path in (dockerd_sock, sock):
            for target in (f"{API}/images/json", f"{API}/system/df"):
                with RawConn(path, timeout=10) as c:
                    c.send(build_request("GET", target, None, upgrade) + build_request("GET", "/_ping"))
                    first, second = c.read_response(), c.read_response()
                assert first.status == 200 and first.header("Upgrade") is None, (path, target, first)
                assert (second.status, second.body) == (200, b"OK"), (path, target, second)
        # Closed after the answer, more times than the cap: none may stay behind.
        for _ in range(40):
            with RawConn(sock, timeout=10) as c:
                c.send(build_request("GET", f"{API}/images/json", None, upgrade))
                assert c.read_response().status == 200
        wait_for(lambda: http(sock, "GET", "/_ping", timeout=5).status == 200, 10, what="a new connection served")
    finally:
        jobs.proxy.stop()


def test_a_connection_refused_on_a_job_socket_is_recorded_as_the_jobs(proxy_bin, dockerd_sock, short_tmp):
    """Past a job socket's --max-connections a connection gets a 503 and a
    record. That record had no `job` (and the main policy's mode and an
    empty digest), so a reviewer following a job lost its refusals."""
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp), ("--max-connections", "1")).start()
    try:
        job_id = unique("jr")
        sock = jobs.open(job_id)

        def admitted():
            c = RawConn(sock, timeout=10)
            if c.request("GET", "/_ping").status == 200:
                return c
            c.close()
            return None
        held = wait_for(admitted, 10, what="a connection admitted on the job socket")
        with held:
            with RawConn(sock, timeout=10) as extra:
                assert extra.read_head().status == 503
        refused = wait_for(lambda: [r for r in jobs.audit() if r.get("event") == "result"
                                    and r.get("rule") == "connection-limit"], 10, what="the refusal's record")
        assert refused[-1].get("job", {}).get("id") == job_id, refused[-1]
        assert refused[-1]["policy_digest"].startswith("sha256:"), refused[-1]
    finally:
        jobs.proxy.stop()
