"""Builds on job sockets, after a review that reproduced these against dockerd
20.10: a build's `networkmode` put its RUN steps on another job's network (or
in another job's container's network namespace), and a build on a job with
quotas ran its RUN steps without limits, in containers that carry no owner
label and so counted for nothing.

Every check is made on the daemon's state, straight from the daemon socket
(its network events, the RUN container while it runs). Networks are
internal and no step sends anything."""
import json
import os
import tempfile
import threading
import time
import urllib.parse

import pytest

from swhelpers import API, http, tar_of, unique, wait_for
from test_job_networks import container, network, on_daemon, write_policy
from test_jobs import IMG, POLICIES, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only
MB = 1 << 20


def build(sock: str, tag: str, query: str = "networkmode=none", dockerfile: str = f"FROM {IMG}\nRUN true\n"):
    ctx = tar_of({"Dockerfile": dockerfile.encode()})
    # nocache: every build runs its RUN step (a cached step joins no network).
    return http(sock, "POST", f"{API}/build?t={urllib.parse.quote(tag)}&nocache=1&{query}", ctx,
                {"Content-Type": "application/x-tar"}, timeout=120)


def message(r) -> str:
    return json.loads(r.body)["message"]


def built(r) -> bool:
    return r.status == 200 and b"Successfully built" in r.body


@pytest.fixture
def tags(dockerd_sock):
    """Tags the test builds; removed from the daemon afterwards."""
    made: list[str] = []
    yield lambda job: made.append(f"{job}-b{len(made)}:1") or made[-1]
    for tag in made:
        http(dockerd_sock, "DELETE", f"{API}/images/{tag}?force=1")


def connects(daemon: str, since: int) -> list[tuple[str, str]]:
    """(network ID, container ID) of every network connect since `since`."""
    filters = urllib.parse.quote(json.dumps({"type": ["network"], "event": ["connect"]}))
    r = http(daemon, "GET", f"{API}/events?since={since}&until={int(time.time()) + 1}&filters={filters}", timeout=30)
    return [(e["Actor"]["ID"], e["Actor"]["Attributes"].get("container", "")) for e in map(json.loads, r.body.splitlines()) if e]


def test_a_builds_network_mode_must_be_the_jobs_own_network(jobs, dockerd_sock, tags):
    ja = unique("ba")
    a, b = jobs.open(ja), jobs.open(unique("bb"))
    neta, netb = unique("neta"), unique("netb")
    assert network(a, neta).status == 201 and network(b, netb).status == 201
    neta_id, netb_id = (on_daemon(dockerd_sock, "networks", n)["Id"] for n in (neta, netb))
    since = int(time.time()) - 1
    refused = {ref: build(a, tags(ja), f"networkmode={urllib.parse.quote(ref)}") for ref in (netb, netb_id, netb_id[:12])}
    assert netb_id not in [n for n, _ in connects(dockerd_sock, since)]
    for ref, r in refused.items():
        assert r.status == 404 and message(r) == f"network {ref} not found", (ref, r.status, r.body[-300:])
    # The job's own network, by name or ID prefix, and the predefined modes build (no quotas: no limits needed).
    for ref in (neta, neta_id[:12], "none", "default", ""):
        r = build(a, tags(ja), f"networkmode={ref}")
        assert built(r), (ref, r.status, r.body[-300:])
    own = [n for n, _ in connects(dockerd_sock, since)]
    assert own.count(neta_id) == 2 and netb_id not in own, own


def join_policy(short_tmp: str) -> str:
    text = open(os.path.join(POLICIES, "ci.toml"), encoding="utf-8").read()
    assert "join-namespaces = false" in text
    fd, path = tempfile.mkstemp(suffix=".toml", dir=short_tmp)
    with os.fdopen(fd, "w") as f:
        f.write(text.replace("join-namespaces = false", "join-namespaces = true"))
    return path


def test_a_builds_network_mode_may_join_only_the_jobs_own_containers(jobs, dockerd_sock, short_tmp, tags):
    policy = join_policy(short_tmp)
    ja = unique("ba")
    a, b = jobs.open(ja, "--policy", policy), jobs.open(unique("bb"), "--policy", policy)
    mine, theirs = unique("a-c"), unique("b-c")
    for sock, name in ((a, mine), (b, theirs)):
        assert container(sock, name).status == 201
        assert http(sock, "POST", f"{API}/containers/{name}/start", b"").status == 204
    theirs_id = on_daemon(dockerd_sock, "containers", theirs)["Id"]
    for ref in (theirs, theirs_id[:12]):
        r = build(a, tags(ja), f"networkmode=container:{ref}")
        assert r.status == 404 and message(r) == f"No such container: {ref}", (ref, r.status, r.body[-300:])
    r = build(a, tags(ja), f"networkmode=container:{mine}")
    assert built(r), r.body[-300:]


