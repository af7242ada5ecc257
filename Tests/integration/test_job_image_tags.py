"""Tags other jobs claimed on a shared image, in its inspect and history.
The image list and `system df` of a job socket drop the tags another job put
on a shared image (its claims); `GET /images/{name}/json` (`RepoTags`) and
`GET /images/{name}/history` (`Tags`) were forwarded as the daemon answered
them, so `docker image inspect busybox` on one job's socket named every tag
other jobs had put on busybox (found 2026-11-30, session 12).

Differential: straight to the daemon both name the other job's tag; through
the job socket they do not, and through the tagging job's own socket they do."""
import json

import pytest

from swhelpers import API, http, unique
from test_jobs import IMG, Jobs, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


def tags(sock: str, name: str) -> tuple[list[str], list[str]]:
    r = http(sock, "GET", f"{API}/images/{name}/json")
    assert r.status == 200, r.body
    h = http(sock, "GET", f"{API}/images/{name}/history")
    assert h.status == 200, h.body
    return json.loads(r.body)["RepoTags"], [t for layer in json.loads(h.body) for t in (layer["Tags"] or [])]


def test_inspect_and_history_do_not_name_another_jobs_tags(jobs, dockerd_sock):
    a, b = unique("it-a"), unique("it-b")
    socks = {a: jobs.open(a), b: jobs.open(b)}
    theirs = f"{b}-secret:1"
    try:
        assert http(socks[b], "POST", f"{API}/images/{IMG}/tag?repo={b}-secret&tag=1", b"").status == 201
        for sock in (dockerd_sock, socks[b]):
            inspected, history = tags(sock, IMG)
            assert theirs in inspected and theirs in history, (sock, inspected, history)
        for name in (IMG, f"{IMG}:latest"):
            inspected, history = tags(socks[a], name)
            assert theirs not in inspected and theirs not in history, (inspected, history)
            assert f"{IMG}:latest" in inspected and f"{IMG}:latest" in history
        # The name itself stays another job's: answered as missing.
        assert http(socks[a], "GET", f"{API}/images/{theirs}/json").status == 404
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{theirs}")
