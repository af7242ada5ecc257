"""Networks and container limits on job sockets, after a review that reproduced
these against dockerd 20.10: dockerd keeps a container's networks by NAME and
looks each up again at every start (exact ID, exact name, then ID prefix), so
a job could make a name it checked as its own resolve to another job's
network by then; a network connect's `Container` was forwarded as sent, so it
could resolve to another job's container once the job removed its own; and a
container update could raise a container past the job's quotas.

Every check is made on the daemon's state, straight from the daemon socket.
Networks are internal and no container sends anything."""
import json
import os
import socket
import tempfile
import threading

import pytest

from swhelpers import API, http, unique, wait_for
from test_jobs import IMG, POLICIES, Jobs, jobs, post  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.proxy_only
MB = 1 << 20


def network(sock: str, name: str):
    return post(sock, f"{API}/networks/create", {"Name": name, "Internal": True})


def container(sock: str, name: str, network_mode: str = "none", **host_config):
    return post(sock, f"{API}/containers/create?name={name}",
                {"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": network_mode, **host_config}})


def on_daemon(daemon: str, kind: str, name: str) -> dict | None:
    r = http(daemon, "GET", f"{API}/{kind}/{name}" + ("/json" if kind == "containers" else ""))
    return json.loads(r.body) if r.status == 200 else None


def attached(daemon: str, network_id: str) -> list[str]:
    """The containers running on a network."""
    net = on_daemon(daemon, "networks", network_id)
    return sorted(c["Name"] for c in (net["Containers"] or {}).values())


@pytest.fixture
def a_and_b(jobs):
    a, b = unique("na"), unique("nb")
    return jobs.open(a), jobs.open(b)


def write_policy(short_tmp: str, extra: str) -> str:
    text = open(os.path.join(POLICIES, "ci.toml"), encoding="utf-8").read() + extra
    fd, path = tempfile.mkstemp(suffix=".toml", dir=short_tmp)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


NAMES = [("f83", 403), ("0123456789abcdef", 403), ("e" * 64, 403), ("F83", 201), ("f83-net", 201), ("g83", 201)]


@pytest.mark.parametrize("name,status", NAMES, ids=[n[:16] for n, _ in NAMES])
def test_network_names_that_read_as_id_prefixes_are_refused(jobs, dockerd_sock, name, status):
    sock = jobs.open(unique("nh"))
    r = network(sock, name)
    assert r.status == status, r.body
    if status == 403:
        assert b"hex" in r.body and b"ID prefix" in r.body, r.body
        assert on_daemon(dockerd_sock, "networks", name) is None or \
            on_daemon(dockerd_sock, "networks", name)["Name"] != name
    else:
        assert http(sock, "DELETE", f"{API}/networks/{name}").status == 204


@pytest.mark.parametrize("check_duplicate", [None, False])
def test_a_network_name_in_use_cannot_be_taken_again(a_and_b, dockerd_sock, check_duplicate):
    a, b = a_and_b
    name = unique("bnet")
    assert network(b, name).status == 201
    body = {"Name": name, "Internal": True}
    if check_duplicate is not None:
        body["CheckDuplicate"] = check_duplicate
    r = post(a, f"{API}/networks/create", body)
    assert r.status == 409, r.body
    same = [n for n in json.loads(http(dockerd_sock, "GET", f"{API}/networks").body) if n["Name"] == name]
    assert len(same) == 1, same
    # B still finds its own network by name.
    assert http(b, "GET", f"{API}/networks/{name}").status == 200


@pytest.mark.parametrize("attack", ["id prefix as a name", "another job's name"])
def test_a_job_cannot_start_a_container_on_another_jobs_network(a_and_b, dockerd_sock, attack):
    """The two reproductions of the review, step by step: whichever step is
    refused, the container must not end up on B's network."""
    a, b = a_and_b
    victim = unique("bnet")
    assert network(b, victim).status == 201
    victim_id = on_daemon(dockerd_sock, "networks", victim)["Id"]
    name = victim_id[:5] if attack == "id prefix as a name" else victim
    created = network(a, name)
    mode = name if attack == "id prefix as a name" else (json.loads(created.body).get("Id") or name)
    ctr = unique("na-c")
    container(a, ctr, mode)
    http(a, "DELETE", f"{API}/networks/{mode}")
    http(a, "POST", f"{API}/containers/{ctr}/start", b"")
    assert attached(dockerd_sock, victim_id) == [], attached(dockerd_sock, victim_id)
    assert http(b, "GET", f"{API}/networks/{victim}").status == 200


