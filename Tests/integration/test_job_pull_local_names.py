"""A job's pull over a shared image made on this host.

A pull puts the name on whatever the registry serves under it. Job sockets
allowed a pull of any shared name ("a pulled image is shared"), so a job
could replace an image the runner built, imported or loaded under a name
it never pulled (`mycompany/base:v1`, built locally, is
`docker.io/mycompany/base`): whoever controls that repository on the
registry then chose what the runner and every job ran as
`mycompany/base:v1`. A build with `pull=1` does the same for every `FROM`
and `COPY --from` image (dockerd 20.10 `pullForBuilder`). Found 2026-12-01,
reproduced with the loopback registry stand-in (a job policy that lists it).

A first fix allowed a pull over a shared image with a digest reference in
the name's repository (pulled from there): a job gave the runner's image one
by serving its exact bytes (from `docker save` through the job socket) as
another tag of the repository and pulling that, then pulled the name. While
the runner has such a name in a repository, no job pulls into it (by tag or
digest, also a build's pull of a missing `FROM`) or pushes such an image (a
push records a digest reference too).

Differential: straight to the daemon the pull and the build move the
runner's name to the registry's image, and a pull of the runner's own bytes
gives its image a digest reference; through the job socket all are refused
(409) and the name stays. A name the runner pulled from that registry (a
digest reference in its repository) may be pulled again."""
import contextlib
import json

import pytest

import gzip
import io
import tarfile

from registry_standin import MANIFEST_TYPE, CONFIG_TYPE, LAYER_TYPE, Registry, _sha
from swhelpers import API, http, tar_of, unique
from test_jobs import POLICIES, Jobs, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


@pytest.fixture
def registry():
    reg = Registry(unique("local-names")).start()
    yield reg
    reg.stop()


def job_policy(jobs: Jobs, registry: Registry) -> str:
    with open(f"{POLICIES}/ci.toml") as f:
        text = f.read()
    assert 'allow = ["*"]' in text
    path = f"{jobs.dir}/registry.toml"
    with open(path, "w") as f:
        f.write(text.replace('allow = ["*"]', f'allow = ["*", "{registry.host}"]', 1))
    return path


@contextlib.contextmanager
def registry_job(jobs: Jobs, dockerd_sock: str, marker: str, mode: str = "enforce"):
    """A loopback registry stand-in and a job whose policy (ci.toml, in
    `mode`) allows it: yields (registry, job, job socket); stops the
    registry and removes its image from the daemon afterwards."""
    reg = Registry(unique(marker)).start()
    try:
        job = unique("jb")
        policy = job_policy(jobs, reg)
        if mode != "enforce":
            with open(policy) as f:
                text = f.read()
            assert 'mode = "enforce"' in text
            with open(policy, "w") as f:
                f.write(text.replace('mode = "enforce"', f'mode = "{mode}"', 1))
        yield reg, job, jobs.open(job, "--policy", policy)
    finally:
        reg.stop()
        http(dockerd_sock, "DELETE", f"{API}/images/{reg.image_id}?force=1")


def runner_image(sock: str, repo: str, tag: str) -> str:
    """An image the runner makes on the daemon's own socket (imported)."""
    r = http(sock, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag={tag}", tar_of({"marker": b"runner\n"}),
             {"Content-Type": "application/x-tar"}, timeout=60)
    assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
    return json.loads(r.body.strip().splitlines()[-1])["status"]


def image_id(sock: str, name: str) -> str | None:
    r = http(sock, "GET", f"{API}/images/{name}/json")
    return json.loads(r.body)["Id"] if r.status == 200 else None


def pull(sock: str, name: str, tag: str):
    return http(sock, "POST", f"{API}/images/create?fromImage={name}&tag={tag}", b"", timeout=120)


def build(sock: str, dockerfile: str, query: str):
    return http(sock, "POST", f"{API}/build?{query}", tar_of({"Dockerfile": dockerfile.encode()}),
                {"Content-Type": "application/x-tar"}, timeout=120)


