"""A job socket's build copies its `platform` into every pull it makes first
(found 2026-12-01 by review15). dockerd 20.10 reads a platform with
containerd's `platforms.Parse` (an architecture variant of any length) and a
single-platform image's pull compares only its OS: a build with a 64 KiB
`platform` pulled its images, and each pull's audit `request` record
(its `target`, `.../images/create?fromImage=…&platform=…`, written whole)
carried the 64 KiB again, once per distinct `FROM`: eight `FROM` lines made
about 8 x the build's request in the log (SECURITY.md bounds a request's
records at 2 x what it sent + 64 KiB). A job socket now refuses a build
whose platform is longer than any platform (`os/arch/variant`) there is,
before it pulls (400, naming its length). Reproduced with the loopback
registry stand-in; the pulls are counted in the log and on the registry."""
import json

import pytest

from registry_standin import Registry
from swhelpers import API, http, unique
from test_job_build_pulls import build
from test_job_pull_local_names import registry_job
from test_jobs import jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only

PLATFORM = "linux/amd64/v" + "8" * (64 << 10)


def test_straight_to_the_daemon_a_long_platform_pulls(dockerd_sock):
    reg = Registry(unique("plat")).start()
    try:
        name = f"{reg.host}/{unique('base')}:1"
        r = http(dockerd_sock, "POST", f"{API}/images/create?fromImage={name.rsplit(':', 1)[0]}&tag=1&platform={PLATFORM}",
                 b"", timeout=60)
        assert r.status == 200 and b"errorDetail" not in r.body, r.body[-300:]
    finally:
        reg.stop()
        http(dockerd_sock, "DELETE", f"{API}/images/{reg.image_id}?force=1")


def test_a_jobs_build_with_a_long_platform_pulls_nothing_and_logs_it_once(jobs, dockerd_sock):
    with registry_job(jobs, dockerd_sock, "plat") as (reg, job, sock):
        names = [f"{reg.host}/{unique('base')}:1" for _ in range(8)]
        dockerfile = "".join(f"FROM {n} AS s{i}\n" for i, n in enumerate(names)) + "FROM s0\nLABEL x=y\n"
        r = build(sock, dockerfile, f"platform={PLATFORM}&t={job}-out:1")
        assert r.status == 400 and b"platform" in r.body, (r.status, r.body[-300:])
        assert not [p for p in reg.requests if "/manifests/" in p], reg.requests
        logged = sum(len(json.dumps(x)) for x in jobs.audit() if x.get("pulled_for"))
        assert logged == 0, logged
        jobs.job("close", "--id", job)
