"""The build cache in `system df` on a job socket. Its records name no
owner, and a BuildKit record's `Description` is the command of the step
that made it (`mount / from exec /bin/sh -c …`): a build made straight on
the daemon (the runner's, or a job's under a policy that allows BuildKit)
showed its `RUN` command lines, secrets included, to every job's `docker
system df -v` (found by the red-team review of session 12, 2026-11-30).

Differential: straight to the daemon the secret is in the build cache;
through a job socket the build cache is empty and `BuilderSize` 0."""
import json

import pytest

from swhelpers import API, http, tar_of, unique
from test_jobs import IMG, Jobs, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


def test_a_job_does_not_see_the_build_cache(jobs, dockerd_sock):
    secret = unique("TOPSECRET")
    tag = unique("bkcache") + ":1"
    # A BuildKit build straight on the daemon (networkmode none: the test daemon has no bridge).
    r = http(dockerd_sock, "POST", f"{API}/build?version=2&networkmode=none&t={tag}",
             tar_of({"Dockerfile": f"FROM {IMG}\nRUN echo {secret} > /x\n".encode()}), {"Content-Type": "application/x-tar"}, timeout=120)
    try:
        assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-500:]
        full = json.loads(http(dockerd_sock, "GET", f"{API}/system/df").body)
        assert any(secret in (c.get("Description") or "") for c in full.get("BuildCache") or []), full.get("BuildCache")
        sock = jobs.open(unique("bc"))
        df = json.loads(http(sock, "GET", f"{API}/system/df").body)
        assert df["BuildCache"] == [] and df["BuilderSize"] == 0, (df.get("BuildCache"), df.get("BuilderSize"))
        assert secret not in json.dumps(df)
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{tag}?force=1")
        http(dockerd_sock, "POST", f"{API}/build/prune?all=1")