def test_straight_to_the_daemon_a_pull_replaces_the_runners_image(registry, dockerd_sock):
    name = f"{registry.host}/{unique('base')}"
    try:
        runner_image(dockerd_sock, name, "v1")
        r = pull(dockerd_sock, name, "v1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert image_id(dockerd_sock, f"{name}:v1") == registry.image_id
        runner_image(dockerd_sock, name, "v2")
        r = build(dockerd_sock, f"FROM {name}:v2\nLABEL x=y\n", "pull=1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert image_id(dockerd_sock, f"{name}:v2") == registry.image_id
    finally:
        for tag in ("v1", "v2"):
            http(dockerd_sock, "DELETE", f"{API}/images/{name}:{tag}?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{registry.image_id}?force=1")


@pytest.mark.parametrize("pull_value", ["1", "true", "%20Yes%09", "x"])
def test_a_job_may_not_pull_over_an_image_the_runner_made(registry, jobs, dockerd_sock, pull_value):
    job = unique("ln")
    sock = jobs.open(job, "--policy", job_policy(jobs, registry))
    name = f"{registry.host}/{unique('base')}"
    try:
        runner = runner_image(dockerd_sock, name, "v1")
        r = pull(sock, name, "v1")
        assert r.status == 409, r
        assert "made on this host" in json.loads(r.body)["message"]
        assert image_id(dockerd_sock, f"{name}:v1") == runner
        r = build(sock, f"FROM {name}:v1\nLABEL x=y\n", f"pull={pull_value}&t={job}-out:1")
        assert r.status == 409, r
        assert "Dockerfile line 1" in json.loads(r.body)["message"]
        assert image_id(dockerd_sock, f"{name}:v1") == runner
        # Without pull the build uses the runner's image, as before.
        r = build(sock, f"FROM {name}:v1\nLABEL x=y\n", f"pull=0&t={job}-out:1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert image_id(dockerd_sock, f"{name}:v1") == runner
        # Nor into the repository by digest, or by another tag (the pulled
        # image could be the runner's own, which then passes for pulled).
        for ref, tag in ((f"{name}@{registry.digest}", ""), (name, "other")):
            r = pull(sock, ref, tag)
            assert r.status == 409, r
        r = build(sock, f"FROM {name}:other\nLABEL x=y\n", f"t={job}-out:2")
        assert r.status == 409, r
        assert image_id(dockerd_sock, f"{name}:v1") == runner
        assert image_id(dockerd_sock, f"{name}:other") is None
    finally:
        jobs.job("close", "--id", job, check=False)
        http(dockerd_sock, "DELETE", f"{API}/images/{name}:v1?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{registry.image_id}?force=1")


def test_a_name_pulled_from_its_registry_may_be_pulled_again(registry, jobs, dockerd_sock):
    job = unique("ln")
    sock = jobs.open(job, "--policy", job_policy(jobs, registry))
    name = f"{registry.host}/{unique('base')}"
    try:
        r = pull(dockerd_sock, name, "v1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        r = pull(sock, name, "v1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        # With --pull the job socket pulls the base through the job's own judging first (test_job_build_pulls.py).
        r = build(sock, f"FROM {name}:v1\nLABEL x=y\n", f"pull=1&t={job}-out:1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert image_id(dockerd_sock, f"{name}:v1") == registry.image_id
    finally:
        jobs.job("close", "--id", job, check=False)
        http(dockerd_sock, "DELETE", f"{API}/images/{name}:v1?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{registry.image_id}?force=1")


def serve_exactly(registry: Registry, saved: bytes) -> None:
    """Makes the stand-in serve the image of a `docker save` archive, byte for byte."""
    tar = tarfile.open(fileobj=io.BytesIO(saved))
    entry = json.loads(tar.extractfile("manifest.json").read())[0]
    config = tar.extractfile(entry["Config"]).read()
    layer = gzip.compress(tar.extractfile(entry["Layers"][0]).read(), mtime=0)
    manifest = {"schemaVersion": 2, "mediaType": MANIFEST_TYPE,
                "config": {"mediaType": CONFIG_TYPE, "size": len(config), "digest": _sha(config)},
                "layers": [{"mediaType": LAYER_TYPE, "size": len(layer), "digest": _sha(layer)}]}
    registry.config, registry.layer = config, layer
    registry.manifest = json.dumps(manifest, sort_keys=True).encode()
    registry.digest, registry.image_id = _sha(registry.manifest), _sha(config)
    registry.blobs = {_sha(config): config, _sha(layer): layer}


def test_a_job_may_not_give_the_runners_image_a_digest_reference(registry, jobs, dockerd_sock):
    job = unique("ln")
    sock = jobs.open(job, "--policy", job_policy(jobs, registry))
    name = f"{registry.host}/{unique('base')}"
    try:
        runner = runner_image(dockerd_sock, name, "v1")
        saved = http(sock, "GET", f"{API}/images/{name}:v1/get", timeout=60)
        assert saved.status == 200, saved
        serve_exactly(registry, saved.body)
        assert registry.image_id == runner
        # Straight to the daemon, a pull of another tag gives the runner's image a digest reference.
        r = pull(dockerd_sock, name, "probe")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        info = json.loads(http(dockerd_sock, "GET", f"{API}/images/{name}:v1/json").body)
        assert info["RepoDigests"] == [f"{name}@{registry.digest}"], info["RepoDigests"]
        http(dockerd_sock, "DELETE", f"{API}/images/{name}:probe")
        http(dockerd_sock, "DELETE", f"{API}/images/{name}@{registry.digest}")
        assert json.loads(http(dockerd_sock, "GET", f"{API}/images/{name}:v1/json").body)["RepoDigests"] == []
        # Through the job socket: refused, by tag, by digest, and a push.
        for ref, tag in ((name, "other"), (f"{name}@{registry.digest}", "")):
            r = pull(sock, ref, tag)
            assert r.status == 409, r
        r = http(sock, "POST", f"{API}/images/{name}/push?tag=v1", b"", {"X-Registry-Auth": "e30="}, timeout=60)
        assert r.status == 409, r
        info = json.loads(http(dockerd_sock, "GET", f"{API}/images/{name}:v1/json").body)
        assert info["Id"] == runner and info["RepoDigests"] == [], info
    finally:
        jobs.job("close", "--id", job, check=False)
        for tag in ("v1", "other", "probe"):
            http(dockerd_sock, "DELETE", f"{API}/images/{name}:{tag}?force=1")