def quota_job(jobs, short_tmp: str, quotas: str) -> tuple[str, str]:
    job = unique("bq")
    return job, jobs.open(job, "--policy", write_policy(short_tmp, "\n[jobs]\n" + quotas))


def test_a_build_on_a_job_with_quotas_must_set_its_limits(jobs, dockerd_sock, short_tmp, tags):
    job, sock = quota_job(jobs, short_tmp, 'max-memory = "64m"\nmax-cpus = 1\n')
    half = "cpuquota=50000&cpuperiod=100000"
    cases = [
        ("networkmode=none", 403, b"set --memory on every build"),
        (f"memory={8 * MB}", 403, b"set --cpu-quota and --cpu-period"),
        (f"memory={8 * MB}&cpuquota=50000", 403, b"--cpu-period"),
        (f"memory=8m&{half}", 403, b"--memory"),
        (f"memory={128 * MB}&{half}", 403, b"max-memory"),
        (f"memory={8 * MB}&cpuquota=200000&cpuperiod=100000", 403, b"max-cpus"),
        (f"memory={8 * MB}&{half}&memswap=-1", 200, b"Successfully built"),
        (f"memory={8 * MB}&{half}", 200, b"Successfully built"),
    ]
    for query, status, text in cases:
        r = build(sock, tags(job), query)
        assert r.status == status and text in r.body, (query, r.status, r.body[-300:])


def run_container(daemon: str, command: str) -> dict | None:
    """The build's RUN container while it runs (it carries no owner label)."""
    for c in json.loads(http(daemon, "GET", f"{API}/containers/json").body):
        if command in c["Command"] and "io.sockwarden.job" not in (c["Labels"] or {}):
            return on_daemon(daemon, "containers", c["Id"])
    return None


def test_a_build_counts_as_a_container_with_its_limits_while_it_runs(jobs, dockerd_sock, short_tmp, tags):
    job, sock = quota_job(jobs, short_tmp, 'max-memory = "64m"\n')
    first = unique("q1")
    assert container(sock, first, Memory=40 * MB).status == 201
    r = build(sock, tags(job), f"memory={32 * MB}")
    assert r.status == 403 and b"max-memory" in r.body, (r.status, r.body[-300:])
    step = f"sleep 3 # {unique('step')}"
    result = {}
    t = threading.Thread(target=lambda: result.update(r=build(sock, tags(job), f"memory={16 * MB}",
                                                               f"FROM {IMG}\nRUN {step}\n")))
    t.start()
    try:
        running = wait_for(lambda: run_container(dockerd_sock, step), 30, what="the build's RUN container")
        assert running["HostConfig"]["Memory"] == 16 * MB, running["HostConfig"]
        # 40m + the build's 16m + 16m > 64m while the build runs.
        r = container(sock, unique("q2"), Memory=16 * MB)
        assert r.status == 403 and b"max-memory" in r.body, (r.status, r.body)
    finally:
        t.join(60)
    assert built(result["r"]), result["r"].body[-300:]
    assert container(sock, unique("q3"), Memory=16 * MB).status == 201


def test_a_build_counts_against_max_containers(jobs, dockerd_sock, short_tmp, tags):
    job, sock = quota_job(jobs, short_tmp, "max-containers = 1\n")
    first = unique("q1")
    assert container(sock, first).status == 201
    r = build(sock, tags(job))
    assert r.status == 403 and b"max-containers" in r.body, (r.status, r.body[-300:])
    assert http(sock, "DELETE", f"{API}/containers/{first}").status == 204
    # No memory or CPU quota: no limits needed.
    r = build(sock, tags(job))
    assert built(r), r.body[-300:]


