"""A Dockerfile `LABEL io.sockwarden.job=<another job>` before a `RUN`.
dockerd 20.10's classic builder runs each `RUN` in a container whose config
is the stage's so far, labels included; a build's `labels` (where a job
socket puts the owner label) are added only as its last step. So a build
whose Dockerfile sets the owner label made each later `RUN` step's container
the named job's while it ran: listed by that job, counted against its
quota, open to its exec, copy and kill (found 2026-11-30, session 12).
sockwarden now refuses a Dockerfile `LABEL` of its own labels, or with a
variable in a key.

Differential: straight to the daemon the step container carries the other
job's label; it showed up on that job's socket, which could exec into it,
until a container became a job's only when the job's socket created it
(recorded ID, `test_job_container_owner.py`): it is now listed by no job
and answered as missing. Through a job socket the build is refused."""
import json
import threading
import time
import urllib.parse

import pytest

from swhelpers import API, http, tar_of, unique
from test_jobs import IMG, Jobs, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


def build(sock: str, dockerfile: str):
    ctx = tar_of({"Dockerfile": dockerfile.encode()})
    return http(sock, "POST", f"{API}/build?networkmode=none&forcerm=1&t={unique('bl')}:1", ctx,
                {"Content-Type": "application/x-tar"}, timeout=120)


def listed(sock: str) -> list[dict]:
    r = http(sock, "GET", f"{API}/containers/json?all=1")
    assert r.status == 200, r.body
    return json.loads(r.body)


@pytest.mark.parametrize("label", ["io.sockwarden.job={victim}", '"io.sockwarden.job"={victim}',
                                   "io.sockwarden.job {victim}"])
def test_a_build_cannot_label_its_step_containers_as_another_jobs(jobs, dockerd_sock, label):
    victim, attacker = unique("bl-v"), unique("bl-a")
    socks = {victim: jobs.open(victim), attacker: jobs.open(attacker)}
    dockerfile = f"FROM {IMG}\nLABEL {label.format(victim=victim)}\nRUN sleep 15\n"
    # Straight to the daemon: the RUN step's container carries the victim's label.
    done = {}
    thread = threading.Thread(target=lambda: done.setdefault("r", build(dockerd_sock, dockerfile)))
    thread.start()
    try:
        def labelled() -> list[dict]:
            return [c for c in listed(dockerd_sock) if (c["Labels"] or {}).get("io.sockwarden.job") == victim]
        deadline = time.monotonic() + 30
        while not any(c["State"] == "running" for c in labelled()) and time.monotonic() < deadline:
            time.sleep(0.2)
        planted = labelled()
        assert len(planted) == 1 and planted[0]["State"] == "running", planted
        # Not created on the victim's socket: not the victim's.
        assert listed(socks[victim]) == []
        r = http(socks[victim], "POST", f"{API}/containers/{planted[0]['Id']}/exec",
                 json.dumps({"Cmd": ["true"]}).encode(), {"Content-Type": "application/json"})
        assert r.status == 404, r.body
    finally:
        thread.join(60)
    assert done["r"].status == 200, done["r"].body
    # Through the attacker's job socket: refused, nothing shows up.
    r = build(socks[attacker], dockerfile)
    assert r.status == 403 and b"a label only sockwarden sets" in r.body, r.body
    assert listed(socks[victim]) == []
