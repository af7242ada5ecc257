"""Ordinary CI commands on a job socket behave as they do straight on the
daemon (the compatibility sweep of 2026-12-01). Each test runs the same
docker CLI command (both CLIs) straight against the daemon and through a
job socket of a ci.toml serve, and compares what the job sees and what the
daemon did."""
import json
import os
import tempfile

import pytest

from swhelpers import API, IMAGE, DockerCLI, http, unique
from test_jobs import Jobs

pytestmark = pytest.mark.proxy_only


@pytest.fixture
def job_sock(proxy_bin, dockerd_sock, image, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    jobs = Jobs(proxy_bin, dockerd_sock, d).start()
    job_id = unique("compat")
    sock = jobs.open(job_id, "--ttl", "10m")
    yield sock
    jobs.job("close", "--id", job_id, check=False)
    jobs.proxy.stop()


def both(cli_path, dockerd_sock, job_sock, docker_config):
    return {"direct": DockerCLI(cli_path, dockerd_sock, docker_config),
            "job": DockerCLI(cli_path, job_sock, docker_config)}


def test_mount_volume_labels(cli_path, dockerd_sock, job_sock, docker_config):
    # `--mount type=volume,volume-label=...` labels the volume dockerd makes;
    # a job socket makes it first (with the owner label) and must label it too.
    for where, cli in both(cli_path, dockerd_sock, job_sock, docker_config).items():
        vol = unique("vlabel")
        try:
            cli.ok("run", "--rm", "--network", "none", "--mount",
                   f"type=volume,source={vol},target=/x,volume-label=team=ci,volume-label=tier=unit",
                   IMAGE, "true")
            labels = http(dockerd_sock, "GET", f"{API}/volumes/{vol}").json()["Labels"] or {}
            assert labels.get("team") == "ci" and labels.get("tier") == "unit", (where, labels)
            assert ("io.sockwarden.job" in labels) == (where == "job"), (where, labels)
            r = cli.ok("volume", "ls", "-q", "--filter", "label=team=ci")
            assert vol in r.stdout.decode().split(), (where, r)
        finally:
            http(dockerd_sock, "DELETE", f"{API}/volumes/{vol}?force=1")


def test_system_prune(cli_path, dockerd_sock, job_sock, docker_config):
    # `docker system prune -f` (a usual last CI step) ends with a build cache
    # prune; a job socket answers that one itself (a job's builds are classic).
    for where, cli in both(cli_path, dockerd_sock, job_sock, docker_config).items():
        name = unique("pruned")
        # The label keeps the straight prune off other tests' containers.
        cli.ok("create", "--network", "none", "--label", f"{name}=1", "--name", name, IMAGE, "true")
        r = cli("system", "prune", "-f", "--filter", f"label={name}=1")
        assert r.returncode == 0, (where, r)
        assert b"Total reclaimed space" in r.stdout, (where, r)
        assert http(dockerd_sock, "GET", f"{API}/containers/{name}/json").status == 404, where
        r = cli("builder", "prune", "-f")
        assert r.returncode == 0, (where, r)


def test_bind_above_the_socket_says_why(cli_path, dockerd_sock, proxy_factory, docker_config):
    # A checkout that happens to hold the daemon socket (here: the private
    # daemon's directory) mounts straight on the daemon; through ci.toml it is
    # refused, and the denial names the socket it would expose, not just
    # "the socket or the host's file system".
    above = os.path.dirname(dockerd_sock)
    args = ("run", "--rm", "--network", "none", "-v", f"{above}:/ws:ro", IMAGE, "ls", "/ws")
    straight = DockerCLI(cli_path, dockerd_sock, docker_config).ok(*args)
    assert os.path.basename(dockerd_sock).encode() in straight.stdout.split(), straight
    ci = proxy_factory("ci.toml")
    r = DockerCLI(cli_path, ci.sock, docker_config)(*args)
    assert r.returncode != 0, r
    err = r.stderr.decode()
    assert f"mounts host path {above}, which contains the daemon socket {dockerd_sock};" in err, err
    assert "use a named volume, a tmpfs or docker cp instead" in err, err


def test_predefined_network_says_why(cli_path, dockerd_sock, job_sock, docker_config):
    # `docker network inspect none` works straight; a job socket shows only
    # the job's own networks (bridge's inspect lists every job's containers)
    # and its 404 now says so instead of a bare "not found".
    clis = both(cli_path, dockerd_sock, job_sock, docker_config)
    assert clis["direct"].ok("network", "inspect", "-f", "{{.Name}}", "none").stdout == b"none\n"
    r = http(job_sock, "GET", f"{API}/networks/none")
    assert r.status == 404, r
    msg = r.json()["message"]
    assert msg.startswith("network none not found (sockwarden: the predefined network none is shared by every job"), msg
    r = clis["job"]("network", "inspect", "none")
    assert r.returncode == 1 and b"none" in r.stderr, r
    # A container still joins it.
    assert clis["job"].ok("run", "--rm", "--network", "none", IMAGE, "echo", "ok").stdout == b"ok\n"
