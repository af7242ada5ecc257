"""The images a job's running build names are not changed under it.

A job socket checks a build's `FROM` images when it judges the build and
forwards it with `pull=0` when they are there; the classic builder looks each
up only when it reaches that step, and pulls one that is missing then. A job
that removed its own base image while an earlier stage ran (`RUN sleep`) had
the daemon pull that name itself: unjudged, unrecorded, from any registry,
running triggers nobody read (a red-team helper read another job's image that
way, 2026-12-02, session 21). Now, while the build runs, a delete or tag of a
name it names, or a delete of the image by ID, is refused with 409, a pull of
it waits for the build to end, and the build finishes with the image it was
judged with; once it has ended the same requests pass. `BuildImageHoldsTests` covers a build refused while such a
change is in flight (a timing no client can hold open here)."""
import json
import os
import subprocess
import tempfile
import threading
import urllib.parse

import pytest

from registry_standin import Registry
from swhelpers import API, CLI_PATHS, http, tar_of, unique
from test_job_pull_local_names import image_id, job_policy, pull
from test_jobs import IMG, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only
CTX = {"Content-Type": "application/x-tar"}


def start_build(sock: str, ctx: str, tag: str, short_tmp: str, dockerfile: str) -> tuple[subprocess.Popen, bytes]:
    """The docker CLI's classic build on `sock`, read up to its first stage's `RUN sleep`."""
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write(dockerfile)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env.update(DOCKER_HOST=f"unix://{sock}", DOCKER_BUILDKIT="0", DOCKER_CONFIG=short_tmp)
    proc = subprocess.Popen([CLI_PATHS[0], "build", "--network", "none", "--no-cache", "-t", tag, ctx],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    seen = b""
    while b"RUN sleep" not in seen:
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            raise AssertionError(seen[-500:])
        seen += line
    return proc, seen


def with_trigger(reg: Registry, trigger: str) -> None:
    """From now on the stand-in serves another image under every name: one with an ONBUILD trigger."""
    reg.serve_config(lambda config: config["config"].update({"OnBuild": [trigger]}))


def build(sock: str, tag: str, dockerfile: str):
    return http(sock, "POST", f"{API}/build?t={urllib.parse.quote(tag)}&networkmode=none",
                tar_of({"Dockerfile": dockerfile.encode()}), CTX, timeout=120)


@pytest.mark.skipif(not CLI_PATHS, reason="no docker CLI installed")
def test_a_base_image_a_running_build_names_cannot_be_removed_or_moved(jobs, dockerd_sock, short_tmp):
    job = unique("hold")
    sock = jobs.open(job)
    base, made = f"{job}-base:1", f"{job}-made:1"
    try:
        r = build(sock, base, f"FROM {IMG}\nRUN echo own-{job} > /own\n")
        assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-500:]
        base_id = json.loads(http(dockerd_sock, "GET", f"{API}/images/{base}/json").body)["Id"]

        ctx = tempfile.mkdtemp(dir=short_tmp)
        with open(os.path.join(ctx, "Dockerfile"), "w") as f:
            f.write(f"FROM {IMG} AS first\nRUN sleep 3\nFROM {base}\nRUN cat /own\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        env.update(DOCKER_HOST=f"unix://{sock}", DOCKER_BUILDKIT="0", DOCKER_CONFIG=short_tmp)
        proc = subprocess.Popen([CLI_PATHS[0], "build", "--network", "none", "--no-cache", "-t", made, ctx],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        seen = b""
        try:
            # Inside the first stage's RUN: the daemon has not looked the second FROM up yet.
            while b"RUN sleep 3" not in seen:
                line = proc.stdout.readline()
                assert line, seen[-500:]
                seen += line
            pulled = []
            pull = threading.Thread(target=lambda: pulled.append(
                http(sock, "POST", f"{API}/images/create?fromImage={job}-base&tag=1", timeout=120)))
            pull.start()
            changes = {
                "delete by name": http(sock, "DELETE", f"{API}/images/{base}"),
                "delete by ID": http(sock, "DELETE", f"{API}/images/{base_id}?force=1"),
                "tag over it": http(sock, "POST", f"{API}/images/{IMG}/tag?repo={job}-base&tag=1"),
            }
            # The pull waits for the build (which still sleeps): not answered yet.
            assert pull.is_alive() and not pulled
            out, _ = proc.communicate(timeout=120)
            pull.join(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        seen += out
        for what, answer in changes.items():
            assert answer.status == 409, (what, answer)
            assert "in use by a build of this job that is running" in answer.json()["message"], (what, answer)
        # The build used the image it was judged with, and pulled nothing.
        assert proc.returncode == 0, seen[-1000:]
        assert f"own-{job}".encode() in seen and b"Pulling" not in seen, seen[-1000:]
        # The pull was forwarded once the build had ended (no registry here: the daemon's own error).
        assert pulled and pulled[0].status not in (200, 409), pulled
        assert json.loads(http(dockerd_sock, "GET", f"{API}/images/{base}/json").body)["Id"] == base_id
        records = [rec for rec in jobs.audit() if rec.get("route") == "image.delete" and rec.get("event") == "result"
                   and (base in rec["target"] or base_id in rec["target"])]
        assert len(records) == 2 and all(rec["status"] == 409 and rec["rule"] == "job-scope" for rec in records), records

        # Once the build has ended, the job's image is its own to remove again.
        assert http(sock, "DELETE", f"{API}/images/{made}").status == 200
        assert http(sock, "DELETE", f"{API}/images/{base}").status == 200
    finally:
        for ref in (made, base):
            http(dockerd_sock, "DELETE", f"{API}/images/{ref}?force=1")


@pytest.mark.skipif(not CLI_PATHS, reason="no docker CLI installed")
def test_another_jobs_pull_of_a_name_a_running_build_uses_is_made_by_the_held_digest(jobs, dockerd_sock, short_tmp):
    """Job B pulled a shared registry name again while job A's build used
    it: the daemon moved the name to the registry's new image, and A's build
    ran that image's ONBUILD triggers, judged for no build (they read a
    third job's image; found 2026-12-02, session 21, by a red-team helper).
    Now B's pull is made by the digest of the image A's build holds: it is
    answered at once, moves nothing, and A's build runs on what it was
    judged with; once A's build has ended B's pull gets the new image."""
    reg = Registry(unique("swap")).start()
    job_a, job_b = unique("ha"), unique("hb")
    name = f"{reg.host}/{unique('base')}"
    made = f"{job_a}-made:1"
    ids = []
    try:
        policy = job_policy(jobs, reg)
        a, b = jobs.open(job_a, "--policy", policy), jobs.open(job_b, "--policy", policy)
        r = pull(b, name, "1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        held = image_id(dockerd_sock, f"{name}:1")
        ids.append(held)
        proc, seen = start_build(a, tempfile.mkdtemp(dir=short_tmp), made, short_tmp,
                                 f"FROM {IMG} AS first\nRUN sleep 3\nFROM {name}:1\nRUN true\n")
        try:
            with_trigger(reg, "RUN echo SWAPPED-IN-TRIGGER")
            # As the CLI sends it, and with the tag in `fromImage` and an empty `tag` (which the daemon
            # reads as "every tag": a rewrite that kept it moved the name all the same).
            for query in (f"fromImage={name}&tag=1", f"fromImage={name}:1&tag=", f"fromImage={name}:1&tag"):
                again = http(b, "POST", f"{API}/images/create?{query}", b"", timeout=120)
                assert again.status == 200 and b"errorDetail" not in again.body, (query, again.body[-300:])
                # Answered while A's build still runs, and the name did not move.
                assert proc.poll() is None, query
                assert image_id(dockerd_sock, f"{name}:1") == held, query
            assert not [p for p in reg.requests if p.endswith("/tags/list")], reg.requests
            out, _ = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        seen += out
        assert proc.returncode == 0, seen[-1000:]
        assert b"SWAPPED-IN-TRIGGER" not in seen and b"Executing" not in seen, seen[-1000:]
        # Nothing holds the name now: B's pull gets the registry's new image.
        r = pull(b, name, "1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert image_id(dockerd_sock, f"{name}:1") == reg.image_id
        ids.append(reg.image_id)
    finally:
        reg.stop()
        for ref in (made, f"{name}:1", *ids):
            http(dockerd_sock, "DELETE", f"{API}/images/{ref}?force=1")
