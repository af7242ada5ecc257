"""`sockwarden suggest` writes values a client sent (a log driver, a host
path, a reason quoting a body) into the comments of the policy it prints.
A line break in one ended its comment and made the rest policy: a client
recorded in audit mode could add `privileged = true` to the learned policy.
(No daemon needed: a stand-in answers the create.)"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

import pytest

from swhelpers import POLICIES, CannedDaemon, Proxy, http

pytestmark = pytest.mark.proxy_only


@pytest.mark.parametrize("driver", ["x\nprivileged = true\n#", "x\r\n[host-paths]\nallow = [\"/\"]\n#"])
def test_a_recorded_value_with_a_line_break_does_not_become_policy(proxy_bin, short_tmp, driver):
    d = tempfile.mkdtemp(dir=short_tmp)
    daemon = CannedDaemon(os.path.join(d, "d.sock"), "201 Created", b'{"Id":"abc","Warnings":[]}')
    audit = os.path.join(d, "audit.jsonl")
    ci = str(POLICIES / "ci.toml")
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), daemon.path, ci, audit, d, ("--mode", "audit")).start()
    try:
        body = {"Image": "busybox", "HostConfig": {"NetworkMode": "none", "LogConfig": {"Type": driver, "Config": {}}}}
        r = http(p.sock, "POST", "/v1.41/containers/create", json.dumps(body).encode(),
                 headers={"Content-Type": "application/json"})
        assert r.status == 201, r
    finally:
        p.stop()
        daemon.close()
    s = subprocess.run([proxy_bin, "suggest", "--audit-log", audit, "--base", ci], capture_output=True, timeout=60)
    assert s.returncode == 0, s
    learned = os.path.join(d, "learned.toml")
    with open(learned, "wb") as f:
        f.write(s.stdout)
    lines = s.stdout.decode().split("\n")
    assert not any(line.startswith(("privileged", "allow = [\"/\"]")) for line in lines), s.stdout.decode()
    e = subprocess.run([proxy_bin, "explain", "--policy", learned, "POST", "/v1.41/containers/create", "--body", "-"],
                       input=b'{"Image":"busybox","HostConfig":{"NetworkMode":"none","Privileged":true}}',
                       capture_output=True, timeout=60)
    assert e.returncode == 3, e.stdout.decode()
