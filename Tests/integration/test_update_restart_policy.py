"""A restart policy set by `docker update` starts a container the job may not start.

A start (or restart) of a container with host access is judged by that
container (`test_target_container.py`): an operator's stopped container that
binds a host directory runs its own command with that access, so ci.toml
refuses to start it for a job. `POST /containers/{id}/update` with
`{"RestartPolicy":{"Name":"always"}}` was forwarded without looking at the
container, and dockerd 20.10.24 stores the policy and acts on it: a container
stopped by hand whose policy is `always` is started again when the daemon
restarts (and one whose policy is `on-failure`, having exited non-zero). So
the job had the daemon start, at its next restart, what the job could not.
Its resources do it too: an update of the memory limit of a running
`--restart always` agent ended it (out of memory) and its own policy started
it again. An update is now judged by its container, like a start.

Differential, on a daemon of its own (it is restarted): two such containers;
straight to the daemon one gets `always`, through the proxy the other is
refused; after the daemon restarts, the first has run its command again
(a second line in the host directory) and the second has not.

`docker kill` is the other way to it: a kill with a signal other than the
container's stop signal (`StopSignal`; any but SIGKILL) does not disarm the
restart policy (`ExitOnNext` only for the stop signal), so an operator's
running `--restart always` agent whose restart ci.toml refuses was restarted
by the daemon after `kill -s TERM` (its command ran again). A kill is now
judged by its container too: straight to the daemon it runs again, through
the proxy the kill is refused and it keeps running, unrestarted."""
import json
import os
import subprocess
import tempfile

import pytest

from swhelpers import API, REPO, force_remove, http, ping, unique, wait_for

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"
ALWAYS = json.dumps({"RestartPolicy": {"Name": "always"}}).encode()


@pytest.fixture
def ci_proxy(proxy_factory):
    return proxy_factory(policy="ci.toml")


def state(sock, name) -> dict:
    r = http(sock, "GET", f"{API}/containers/{name}/json")
    assert r.status == 200, r
    return json.loads(r.body)


def operator_container(sock, name, host_dir) -> None:
    """An operator's container binding a host directory: started once (it writes a line), then stopped."""
    body = json.dumps({"Image": IMG, "Cmd": ["sh", "-c", f"echo ran >> /h/{name}; exec sleep 300"],
                       "HostConfig": {"NetworkMode": "none", "Binds": [f"{host_dir}:/h"]}}).encode()
    r = http(sock, "POST", f"{API}/containers/create?name={name}", body)
    assert r.status == 201, r
    assert http(sock, "POST", f"{API}/containers/{name}/start").status == 204
    wait_for(lambda: os.path.exists(os.path.join(host_dir, name)), 20, what=f"{name} ran")
    assert http(sock, "POST", f"{API}/containers/{name}/stop?t=0").status == 204


def runs(host_dir, name) -> int:
    try:
        with open(os.path.join(host_dir, name)) as f:
            return len(f.read().split())
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("policy", ["always", "on-failure", "unless-stopped"])
def test_a_restart_policy_on_a_container_with_host_access_is_refused(ci_proxy, dockerd_sock, policy):
    name = unique("oprst")
    with tempfile.TemporaryDirectory(prefix="swrst") as host_dir:
        try:
            operator_container(dockerd_sock, name, host_dir)
            r = http(ci_proxy.sock, "POST", f"{API}/containers/{name}/update",
                     json.dumps({"RestartPolicy": {"Name": policy}}).encode())
            assert r.status == 403, r
            assert b"a container a job may not create" in r.body and b"restart policy" in r.body, r.body
            assert state(dockerd_sock, name)["HostConfig"]["RestartPolicy"]["Name"] in ("", "no")
        finally:
            force_remove(dockerd_sock, name)


