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

Differential: straight to the daemon the pull and the build move the
runner's name to the registry's image; through the job socket both are
refused (409) and the name stays. A name the runner pulled from that
registry (a digest reference in its repository) may be pulled again."""
import json

import pytest

from registry_standin import Registry
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
        # By digest the pull moves no name.
        r = pull(sock, f"{name}@{registry.digest}", "")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert image_id(dockerd_sock, f"{name}:v1") == runner
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
        r = build(sock, f"FROM {name}:v1\nLABEL x=y\n", f"pull=1&t={job}-out:1")
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert image_id(dockerd_sock, f"{name}:v1") == registry.image_id
    finally:
        jobs.job("close", "--id", job, check=False)
        http(dockerd_sock, "DELETE", f"{API}/images/{name}:v1?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{registry.image_id}?force=1")
