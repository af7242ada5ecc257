"""A job's claim on a name the runner later put another image under.

A tag a job puts on a shared image is its *claim* (sockwarden keeps it: a
tag carries no labels). The claim counted on whatever unlabelled image the
daemon had under the name, so it outlived the name being moved by someone
else: a job that had tagged `ci-base:v1` once (or only asked to: a tag of a
missing source was claimed before the daemon answered 404), after the
runner built, imported or pulled its own `ci-base:v1` on the main socket,
could move that name to the job's own image (`docker tag evil ci-base:v1`:
the runner's next `docker run ci-base:v1` ran the job's image), remove it,
or have `job close` remove it; every other job was told it did not exist
(found 2026-12-01).

Differential: straight to the daemon the tag moves the name (what a job did
through its socket before); through the job socket a claim counts only on
the image it was put on (409 for the tag, 403 for the delete), and
`job close` leaves the runner's name in place."""
import json

import pytest

from swhelpers import API, http, tar_of, unique
from test_jobs import IMG, Jobs, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


def imported(sock: str, repo: str, tag: str, marker: bytes) -> str:
    r = http(sock, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag={tag}", tar_of({"marker": marker}),
             {"Content-Type": "application/x-tar"}, timeout=60)
    assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
    return json.loads(r.body.strip().splitlines()[-1])["status"]


def image_id(sock: str, name: str) -> str | None:
    r = http(sock, "GET", f"{API}/images/{name}/json")
    if r.status == 404:
        return None
    assert r.status == 200, r
    return json.loads(r.body)["Id"]


@pytest.mark.parametrize("how", ["tagged-shared", "missing-source"])
def test_a_claim_does_not_follow_the_name_to_the_runners_image(jobs, dockerd_sock, how):
    a, b = unique("ic-a"), unique("ic-b")
    socks = {a: jobs.open(a), b: jobs.open(b)}
    repo = unique("ci-base")
    name = f"{repo}:v1"
    cleanup = [name]
    try:
        # The job claims the name: a tag of a shared image, or of one that does not exist.
        source = IMG if how == "tagged-shared" else f"{unique('nosuch')}:x"
        r = http(socks[a], "POST", f"{API}/images/{source}/tag?repo={repo}&tag=v1", b"")
        assert r.status == (201 if how == "tagged-shared" else 404), r
        # The runner (the daemon's own socket) makes its image under the name.
        runner = imported(dockerd_sock, repo, "v1", b"runner\n")
        assert image_id(dockerd_sock, name) == runner
        # Every job may use it; none may move or remove it.
        assert image_id(socks[b], name) == runner
        assert image_id(socks[a], name) == runner
        evil = imported(socks[a], unique("evil"), "1", b"evil\n")
        r = http(socks[a], "POST", f"{API}/images/{evil}/tag?repo={repo}&tag=v1", b"")
        assert r.status == 409, r
        assert http(socks[a], "DELETE", f"{API}/images/{name}").status == 403
        assert image_id(dockerd_sock, name) == runner
        # Nor does the job's close remove it.
        jobs.job("close", "--id", a)
        assert image_id(dockerd_sock, name) == runner
        assert image_id(socks[b], name) == runner
        # Straight to the daemon, the tag would have moved the runner's name.
        other_repo = unique("other")
        cleanup.append(f"{other_repo}:1")
        other = imported(dockerd_sock, other_repo, "1", b"other\n")
        assert http(dockerd_sock, "POST", f"{API}/images/{other}/tag?repo={repo}&tag=v1", b"").status == 201
        assert image_id(dockerd_sock, name) == other
    finally:
        for ref in cleanup:
            http(dockerd_sock, "DELETE", f"{API}/images/{ref}?force=1")


def test_a_claim_still_counts_on_the_image_it_was_put_on(jobs, dockerd_sock):
    """The job's own claim works as before: listed, removable, reaped."""
    a = unique("ic-own")
    sock = jobs.open(a)
    repo = unique("mine")
    try:
        assert http(sock, "POST", f"{API}/images/{IMG}/tag?repo={repo}&tag=1", b"").status == 201
        assert image_id(sock, f"{repo}:1") == image_id(dockerd_sock, IMG)
        # The job may move its claim to its own image.
        evil = imported(sock, unique("own"), "1", b"own\n")
        assert http(sock, "POST", f"{API}/images/{evil}/tag?repo={repo}&tag=1", b"").status == 201
        assert image_id(sock, f"{repo}:1") == evil
        assert http(sock, "POST", f"{API}/images/{IMG}/tag?repo={repo}&tag=2", b"").status == 201
        jobs.job("close", "--id", a)
        assert image_id(dockerd_sock, f"{repo}:2") is None
        assert image_id(dockerd_sock, IMG) is not None
    finally:
        for ref in (f"{repo}:1", f"{repo}:2"):
            http(dockerd_sock, "DELETE", f"{API}/images/{ref}?force=1")
