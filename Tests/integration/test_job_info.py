"""`GET /info` on a job socket. dockerd counts every container and image on
it (`Containers`, `ContainersRunning`, `ContainersPaused`,
`ContainersStopped`, `Images`), so a job polling `/info` watched other jobs'
and the runner's containers being created, started, stopped and removed,
and their images being built and deleted, as it happened. On a job socket
those counts are the job's own: its containers by state, and the images in
its view. `NEventsListener` (the event streams open on the daemon), `NFd`
and `NGoroutines` moved with every other client's streams and requests: on a
job socket they are 0. Each check is made against the daemon's own state."""
import json

import pytest

from swhelpers import API, RawConn, build_request, http, tar_of, unique, wait_for
from test_jobs import Jobs, create, inspect, jobs, post  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.proxy_only

COUNTS = ("Containers", "ContainersRunning", "ContainersPaused", "ContainersStopped", "Images")


def counts(sock: str) -> dict:
    r = http(sock, "GET", f"{API}/info")
    assert r.status == 200, r.body[:300]
    info = json.loads(r.body)
    return {k: info[k] for k in COUNTS}


def view_images(sock: str) -> int:
    return len(json.loads(http(sock, "GET", f"{API}/images/json?all=1").body))


def test_info_counts_only_the_jobs_own_containers_and_the_images_it_sees(jobs, dockerd_sock):
    a, b = unique("ja"), unique("jb")
    sa, sb = jobs.open(a), jobs.open(b)
    mine = [f"{a}-run", f"{a}-stopped"]
    for name in mine:
        assert create(sa, name).status == 201
    assert http(sa, "POST", f"{API}/containers/{mine[0]}/start", b"").status == 204
    own = {"Containers": 2, "ContainersRunning": 1, "ContainersPaused": 0, "ContainersStopped": 1,
           "Images": view_images(sa)}
    assert counts(sa) == own

    # Another job's and the runner's work: containers created, started, paused;
    # an image built. None of it shows in job A's counts.
    daemon_before = counts(dockerd_sock)
    for i in range(3):
        assert create(sb, f"{b}-{i}").status == 201
        assert http(sb, "POST", f"{API}/containers/{b}-{i}/start", b"").status == 204
    assert http(sb, "POST", f"{API}/containers/{b}-0/pause", b"").status == 204
    runner = unique("runner")
    assert post(dockerd_sock, f"{API}/containers/create?name={runner}",
                {"Image": "swtest/busybox", "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none"}}).status == 201
    try:
        built = http(sb, "POST", f"{API}/build?t={b}-img:1&rm=1",
                     tar_of({"Dockerfile": b"FROM swtest/busybox\nRUN echo step > /f\n"}),
                     {"Content-Type": "application/x-tar"})
        assert built.status == 200 and b'"errorDetail"' not in built.body, built.body[-300:]
        daemon_after = counts(dockerd_sock)
        assert daemon_after["Containers"] == daemon_before["Containers"] + 4, daemon_after
        assert daemon_after["ContainersPaused"] == daemon_before["ContainersPaused"] + 1, daemon_after
        assert daemon_after["Images"] > daemon_before["Images"], daemon_after
        assert counts(sa) == own
        # Job B sees its own: three containers (one paused) and its image.
        assert counts(sb) == {"Containers": 3, "ContainersRunning": 2, "ContainersPaused": 1, "ContainersStopped": 0,
                              "Images": view_images(sb)}
        assert view_images(sb) == view_images(sa) + 1
    finally:
        http(dockerd_sock, "DELETE", f"{API}/containers/{runner}?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/{b}-img:1?force=1")

    # The rest of the answer is the daemon's.
    info = json.loads(http(sa, "GET", f"{API}/info").body)
    daemon = json.loads(http(dockerd_sock, "GET", f"{API}/info").body)
    for key in ("ID", "Driver", "DockerRootDir", "ServerVersion", "OperatingSystem", "CgroupVersion"):
        assert info[key] == daemon[key], key


ACTIVITY = ("NEventsListener", "NFd", "NGoroutines")


def test_info_does_not_count_other_clients_event_streams_files_or_goroutines(jobs, dockerd_sock):
    a, b = jobs.open(unique("ja")), jobs.open(unique("jb"))
    before = json.loads(http(dockerd_sock, "GET", f"{API}/info").body)["NEventsListener"]
    streams = [RawConn(sock, 30) for sock in (b, b, dockerd_sock)]
    try:
        for conn in streams:
            conn.send(build_request("GET", f"{API}/events"))
            assert b" 200 " in conn.read_until(b"\r\n\r\n")
        # The daemon counts the three streams: job B's two, through its socket, and the runner's.
        wait_for(lambda: json.loads(http(dockerd_sock, "GET", f"{API}/info").body)["NEventsListener"] >= before + 3,
                 10, what="the daemon to count the event streams")
        daemon = json.loads(http(dockerd_sock, "GET", f"{API}/info").body)
        assert daemon["NFd"] > 0 and daemon["NGoroutines"] > 0, daemon
        info = json.loads(http(a, "GET", f"{API}/info").body)
        assert {k: info[k] for k in ACTIVITY} == {k: 0 for k in ACTIVITY}, {k: info[k] for k in ACTIVITY}
    finally:
        for conn in streams:
            conn.close()
