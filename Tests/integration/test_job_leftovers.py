"""What a job's work leaves on the daemon that no job owns (found by a
red-team helper on 2026-12-02, session 20, against dockerd 20.10.24):

- a multi-stage build's earlier stages: the job socket recorded only the
  build's result, so each earlier stage's image (and the step images below
  it, with what the steps wrote: a `RUN` line's build args) outlived the
  job's close. Now removed when the build ends;
- an anonymous volume a create bound again by name (docker-compose's
  recreate): the daemon counts it as named on the new container and keeps
  it when that container goes, even with `v=1`, and it has no owner label.
  Now the close removes it;
- (session 21) a failed build `FROM` the job's own image: its step images
  are the image's children, with the job's label and seal by inheritance
  but recorded by no one, and the daemon removes no image with children,
  even forced: the close failed (500) and the job's image and name stayed.
  Now the close removes those children first.

Every check is made straight on the daemon."""
import json
import signal
import urllib.parse

import pytest

from swhelpers import API, can_connect, http, tar_of, unique, wait_for
from test_jobs import IMG, create, jobs, post  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


def build(sock: str, dockerfile: str, buildargs: dict | None = None):
    query = "networkmode=none&rm=1" + ("&buildargs=" + urllib.parse.quote(json.dumps(buildargs)) if buildargs else "")
    r = http(sock, "POST", f"{API}/build?{query}", tar_of({"Dockerfile": dockerfile.encode()}),
             {"Content-Type": "application/x-tar"}, timeout=120)
    assert r.status == 200, r.body[-400:]
    messages = [json.loads(line) for line in r.body.decode().splitlines() if line.strip()]
    emitted = [m["aux"]["ID"] for m in messages if isinstance(m.get("aux"), dict) and "ID" in m["aux"]]
    failed = any("error" in m or "errorDetail" in m for m in messages)
    return emitted, failed


def exists(daemon: str, image: str) -> bool:
    return http(daemon, "GET", f"{API}/images/{image}/json").status == 200


def all_images(daemon: str) -> set[str]:
    return {i["Id"] for i in json.loads(http(daemon, "GET", f"{API}/images/json?all=1").body)}


def history(daemon: str, image: str) -> list[dict]:
    return json.loads(http(daemon, "GET", f"{API}/images/{image}/history").body)


def test_an_earlier_stages_image_and_its_steps_are_removed_when_the_build_ends(jobs, dockerd_sock):
    sock = jobs.open(unique("jl"))
    token = unique("token")
    dockerfile = (f"FROM {IMG} AS s1\nARG TOKEN\nRUN echo \"$TOKEN\" > /s\nRUN touch /t\n"
                  f"FROM {IMG}\nCOPY --from=s1 /s /s\n")
    # Straight on the daemon the earlier stage stays, its RUN line naming the token.
    direct, failed = build(dockerd_sock, dockerfile, {"TOKEN": token})
    assert not failed and len(direct) == 2, direct
    assert any(token in h["CreatedBy"] for h in history(dockerd_sock, direct[0]))
    for image in direct:
        http(dockerd_sock, "DELETE", f"{API}/images/{image}")

    before = all_images(dockerd_sock)
    emitted, failed = build(sock, dockerfile, {"TOKEN": token})
    assert not failed and len(emitted) == 2, emitted
    stage, result = emitted
    made = all_images(dockerd_sock) - before
    assert result in made and stage not in made, (emitted, made)
    # Its step images went with it: nothing the build left names the token.
    assert not [i for i in made if any(token in h["CreatedBy"] for h in history(dockerd_sock, i))], made
    assert exists(dockerd_sock, IMG)
    removed = [r for r in jobs.audit() if r.get("route") == "image.delete" and r.get("rule") == "job-scope"]
    assert any(r["target"].endswith(f"/images/{stage}?noprune=1") and r.get("status") == 200 for r in removed), removed


