"""`docker cp -a` looks the container's user up in the host's passwd database.

`PUT /containers/{id}/archive?copyUIDGID=1` makes dockerd 20.10 call
`idtools.LookupUser(container.Config.User)`: the host's /etc/passwd, then
`getent passwd <User>` run as root on the host. A job that may name any
`User` at create learns which host accounts exist (a missing one answers
"getent unable to find entry") and their uid and gid (the copied file's
owner), and makes the host's NSS (LDAP, sssd) answer for it. Found by the
red-team review of session 11 (2026-11-30); copyUIDGID into a container
with a `User` is now refused (rule containers). With no `User` the daemon
looks nothing up, and the copy passes.

Differential: straight to the daemon the copy fails for a user the host
lacks and succeeds for one it has; through the proxy both are refused. A copy
without copyUIDGID still passes, and so does `cp -a` into a container with
no user."""
import io
import json
import tarfile

import pytest

from swhelpers import API, force_remove, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


@pytest.fixture
def ci_proxy(proxy_factory):
    return proxy_factory(policy="ci.toml")


def tar_one() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        ti = tarfile.TarInfo("f.txt")
        ti.size = 2
        t.addfile(ti, io.BytesIO(b"x\n"))
    return buf.getvalue()


def copy(sock: str, cid: str, query: str):
    return http(sock, "PUT", f"{API}/containers/{cid}/archive?path=/tmp{query}", tar_one(),
                headers={"Content-Type": "application/x-tar"})


def test_copy_uid_gid_is_refused(dockerd_sock, ci_proxy, image):
    made = []
    try:
        for user in ("nosuchhostuserzz", "root"):
            name = unique("cpa")
            c = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
                     json.dumps({"Image": IMG, "Cmd": ["true"], "User": user,
                                 "HostConfig": {"NetworkMode": "none"}}).encode())
            assert c.status == 201, c
            made.append(name)
            direct = copy(dockerd_sock, name, "&copyUIDGID=1")
            if user == "root":
                assert direct.status == 200, direct
            else:
                assert direct.status != 200 and b"getent" in direct.body, direct
            proxied = copy(ci_proxy.sock, name, "&copyUIDGID=1")
            assert proxied.status == 403 and b"copyUIDGID" in proxied.body and f'user is \\"{user}\\"'.encode() in proxied.body, proxied
            assert copy(ci_proxy.sock, name, "&copyUIDGID=0").status == 200
    finally:
        for name in made:
            force_remove(dockerd_sock, name)


def test_copy_uid_gid_into_a_container_without_a_user_passes(dockerd_sock, ci_proxy, image):
    """dockerd looks nothing up when the container has no `User`
    (`tarCopyOptions`): `docker cp -a` is harmless there and passes."""
    name = unique("cpa")
    try:
        c = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
                 json.dumps({"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}).encode())
        assert c.status == 201, c
        assert copy(dockerd_sock, name, "&copyUIDGID=1").status == 200
        proxied = copy(ci_proxy.sock, name, "&copyUIDGID=1")
        assert proxied.status == 200, proxied
    finally:
        force_remove(dockerd_sock, name)
