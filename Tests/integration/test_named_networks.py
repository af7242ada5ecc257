"""Networks joined by name or ID, judged by the driver they were created with
(policies/ci.toml: bridge only), against the real daemon.

An existing macvlan or ipvlan network an operator made would put a job's
container on the host's LAN; these tests cannot make one (no test may touch
the host's interfaces), so they use the networks every daemon has: `host`
and `none`, by ID, which no name check recognises. Straight to the daemon a
create naming the host network by its ID is accepted; through the proxy it
is refused, naming the driver; the none network by ID still works."""
import json

import pytest

from swhelpers import API, container_exists, force_remove, http, unique, wait_for

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


def network_id(sock: str, name: str) -> str:
    return json.loads(http(sock, "GET", f"{API}/networks/{name}").body)["Id"]


def create(sock: str, name: str, network_mode: str):
    body = json.dumps({"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": network_mode}}).encode()
    return http(sock, "POST", f"{API}/containers/create?name={name}", body, {"Content-Type": "application/json"})


def test_the_host_network_by_its_id_is_refused_by_its_driver(proxy_factory, dockerd_sock):
    host_id = network_id(dockerd_sock, "host")
    direct, proxied = unique("netdirect"), unique("netproxied")
    try:
        r = create(dockerd_sock, direct, host_id)
        assert r.status == 201, r.body
        proxy = proxy_factory(policy="ci.toml")
        r = create(proxy.sock, proxied, host_id)
        assert r.status == 403, r.body
        assert f"joins existing network {host_id}, whose driver is host".encode() in r.body, r.body
        assert not container_exists(dockerd_sock, proxied)
    finally:
        force_remove(dockerd_sock, direct)
        force_remove(dockerd_sock, proxied)


def test_the_none_network_by_its_id_is_allowed(proxy_factory, dockerd_sock):
    none_id = network_id(dockerd_sock, "none")
    name = unique("netnone")
    try:
        proxy = proxy_factory(policy="ci.toml")
        r = create(proxy.sock, name, none_id)
        assert r.status == 201, r.body
        def records():
            return [rec for rec in proxy.audit_records() if rec.get("route") == "container.create"]
        wait_for(records, 10, what="the create's audit record")
        assert records()[-1]["facts"]["named_network"][0]["name"] == none_id, records()[-1:]
    finally:
        force_remove(dockerd_sock, name)