def test_a_stage_another_stage_is_built_from_stays_and_a_failed_builds_stages_go(jobs, dockerd_sock):
    sock = jobs.open(unique("jl"))
    emitted, failed = build(sock, f"FROM {IMG} AS base\nRUN touch /b\nFROM base\nRUN touch /c\n")
    assert not failed and len(emitted) == 2, emitted
    # The result descends from the first stage's image: the daemon keeps it, and the result works.
    assert all(exists(dockerd_sock, i) for i in emitted)
    r = post(sock, f"{API}/containers/create", {"Image": emitted[1], "Cmd": ["ls", "/b", "/c"], "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 201, r.body
    http(dockerd_sock, "DELETE", f"{API}/containers/{json.loads(r.body)['Id']}?force=1")

    emitted, failed = build(sock, f"FROM {IMG} AS s1\nRUN touch /x\nFROM {IMG}\nCOPY --from=s1 /x /x\nRUN false\n")
    assert failed and len(emitted) == 1, emitted
    assert not exists(dockerd_sock, emitted[0]), "a failed build's finished stage is still on the daemon"


@pytest.mark.parametrize("restart", [False, True], ids=["same-serve", "after-a-restart"])
def test_an_anonymous_volume_bound_again_by_name_is_reaped_at_close(jobs, dockerd_sock, restart):
    """Also after a restart of `serve` in between: the volume is in the job's
    state (it was in memory only, and forgotten; session 21)."""
    job = unique("jl")
    sock = jobs.open(job)
    first, second = unique("x"), unique("y")
    r = post(sock, f"{API}/containers/create?name={first}",
             {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none", "Mounts": [{"Type": "volume", "Target": "/data"}]}})
    assert r.status == 201, r.body
    volume = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{first}/json").body)["Mounts"][0]["Name"]
    # docker-compose's recreate: the new container binds the old one's anonymous volume by name.
    assert create(sock, second, Binds=[f"{volume}:/data:rw"]).status == 201
    for name in (first, second):
        assert http(sock, "DELETE", f"{API}/containers/{name}?v=1").status == 204
    # The daemon kept it: named on the second container.
    assert http(dockerd_sock, "GET", f"{API}/volumes/{volume}").status == 200
    if restart:
        jobs.proxy.stop(signal.SIGKILL)
        jobs.proxy.start()
        wait_for(lambda: can_connect(jobs.admin), 20, what="the admin socket after the restart")
    out = jobs.job("close", "--id", job)
    assert f"removed volume {volume}" in out.stdout, out.stdout
    assert http(dockerd_sock, "GET", f"{API}/volumes/{volume}").status == 404


def test_a_failed_build_from_the_jobs_own_image_does_not_keep_it_past_the_close(jobs, dockerd_sock):
    job = unique("jl")
    sock = jobs.open(job)
    base = f"{job}-base:1"
    r = http(sock, "POST", f"{API}/build?networkmode=none&t={base}", tar_of({"Dockerfile": f"FROM {IMG}\nRUN touch /own\n".encode()}),
             {"Content-Type": "application/x-tar"}, timeout=120)
    assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-400:]
    base_id = json.loads(http(dockerd_sock, "GET", f"{API}/images/{base}/json").body)["Id"]
    before = all_images(dockerd_sock)
    _, failed = build(sock, f"FROM {base}\nRUN echo kept > /p\nRUN echo more > /q\nRUN false\n")
    assert failed
    # Its step images (the job's label and seal from its base, no name) went at the build's end.
    assert all_images(dockerd_sock) - before == set()
    removed = [rec for rec in jobs.audit() if rec.get("route") == "image.delete" and "a step image of the failed build" in (rec.get("reason") or "")]
    assert len([rec for rec in removed if rec.get("status") == 200]) == 2, removed
    out = jobs.job("close", "--id", job)
    assert "failed" not in out.stdout, out.stdout
    assert not exists(dockerd_sock, base) and not exists(dockerd_sock, base_id), out.stdout
    assert exists(dockerd_sock, IMG)


def test_a_jobs_image_the_runner_built_on_loses_its_name_at_the_close(jobs, dockerd_sock):
    """The runner's image `FROM` a job's is not the job's and stays; the
    daemon then keeps the job's image (it has a child), but not its name."""
    job = unique("jl")
    sock = jobs.open(job)
    base, runners = f"{job}-base:1", unique("runner") + ":1"
    r = http(sock, "POST", f"{API}/build?networkmode=none&t={base}", tar_of({"Dockerfile": f"FROM {IMG}\nRUN touch /own\n".encode()}),
             {"Content-Type": "application/x-tar"}, timeout=120)
    assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-400:]
    base_id = json.loads(http(dockerd_sock, "GET", f"{API}/images/{base}/json").body)["Id"]
    try:
        r = http(dockerd_sock, "POST", f"{API}/build?networkmode=none&t={runners}",
                 tar_of({"Dockerfile": f"FROM {base}\nRUN touch /runner\n".encode()}), {"Content-Type": "application/x-tar"}, timeout=120)
        assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-400:]
        jobs.job("close", "--id", job, check=False)
        assert exists(dockerd_sock, runners)
        assert exists(dockerd_sock, base_id) and not exists(dockerd_sock, base)
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{runners}?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{base_id}?force=1")
