"""A BuildKit build (`version=2`) on a job socket, under a policy with
`[builds] buildkit = true`.

Sockwarden reads a classic build's Dockerfile (every image it names must be
in the job's view: another job's image is answered as missing), but not a
BuildKit build's: dockerd 20.10's Dockerfile frontend resolves `FROM`,
`COPY --from` and `RUN --mount=from=` itself, among every image on the
daemon, and its cache mounts are one store for every build. Job B took job
A's image into its own with `COPY --from=<A's tag>` and read it (found by the
BuildKit red-team review of session 12, 2026-12-01). A BuildKit build is now
refused on a job socket, whatever the policy says.

Differential: straight to the daemon the BuildKit build copies A's file;
through job B's socket the same build is refused, and nothing is tagged."""
import os
import re
import tempfile

import pytest

from swhelpers import API, POLICIES, http, tar_of, unique
from test_jobs import IMG, Jobs

pytestmark = pytest.mark.proxy_only

CTX = {"Content-Type": "application/x-tar"}


@pytest.fixture
def bk_jobs(proxy_bin, dockerd_sock, image, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    policy = os.path.join(d, "ci-buildkit.toml")
    text = (POLICIES / "ci.toml").read_text()
    text, n = re.subn(r"^buildkit = false.*$", "buildkit = true", text, flags=re.M)
    assert n == 1
    with open(policy, "w") as f:
        f.write(text)
    j = Jobs(proxy_bin, dockerd_sock, d)
    j.proxy.policy = policy
    j.start()
    yield j
    j.proxy.stop()


def build(sock: str, query: str, dockerfile: str):
    return http(sock, "POST", f"{API}/build?networkmode=none&{query}",
                tar_of({"Dockerfile": dockerfile.encode()}), CTX, timeout=120)


def test_a_job_cannot_take_another_jobs_image_through_buildkit(bk_jobs, dockerd_sock):
    secret = unique("JOBASECRET")
    a_tag, direct, b_tag = unique("bka") + ":1", unique("bkd") + ":1", unique("bkb") + ":1"
    job_a, job_b = unique("bka"), unique("bkb")
    a, b = bk_jobs.open(job_a), bk_jobs.open(job_b)
    try:
        r = build(a, f"t={a_tag}", f"FROM {IMG}\nRUN echo {secret} > /secret\n")
        assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-500:]
        stealing = f"FROM {IMG}\nCOPY --from={a_tag} /secret /stolen\n"

        # The classic builder's Dockerfile is read: A's image is not in B's view.
        r = build(b, f"t={b_tag}", stealing)
        assert r.status == 404 and b"No such image" in r.body, r.body

        # Straight to the daemon, BuildKit's frontend finds A's image and copies its file.
        r = build(dockerd_sock, f"version=2&t={direct}", stealing)
        assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-500:]

        # Through job B's socket the BuildKit build is refused, before anything is built.
        for query in (f"version=2&t={b_tag}", f"vers%69on=%32&t={b_tag}", f"version=2&version=1&t={b_tag}"):
            r = build(b, query, stealing)
            assert r.status == 403, (query, r.status, r.body[-500:])
            assert b"BuildKit" in r.body and b"DOCKER_BUILDKIT=0" in r.body, r.body
        assert http(dockerd_sock, "GET", f"{API}/images/{b_tag}/json").status == 404
        # A BuildKit build of the job's own, harmless Dockerfile is refused as well.
        r = build(b, f"version=2&t={b_tag}", f"FROM {IMG}\nRUN true\n")
        assert r.status == 403 and b"BuildKit" in r.body, r.body
        # The classic builder still works on the job socket.
        r = build(b, f"t={b_tag}", f"FROM {IMG}\nRUN true\n")
        assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-500:]
    finally:
        for tag in (a_tag, direct, b_tag):
            http(dockerd_sock, "DELETE", f"{API}/images/{tag}?force=1")
        bk_jobs.job("close", "--id", job_a, check=False)
        bk_jobs.job("close", "--id", job_b, check=False)