@pytest.mark.parametrize("route", ["start", "restart?t=0"])
def test_a_start_checks_again_what_the_networks_names_resolve_to(a_and_b, dockerd_sock, route):
    """A's network goes away behind sockwarden's back (removed on the daemon)
    and B then creates one of the same name: A's container, which stored the
    name, must not start on it."""
    a, b = a_and_b
    name = unique("shared-name")
    assert network(a, name).status == 201
    ctr = unique("na-c")
    # Never started: the daemon has only the name (after a start it also keeps the network's ID).
    assert container(a, ctr, name).status == 201
    assert http(dockerd_sock, "DELETE", f"{API}/networks/{name}").status == 204
    assert network(b, name).status == 201
    victim_id = on_daemon(dockerd_sock, "networks", name)["Id"]
    r = http(a, "POST", f"{API}/containers/{ctr}/{route}", b"")
    assert r.status == 404 and json.loads(r.body)["message"] == f"network {name} not found", r.body
    assert attached(dockerd_sock, victim_id) == []
    assert on_daemon(dockerd_sock, "containers", ctr)["State"]["Running"] is False
    # The job's own network, and no network at all, still start.
    own = unique("own")
    assert network(a, own).status == 201
    for mode in (own, "none"):
        c = unique("na-ok")
        assert container(a, c, mode).status == 201
        assert http(a, "POST", f"{API}/containers/{c}/start", b"").status == 204, mode


def test_a_network_a_container_still_names_cannot_be_removed(jobs, dockerd_sock):
    sock = jobs.open(unique("nd"))
    name = unique("inuse")
    assert network(sock, name).status == 201
    net_id = on_daemon(dockerd_sock, "networks", name)["Id"]
    ctr = unique("nd-c")
    assert container(sock, ctr, name).status == 201
    for ref in (name, net_id, net_id[:12]):
        r = http(sock, "DELETE", f"{API}/networks/{ref}")
        assert r.status == 403 and ctr.encode() in r.body and b"remove that container first" in r.body, r.body
    assert on_daemon(dockerd_sock, "networks", net_id) is not None
    # Another network of the job is not held by it.
    other = unique("free")
    assert network(sock, other).status == 201
    assert http(sock, "DELETE", f"{API}/networks/{other}").status == 204
    assert http(sock, "DELETE", f"{API}/containers/{ctr}").status == 204
    assert http(sock, "DELETE", f"{API}/networks/{name}").status == 204


def test_a_network_prune_cannot_remove_a_network_a_container_still_names(a_and_b, dockerd_sock):
    """dockerd prunes every network no running container is attached to, so a
    stopped container's network went with a prune that a DELETE is refused
    for: the name was then free to resolve to another network at the
    container's next start. On a job socket the prune is refused (409, naming
    both) while a container of the job names one of the job's networks."""
    sock, other = a_and_b
    held, free, ctr = unique("held"), unique("free"), unique("stopped")
    assert network(sock, held).status == 201 and network(sock, free).status == 201
    held_id = on_daemon(dockerd_sock, "networks", held)["Id"]
    assert container(sock, ctr, held_id[:12]).status == 201  # named by an ID prefix, never started
    # Another job's container naming its own network does not hold this job's prune.
    theirs = unique("theirs")
    assert network(other, theirs).status == 201 and container(other, unique("tc"), theirs).status == 201
    r = http(sock, "POST", f"{API}/networks/prune", b"")
    assert r.status == 409, (r.status, r.body)
    text = json.loads(r.body)["message"]
    assert f"could remove network {held}, which container {ctr} of the job still names" in text, text
    assert f"docker rm {ctr}" in text, text
    assert on_daemon(dockerd_sock, "networks", held_id) is not None and on_daemon(dockerd_sock, "networks", free) is not None
    assert http(other, "POST", f"{API}/networks/prune", b"").status == 409  # the other job's own container holds its own
    # With the container gone, the prune removes the job's networks, and only those.
    assert http(sock, "DELETE", f"{API}/containers/{ctr}").status == 204
    r = http(sock, "POST", f"{API}/networks/prune", b"")
    assert r.status == 200 and sorted(json.loads(r.body)["NetworksDeleted"] or []) == sorted([held, free]), r.body
    assert on_daemon(dockerd_sock, "networks", held_id) is None and on_daemon(dockerd_sock, "networks", theirs) is not None


