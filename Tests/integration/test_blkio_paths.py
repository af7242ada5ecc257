"""Block I/O limits name a host path, and the daemon looks it up as root.

`HostConfig.BlkioWeightDevice` and `BlkioDevice{Read,Write}{Bps,IOps}` carry a
`Path` that dockerd 20.10 stat()s on the host when the container starts
(`getBlkioWeightDevices`, `getBlkioThrottleDevices`): a path that does not
exist fails the start with "stat PATH: no such file or directory", one that
does fails differently or starts. Through policies/ci.toml, which lets no job
name a host path it does not allow, a job could learn what exists on the host
(`/root/.ssh`, another job's workspace). The limits are now judged as host
devices (rule containers, `devices`).

Differential: straight to the daemon the create is accepted and the start
answers for the path; through the proxy the create is refused and nothing is
created. A plain `BlkioWeight`, which names no device, still passes."""
import json

import pytest

from swhelpers import API, container_exists, force_remove, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


@pytest.fixture
def ci_proxy(proxy_factory):
    return proxy_factory(policy="ci.toml")


def body(host_config: dict) -> bytes:
    return json.dumps({"Image": IMG, "Cmd": ["true"],
                       "HostConfig": {"NetworkMode": "none", **host_config}}).encode()


def start_answer(daemon_sock: str, host_config: dict) -> bytes:
    """Creates and starts a container straight on the daemon; the start's answer."""
    name = unique("blkd")
    try:
        c = http(daemon_sock, "POST", f"{API}/containers/create?name={name}", body(host_config))
        assert c.status == 201, c
        return http(daemon_sock, "POST", f"{API}/containers/{name}/start").body
    finally:
        force_remove(daemon_sock, name)


LIMITS = [
    ("read bps", "BlkioDeviceReadBps", "Rate"),
    ("write bps", "BlkioDeviceWriteBps", "Rate"),
    ("read iops", "BlkioDeviceReadIOps", "Rate"),
    ("write iops", "BlkioDeviceWriteIOps", "Rate"),
    ("weight device", "BlkioWeightDevice", "Weight"),
]


def test_the_daemon_tells_which_host_paths_exist(dockerd_sock):
    missing = f"/nonexistent-{unique('p')}"
    gone = start_answer(dockerd_sock, {"BlkioDeviceReadBps": [{"Path": missing, "Rate": 1024}]})
    there = start_answer(dockerd_sock, {"BlkioDeviceReadBps": [{"Path": "/etc/passwd", "Rate": 1024}]})
    assert f"stat {missing}: no such file or directory".encode() in gone, gone
    assert b"no such file or directory" not in there, there


@pytest.mark.parametrize("label,field,amount", LIMITS, ids=[c[0] for c in LIMITS])
def test_a_block_io_limit_is_a_host_device_and_is_refused(ci_proxy, dockerd_sock, label, field, amount):
    name = unique("blkp")
    try:
        r = http(ci_proxy.sock, "POST", f"{API}/containers/create?name={name}",
                 body({field: [{"Path": "/root/.ssh", amount: 100}]}))
        assert r.status == 403, r
        assert b"[containers]" in r.body and f"HostConfig.{field}[0]".encode() in r.body, r.body
        assert b"devices = true" in r.body, r.body
        assert not container_exists(dockerd_sock, name)
    finally:
        force_remove(dockerd_sock, name)


def test_a_block_io_weight_names_no_device_and_passes(ci_proxy, dockerd_sock):
    name = unique("blkw")
    try:
        r = http(ci_proxy.sock, "POST", f"{API}/containers/create?name={name}",
                 body({"BlkioWeight": 300, "BlkioDeviceReadBps": []}))
        assert r.status == 201, r
    finally:
        force_remove(dockerd_sock, name)
