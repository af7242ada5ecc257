"""A start from a checkpoint reads a host directory the name can place anywhere.

`POST /containers/{id}/start?checkpoint=NAME` (`docker start --checkpoint`,
acted on by a daemon run with `--experimental`) restores the container from
`filepath.Join(<data-root>/containers/<id>/checkpoints, NAME)`. dockerd
20.10.24 checks a checkpoint's name when it makes one, not when it starts
from one, so `../../../../../../etc` is the host's /etc: the daemon stat()s
it as root ("/etc/passwd exists and is not a directory" against "checkpoint
… does not exist" tells a job what is on the host), then tars the directory
into containerd's content store and has runc restore the container from it
with CRIU ("open /tmp/ctrd-checkpoint…/descriptors.json" shows it got that
far), from images a job can write into a named volume's `_data` on the host.
policies/ci.toml refuses the checkpoint routes, but forwarded the start's
query untouched. Now a start with `checkpoint` or `checkpoint-dir` is refused
(rule body); a plain start passes.

Differential: straight to an experimental daemon the start answers for host
paths and reads a host directory; through the proxy it is refused and the
container stays created. The straight half needs a daemon run with
`--experimental` (`SWD_EXPERIMENTAL=1 scripts/start-private-dockerd DIR`);
the proxy half fails on the old binary with either daemon (forwarded, the
daemon answered 400 "only supported in experimental mode" or the oracle)."""
import json
import os
import tempfile

import pytest

from swhelpers import API, force_remove, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"
UP = "../" * 12


@pytest.fixture
def ci_proxy(proxy_factory):
    return proxy_factory(policy="ci.toml")


@pytest.fixture
def created(dockerd_sock):
    name = unique("ckpt")
    body = json.dumps({"Image": IMG, "Cmd": ["sleep", "30"], "HostConfig": {"NetworkMode": "none"}}).encode()
    r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}", body)
    assert r.status == 201, r
    yield name
    force_remove(dockerd_sock, name)


def experimental(dockerd_sock) -> bool:
    info = http(dockerd_sock, "GET", f"{API}/info")
    assert info.status == 200, info
    return bool(json.loads(info.body).get("ExperimentalBuild"))


def state(dockerd_sock, name) -> dict:
    r = http(dockerd_sock, "GET", f"{API}/containers/{name}/json")
    assert r.status == 200, r
    return json.loads(r.body)["State"]


def start(sock, name, query) -> "object":
    return http(sock, "POST", f"{API}/containers/{name}/start?{query}")


def test_the_daemon_restores_from_any_host_directory(dockerd_sock, created):
    if not experimental(dockerd_sock):
        pytest.skip("the daemon acts on checkpoints only with --experimental (SWD_EXPERIMENTAL=1 scripts/start-private-dockerd)")
    missing = f"nonexistent-{unique('p')}"
    gone = start(dockerd_sock, created, f"checkpoint={UP}{missing}")
    there = start(dockerd_sock, created, f"checkpoint={UP}etc/passwd")
    assert b"does not exist" in gone.body, gone
    assert b"/etc/passwd exists and is not a directory" in there.body, there
    with tempfile.TemporaryDirectory(prefix="swckpt") as d:
        os.chmod(d, 0o755)
        read = start(dockerd_sock, created, f"checkpoint={UP}{d.lstrip('/')}")
    # Past the checks: the host directory was tarred and handed to runc restore.
    assert b"restore" in read.body and b"descriptors.json" in read.body, read


CHECKPOINT_QUERIES = [
    ("a path out of the container's directory", f"checkpoint={UP}nonexistent"),
    ("a host file", f"checkpoint={UP}etc/passwd"),
    ("a plain name", "checkpoint=c1"),
    ("percent-encoded key", f"check%70oint={UP}etc/passwd"),
    ("second value", f"checkpoint=&checkpoint={UP}etc/passwd"),
    ("a checkpoint directory", "checkpoint=c1&checkpoint-dir=/tmp"),
]


@pytest.mark.parametrize("label,query", CHECKPOINT_QUERIES, ids=[c[0] for c in CHECKPOINT_QUERIES])
def test_a_start_from_a_checkpoint_is_refused(ci_proxy, dockerd_sock, created, label, query):
    r = start(ci_proxy.sock, created, query)
    assert r.status == 403, r
    assert b"checkpoint" in r.body and b"without --checkpoint" in r.body, r.body
    assert state(dockerd_sock, created)["Status"] == "created"


def test_a_plain_start_passes(ci_proxy, dockerd_sock, created):
    r = start(ci_proxy.sock, created, "")
    assert r.status == 204, r
    assert state(dockerd_sock, created)["Running"]