class Relay:
    """A Unix socket between sockwarden and the daemon that calls `hook` once,
    just before it passes on the first request whose bytes contain `marker`:
    the moment after sockwarden's checks, before the daemon reads the request."""

    def __init__(self, path: str, daemon: str, marker: bytes, hook):
        self.daemon, self.marker, self.hook, self.fired = daemon, marker, hook, False
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.server.close()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.daemon)
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src, dst, to_daemon: bool):
        try:
            while data := src.recv(65536):
                if to_daemon and not self.fired and self.marker in data:
                    self.fired = True
                    self.hook()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def test_connect_forwards_the_container_the_check_found(jobs, proxy_bin, dockerd_sock, short_tmp):
    """A names its own container, named with a prefix of B's container's ID,
    and removes it once sockwarden has checked the connect: the daemon must
    not find B's container by the prefix."""
    d = tempfile.mkdtemp(dir=short_tmp)
    victim_job, attacker = unique("nv"), unique("nx")
    b = jobs.open(victim_job)
    b_net = unique("bnet")
    assert network(b, b_net).status == 201
    victim = unique("nv-c")
    assert container(b, victim, b_net).status == 201
    victim_id = on_daemon(dockerd_sock, "containers", victim)["Id"]
    decoy = victim_id[:8]

    relay = Relay(os.path.join(d, "relay.sock"), dockerd_sock, b"/connect",
                  lambda: http(dockerd_sock, "DELETE", f"{API}/containers/{decoy}?force=1"))
    proxied = Jobs(proxy_bin, os.path.join(d, "relay.sock"), d).start()
    try:
        a = proxied.open(attacker)
        a_net = unique("anet")
        assert network(a, a_net).status == 201
        assert container(a, decoy).status == 201
        r = post(a, f"{API}/networks/{a_net}/connect", {"Container": decoy})
        assert relay.fired
        assert r.status == 404 and b"No such container" in r.body, r.body
        networks = on_daemon(dockerd_sock, "containers", victim_id)["NetworkSettings"]["Networks"]
        assert list(networks) == [b_net], networks
    finally:
        proxied.proxy.stop()
        relay.close()


def test_an_update_cannot_take_a_container_past_the_jobs_quotas(jobs, dockerd_sock, short_tmp):
    policy = write_policy(short_tmp, '\n[jobs]\nmax-memory = "64m"\nmax-cpus = 1\n')
    sock = jobs.open(unique("nq"), "--policy", policy)
    c1, c2 = unique("q1"), unique("q2")
    assert container(sock, c1, Memory=48 * MB, NanoCpus=500_000_000).status == 201
    assert container(sock, c2, Memory=8 * MB, NanoCpus=250_000_000).status == 201
    cases = [
        ({"Memory": 4 << 30, "MemorySwap": -1}, 403, b"max-memory"),
        ({"Memory": 57 * MB, "MemorySwap": -1}, 403, b"max-memory"),
        ({"NanoCpus": 900_000_000}, 403, b"max-cpus"),
        ({"CpuQuota": -1}, 403, b"--cpus"),
        ({"Memory": 56 * MB, "MemorySwap": -1}, 200, b""),
        ({"NanoCpus": 750_000_000}, 200, b""),
        ({"RestartPolicy": {"Name": "no"}}, 200, b""),
    ]
    for body, status, text in cases:
        r = post(sock, f"{API}/containers/{c1}/update", body)
        assert r.status == status and text in r.body, (body, r.status, r.body)
    hc = on_daemon(dockerd_sock, "containers", c1)["HostConfig"]
    assert (hc["Memory"], hc["NanoCpus"], hc["CpuQuota"]) == (56 * MB, 750_000_000, 0), hc
    # A CPU quota of -1 lifts a NanoCpus limit at create too.
    r = container(sock, unique("q3"), Memory=6 * MB, NanoCpus=100_000_000, CpuQuota=-1)
    assert r.status == 403 and b"--cpus" in r.body, r.body


