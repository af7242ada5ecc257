"""`serve` asks the daemon its cgroup version at start and warns when the
policy refuses `--cgroupns host` on a cgroup v1 daemon, where a create that
names no mode gets the host's cgroup namespace anyway (SECURITY.md, "The
cgroup namespace on a cgroup v1 host"). The test machines run cgroup v2, so
a stand-in daemon answers `/info` as a v1 dockerd 20.10 does; the real
daemon shows the warning stays away on v2."""

from __future__ import annotations

import json
import os
import time

import pytest

from swhelpers import FakeUnixDaemon

pytestmark = pytest.mark.proxy_only


class InfoDaemon(FakeUnixDaemon):
    """Answers `GET /info` with the cgroup version given, anything else 404."""

    def __init__(self, path: str, cgroup_version: str):
        self.info = json.dumps({"CgroupVersion": cgroup_version, "CgroupDriver": "cgroupfs",
                                "ServerVersion": "20.10.24+dfsg1"}).encode()
        self.asked = []
        super().__init__(path)

    def serve(self, conn, number):
        buf = b""
        while (request := self.read_request(conn, buf)) is not None:
            head, _, buf = request
            line = head.split(b"\r\n")[0]
            self.asked.append(line)
            if line.split(b" ")[1] == b"/info":
                conn.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(self.info), self.info))
            else:
                conn.sendall(b'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')
            return


def wait_for_log(p, needle: str, seconds: float = 10) -> bool:
    end = time.monotonic() + seconds
    while needle not in p.log_tail(20000) and time.monotonic() < end:
        time.sleep(0.1)
    return needle in p.log_tail(20000)


@pytest.mark.parametrize("policy, warned", [("ci.toml", True), ("observe.toml", False)])
def test_a_cgroup_v1_daemon_is_warned_about(proxy_factory, sock_dir, policy, warned):
    """ci.toml refuses `--cgroupns host`: against a cgroup v1 daemon, serve
    says at start that it cannot refuse the daemon's default and what to
    set; observe.toml judges no bodies, so there is nothing to say."""
    fake = InfoDaemon(os.path.join(sock_dir, "v1.sock"), "1")
    p = proxy_factory(policy, upstream=fake.path)
    end = time.monotonic() + 10
    while not fake.asked and time.monotonic() < end:
        time.sleep(0.1)
    assert any(b" /info " in line for line in fake.asked), fake.asked
    if warned:
        assert wait_for_log(p, "the daemon runs cgroup v1"), p.log_tail()
        log = p.log_tail(20000)
        assert "--default-cgroupns-mode=private" in log and '[api] min-version = "1.41"' in log, log
        assert f"policy {policy}" in log, log
    else:
        time.sleep(1)
        assert "cgroup v1" not in p.log_tail(20000), p.log_tail()
    assert p.alive()


def test_the_warning_tells_the_truth_about_the_real_daemon(proxy_factory, dockerd_sock, image):
    """Against the test daemon: a create through the proxy (ci.toml) that
    names no cgroup namespace mode is forwarded, and the mode the daemon
    stores is the host's exactly when it runs cgroup v1 (dockerd 20.10's
    default there), which is when serve warns; on cgroup v2 it is private
    and there is no warning."""
    from swhelpers import API, force_remove, http, unique
    info = json.loads(http(dockerd_sock, "GET", "/info").body)
    v1 = info.get("CgroupVersion") == "1"
    p = proxy_factory("ci.toml")
    name = unique("cgroupns")
    body = json.dumps({"Image": image, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}).encode()
    try:
        r = http(p.sock, "POST", f"{API}/containers/create?name={name}", body, headers={"Content-Type": "application/json"})
        assert r.status == 201, r
        mode = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{name}/json").body)["HostConfig"]["CgroupnsMode"]
        assert mode == ("host" if v1 else "private"), (info.get("CgroupVersion"), mode)
        if v1:
            assert wait_for_log(p, "the daemon runs cgroup v1"), p.log_tail()
        else:
            time.sleep(1)
            assert "cgroup v1" not in p.log_tail(20000), p.log_tail()
    finally:
        force_remove(dockerd_sock, name)
