"""`HostConfig.Tmpfs` options that turn the tmpfs into a bind mount.

dockerd 20.10 checks a `--tmpfs DEST:OPTIONS` with `mount.MergeTmpfsOptions`,
which accepts every mount flag it knows, `bind` and `rbind` among them, and
writes an OCI mount of type tmpfs with source `tmpfs`. runc reads any mount
with MS_BIND as a bind mount and a relative source as relative to its bundle
directory, so the container gets the HOST path `<bundle>/tmpfs` bind-mounted
(runc 1.1.5; other runtimes and versions resolve a relative source
elsewhere). The policy judged a tmpfs as the container's own; sockwarden let
the create through. Now it is refused (rule host-paths).

Differential: straight to the daemon the create is accepted and the start
makes runc bind-mount a path under the bundle directory; through the proxy
the create is refused and nothing is created. A tmpfs with ordinary options
(size, mode, exec, a propagation mode) is still allowed and stored as sent."""
import json

import pytest

from swhelpers import API, container_exists, demux, force_remove, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


@pytest.fixture
def ci_proxy(proxy_factory):
    return proxy_factory(policy="ci.toml")


def tmpfs_body(options: str, key: str = "Tmpfs") -> bytes:
    return json.dumps({"Image": IMG, "Cmd": ["true"],
                       "HostConfig": {"NetworkMode": "none", key: {"/mnt": options}}}).encode()


BIND_OPTIONS = [
    ("rbind alone", "rbind", "Tmpfs"),
    ("bind after size", "size=1m,bind", "Tmpfs"),
    ("rbind with rw", "rw,rbind", "Tmpfs"),
    ("bind, lower-case key", "bind", "tmpfs"),
]


@pytest.mark.parametrize("label,options,key", BIND_OPTIONS, ids=[c[0] for c in BIND_OPTIONS])
def test_a_tmpfs_with_bind_is_a_host_bind_mount_and_is_refused(ci_proxy, dockerd_sock, label, options, key):
    direct, proxied = unique("tmpd"), unique("tmpp")
    try:
        d = http(dockerd_sock, "POST", f"{API}/containers/create?name={direct}", tmpfs_body(options, key))
        assert d.status == 201, d
        s = http(dockerd_sock, "POST", f"{API}/containers/{direct}/start")
        # runc bind-mounts <bundle>/tmpfs, a host path (absent here, so the start fails).
        assert s.status >= 400 and b"/tmpfs" in s.body and b"error mounting" in s.body, s

        r = http(ci_proxy.sock, "POST", f"{API}/containers/create?name={proxied}", tmpfs_body(options, key))
        assert r.status == 403, r
        assert b"host-paths" in r.body and b"Tmpfs[/mnt]" in r.body and b"bind, rbind or remount" in r.body, r.body
        assert not container_exists(dockerd_sock, proxied)
    finally:
        force_remove(dockerd_sock, direct)
        force_remove(dockerd_sock, proxied)


def sys_mount_options(sock: str, name: str, tmpfs: dict[str, str]) -> str:
    """The per-mount options of /sys as a container made with `tmpfs` sees them."""
    body = json.dumps({"Image": IMG, "Cmd": ["sh", "-c", "grep ' /sys ' /proc/self/mountinfo"],
                       "HostConfig": {"NetworkMode": "none", "Tmpfs": tmpfs}}).encode()
    c = http(sock, "POST", f"{API}/containers/create?name={name}", body)
    assert c.status == 201, c
    s = http(sock, "POST", f"{API}/containers/{name}/start")
    assert s.status == 204, s
    w = http(sock, "POST", f"{API}/containers/{name}/wait", timeout=60)
    assert w.status == 200, w
    out, _ = demux(http(sock, "GET", f"{API}/containers/{name}/logs?stdout=1").body)
    return out.decode().split()[5]


@pytest.mark.parametrize("options", ["remount", "rw,remount,nosuid"])
def test_a_tmpfs_with_remount_makes_sys_writable_and_is_refused(ci_proxy, dockerd_sock, options):
    """`remount` gives runc a mount(2) with MS_REMOUNT on what is mounted at
    the destination already. At "/sys/" (a trailing "/": the daemon drops its
    own /sys mount only for a tmpfs written exactly "/sys") it remounts the
    container's sysfs read-write, and the container writes the host's /sys
    (found by the red-team review of 2026-12-01; the old binary forwarded it)."""
    plain, direct, proxied = unique("tmpsys"), unique("tmprd"), unique("tmprp")
    try:
        assert sys_mount_options(dockerd_sock, plain, {}).split(",")[0] == "ro"
        assert sys_mount_options(dockerd_sock, direct, {"/sys/": options}).split(",")[0] == "rw"

        r = http(ci_proxy.sock, "POST", f"{API}/containers/create?name={proxied}",
                 json.dumps({"Image": IMG, "Cmd": ["true"],
                             "HostConfig": {"NetworkMode": "none", "Tmpfs": {"/sys/": options}}}).encode())
        assert r.status == 403, r
        assert b"host-paths" in r.body and b"Tmpfs[/sys/]" in r.body and b"remount" in r.body, r.body
        assert not container_exists(dockerd_sock, proxied)
    finally:
        for name in (plain, direct, proxied):
            force_remove(dockerd_sock, name)


@pytest.mark.parametrize("options", ["", "size=1m", "size=1m,mode=1777,exec,suid", "rshared"])
def test_a_tmpfs_with_ordinary_options_is_allowed_and_stored_as_sent(ci_proxy, dockerd_sock, options):
    name = unique("tmpok")
    try:
        r = http(ci_proxy.sock, "POST", f"{API}/containers/create?name={name}", tmpfs_body(options))
        assert r.status == 201, r
        i = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{name}/json").body)
        assert i["HostConfig"]["Tmpfs"] == {"/mnt": options}
        s = http(ci_proxy.sock, "POST", f"{API}/containers/{name}/start")
        assert s.status == 204, s
    finally:
        force_remove(dockerd_sock, name)
