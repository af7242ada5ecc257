"""Builds on job sockets whose base image the daemon would pull while the
build runs. The classic builder gives a stage's step containers its base
image's labels, so a registry image labelled `io.sockwarden.job=<job A>`,
pulled by job B's build (`FROM` an image not on the daemon, or any image
with `pull=1`), made B's RUN containers job A's while they ran: listed by
A, open to A's exec (A read what B's step wrote), counted against A's
quota. A job socket now builds only on images already on the daemon: pulled
through it first, the image is judged (one labelled for a job without that
job's seal is no job's to build on). Reproduced with the loopback registry
stand-in; each check is made on the daemon's state."""
import json
import threading
import time

import pytest

from registry_standin import Registry, _sha
from swhelpers import API, http, tar_of, unique
from test_jobs import Jobs, jobs, post  # noqa: F401 - fixtures used by name
from test_job_pull_local_names import build, image_id, job_policy, pull

pytestmark = pytest.mark.proxy_only


def relabel(reg: Registry, owner: str) -> None:
    """From now on the stand-in serves an image whose config labels it for `owner`."""
    config = json.loads(reg.config)
    config["config"]["Labels"]["io.sockwarden.job"] = owner
    reg.config = json.dumps(config, sort_keys=True).encode()
    manifest = json.loads(reg.manifest)
    manifest["config"].update(digest=_sha(reg.config), size=len(reg.config))
    reg.manifest = json.dumps(manifest, sort_keys=True).encode()
    reg.digest, reg.image_id = _sha(reg.manifest), _sha(reg.config)
    reg.blobs[_sha(reg.config)] = reg.config


@pytest.fixture
def victim_and_builder(jobs):
    a, b = unique("ja"), unique("jb")
    reg = Registry(unique("labelled")).start()
    sa = jobs.open(a)
    sb = jobs.open(b, "--policy", job_policy(jobs, reg))
    yield a, sa, b, sb, reg
    reg.stop()


def step_containers_of(sock: str, seconds: float) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listed = json.loads(http(sock, "GET", f"{API}/containers/json?all=1").body)
        if listed:
            return listed
        time.sleep(0.3)
    return []


@pytest.mark.parametrize("pull_first", [False, True], ids=["absent", "pull=1"])
def test_a_build_pulling_a_base_labelled_for_another_job_is_refused(victim_and_builder, dockerd_sock, pull_first):
    a, sa, b, sb, reg = victim_and_builder
    repo = f"{reg.host}/{unique('base')}"
    name = f"{repo}:1"
    dockerfile = f"FROM {name}\nRUN echo B-BUILD-SECRET > /s; sleep 8\n"
    query = f"t={b}-out:1"
    if pull_first:
        # The runner pulled the registry's image under that name (shared); the
        # registry serves another one now, which pull=1 pulls while the build runs.
        assert pull(dockerd_sock, repo, "1").status == 200
        query += "&pull=1"
    first = reg.image_id
    relabel(reg, a)
    answers = {}
    builder = threading.Thread(target=lambda: answers.update(
        r=build(sb, dockerfile, query)))
    builder.start()
    try:
        seen = step_containers_of(sa, 6)
        for c in seen:
            r = post(sa, f"{API}/containers/{c['Id']}/exec", {"Cmd": ["cat", "/s"], "AttachStdout": True})
            if r.status == 201:
                out = post(sa, f"{API}/exec/{json.loads(r.body)['Id']}/start", {"Detach": False})
                assert b"B-BUILD-SECRET" not in out.body
        assert seen == [], [(c["Names"], c["Labels"]) for c in seen]
    finally:
        builder.join(60)
    r = answers["r"]
    assert r.status == 409, (r.status, r.body[-300:])
    assert "pull it through this socket first" in json.loads(r.body)["message"]
    assert image_id(dockerd_sock, name) != reg.image_id
    # Pulled through the job socket, the image is judged: labelled for job A
    # without A's seal, it is no job's, and B cannot build on it.
    assert pull(sb, repo, "1").status == 200
    assert image_id(dockerd_sock, name) == reg.image_id
    try:
        r = build(sb, dockerfile, f"t={b}-out:2")
        assert r.status == 404, (r.status, r.body[-300:])
        assert step_containers_of(sa, 1) == []
    finally:
        for ref in (name, reg.image_id, first):
            http(dockerd_sock, "DELETE", f"{API}/images/{ref}?force=1")


def test_a_build_on_an_image_pulled_through_the_job_socket_works(jobs, dockerd_sock):
    reg = Registry(unique("plain")).start()
    try:
        job = unique("jb")
        sock = jobs.open(job, "--policy", job_policy(jobs, reg))
        name = f"{reg.host}/{unique('base')}"
        r = build(sock, f"FROM {name}:1\nRUN echo ok > /ok\n", f"t={job}-out:1")
        assert r.status == 409, r.body[-300:]
        assert f"docker pull {name}:1" in json.loads(r.body)["message"]
        assert pull(sock, name, "1").status == 200
        r = build(sock, f"FROM {name}:1\nRUN echo ok > /ok\n", f"t={job}-out:1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        r = build(sock, f"FROM {name}:1\nRUN echo ok > /ok\n", f"pull=1&t={job}-out:2")
        assert r.status == 409 and "build without --pull" in json.loads(r.body)["message"], r.body[-300:]
        jobs.job("close", "--id", job)
    finally:
        reg.stop()
        http(dockerd_sock, "DELETE", f"{API}/images/{reg.image_id}?force=1")