@pytest.mark.parametrize("query", ["rm=0&forcerm=0", "rm=1", ""], ids=["rm-0", "rm-1", "default"])
def test_a_failed_build_leaves_no_step_container_behind(jobs, dockerd_sock, query):  # noqa: F811
    # Step containers carry no owner label: left behind, no job could see,
    # count or remove them.
    sock = jobs.open(unique("bf"))
    ctx = tar_of({"Dockerfile": f"FROM {IMG}\nRUN echo step > /f\nRUN false\n".encode()})
    before = {c["Id"] for c in json.loads(http(dockerd_sock, "GET", f"{API}/containers/json?all=1").body)}
    r = http(sock, "POST", f"{API}/build?networkmode=none&{query}", ctx, {"Content-Type": "application/x-tar"}, timeout=120)
    assert r.status == 200 and b"returned a non-zero code" in r.body, r.body[-500:]
    after = {c["Id"] for c in json.loads(http(dockerd_sock, "GET", f"{API}/containers/json?all=1").body)}
    left = after - before
    for cid in left:
        http(dockerd_sock, "DELETE", f"{API}/containers/{cid}?force=1")
    assert not left


def test_a_dockerfile_cannot_build_on_or_copy_from_another_jobs_image(jobs, dockerd_sock):  # noqa: F811
    """A review built `FROM` another job's image by name and by a six-digit
    ID prefix, and read its build arguments; the Dockerfile is now read
    before the build is forwarded and every image it names must be in the
    job's view (its own, shared, or absent: the daemon pulls it)."""
    a, b = unique("da"), unique("db")
    socks = {a: jobs.open(a), b: jobs.open(b)}
    secret = f"{a}-secret:1"
    try:
        r = build(socks[a], secret, dockerfile=f"FROM {IMG}\nRUN echo hunter2 > /token\n")
        assert built(r), r.body[-400:]
        full = json.loads(http(dockerd_sock, "GET", f"{API}/images/{secret}/json").body)["Id"]
        short = full.split(":")[1][:6]
        for dockerfile, status in [
            (f"FROM {secret}\nRUN cat /token\n", 404),
            (f"FROM {short}\nRUN cat /token\n", 403),
            (f"FROM {IMG} AS base\nCOPY --from={secret} /token /token\n", 404),
            (f"ARG BASE={secret}\nFROM $BASE\n", 404),
        ]:
            r = build(socks[b], f"{b}-steal:1", dockerfile=dockerfile)
            assert r.status == status, (dockerfile, r.status, r.body[-300:])
            assert "line" in message(r), message(r)
            assert http(dockerd_sock, "GET", f"{API}/images/{b}-steal:1/json").status == 404, dockerfile
        # A base image's trigger (stored by B's commit body, after a trigger
        # ending in an escape) copying from A's image: run at FROM, refused.
        assert http(socks[b], "POST", f"{API}/containers/create?name={b}-trig",
                    json.dumps({"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}).encode(),
                    {"Content-Type": "application/json"}).status == 201
        trigger = json.dumps({"OnBuild": ["RUN true \\", f"COPY --from={secret} /token /stolen"]}).encode()
        r = http(socks[b], "POST", f"{API}/commit?container={b}-trig&repo={b}-trig&tag=1", trigger,
                 {"Content-Type": "application/json"})
        assert r.status == 404 and secret.split(":")[0] in message(r), (r.status, r.body)
        # The same image made on the daemon's own socket (a shared image to
        # every job): its trigger is refused when it runs.
        assert http(dockerd_sock, "POST", f"{API}/containers/create?name={b}-shared",
                    json.dumps({"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}).encode(),
                    {"Content-Type": "application/json"}).status == 201
        r = http(dockerd_sock, "POST", f"{API}/commit?container={b}-shared&repo={b}-trig&tag=1", trigger,
                 {"Content-Type": "application/json"})
        http(dockerd_sock, "DELETE", f"{API}/containers/{b}-shared?force=1")
        assert r.status == 201, r.body
        r = build(socks[b], f"{b}-steal:1", dockerfile=f"FROM {b}-trig:1\n")
        assert r.status == 404 and secret.split(":")[0] in message(r), (r.status, r.body[-300:])
        assert http(dockerd_sock, "GET", f"{API}/images/{b}-steal:1/json").status == 404
        # The shared base and the job's own image stay usable.
        assert built(build(socks[b], f"{b}-own:1", dockerfile=f"FROM {IMG}\nRUN true\n"))
        assert built(build(socks[b], f"{b}-own:2", dockerfile=f"FROM {b}-own:1\nRUN true\n"))
        assert built(build(socks[a], f"{a}-child:1", dockerfile=f"FROM {secret}\nRUN cat /token\n"))
    finally:
        for name in (secret, f"{a}-child:1", f"{b}-own:1", f"{b}-own:2", f"{b}-steal:1", f"{b}-trig:1"):
            http(dockerd_sock, "DELETE", f"{API}/images/{name}?force=1")
