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
            return [rec for rec in proxy.audit_records()
                    if rec.get("route") == "container.create" and rec.get("event") == "request"]
        wait_for(records, 10, what="the create's audit record")
        assert records()[-1]["facts"]["named_network"][0]["name"] == none_id, records()[-1:]
    finally:
        force_remove(dockerd_sock, name)


# An endpoint's NetworkID. dockerd 20.10 joins the network it names (a name,
# ID or ID prefix) instead of the endpoint's key or a connect's path network,
# whenever that key is a user-defined name (`getNetworkID` in
# `findAndAttachNetwork`): `{"x": {"NetworkID": "<an operator's macvlan
# network>"}}` joins that network while only the missing "x" was looked up.
# The host network stands in for a macvlan one (no test may make one).

def create_with_endpoint(sock: str, name: str, key: str, network_id: str):
    body = json.dumps({"Image": IMG, "Cmd": ["sleep", "30"], "HostConfig": {"NetworkMode": "none"},
                       "NetworkingConfig": {"EndpointsConfig": {key: {"NetworkID": network_id}}}}).encode()
    return http(sock, "POST", f"{API}/containers/create?name={name}", body, {"Content-Type": "application/json"})


def connect_with_endpoint(sock: str, network: str, container: str, network_id: str):
    body = json.dumps({"Container": container, "EndpointConfig": {"NetworkID": network_id}}).encode()
    return http(sock, "POST", f"{API}/networks/{network}/connect", body, {"Content-Type": "application/json"})


def test_an_endpoint_network_id_is_judged_as_the_network_the_daemon_joins(proxy_factory, dockerd_sock):
    host_id = network_id(dockerd_sock, "host")
    key = unique("nosuchnet")
    direct, proxied = unique("epdirect"), unique("epproxied")
    try:
        # Straight to the daemon: the endpoint under a key no network has joins the host network.
        r = create_with_endpoint(dockerd_sock, direct, key, host_id)
        assert r.status == 201, r.body
        r = http(dockerd_sock, "POST", f"{API}/containers/{direct}/start")
        assert r.status == 204, r.body
        networks = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{direct}/json").body)["NetworkSettings"]["Networks"]
        assert networks["host"]["NetworkID"] == host_id, networks
        # Through the proxy: refused, naming the network and its driver.
        proxy = proxy_factory(policy="ci.toml")
        r = create_with_endpoint(proxy.sock, proxied, key, host_id)
        assert r.status == 403, r.body
        assert f"NetworkingConfig.EndpointsConfig[{key}].NetworkID".encode() in r.body, r.body
        assert f"joins existing network {host_id}, whose driver is host".encode() in r.body, r.body
        assert not container_exists(dockerd_sock, proxied)
    finally:
        force_remove(dockerd_sock, direct)
        force_remove(dockerd_sock, proxied)


def test_a_connect_endpoint_network_id_is_judged_as_the_network_the_daemon_joins(proxy_factory, dockerd_sock):
    host_id = network_id(dockerd_sock, "host")
    missing = unique("nosuchnet")
    name = unique("epconnect")
    try:
        body = json.dumps({"Image": IMG, "Cmd": ["sleep", "30"], "HostConfig": {"NetworkMode": "none"}}).encode()
        r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}", body, {"Content-Type": "application/json"})
        assert r.status == 201, r.body
        assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start").status == 204
        # Straight to the daemon the path's missing network is not what it
        # joins: without a NetworkID it answers 404, with one it tries the
        # network the NetworkID names (the host network, which it refuses for
        # a running container; an operator's macvlan network it would join).
        r = http(dockerd_sock, "POST", f"{API}/networks/{missing}/connect",
                 json.dumps({"Container": name}).encode(), {"Content-Type": "application/json"})
        assert r.status == 404, r.body
        r = connect_with_endpoint(dockerd_sock, missing, name, host_id)
        assert r.status == 400 and b"connected to host network" in r.body, r.body
        proxy = proxy_factory(policy="ci.toml")
        r = connect_with_endpoint(proxy.sock, missing, name, host_id)
        assert r.status == 403, r.body
        assert b"EndpointConfig.NetworkID" in r.body and b"whose driver is host" in r.body, r.body
    finally:
        force_remove(dockerd_sock, name)
