"""A job's tag on a shared image known by digest, and the digest reference.

dockerd 20.10 `ImageDelete` (daemon/images/image_delete.go): after removing
a tag, "if a tag reference was removed and the only remaining references to
the same repository are digest references, then clean up those digest
references", and with no reference left it deletes the image. A shared
image pulled by digest (`127.0.0.1:PORT/x@sha256:D`, no tag) that a job
tagged `127.0.0.1:PORT/x:mine` (its claim) lost its digest reference, and
the image itself, when the job removed its tag (`docker rmi`) or closed (the
reaper removes the claims): every other job's `docker run …/x@sha256:D`
found no such image (found 2026-12-01, session 12).

Differential: straight to the daemon the tag delete removes the digest
reference and the image; through the job socket the tag is refused (409,
saying to use another repository name), a claim that became the
repository's last tag is not removed (409), and `job close` leaves it."""
import json

import pytest

from registry_standin import Registry
from swhelpers import API, http, unique, wait_for
from test_jobs import Jobs, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


def pull(sock: str, from_image: str) -> None:
    r = http(sock, "POST", f"{API}/images/create?fromImage={from_image}", b"", timeout=120)
    assert r.status == 200 and b"errorDetail" not in r.body, r.body[-400:]


def references(sock: str, ref: str):
    r = http(sock, "GET", f"{API}/images/{ref}/json")
    if r.status == 404:
        return None
    assert r.status == 200, r
    info = json.loads(r.body)
    return info["RepoTags"] or [], info["RepoDigests"] or []


@pytest.fixture
def registry():
    reg = Registry(unique("digest")).start()
    yield reg
    reg.stop()


def remove_image(sock: str, image_id: str) -> None:
    http(sock, "DELETE", f"{API}/images/{image_id}?force=1")


def test_straight_to_the_daemon_a_last_tag_delete_removes_the_digest_reference(registry, dockerd_sock):
    by_digest = registry.reference("x")
    try:
        pull(dockerd_sock, by_digest)
        assert references(dockerd_sock, by_digest) == ([], [by_digest])
        assert http(dockerd_sock, "POST", f"{API}/images/{by_digest}/tag?repo={registry.host}/x&tag=mine", b"").status == 201
        r = http(dockerd_sock, "DELETE", f"{API}/images/{registry.host}/x:mine")
        assert r.status == 200, r
        assert {"Untagged": by_digest} in json.loads(r.body)
        # The image went with its last reference.
        assert references(dockerd_sock, by_digest) is None
        assert references(dockerd_sock, registry.image_id) is None
    finally:
        remove_image(dockerd_sock, registry.image_id)


def test_a_job_may_not_tag_a_digest_only_image_in_its_repository(registry, jobs, dockerd_sock):
    by_digest = registry.reference("x")
    job = unique("dg")
    sock = jobs.open(job)
    try:
        pull(dockerd_sock, by_digest)
        r = http(sock, "POST", f"{API}/images/{by_digest}/tag?repo={registry.host}/x&tag=mine", b"")
        assert r.status == 409, r
        message = json.loads(r.body)["message"]
        assert "digest" in message and "another repository name" in message, message
        assert references(dockerd_sock, by_digest) == ([], [by_digest])
        # As the answer says: another repository name is a claim the job may remove.
        r = http(sock, "POST", f"{API}/images/{by_digest}/tag?repo={registry.host}/x-{job}&tag=mine", b"")
        assert r.status == 201, r
        r = http(sock, "DELETE", f"{API}/images/{registry.host}/x-{job}:mine")
        assert r.status == 200, r
        assert references(dockerd_sock, by_digest) == ([], [by_digest])
        # Runs as before, for every job.
        assert http(sock, "GET", f"{API}/images/{by_digest}/json").status == 200
    finally:
        jobs.job("close", "--id", job, check=False)
        remove_image(dockerd_sock, registry.image_id)


def test_a_claim_that_became_the_last_tag_is_neither_removed_nor_reaped(registry, jobs, dockerd_sock):
    """The claim was allowed (a shared tag was there), then the shared tag
    went (removed on the main socket): the job's rmi and its close leave the
    claim, and the digest reference with it."""
    by_digest = registry.reference("x")
    job = unique("dg")
    sock = jobs.open(job)
    closed = False
    try:
        pull(dockerd_sock, f"{registry.host}/x:base")
        assert references(dockerd_sock, by_digest) == ([f"{registry.host}/x:base"], [by_digest])
        r = http(sock, "POST", f"{API}/images/{registry.host}/x:base/tag?repo={registry.host}/x&tag=mine", b"")
        assert r.status == 201, r
        assert http(dockerd_sock, "DELETE", f"{API}/images/{registry.host}/x:base").status == 200
        assert references(dockerd_sock, by_digest) == ([f"{registry.host}/x:mine"], [by_digest])
        r = http(sock, "DELETE", f"{API}/images/{registry.host}/x:mine")
        assert r.status == 409, r
        message = json.loads(r.body)["message"]
        assert by_digest in message and "left in place" in message, message
        assert references(dockerd_sock, by_digest) == ([f"{registry.host}/x:mine"], [by_digest])
        out = jobs.job("close", "--id", job)
        closed = True
        assert references(dockerd_sock, by_digest) == ([f"{registry.host}/x:mine"], [by_digest]), out.stdout
        close = wait_for(lambda: [a for a in jobs.audit() if a.get("rule") == "job-close" and job in (a.get("reason") or "")],
                         timeout=10, what="the job-close audit record")
        assert "kept 1 tag" in close[-1]["reason"], close
    finally:
        if not closed:
            jobs.job("close", "--id", job, check=False)
        remove_image(dockerd_sock, registry.image_id)
