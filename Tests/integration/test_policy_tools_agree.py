"""`sockwarden test` judges a case as `explain` (and serve) judge the
request: a build case's body is its context, and the Dockerfile in it is
judged. It was not: a case for a build whose Dockerfile `ADD`s a URL got
"allow" from `test` and "deny" from `explain` and serve. `test` runs
without a daemon (a base image's ONBUILD triggers are not read); explain
reads them at `--upstream`, as serve does."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile

import pytest

from swhelpers import POLICIES

pytestmark = pytest.mark.proxy_only

CASES = '''
[tests]
policy = "ci.toml"

[[cases]]
name = "a build whose Dockerfile downloads a URL"
method = "POST"
path = "/v1.41/build?t=app"
content-type = "application/x-tar"
body-file = "add-url.tar"
expect = "deny"
rule = "builds"

[[cases]]
name = "a plain build"
method = "POST"
path = "/v1.41/build?t=app"
content-type = "application/x-tar"
body-file = "plain.tar"
expect = "allow"
'''


def context(dockerfile: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        data = dockerfile.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_test_and_explain_judge_a_build_context_alike(proxy_bin, short_tmp, dockerd_sock):
    d = tempfile.mkdtemp(dir=short_tmp)
    shutil.copy(POLICIES / "ci.toml", os.path.join(d, "ci.toml"))
    with open(os.path.join(d, "add-url.tar"), "wb") as f:
        f.write(context("FROM busybox\nADD http://example.com/payload /payload\n"))
    with open(os.path.join(d, "plain.tar"), "wb") as f:
        f.write(context("FROM busybox\nRUN true\n"))
    with open(os.path.join(d, "ci.tests.toml"), "w") as f:
        f.write(CASES)
    r = subprocess.run([proxy_bin, "test", os.path.join(d, "ci.tests.toml")], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    for name, code in (("add-url.tar", 3), ("plain.tar", 0)):
        e = subprocess.run([proxy_bin, "explain", "--policy", os.path.join(d, "ci.toml"), "POST", "/v1.41/build?t=app",
                            "--body", os.path.join(d, name), "--content-type", "application/x-tar",
                            "--upstream", dockerd_sock], capture_output=True, timeout=60)
        assert e.returncode == code, e.stdout.decode()
    # Without a daemon, explain judges the build as serve would then: its base image's ONBUILD
    # triggers cannot be read, so it is refused, and standard error says why.
    e = subprocess.run([proxy_bin, "explain", "--policy", os.path.join(d, "ci.toml"), "POST", "/v1.41/build?t=app",
                        "--body", os.path.join(d, "plain.tar"), "--content-type", "application/x-tar",
                        "--upstream", os.path.join(d, "no-daemon.sock")], capture_output=True, timeout=60)
    assert e.returncode == 3 and b"cannot read its ONBUILD triggers" in e.stdout and b"no-daemon.sock" in e.stderr, e
