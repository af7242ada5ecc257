"""A job socket gives a build's names (`t`) itself at the build's end, each
with its own `request` and `result` records in the audit log (`tagged_for`,
session 15): about 2 KB of log per name, for the few bytes each `&t=NAME`
takes in the build's query (found 2026-12-01 by review15). A build with
200 names (3.6 KB sent) wrote about 200 x that in records on the old
binary, and a 256 KiB request head holds some 20,000 names: SECURITY.md
bounds a request's records at 2 x what it sent + 64 KiB. Straight to the
daemon, the names are given by the daemon and the log has no record of
each. A job socket now refuses a build with more than 16 distinct names
(400, before anything is built or pulled)."""
import json
import os

import pytest

from swhelpers import API, http, unique
from test_job_build_pulls import build
from test_jobs import IMG, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only

DOCKERFILE = f"FROM {IMG}\nLABEL x=y\n"


def names(job: str, count: int) -> str:
    return "&".join(f"t={job}-n{i}:1" for i in range(count))


def test_straight_to_the_daemon_a_build_takes_200_names(dockerd_sock):
    tag = unique("many")
    r = build(dockerd_sock, DOCKERFILE, names(tag, 200))
    try:
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert http(dockerd_sock, "GET", f"{API}/images/{tag}-n199:1/json").status == 200
    finally:
        for i in range(200):
            http(dockerd_sock, "DELETE", f"{API}/images/{tag}-n{i}:1")


@pytest.mark.parametrize("count,given", [(16, True), (17, False), (200, False)])
def test_a_jobs_build_gives_at_most_16_names(jobs, dockerd_sock, count, given):
    job = unique("jt")
    sock = jobs.open(job)
    before = os.path.getsize(os.path.join(jobs.dir, "audit.jsonl"))
    r = build(sock, DOCKERFILE, names(job, count))
    if given:
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
        assert http(sock, "GET", f"{API}/images/{job}-n{count - 1}:1/json").status == 200
    else:
        assert r.status == 400 and b"names" in r.body, (r.status, r.body[-300:])
        assert http(dockerd_sock, "GET", f"{API}/images/{job}-n0:1/json").status == 404
        # The build's two records, no record per name.
        with open(os.path.join(jobs.dir, "audit.jsonl"), "rb") as f:
            f.seek(before)
            written = [json.loads(line) for line in f.read().split(b"\n") if line.strip()]
        assert not [x for x in written if x.get("tagged_for")], len(written)
    jobs.job("close", "--id", job)
