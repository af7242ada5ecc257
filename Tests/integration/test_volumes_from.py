"""VolumesFrom with `volumes-from = true`: sockwarden looks up the mounts the
source container would lend and judges them, then pins the entry to the
source's full ID. Sources are made straight on the daemon (as an operator
would); the job's requests go through the proxy and are judged by what the
daemon stored."""
import json
import os
import tempfile

import pytest

from swhelpers import API, container_exists, force_remove, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


@pytest.fixture
def vf_proxy(proxy_factory, short_tmp):
    text = open(os.path.join(os.path.dirname(__file__), "..", "..", "policies", "ci.toml"), encoding="utf-8").read()
    assert "volumes-from = false" in text
    fd, path = tempfile.mkstemp(suffix=".toml", dir=short_tmp)
    with os.fdopen(fd, "w") as f:
        f.write(text.replace("volumes-from = false", "volumes-from = true"))
    return proxy_factory(policy=path)


def create(sock: str, name: str, host_config: dict) -> "object":
    body = json.dumps({"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none", **host_config}}).encode()
    return http(sock, "POST", f"{API}/containers/create?name={name}", body, {"Content-Type": "application/json"})


@pytest.fixture
def sources(dockerd_sock, image):
    """Three source containers made straight on the daemon."""
    tag = unique("vf")
    names = {"bind": f"{tag}-bind", "volume": f"{tag}-vol", "sneaky": f"{tag}-sneaky"}
    sneaky_volume = f"{tag}-bindvol"
    assert http(dockerd_sock, "POST", f"{API}/volumes/create", json.dumps(
        {"Name": sneaky_volume, "DriverOpts": {"type": "none", "o": "bind", "device": "/etc"}}).encode(),
        {"Content-Type": "application/json"}).status == 201
    assert create(dockerd_sock, names["bind"], {"Binds": ["/etc:/hostetc:ro"]}).status == 201
    assert create(dockerd_sock, names["volume"], {"Binds": [f"{tag}-cache:/cache"]}).status == 201
    assert create(dockerd_sock, names["sneaky"], {"Binds": [f"{sneaky_volume}:/x"]}).status == 201
    yield names
    for n in names.values():
        force_remove(dockerd_sock, n)
    for v in (sneaky_volume, f"{tag}-cache"):
        http(dockerd_sock, "DELETE", f"{API}/volumes/{v}?force=1")


@pytest.mark.parametrize("source", ["bind", "sneaky"])
def test_volumes_from_a_container_lending_host_paths_is_refused(vf_proxy, dockerd_sock, sources, source):
    name = unique("vfjob")
    try:
        for entry in (sources[source], sources[source] + ":ro"):
            r = create(vf_proxy.sock, name, {"VolumesFrom": [entry]})
            assert r.status == 403, (entry, r.status, r.body)
            assert b"lends" in r.body, r.body
            assert not container_exists(dockerd_sock, name)
    finally:
        force_remove(dockerd_sock, name)


def test_volumes_from_a_cache_container_is_pinned_to_its_id(vf_proxy, dockerd_sock, sources):
    name = unique("vfjob")
    source_id = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{sources['volume']}/json").body)["Id"]
    try:
        r = create(vf_proxy.sock, name, {"VolumesFrom": [sources["volume"] + ":ro"]})
        assert r.status == 201, r.body
        stored = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{name}/json").body)
        assert stored["HostConfig"]["VolumesFrom"] == [source_id + ":ro"], stored["HostConfig"]["VolumesFrom"]
        assert [m["Destination"] for m in stored["Mounts"]] == ["/cache"] and not stored["Mounts"][0]["RW"], stored["Mounts"]
    finally:
        force_remove(dockerd_sock, name)


def test_volumes_from_an_unknown_container_is_refused(vf_proxy, dockerd_sock):
    name = unique("vfjob")
    r = create(vf_proxy.sock, name, {"VolumesFrom": ["no-such-container-" + name]})
    assert r.status == 403 and b"no container" in r.body, r.body
    assert not container_exists(dockerd_sock, name)


def test_the_bind_source_is_a_real_attack_on_the_daemon(dockerd_sock, sources):
    """Straight to the daemon, VolumesFrom does lend the host's /etc."""
    name = unique("vfdirect")
    try:
        assert create(dockerd_sock, name, {"VolumesFrom": [sources["bind"]]}).status == 201
        mounts = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{name}/json").body)["Mounts"]
        assert [m["Source"] for m in mounts] == ["/etc"], mounts
    finally:
        force_remove(dockerd_sock, name)
