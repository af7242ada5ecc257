"""A container is a job's only if the job's socket created it (found
2026-12-01 by the clients review, reproduced against dockerd 20.10.24): a
container takes its image's labels, so one the runner created, straight on
the daemon, from an image a job built carried `io.sockwarden.job=<job>` and
was the job's: listed on its socket, open to its exec, kill and remove.

Differential: on the daemon straight the runner's container is there; on the
job's socket it is answered as any container that does not exist, while the
job's own container, made from the same image, is listed and execs as before.
Every check of the daemon's state is made straight on the daemon socket."""
import json
import os
import signal
import tempfile
import urllib.parse

import pytest

from swhelpers import API, Proxy, can_connect, http, tar_of, unique, wait_for
from test_jobs import IMG, POLICIES, create, inspect, jobs, post  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


def build(sock: str, tag: str):
    ctx = tar_of({"Dockerfile": f"FROM {IMG}\nRUN true\n".encode()})
    r = http(sock, "POST", f"{API}/build?t={urllib.parse.quote(tag)}&networkmode=none", ctx,
             {"Content-Type": "application/x-tar"}, timeout=120)
    assert r.status == 200 and b"Successfully built" in r.body, r.body[-400:]


def run(sock: str, name: str, image: str) -> str:
    r = post(sock, f"{API}/containers/create?name={name}",
             {"Image": image, "Cmd": ["sleep", "300"], "Env": ["RUNNER_SECRET=s3cret"], "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 201, r.body
    assert http(sock, "POST", f"{API}/containers/{name}/start", b"").status == 204
    return json.loads(r.body)["Id"]


def listed(sock: str) -> list[str]:
    return [n for c in json.loads(http(sock, "GET", f"{API}/containers/json?all=1").body) for n in c["Names"]]


def exec_runs(sock: str, name: str) -> int:
    r = post(sock, f"{API}/containers/{name}/exec", {"Cmd": ["true"]})
    return r.status


@pytest.fixture
def built_image(jobs, dockerd_sock):
    """Job J's socket and an image J built; the image removed afterwards."""
    job = unique("jo")
    sock = jobs.open(job)
    tag = f"swtest/{job}:dev"
    build(sock, tag)
    yield job, sock, tag
    for name in ("runner-" + job, job + "-own"):
        http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")
    http(dockerd_sock, "DELETE", f"{API}/images/{urllib.parse.quote(tag, safe='')}?force=1")


def test_a_container_the_runner_makes_from_a_jobs_image_is_not_the_jobs(jobs, built_image, dockerd_sock):
    job, sock, tag = built_image
    runner, own = "runner-" + job, job + "-own"
    runner_id = run(dockerd_sock, runner, tag)
    # It carries the job's label, as the daemon copies the image's labels.
    assert inspect(dockerd_sock, runner)["Config"]["Labels"]["io.sockwarden.job"] == job
    run(sock, own, tag)
    assert listed(sock) == [f"/{own}"]
    for target in (runner, runner_id, runner_id[:12]):
        r = http(sock, "GET", f"{API}/containers/{target}/json")
        assert r.status == 404 and json.loads(r.body)["message"] == f"No such container: {target}", (target, r.status, r.body)
    assert exec_runs(sock, runner) == 404
    assert http(sock, "POST", f"{API}/containers/{runner}/kill", b"").status == 404
    assert http(sock, "DELETE", f"{API}/containers/{runner}?force=1").status == 404
    df = json.loads(http(sock, "GET", f"{API}/system/df").body)
    assert [c["Names"] for c in df["Containers"]] == [[f"/{own}"]], df["Containers"]
    # The job's own container, from the same image, is the job's as before.
    assert exec_runs(sock, own) == 201
    # A prune on the job's socket leaves the runner's stopped container alone.
    assert http(dockerd_sock, "POST", f"{API}/containers/{runner}/kill", b"").status == 204
    assert http(sock, "POST", f"{API}/containers/prune", b"").status == 200
    assert inspect(dockerd_sock, runner) is not None
    # The close still reaps what the job made.
    jobs.job("close", "--id", job)
    assert inspect(dockerd_sock, own) is None


def test_the_jobs_containers_stay_its_own_across_a_restart(jobs, built_image, dockerd_sock):
    job, sock, tag = built_image
    runner, own = "runner-" + job, job + "-own"
    run(sock, own, tag)
    jobs.proxy.stop(signal.SIGKILL)
    run(dockerd_sock, runner, tag)
    jobs.proxy.start()
    wait_for(lambda: can_connect(jobs.admin), 20, what="the admin socket after the restart")
    wait_for(lambda: can_connect(sock), 10, what="the restored job socket")
    assert listed(sock) == [f"/{own}"]
    # `docker ps -l`: the runner's container is the newest with the job's label, the job's own is its last.
    last = json.loads(http(sock, "GET", f"{API}/containers/json?limit=1").body)
    assert [c["Names"] for c in last] == [[f"/{own}"]], last
    assert exec_runs(sock, own) == 201
    assert exec_runs(sock, runner) == 404
    # The runner's running container keeps the job's image from the close's reap (the daemon's 409): the runner ends it first.
    assert http(dockerd_sock, "POST", f"{API}/containers/{runner}/kill", b"").status == 204
    jobs.job("close", "--id", job)
    assert inspect(dockerd_sock, own) is None
    assert inspect(dockerd_sock, runner) is not None


def test_a_static_jobs_containers_stay_its_own_across_a_restart(proxy_bin, dockerd_sock, image, short_tmp):
    """A `--listeners` job has no state file: its containers are kept beside
    (`<state-dir>/<id>.containers`), so a runner's long-lived containers on a
    per-runner socket (GitLab's cache containers) are still its own after a
    restart of sockwarden."""
    d = tempfile.mkdtemp(dir=short_tmp)
    static_sock = os.path.join(d, "team.sock")
    listeners = os.path.join(d, "listeners.toml")
    team = unique("team")
    with open(listeners, "w") as f:
        f.write(f'[[job]]\nid = "{team}"\npolicy = "{os.path.join(POLICIES, "ci.toml")}"\nsocket = "{static_sock}"\n')
    extra = ("--listeners", listeners, "--jobs-dir", os.path.join(d, "jobs"), "--state-dir", os.path.join(d, "state"))
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, os.path.join(POLICIES, "ci.toml"),
              os.path.join(d, "audit.jsonl"), d, extra).start()
    name = unique("cache")
    try:
        wait_for(lambda: can_connect(static_sock), 10, what="the static job socket")
        assert create(static_sock, name).status == 201
        p.stop(signal.SIGKILL)
        p.start()
        wait_for(lambda: can_connect(static_sock), 10, what="the static job socket after the restart")
        assert http(static_sock, "GET", f"{API}/containers/{name}/json").status == 200
        assert listed(static_sock) == [f"/{name}"]
    finally:
        p.stop()
        http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")


def test_a_warn_mode_create_on_a_job_socket_keeps_its_warning(jobs, dockerd_sock, short_tmp):
    """The create's answer is now read by the job socket (to record the ID):
    warn mode's header and `Warnings` entry are still added to it."""
    d = tempfile.mkdtemp(dir=short_tmp)
    text = open(os.path.join(POLICIES, "ci.toml")).read()
    assert 'mode = "enforce"' in text
    policy = os.path.join(d, "warn-ci.toml")
    with open(policy, "w") as f:
        f.write(text.replace('mode = "enforce"', 'mode = "warn"', 1))
    os.chmod(policy, 0o644)
    sock = jobs.open(unique("jw"), "--policy", policy)
    name = unique("jw-c")
    r = create(sock, name, CapAdd=["NET_ADMIN"])
    assert r.status == 201, r.body
    warnings = json.loads(r.body)["Warnings"] or []
    assert any("would be denied by policy warn-ci.toml" in w and "CAP_NET_ADMIN" in w for w in warnings), warnings
    assert "would be denied" in (r.header("X-Sockwarden-Warning") or ""), r.headers
    assert http(sock, "GET", f"{API}/containers/{name}/json").status == 200


def test_the_ids_of_containers_gone_are_forgotten_once_there_are_many(jobs, dockerd_sock):
    """Every create records an ID; at 256 and more a create first lists the
    job's containers and forgets the IDs of those gone, so a long-lived job's
    state does not keep every container it ever ran."""
    job = unique("jm")
    sock = jobs.open(job)
    state = os.path.join(jobs.dir, "state", f"{job}.json")
    ids = []
    for n in range(256):
        r = post(sock, f"{API}/containers/create", {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
        assert r.status == 201, r.body
        ids.append(json.loads(r.body)["Id"])
    with open(state) as f:
        assert len(json.load(f)["container_ids"]) == 256
    for gone in ids[:250]:
        assert http(dockerd_sock, "DELETE", f"{API}/containers/{gone}").status == 204
    r = post(sock, f"{API}/containers/create", {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 201, r.body
    with open(state) as f:
        kept = json.load(f)["container_ids"]
    assert sorted(kept) == sorted(ids[250:] + [json.loads(r.body)["Id"]]), len(kept)
    assert len(listed(sock)) == 7
    jobs.job("close", "--id", job)
