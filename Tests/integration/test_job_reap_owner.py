"""`job close` and a job's event stream go by the containers the job's socket
created, not by the owner label (found 2026-12-01, reproduced against dockerd
20.10.24). A container takes its image's labels, so one the runner creates,
straight on the daemon, from an image a job built carries
`io.sockwarden.job=<job>`: the close removed it (a job causing the removal of
a container it does not own), and the job's `GET /events` showed its events.

Differential: straight on the daemon the runner's container is there (and
its events are in the daemon's stream); through the job's socket its events
are not shown and the close leaves it, while the job's own container, made
from the same image, is shown (its create event too, which the daemon sends
before the proxy has read the create's answer) and removed. Every check of
the daemon's state is made straight on the daemon socket."""
import json
import urllib.parse

import pytest

from swhelpers import API, RawConn, http, wait_for
from test_job_container_owner import built_image, run  # noqa: F401 - the fixture is used by name
from test_jobs import inspect, jobs  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only


class EventStream:
    """A `GET /events` stream, read message by message."""

    def __init__(self, sock: str, filters: dict, version: str = "HTTP/1.1"):
        self.conn = RawConn(sock, timeout=60)
        q = urllib.parse.quote(json.dumps(filters))
        self.conn.send(f"GET {API}/events?filters={q} {version}\r\nHost: docker\r\n\r\n".encode())
        head = self.conn.read_head()
        assert head.status == 200, head
        # HTTP/1.1: chunked; HTTP/1.0: the stream runs until the connection closes.
        self.chunked = "chunked" in (head.header("transfer-encoding") or "").lower()
        assert self.chunked == (version == "HTTP/1.1"), head
        self.data = b""

    def next(self) -> dict:
        while b"\n" not in self.data:
            if not self.chunked:
                self.data += self.conn.read_until(b"\n", limit=1 << 20)
                continue
            size = int(self.conn.read_until(b"\r\n", limit=4096).split(b";")[0].strip(), 16)
            assert size > 0, "the event stream ended"
            self.data += self.conn.read_exact(size)
            assert self.conn.read_exact(2) == b"\r\n"
        line, _, self.data = self.data.partition(b"\n")
        return json.loads(line)

    def until(self, predicate) -> list[dict]:
        """Every message up to and including the first `predicate` holds for
        (the read times out, failing the test, if none comes)."""
        seen = []
        while True:
            event = self.next()
            seen.append(event)
            if predicate(event):
                return seen

    def close(self):
        self.conn.close()


def test_job_close_leaves_the_container_the_runner_made_from_the_jobs_image(jobs, built_image, dockerd_sock):
    job, sock, tag = built_image
    runner, own = "runner-" + job, job + "-own"
    runner_id = run(dockerd_sock, runner, tag)
    assert inspect(dockerd_sock, runner)["Config"]["Labels"]["io.sockwarden.job"] == job
    own_id = run(sock, own, tag)
    # The job's image stays too (the daemon refuses to remove an image a
    # running container uses, 409): the close says so and exits non-zero.
    out = jobs.job("close", "--id", job, check=False)
    # The runner's container is there and running; the job's own is gone.
    left = inspect(dockerd_sock, runner)
    assert left is not None and left["State"]["Running"], (out.stdout, out.stderr)
    assert inspect(dockerd_sock, own) is None
    # The reap records are written behind the close's answer: waited for.
    reaps = wait_for(lambda: (lambda rs: rs if any(r["target"] == f"/containers/{own_id}" for r in rs) else None)(
        [r for r in jobs.audit() if r.get("rule") == "job-reap"]), 10, what="the close's reap records")
    assert {r["target"] for r in reaps if "/containers/" in r["target"]} == {f"/containers/{own_id}"}, reaps
    assert not any(runner_id in r["target"] for r in reaps), reaps


@pytest.mark.parametrize("version", ["HTTP/1.1", "HTTP/1.0"])
def test_the_jobs_event_stream_shows_its_own_containers_not_the_runners(jobs, built_image, dockerd_sock, version):
    job, sock, tag = built_image
    runner, own, last = "runner-" + job, job + "-own", job + "-last"
    on_job = EventStream(sock, {"type": ["container"]}, version)
    straight = EventStream(dockerd_sock, {"type": ["container"], "label": [f"io.sockwarden.job={job}"]})
    try:
        own_id = run(sock, own, tag)
        runner_id = run(dockerd_sock, runner, tag)
        http(dockerd_sock, "POST", f"{API}/containers/{runner}/kill", b"")
        last_id = run(sock, last, tag)

        def last_started(event):
            return event.get("Action") == "start" and event["Actor"]["ID"] == last_id
        daemon_saw = straight.until(last_started)
        job_saw = on_job.until(last_started)
    finally:
        on_job.close()
        straight.close()
    # Straight on the daemon, the job's label filter shows the runner's container.
    assert any(e["Actor"]["ID"] == runner_id for e in daemon_saw), daemon_saw
    # On the job's socket: its own containers' events, each create included, none of the runner's.
    actions = [(e["Actor"]["ID"], e["Action"]) for e in job_saw]
    assert not any(i == runner_id for i, _ in actions), actions
    for cid in (own_id, last_id):
        assert (cid, "create") in actions and (cid, "start") in actions, actions
    # No marker sockwarden puts on a create is shown.
    assert not any(k.startswith("io.sockwarden.create") for e in job_saw for k in e["Actor"]["Attributes"]), job_saw
