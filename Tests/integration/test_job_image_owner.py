"""An image is a job's only if the job's socket made it (found 2026-12-01,
session 15, reproduced against dockerd 20.10.24): an image takes its
parent's labels, so one the runner builds FROM a job's image, or commits
from a container of one, straight on the daemon, carried the job's owner
label and its seal and was the job's: inspectable on its socket (the
runner's ENV), listed, removable and taggable by the job, and removed by
`job close` (the runner's work deleted).

Differential: on the daemon straight the runner's images are there, with the
job's label and seal; on the job's socket they are answered as any image
that does not exist, and the close leaves them, while the images the job's
socket made (a build with or without a name, a commit, an import) are its
own and reaped. Every check of the daemon's state is made straight on the
daemon socket."""
import json
import signal
import urllib.parse

import pytest

from swhelpers import API, can_connect, http, tar_of, unique, wait_for
from test_jobs import IMG, create, jobs, post  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only

SEAL = "io.sockwarden.seal"
OWNER = "io.sockwarden.job"


def q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def build(sock: str, dockerfile: str, tag: str | None = None) -> str:
    """The build's image ID (q=1: the stream is the ID)."""
    ctx = tar_of({"Dockerfile": dockerfile.encode()})
    t = f"&t={q(tag)}" if tag else ""
    r = http(sock, "POST", f"{API}/build?q=1&networkmode=none{t}", ctx, {"Content-Type": "application/x-tar"}, timeout=120)
    assert r.status == 200, r.body[-400:]
    lines = [json.loads(line) for line in r.body.splitlines() if line.strip()]
    assert not any("error" in m for m in lines), lines
    ids = [m["stream"].strip() for m in lines if m.get("stream", "").strip().startswith("sha256:")]
    assert ids, lines
    return ids[-1]


def image(daemon: str, ref: str) -> dict | None:
    r = http(daemon, "GET", f"{API}/images/{q(ref)}/json")
    return json.loads(r.body) if r.status == 200 else None


def commit(sock: str, container: str, repo: str, tag: str) -> str:
    r = http(sock, "POST", f"{API}/commit?container={container}&repo={q(repo)}&tag={tag}", b"{}",
             {"Content-Type": "application/json"})
    assert r.status == 201, r.body
    return json.loads(r.body)["Id"]


def listed_ids(sock: str) -> set[str]:
    return {i["Id"] for i in json.loads(http(sock, "GET", f"{API}/images/json?all=1").body)}


