"""What dockerd 20.10 leaves of a build cut before the end of its stream
(a client that hangs up, or `job close`), straight and through a job socket
(session 16, the `cutbuild` and `cutbuild2` tasks, against dockerd 20.10.24).

dockerd 20.10's classic builder cancels a build whose client went away
(`r.Context()`), but looks for it only in a `RUN` step (it kills the step's
container and removes it) and before each step
(`dispatchDockerfileWithCancellation`): the step it is in when the client
goes runs to its end. So:
- cut in a `RUN` step: no final image (the build fails there);
- cut in its last, config-only steps (a job socket's `labels`: one `LABEL`
  a key, the owner label and the seal): the daemon finishes the final
  image, with the job's label and seal. Its ID is in the part of the stream
  the client never read; since session 17 the job socket reads it (the
  daemon told of the hang-up by its write side shut) and the image is the
  job's, reaped by the close (docs/tenancy.md "A cut build").
The images of steps finished before a cut stay, as after any failed build.
Every check of the daemon's state is made straight on the daemon socket."""
import contextlib
import json
import re
import tempfile
import time

import pytest

from swhelpers import API, RawConn, http, tar_of, unique, wait_for
from test_job_mark_label import cleanup, images_labelled, q
from test_jobs import IMG, Jobs

pytestmark = pytest.mark.proxy_only

OWNER = "io.sockwarden.job"
SEAL = "io.sockwarden.seal"


def start_build(sock: str, dockerfile: str, query: str = "") -> RawConn:
    ctx = tar_of({"Dockerfile": dockerfile.encode()})
    c = RawConn(sock, timeout=60)
    c.send((f"POST {API}/build?networkmode=none&nocache=1{query} HTTP/1.1\r\nHost: docker\r\n"
            f"Content-Type: application/x-tar\r\nContent-Length: {len(ctx)}\r\n\r\n").encode() + ctx)
    return c


def read_until(c: RawConn, pattern: re.Pattern) -> bytes:
    """The build's stream as it comes, until `pattern` is in it."""
    got = b""
    while not pattern.search(got):
        data = c.sock.recv(65536)
        assert data, got[-600:]
        got += data
    return got


LAST_STEP = re.compile(rb"Step (\d+)/\1 :")
IN_SLEEP = re.compile(rb"RUN sleep 30[\s\S]*Running in ([0-9a-f]{12})")


def step_events(daemon: str, step: str, since: int) -> list[dict]:
    """The daemon's events of a step's container, up to now."""
    filters = q(json.dumps({"container": [step]}))
    r = http(daemon, "GET", f"{API}/events?since={since}&until={int(time.time()) + 1}&filters={filters}", timeout=30)
    return [json.loads(line) for line in r.body.splitlines() if line.strip()]


def cancelled(daemon: str, step: str, since: int) -> bool:
    """The step's container is gone without its `sleep 30` having ended
    (no `die` with exit code 0): the daemon's cancel killed it, or removed
    it before it started (`containerManager.Run`), and the build failed there."""
    if http(daemon, "GET", f"{API}/containers/{step}/json").status != 404:
        return False
    events = step_events(daemon, step, since)
    assert not any(e["Action"] == "die" and e["Actor"]["Attributes"].get("exitCode") == "0" for e in events), events
    return any(e["Action"] == "destroy" for e in events)


@contextlib.contextmanager
def straight_build(dockerd_sock: str, dockerfile: str, until: re.Pattern):
    """A build straight on the daemon, with a label of its own, whose client
    hangs up once `until` is in its stream: yields the label (`key=value`)
    and what was read; removes its images after."""
    straight = f"x.cutbuild={unique('straight')}"
    try:
        c = start_build(dockerd_sock, dockerfile, "&labels=" + q(json.dumps(dict([straight.split("=", 1)]))))
        try:
            got = read_until(c, until)
        finally:
            c.close()
        yield straight, got
    finally:
        cleanup(dockerd_sock, straight)


@contextlib.contextmanager
def job_socket(proxy_bin: str, dockerd_sock: str, short_tmp: str, prefix: str):
    """A serve with job sockets and one job open: yields (jobs, job, its
    socket); stops the serve and removes what carries the job's label after."""
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp)).start()
    job = unique(prefix)
    try:
        yield jobs, job, jobs.open(job)
    finally:
        jobs.proxy.stop()
        cleanup(dockerd_sock, f"{OWNER}={job}")


def build_results(jobs: Jobs) -> list[dict]:
    return [r for r in jobs.audit() if r.get("event") == "result" and r.get("route") == "build.image"]


