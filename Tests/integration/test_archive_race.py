"""`docker cp` on dockerd before 24.0 (Debian's 20.10 here): the daemon
mounts the container's volumes in the host's mount namespace for the copy,
on paths resolved in the container's root, so a process of the container
that swaps a directory on their way with a symbolic link turns the mount
onto a host path (CVE-2018-15664's class; found through ci.toml on
2026-12-02, session 20, by a red-team helper, who covered a host directory
with a job's volume that way). sockwarden refuses a copy the container, or
another, could race: a running container with a bind or volume (it can
reach a directory on their way, or one its image links to); a stopped one
with a bind, a volume another container uses, or a volume inside another;
and while a copy is in flight a start of its container (or of one sharing
its volumes) through sockwarden is refused. Copies in a running container
without binds or volumes, and in a stopped one with volumes of its own,
pass.

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
            assert "it is running and has a volume at /a/d1" in text and "CVE-2018-15664" in text and "docker exec and tar" in text, text
    # Straight to the daemon the same copy is done.
    assert put(dockerd_sock, name).status == 200


@pytest.mark.parametrize("mounts,running", [
    ([], True),                      # running, only the daemon's own /etc binds
    (["/a/d1", "/data"], False),     # stopped, volumes of its own
    ([], False),                     # stopped, nothing mounted
], ids=["running-without-volumes", "stopped-with-its-own-volumes", "stopped-without-volumes"])
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


def test_a_stopped_containers_volume_another_container_uses_is_refused(ci_sock, dockerd_sock, made):
    volume, name, other = unique("racevol"), unique("stopped"), unique("sharer")
    made.extend([name, other])
    assert http(ci_sock, "POST", f"{API}/volumes/create", json.dumps({"Name": volume}).encode(),
                {"Content-Type": "application/json"}).status == 201
    for n in (name, other):
        body = {"Image": IMAGE, "Cmd": ["sleep", "300"],
                "HostConfig": {"NetworkMode": "none", "Mounts": [{"Type": "volume", "Source": volume, "Target": "/a/d1"}]}}
        r = http(ci_sock, "POST", f"{API}/containers/create?name={n}", json.dumps(body).encode(), {"Content-Type": "application/json"})
        assert r.status == 201, r.body
    try:
        r = put(ci_sock, name)
        assert r.status == 403 and f"its volume {volume} at /a/d1 is also another container's" in message(r), (r.status, r.body[:300])
        assert put(dockerd_sock, name).status == 200
    finally:
        for n in (name, other):
            http(dockerd_sock, "DELETE", f"{API}/containers/{n}?force=1")
        http(dockerd_sock, "DELETE", f"{API}/volumes/{volume}")


def test_a_volume_inside_another_is_refused_even_stopped(ci_sock, dockerd_sock, made):
    name = unique("nest")
    made.append(name)
    create(ci_sock, name, ["/v", "/v/d1"])
    r = put(ci_sock, name)
    assert r.status == 403 and "lies inside its volume at /v" in message(r), (r.status, r.body[:300])
    assert put(dockerd_sock, name).status == 200
