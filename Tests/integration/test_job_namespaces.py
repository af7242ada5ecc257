"""`container:` namespaces on job sockets, after a review that reproduced this
against dockerd 20.10: the daemon stores the target's full ID at create only
when its lookup succeeds then, and otherwise keeps the name as written and
looks it up again (name, then ID prefix) at every start, restarts of the
restart policy included, which sockwarden never sees. A job could then join
another job's network namespace. These policies allow joining namespaces
(`join-namespaces = true`), so tenancy, not the policy, must pin them.

Every check is made on the daemon's state, straight from the daemon socket."""
import json
import os
import tempfile

import pytest

from swhelpers import API, http, unique
from test_jobs import IMG, POLICIES, Jobs, jobs, post  # noqa: F401 - the fixture is used by name
from test_job_networks import Relay, on_daemon

pytestmark = pytest.mark.proxy_only
MODES = ("NetworkMode", "PidMode", "IpcMode")


def joining_policy(short_tmp: str, mode: str = "enforce") -> str:
    text = open(os.path.join(POLICIES, "ci.toml"), encoding="utf-8").read()
    text = text.replace("join-namespaces = false", "join-namespaces = true").replace('mode = "enforce"', f'mode = "{mode}"')
    fd, path = tempfile.mkstemp(suffix=".toml", dir=short_tmp)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def container(sock: str, name: str, **host_config):
    return post(sock, f"{API}/containers/create?name={name}",
                {"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none", **host_config}})


def test_a_container_namespace_is_stored_as_the_full_id_the_check_found(jobs, dockerd_sock, proxy_bin, short_tmp):  # noqa: F811
    """A's create names its own container by name; the name is gone by the
    time the daemon reads the create (renamed just after sockwarden's check),
    so the daemon could not pin it itself: sockwarden must have."""
    d = tempfile.mkdtemp(dir=short_tmp)
    target, joiner = unique("ns-t"), unique("ns-j")
    relay = Relay(os.path.join(d, "relay.sock"), dockerd_sock, f"name={joiner}".encode(),
                  lambda: http(dockerd_sock, "POST", f"{API}/containers/{target}/rename?name={target}-moved", b""))
    proxied = Jobs(proxy_bin, os.path.join(d, "relay.sock"), d).start()
    try:
        a = proxied.open(unique("ns"), "--policy", joining_policy(short_tmp))
        assert container(a, target).status == 201
        target_id = on_daemon(dockerd_sock, "containers", target)["Id"]
        r = container(a, joiner, **{mode: f"container:{target}" for mode in MODES})
        assert relay.fired
        assert r.status == 201, r.body
        stored = on_daemon(dockerd_sock, "containers", joiner)["HostConfig"]
        assert {mode: stored[mode] for mode in MODES} == {mode: f"container:{target_id}" for mode in MODES}, stored
    finally:
        for name in (joiner, f"{target}-moved", target):
            http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")
        proxied.proxy.stop()
        relay.close()


def test_a_start_refuses_a_namespace_stored_by_name(jobs, dockerd_sock, short_tmp):
    """A container with A's label that stored `container:<name>` (as an
    earlier sockwarden let it be created; made here on the daemon socket):
    its start is refused even when the name is A's own container now, since
    the restart policy would look the name up again later. Since a container
    is a job's only when the job's socket created it (recorded ID,
    `test_job_container_owner.py`), it is not A's at all: the daemon's 404
    for a missing container."""
    ja = unique("ns")
    a = jobs.open(ja, "--policy", joining_policy(short_tmp))
    target, joiner = unique("ns-t"), unique("ns-j")
    r = post(dockerd_sock, f"{API}/containers/create?name={joiner}",
             {"Image": IMG, "Cmd": ["sleep", "300"], "Labels": {"io.sockwarden.job": ja},
              "HostConfig": {"NetworkMode": f"container:{target}"}})
    assert r.status == 201, r.body
    assert on_daemon(dockerd_sock, "containers", joiner)["HostConfig"]["NetworkMode"] == f"container:{target}"
    assert container(a, target).status == 201
    assert http(a, "POST", f"{API}/containers/{target}/start", b"").status == 204
    for route in ("start", "restart?t=0"):
        r = http(a, "POST", f"{API}/containers/{joiner}/{route}", b"")
        assert r.status == 404 and json.loads(r.body)["message"] == f"No such container: {joiner}", (route, r.status, r.body)
        assert on_daemon(dockerd_sock, "containers", joiner)["State"]["Running"] is False, route
    # Created through the job socket, the same join is pinned and starts.
    pinned = unique("ns-p")
    assert container(a, pinned, NetworkMode=f"container:{target}").status == 201
    assert http(a, "POST", f"{API}/containers/{pinned}/start", b"").status == 204


def test_a_container_may_not_be_named_like_a_full_id(jobs, dockerd_sock):
    """The daemon looks a stored `container:<full ID>` up as a name once the
    container with that ID is gone: no job may take such a name."""
    a = jobs.open(unique("ns"))
    full = "c" * 64
    for name in (full, "/" + full):
        r = container(a, name)
        assert r.status == 403 and b"full container ID" in r.body, r.body
    assert on_daemon(dockerd_sock, "containers", full) is None
    own = unique("ns-r")
    assert container(a, own).status == 201
    r = http(a, "POST", f"{API}/containers/{own}/rename?name={full}", b"")
    assert r.status == 403 and b"full container ID" in r.body, r.body
    assert on_daemon(dockerd_sock, "containers", full) is None


def test_old_api_top_level_host_config_is_refused_whatever_the_mode(jobs, dockerd_sock, short_tmp):
    """Under a warn-mode policy the old-API form would be forwarded as sent,
    and tenancy reads only `HostConfig`: another job's namespace named at the
    top level must not be joined."""
    b = jobs.open(unique("nb"))
    victim = unique("nb-c")
    assert container(b, victim).status == 201
    victim_id = on_daemon(dockerd_sock, "containers", victim)["Id"]
    a = jobs.open(unique("na"), "--policy", joining_policy(short_tmp, "warn"))
    joiner = unique("na-j")
    r = post(a, f"{API}/containers/create?name={joiner}",
             {"Image": IMG, "Cmd": ["sleep", "300"], "NetworkMode": f"container:{victim_id}"})
    assert r.status == 400 and b"top level" in r.body, r.body
    assert on_daemon(dockerd_sock, "containers", joiner) is None
