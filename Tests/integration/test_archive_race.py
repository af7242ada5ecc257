"""`docker cp` on dockerd before 24.0 (Debian's 20.10 here): the daemon
mounts the container's volumes in the host's mount namespace for the copy,
on paths resolved in the container's root, so a process of the container
that swaps a directory on their way with a symbolic link turns the mount
onto a host path (CVE-2018-15664's class; found through ci.toml on
2026-12-02, session 20, by a red-team helper, who covered a host directory
with a job's volume that way). sockwarden refuses a copy the container
could race: a running one whose volume lies below a directory it made
itself, or any whose volume lies below a directory inside another of its
mounts; and while a copy is in flight a start of its container through
sockwarden is refused, so a container stopped when the copy was checked
cannot start a process that races it. Ordinary copies pass.

Differential: straight to the daemon the refused copies are done. The race
itself is not run here (it needs a swapping binary and leaves host mounts
behind); the unit table `ArchiveRaceTests` holds the rule. The start guard
is unit-tested only (`ArchiveRaceGuardTests`): the window it closes, between
sockwarden's check of a copy and the daemon taking the container for it
(after which the daemon's own lock keeps a start waiting), is too narrow to
hit on purpose here."""
import json

import pytest

from swhelpers import API, IMAGE, http, tar_of, unique

pytestmark = pytest.mark.proxy_only


def create(sock: str, name: str, mounts: list[str], cmd=("sleep", "300")) -> str:
    body = {"Image": IMAGE, "Cmd": list(cmd),
            "HostConfig": {"NetworkMode": "none", "Mounts": [{"Type": "volume", "Target": t} for t in mounts]}}
    r = http(sock, "POST", f"{API}/containers/create?name={name}", json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert r.status == 201, r.body
    return json.loads(r.body)["Id"]


def put(sock: str, container: str, path: str = "/"):
    return http(sock, "PUT", f"{API}/containers/{container}/archive?path={path}", tar_of({"copied": b"x"}),
                {"Content-Type": "application/x-tar"})


def message(r) -> str:
    return json.loads(r.body)["message"]


@pytest.fixture
def made(dockerd_sock):
    names: list[str] = []
    yield names
    for name in names:
        http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1&v=1")


def test_a_copy_a_running_container_could_race_is_refused(ci_sock, dockerd_sock, made):
    name = unique("race")
    made.append(name)
    create(ci_sock, name, ["/a/d1"])
    assert http(ci_sock, "POST", f"{API}/containers/{name}/start", b"").status == 204
    for method, target in (("PUT", None), ("GET", f"/containers/{name}/archive?path=/etc"),
                           ("HEAD", f"/containers/{name}/archive?path=/etc")):
        r = put(ci_sock, name) if method == "PUT" else http(ci_sock, method, API + target)
        assert r.status == 403, (method, r.status, r.body[:300])
        if method != "HEAD":
            text = message(r)
            assert "it made the directory /a" in text and "CVE-2018-15664" in text and "docker exec and tar" in text, text
    # Straight to the daemon the same copy is done.
    assert put(dockerd_sock, name).status == 200


@pytest.mark.parametrize("mounts,running", [
    (["/data"], True),          # right under /: no directory on the way
    (["/etc/d1"], True),        # /etc is the image's (and the daemon's init layer's): it cannot be renamed
    (["/v", "/v/d1"], True),    # the way goes through a mount point
    (["/a/d1"], False),         # stopped: no process to rename anything
    ([], True),                 # no volume at all
], ids=["volume-under-root", "volume-under-an-image-directory", "volume-in-a-volume", "stopped", "no-volume"])
def test_ordinary_copies_pass(ci_sock, made, mounts, running):
    name = unique("cp")
    made.append(name)
    create(ci_sock, name, mounts)
    if running:
        assert http(ci_sock, "POST", f"{API}/containers/{name}/start", b"").status == 204
    r = put(ci_sock, name)
    assert r.status == 200, (r.status, r.body[:300])
    r = http(ci_sock, "GET", f"{API}/containers/{name}/archive?path=/copied")
    assert r.status == 200 and b"copied" in r.body[:512], (r.status, r.body[:300])


def test_a_volume_reached_through_another_mount_is_refused_even_stopped(ci_sock, dockerd_sock, made):
    name = unique("nest")
    made.append(name)
    create(ci_sock, name, ["/v", "/v/x/d1"])
    r = put(ci_sock, name)
    assert r.status == 403 and "inside its mount at /v" in message(r), (r.status, r.body[:300])
    assert put(dockerd_sock, name).status == 200