def test_starting_exited_containers_again_cannot_take_a_job_past_its_quota(jobs, dockerd_sock, short_tmp):
    # An exited container counts for nothing until it starts again.
    policy = write_policy(short_tmp, '\n[jobs]\nmax-memory = "64m"\n')
    sock = jobs.open(unique("ns"), "--policy", policy)
    first, second = unique("s1"), unique("s2")
    r = post(sock, f"{API}/containers/create?name={first}",
             {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none", "Memory": 48 * MB}})
    assert r.status == 201, r.body
    assert http(sock, "POST", f"{API}/containers/{first}/start", b"").status == 204
    wait_for(lambda: on_daemon(dockerd_sock, "containers", first)["State"]["Status"] == "exited", 10, what="exit")
    assert container(sock, second, Memory=48 * MB).status == 201
    for route in ("start", "restart"):
        r = http(sock, "POST", f"{API}/containers/{first}/{route}", b"")
        assert r.status == 403 and b"max-memory" in r.body, (route, r.status, r.body)
    assert on_daemon(dockerd_sock, "containers", first)["State"]["Status"] == "exited"
    # Once the other one is gone, it starts.
    assert http(sock, "DELETE", f"{API}/containers/{second}?force=1").status == 204
    assert http(sock, "POST", f"{API}/containers/{first}/start", b"").status == 204


def test_creating_a_volume_named_like_another_jobs_does_not_answer_with_it(jobs, dockerd_sock):
    # The daemon answers a create of a name in use with that volume.
    a, b = jobs.open(unique("va")), jobs.open(unique("vb"))
    theirs, mine = unique("vol-b"), unique("vol-a")
    assert post(b, f"{API}/volumes/create", {"Name": theirs}).status == 201
    try:
        r = post(a, f"{API}/volumes/create", {"Name": theirs})
        assert r.status == 409 and b"choose another" in r.body and b"Mountpoint" not in r.body, r.body
        assert post(a, f"{API}/volumes/create", {"Name": mine}).status == 201
        again = post(a, f"{API}/volumes/create", {"Name": mine})
        assert again.status == 201 and json.loads(again.body)["Name"] == mine, again.body
    finally:
        for name in (theirs, mine):
            http(dockerd_sock, "DELETE", f"{API}/volumes/{name}?force=1")


def endpoint_create(sock: str, name: str, key: str, network_id: str):
    return post(sock, f"{API}/containers/create?name={name}",
                {"Image": IMG, "Cmd": ["sleep", "300"], "HostConfig": {"NetworkMode": key},
                 "NetworkingConfig": {"EndpointsConfig": {key: {"NetworkID": network_id}}}})


@pytest.mark.parametrize("spelling", ["name", "id prefix"])
def test_an_endpoints_network_id_cannot_join_another_jobs_network_at_create(a_and_b, dockerd_sock, spelling):
    """dockerd 20.10 joins the network an endpoint's NetworkID names, not its key."""
    a, b = a_and_b
    neta, netb = unique("neta"), unique("netb")
    assert network(a, neta).status == 201 and network(b, netb).status == 201
    netb_id = on_daemon(dockerd_sock, "networks", netb)["Id"]
    ctr = unique("a-x")
    r = endpoint_create(a, ctr, neta, netb if spelling == "name" else netb_id[:12])
    if r.status == 201:
        http(a, "POST", f"{API}/containers/{ctr}/start", b"")
    assert attached(dockerd_sock, netb_id) == [], attached(dockerd_sock, netb_id)
    assert r.status == 403 and b"NetworkID must be left empty on a job socket" in r.body, r.body
    assert on_daemon(dockerd_sock, "containers", ctr) is None
    # Even naming the key's own network, and an empty NetworkID is fine.
    assert endpoint_create(a, unique("a-y"), neta, neta).status == 403
    ok = unique("a-ok")
    assert endpoint_create(a, ok, neta, "").status == 201
    assert http(a, "POST", f"{API}/containers/{ok}/start", b"").status == 204
    assert attached(dockerd_sock, neta) == [ok]


@pytest.mark.parametrize("running", [True, False], ids=["running", "stopped"])
def test_a_connects_network_id_cannot_join_another_jobs_network(a_and_b, dockerd_sock, running):
    a, b = a_and_b
    neta, neta2, netb = unique("neta"), unique("neta2"), unique("netb")
    for sock, name in ((a, neta), (a, neta2), (b, netb)):
        assert network(sock, name).status == 201
    netb_id = on_daemon(dockerd_sock, "networks", netb)["Id"]
    ctr = unique("a-z")
    assert container(a, ctr, neta).status == 201
    if running:
        assert http(a, "POST", f"{API}/containers/{ctr}/start", b"").status == 204
    r = post(a, f"{API}/networks/{neta2}/connect", {"Container": ctr, "EndpointConfig": {"NetworkID": netb}})
    if not running:
        http(a, "POST", f"{API}/containers/{ctr}/start", b"")
    assert attached(dockerd_sock, netb_id) == [], attached(dockerd_sock, netb_id)
    assert r.status == 403 and b"EndpointConfig.NetworkID must be left empty" in r.body, r.body
    assert sorted(on_daemon(dockerd_sock, "containers", ctr)["NetworkSettings"]["Networks"]) == [neta]
    # The same connect without NetworkID joins the job's own network.
    assert post(a, f"{API}/networks/{neta2}/connect", {"Container": ctr, "EndpointConfig": {}}).status == 200
    assert sorted(on_daemon(dockerd_sock, "containers", ctr)["NetworkSettings"]["Networks"]) == sorted([neta, neta2])


def test_a_start_checks_the_network_id_the_daemon_stored(jobs, dockerd_sock):
    """A container with A's label whose endpoint's NetworkID names B's
    network, as an earlier sockwarden let it be created (made here on the
    daemon socket): its start must not join B's network. Since a container
    is a job's only when the job's socket created it (recorded ID,
    `test_job_container_owner.py`), it is not A's at all: the daemon's 404
    for a missing container, before the stored network is looked at."""
    ja = unique("na")
    a, b = jobs.open(ja), jobs.open(unique("nb"))
    neta, netb = unique("neta"), unique("netb")
    assert network(a, neta).status == 201 and network(b, netb).status == 201
    netb_id = on_daemon(dockerd_sock, "networks", netb)["Id"]
    ctr = unique("a-old")
    r = post(dockerd_sock, f"{API}/containers/create?name={ctr}",
             {"Image": IMG, "Cmd": ["sleep", "300"], "Labels": {"io.sockwarden.job": ja}, "HostConfig": {"NetworkMode": neta},
              "NetworkingConfig": {"EndpointsConfig": {neta: {"NetworkID": netb}}}})
    assert r.status == 201, r.body
    for route in ("start", "restart?t=0"):
        r = http(a, "POST", f"{API}/containers/{ctr}/{route}", b"")
        assert attached(dockerd_sock, netb_id) == [], (route, attached(dockerd_sock, netb_id))
        assert r.status == 404 and json.loads(r.body)["message"] == f"No such container: {ctr}", (route, r.body)
    # After a start the daemon stores the joined network's full ID: a container of the job's own restarts.
    own = unique("a-own")
    assert container(a, own, neta).status == 201
    assert http(a, "POST", f"{API}/containers/{own}/start", b"").status == 204
    assert on_daemon(dockerd_sock, "containers", own)["NetworkSettings"]["Networks"][neta]["NetworkID"]
    assert http(a, "POST", f"{API}/containers/{own}/restart?t=0", b"").status == 204


def test_a_link_is_forwarded_as_the_container_the_check_found(jobs, dockerd_sock, proxy_bin, short_tmp):  # noqa: F811
    """A links to its own container, named with a prefix of B's container's
    ID, and renames it once sockwarden has checked the create: the daemon
    must not find B's container by the prefix."""
    d = tempfile.mkdtemp(dir=short_tmp)
    b = jobs.open(unique("lv"))
    victim = unique("lv-c")
    assert container(b, victim).status == 201
    victim_id = on_daemon(dockerd_sock, "containers", victim)["Id"]
    decoy, linker = victim_id[:8], unique("la-l")
    relay = Relay(os.path.join(d, "relay.sock"), dockerd_sock, f"name={linker}".encode(),
                  lambda: http(dockerd_sock, "POST", f"{API}/containers/{decoy}/rename?name={decoy}-moved", b""))
    proxied = Jobs(proxy_bin, os.path.join(d, "relay.sock"), d).start()
    try:
        a = proxied.open(unique("la"))
        assert container(a, decoy).status == 201
        r = post(a, f"{API}/containers/create?name={linker}",
                 {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none", "Links": [f"{decoy}:x"]}})
        assert relay.fired
        assert r.status == 201, r.body
        links = on_daemon(dockerd_sock, "containers", linker)["HostConfig"]["Links"]
        assert links == [f"/{decoy}-moved:/{linker}/x"], links
    finally:
        for name in (linker, f"{decoy}-moved", decoy):
            http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")
        proxied.proxy.stop()
        relay.close()