def test_a_job_updates_its_own_container(ci_proxy, dockerd_sock):
    own = unique("own")
    try:
        body = json.dumps({"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}).encode()
        assert http(ci_proxy.sock, "POST", f"{API}/containers/create?name={own}", body).status == 201
        for update in (ALWAYS, json.dumps({"Memory": 64 << 20, "MemorySwap": -1}).encode()):
            r = http(ci_proxy.sock, "POST", f"{API}/containers/{own}/update", update)
            assert r.status == 200, (update, r)
        hc = state(dockerd_sock, own)["HostConfig"]
        assert hc["RestartPolicy"]["Name"] == "always" and hc["Memory"] == 64 << 20
    finally:
        force_remove(dockerd_sock, own)


def hungry_agent(sock, name, host_dir) -> None:
    """An operator's `--restart always` agent binding a host directory that allocates
    30 MB once the test says so (a file `go`), then writes `allocated`."""
    script = (f"echo ran >> /h/{name}; while [ ! -e /h/go ]; do sleep 0.1; done; "
              f"x=$(head -c 30000000 /dev/zero | tr '\\000' a); echo allocated >> /h/{name}.alloc; exec sleep 300")
    body = json.dumps({"Image": IMG, "Cmd": ["sh", "-c", script],
                       "HostConfig": {"NetworkMode": "none", "RestartPolicy": {"Name": "always"},
                                      "Binds": [f"{host_dir}:/h"]}}).encode()
    r = http(sock, "POST", f"{API}/containers/create?name={name}", body)
    assert r.status == 201, r
    assert http(sock, "POST", f"{API}/containers/{name}/start").status == 204
    wait_for(lambda: runs(host_dir, name) == 1, 20, what=f"{name} ran")


SMALL = json.dumps({"Memory": 8 << 20, "MemorySwap": 8 << 20}).encode()


def test_the_daemon_restarts_an_agent_that_new_limits_end(dockerd_sock):
    name = unique("opmem")
    with tempfile.TemporaryDirectory(prefix="swrst") as host_dir:
        try:
            hungry_agent(dockerd_sock, name, host_dir)
            assert http(dockerd_sock, "POST", f"{API}/containers/{name}/update", SMALL).status == 200
            open(os.path.join(host_dir, "go"), "w").close()
            wait_for(lambda: runs(host_dir, name) >= 2, 30, what="the agent ran again")
            assert state(dockerd_sock, name)["State"]["OOMKilled"]
        finally:
            force_remove(dockerd_sock, name)


def test_an_update_of_a_container_with_host_access_is_refused(ci_proxy, dockerd_sock):
    name = unique("opmem")
    with tempfile.TemporaryDirectory(prefix="swrst") as host_dir:
        try:
            hungry_agent(dockerd_sock, name, host_dir)
            r = http(ci_proxy.sock, "POST", f"{API}/containers/{name}/update", SMALL)
            assert r.status == 403, r
            assert b"a container a job may not create" in r.body and b"out of memory" in r.body, r.body
            open(os.path.join(host_dir, "go"), "w").close()
            wait_for(lambda: os.path.exists(os.path.join(host_dir, name + ".alloc")), 30, what="the agent allocated")
            s = state(dockerd_sock, name)
            assert s["State"]["Running"] and not s["State"]["OOMKilled"] and s["RestartCount"] == 0
            assert s["HostConfig"]["Memory"] == 0 and runs(host_dir, name) == 1
        finally:
            force_remove(dockerd_sock, name)


@pytest.fixture
def own_dockerd():
    """A private dockerd of this test's own (it is restarted), stopped and removed afterwards."""
    d = tempfile.mkdtemp(prefix="swr", dir="/tmp")
    script = str(REPO / "scripts" / "start-private-dockerd")
    subprocess.run([script, d], check=True, stdout=subprocess.DEVNULL, timeout=150)
    try:
        yield d
    finally:
        subprocess.run([script, "stop", d], stdout=subprocess.DEVNULL, timeout=150)


def restart(script_dir: str) -> str:
    sock = os.path.join(script_dir, "docker.sock")
    with open(os.path.join(script_dir, "pid")) as f:
        pid = int(f.read())
    os.kill(pid, 15)
    wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 60, what="dockerd stopped")
    subprocess.run([str(REPO / "scripts" / "start-private-dockerd"), script_dir], check=True,
                   stdout=subprocess.DEVNULL, timeout=150)
    assert ping(sock)
    return sock


def test_the_daemon_starts_what_the_policy_set_at_its_restart(proxy_factory, own_dockerd):
    sock = os.path.join(own_dockerd, "docker.sock")
    proxy = proxy_factory(policy="ci.toml", upstream=sock)
    straight, proxied = unique("opst"), unique("oppx")
    with tempfile.TemporaryDirectory(prefix="swrst") as host_dir:
        os.chmod(host_dir, 0o755)
        operator_container(sock, straight, host_dir)
        operator_container(sock, proxied, host_dir)
        assert http(proxy.sock, "POST", f"{API}/containers/{proxied}/start").status == 403
        assert http(sock, "POST", f"{API}/containers/{straight}/update", ALWAYS).status == 200
        assert http(proxy.sock, "POST", f"{API}/containers/{proxied}/update", ALWAYS).status == 403
        restart(own_dockerd)
        wait_for(lambda: runs(host_dir, straight) == 2, 30, what="the straight container ran again")
        assert state(sock, straight)["State"]["Running"]
        assert not state(sock, proxied)["State"]["Running"]
        assert runs(host_dir, proxied) == 1
        for name in (straight, proxied):
            force_remove(sock, name)


def running_operator_agent(sock, name, host_dir) -> None:
    """An operator's `--restart always` agent binding a host directory, with a stop signal
    of its own (an image's STOPSIGNAL) and an init that passes other signals on."""
    body = json.dumps({"Image": IMG, "Cmd": ["sh", "-c", f"echo ran >> /h/{name}; exec sleep 300"],
                       "StopSignal": "SIGUSR2",
                       "HostConfig": {"NetworkMode": "none", "Init": True, "RestartPolicy": {"Name": "always"},
                                      "Binds": [f"{host_dir}:/h"]}}).encode()
    r = http(sock, "POST", f"{API}/containers/create?name={name}", body)
    assert r.status == 201, r
    assert http(sock, "POST", f"{API}/containers/{name}/start").status == 204
    wait_for(lambda: runs(host_dir, name) == 1, 20, what=f"{name} ran")


def test_the_daemon_restarts_a_killed_agent_by_its_policy(dockerd_sock):
    name = unique("opkill")
    with tempfile.TemporaryDirectory(prefix="swrst") as host_dir:
        try:
            running_operator_agent(dockerd_sock, name, host_dir)
            assert http(dockerd_sock, "POST", f"{API}/containers/{name}/kill?signal=TERM").status == 204
            wait_for(lambda: runs(host_dir, name) == 2, 30, what="the agent ran again")
            assert state(dockerd_sock, name)["RestartCount"] == 1
        finally:
            force_remove(dockerd_sock, name)


# (action, query): a kill with any signal but SIGKILL, and a stop, which from API
# 1.42 takes a `signal` too: dockerd 20.10 ignores a stop's `signal`; 28.x sends it
# instead of the container's stop signal, and then, as after a kill, its restart
# policy starts it again. Each is judged by its container.
REFUSED = [("kill", "signal=TERM"), ("kill", "signal=15"), ("kill", "signal=SIGHUP"), ("kill", ""),
           ("stop", "t=0"), ("stop", "signal=TERM&t=0")]


@pytest.mark.parametrize("action,query", REFUSED, ids=[f"{a}?{q}" for a, q in REFUSED])
def test_a_kill_or_stop_of_a_container_with_host_access_is_refused(ci_proxy, dockerd_sock, action, query):
    name = unique(f"op{action}")
    with tempfile.TemporaryDirectory(prefix="swrst") as host_dir:
        try:
            running_operator_agent(dockerd_sock, name, host_dir)
            r = http(ci_proxy.sock, "POST", f"{API}/containers/{name}/{action}?{query}")
            assert r.status == 403, r
            assert b"a container a job may not create" in r.body and action.encode() in r.body, r.body
            s = state(dockerd_sock, name)
            assert s["State"]["Running"] and s["RestartCount"] == 0 and runs(host_dir, name) == 1
        finally:
            force_remove(dockerd_sock, name)


OWN = [("kill", "signal=KILL"), ("stop", "t=0")]


@pytest.mark.parametrize("action,query", OWN, ids=[a for a, _ in OWN])
def test_a_job_kills_or_stops_its_own_container(ci_proxy, dockerd_sock, action, query):
    name = unique("own")
    try:
        body = json.dumps({"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": "none"}}).encode()
        assert http(ci_proxy.sock, "POST", f"{API}/containers/create?name={name}", body).status == 201
        assert http(ci_proxy.sock, "POST", f"{API}/containers/{name}/start").status == 204
        r = http(ci_proxy.sock, "POST", f"{API}/containers/{name}/{action}?{query}")
        assert r.status == 204, r
        if action == "stop":
            # A stop returns once the container has stopped (a kill only sends the signal).
            assert not state(dockerd_sock, name)["State"]["Running"]
    finally:
        force_remove(dockerd_sock, name)