def test_a_build_cut_by_the_close_in_a_run_step_makes_no_image(proxy_bin, dockerd_sock, image, short_tmp):
    """Straight on the daemon, a client that hangs up in a `RUN` step: the
    daemon kills the step (the build fails there) and removes its
    container, and no final image is made. Through job J's socket, `job
    close` during the step: the same (sockwarden closes its connection to
    the daemon, which cancels the build), no image with J's label, and no
    step container left. Passes on the old binary too: what the daemon does."""
    dockerfile = f"FROM {IMG}\nRUN echo {unique('run')} > /a\nRUN sleep 30\n"
    since = int(time.time()) - 1
    with straight_build(dockerd_sock, dockerfile, IN_SLEEP) as (straight, got):
        step = IN_SLEEP.search(got).group(1).decode()
        wait_for(lambda: cancelled(dockerd_sock, step, since), 20, what="the step cancelled, straight")
        assert images_labelled(dockerd_sock, straight) == []

    with job_socket(proxy_bin, dockerd_sock, short_tmp, "jr") as (jobs, job, sock):
        c = start_build(sock, dockerfile)
        try:
            step = IN_SLEEP.search(read_until(c, IN_SLEEP)).group(1).decode()
            # The close waits 5 s for the build, then cuts it.
            jobs.job("close", "--id", job)
        finally:
            c.close()
        wait_for(lambda: cancelled(dockerd_sock, step, since), 20, what="the cut build's step cancelled")
        assert images_labelled(dockerd_sock, f"{OWNER}={job}") == []


def test_a_build_cut_at_its_last_step_still_gives_the_job_its_image(proxy_bin, dockerd_sock, image, short_tmp):
    """Straight on the daemon, a build whose client hangs up once the stream
    shows its last step ends in its final image all the same. Through job
    J's socket the same build ends in an image with J's label and seal
    that is J's: the job socket tells the daemon (its write side shut,
    which cancels the build as the hang-up did) and reads the rest of the
    stream for the image's ID (`Connection.endCutBuild`). Inspectable on J's
    socket, and `job close` removes it. The build's result record says so.
    (The old binary left that image to no one: 404 on J's socket, not
    reaped by the close; a per-build mark that would have closed it was
    not taken: docs/tenancy.md "A cut build".)"""
    dockerfile = f"FROM {IMG}\nRUN echo {unique('cut')} > /a\n"
    with straight_build(dockerd_sock, dockerfile, LAST_STEP) as (straight, _):
        wait_for(lambda: images_labelled(dockerd_sock, straight), 20, what="the cut build's image, straight")

    with job_socket(proxy_bin, dockerd_sock, short_tmp, "jc") as (jobs, job, sock):
        c = start_build(sock, dockerfile)
        try:
            read_until(c, LAST_STEP)
        finally:
            c.close()
        sealed = (f"{OWNER}={job}", SEAL)
        wait_for(lambda: images_labelled(dockerd_sock, *sealed), 20, what="the cut build's image")
        made = images_labelled(dockerd_sock, *sealed)
        assert len(made) == 1, made
        image_id = made[0]["Id"]
        results = wait_for(lambda: build_results(jobs), 20, what="the cut build's result record")
        assert results[-1]["error"] == f"client went away mid-build; the daemon finished image {image_id} all the same: recorded as job {job}'s", results[-1]
        assert http(sock, "GET", f"{API}/images/{image_id}/json").status == 200
        jobs.job("close", "--id", job)
        assert images_labelled(dockerd_sock, *sealed) == []


IN_SLEEP_300 = re.compile(rb"RUN sleep 300[\s\S]*Running in ([0-9a-f]{12})")


def test_a_cut_build_the_daemon_goes_on_with_is_let_go(proxy_bin, dockerd_sock, image, short_tmp):
    """A request pipelined behind a job's build, then the client gone: Go's
    server reads the pipelined bytes, not an EOF, so the daemon does not
    cancel the build (`RUN sleep 300` goes on, silent). The job socket
    waits for the rest of the stream only so long (30 s after the cut),
    then lets the connection go and says so in the build's result record.
    (A first version of the drain read the silent daemon connection with no
    time limit: the connection, its threads and its slot were held for as
    long as the build ran.)"""
    dockerfile = f"FROM {IMG}\nRUN echo {unique('go-on')} > /a\nRUN sleep 300\n"
    step = None
    try:
        with job_socket(proxy_bin, dockerd_sock, short_tmp, "jg") as (jobs, job, sock):
            c = start_build(sock, dockerfile)
            try:
                step = IN_SLEEP_300.search(read_until(c, IN_SLEEP_300)).group(1).decode()
                c.send(f"GET {API}/_ping HTTP/1.1\r\nHost: docker\r\n\r\n".encode())
                time.sleep(0.5)  # the ping reaches the daemon behind the build before the client goes
            finally:
                c.close()
            results = wait_for(lambda: build_results(jobs), 60, what="the cut build's result record")
            assert results[-1]["error"].startswith("client went away mid-build; the rest of the daemon's stream did not come within 30 s"), results[-1]
            # The build itself went on: its step is still running on the daemon.
            inspect = http(dockerd_sock, "GET", f"{API}/containers/{step}/json")
            assert inspect.status == 200 and json.loads(inspect.body)["State"]["Running"], inspect.body[:300]
    finally:
        if step:
            http(dockerd_sock, "DELETE", f"{API}/containers/{step}?force=1")