@pytest.fixture
def runner_images(jobs, dockerd_sock):
    """Job J's socket, an image J built, and two images the runner made from
    it straight on the daemon (a build FROM it, a commit of a container of it)."""
    job = unique("ji")
    sock = jobs.open(job)
    repo = f"swtest/{job}"
    own = build(sock, f"FROM {IMG}\nRUN true\n", f"{repo}:dev")
    built = build(dockerd_sock, f"FROM {repo}:dev\nENV RUNNER_SECRET=s3cret\n", f"{repo}:runner-built")
    ctr = "runner-" + job
    r = post(dockerd_sock, f"{API}/containers/create?name={ctr}",
             {"Image": f"{repo}:dev", "Cmd": ["true"], "Env": ["RUNNER_SECRET=s3cret"], "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 201, r.body
    committed = commit(dockerd_sock, ctr, repo, "runner-commit")
    assert http(dockerd_sock, "DELETE", f"{API}/containers/{ctr}?force=1").status == 204
    yield job, sock, repo, own, {f"{repo}:runner-built": built, f"{repo}:runner-commit": committed}
    for ref in (f"{repo}:runner-built", f"{repo}:runner-commit", f"{repo}:dev", own):
        http(dockerd_sock, "DELETE", f"{API}/images/{q(ref)}?force=1")


def test_an_image_the_runner_makes_from_a_jobs_image_is_not_the_jobs(jobs, runner_images, dockerd_sock):
    job, sock, repo, own, runner = runner_images
    for name, ident in runner.items():
        labels = image(dockerd_sock, ident)["Config"]["Labels"]
        # Both labels inherited from the job's image, as the daemon copies a parent's config.
        assert labels[OWNER] == job and labels[SEAL] == image(dockerd_sock, own)["Config"]["Labels"][SEAL], labels
        for ref in (name, ident):
            r = http(sock, "GET", f"{API}/images/{q(ref)}/json")
            assert r.status == 404 and "No such image: " in json.loads(r.body)["message"], (ref, r.status, r.body)
        assert http(sock, "GET", f"{API}/images/{q(ident)}/history").status == 404
        assert http(sock, "DELETE", f"{API}/images/{q(ident)}?force=1").status == 404
        assert http(sock, "POST", f"{API}/images/{q(name)}/tag?repo={q(repo)}&tag=stolen", b"").status == 404
    assert listed_ids(sock) & set(runner.values()) == set()
    df = json.loads(http(sock, "GET", f"{API}/system/df").body)
    assert {i["Id"] for i in df["Images"]} & set(runner.values()) == set(), df["Images"]
    assert image(dockerd_sock, f"{repo}:stolen") is None
    # The job's own image is its own as before.
    assert http(sock, "GET", f"{API}/images/{q(repo + ':dev')}/json").status == 200
    assert own in listed_ids(sock)
    # A prune of the job's socket leaves them; the close too.
    assert http(sock, "POST", f"{API}/images/prune?filters={q(json.dumps({'dangling': ['false']}))}", b"").status == 200
    jobs.job("close", "--id", job)
    for ident in runner.values():
        assert image(dockerd_sock, ident) is not None, ident


def test_the_images_the_jobs_socket_makes_are_its_own_and_reaped(jobs, dockerd_sock):
    """A build without a name, a commit and an import on the job's socket are
    recorded: inspectable and listed there, and removed by the close."""
    job = unique("jm")
    sock = jobs.open(job)
    unnamed = build(sock, f"FROM {IMG}\nRUN echo unnamed > /u\n")
    ctr = unique("jm-c")
    assert create(sock, ctr).status == 201
    committed = commit(sock, ctr, f"swtest/{job}", "c")
    r = http(sock, "POST", f"{API}/images/create?fromSrc=-&repo={q('swtest/' + job)}&tag=i", tar_of({"f": b"x"}),
             {"Content-Type": "application/x-tar"})
    assert r.status == 200, r.body
    imported = [json.loads(line)["status"] for line in r.body.splitlines() if line.strip()][-1]
    made = {unnamed, committed, imported}
    for ident in made:
        assert http(sock, "GET", f"{API}/images/{q(ident)}/json").status == 200, ident
    assert made <= listed_ids(sock)
    jobs.job("close", "--id", job)
    for ident in made:
        assert image(dockerd_sock, ident) is None, ident


def test_the_jobs_images_stay_its_own_across_a_restart(jobs, dockerd_sock):
    """The recorded IDs are in the job's state (`made_image_ids`): after a
    restart of sockwarden the job's image is its own, and an image the runner
    built from it meanwhile is not."""
    job = unique("jr")
    sock = jobs.open(job)
    repo = f"swtest/{job}"
    own = build(sock, f"FROM {IMG}\nRUN true\n", f"{repo}:dev")
    with open(f"{jobs.dir}/state/{job}.json") as f:
        assert json.load(f)["made_image_ids"] == [own]
    jobs.proxy.stop(signal.SIGKILL)
    runner = build(dockerd_sock, f"FROM {repo}:dev\nENV RUNNER_SECRET=s3cret\n", f"{repo}:runner")
    try:
        jobs.proxy.start()
        wait_for(lambda: can_connect(jobs.admin), 20, what="the admin socket after the restart")
        wait_for(lambda: can_connect(sock), 10, what="the restored job socket")
        assert http(sock, "GET", f"{API}/images/{q(repo + ':dev')}/json").status == 200
        assert http(sock, "GET", f"{API}/images/{q(repo + ':runner')}/json").status == 404
        # The close cannot remove the job's image while the runner's is its child (the daemon's 409); it leaves the runner's.
        out = jobs.job("close", "--id", job, check=False)
        assert f"failed  image {own} (status 409)" in out.stdout, out.stdout
        assert runner not in out.stdout, out.stdout
        assert image(dockerd_sock, runner) is not None
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{q(repo + ':runner')}?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{q(own)}?force=1")


def test_a_jobs_build_takes_no_cache_from_the_runners_image(jobs, dockerd_sock):
    """The job socket sets a build's `cachefrom` to the job's images: the
    runner's image built FROM the job's carried the job's label and seal, so
    it was among them, and the job's build of the same step took the
    runner's layer (what the runner's RUN wrote) as its cache."""
    job = unique("jc")
    sock = jobs.open(job)
    repo = f"swtest/{job}"
    build(sock, f"FROM {IMG}\nRUN true\n", f"{repo}:dev")
    step = f"FROM {repo}:dev\nRUN echo runner-only > /r\n"
    runner = build(dockerd_sock, step, f"{repo}:runner")
    try:
        ctx = tar_of({"Dockerfile": step.encode()})
        r = http(sock, "POST", f"{API}/build?networkmode=none", ctx, {"Content-Type": "application/x-tar"}, timeout=120)
        assert r.status == 200 and b"Successfully built" in r.body, r.body[-400:]
        assert b"Using cache" not in r.body, r.body[-600:]
        assert runner[7:19].encode() not in r.body, r.body[-600:]
    finally:
        jobs.job("close", "--id", job, check=False)
        http(dockerd_sock, "DELETE", f"{API}/images/{q(repo + ':runner')}?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{q(repo + ':dev')}?force=1")
