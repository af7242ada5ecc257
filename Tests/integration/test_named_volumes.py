"""Named volumes against the real daemon, with policies/ci.toml.

dockerd mounts an existing volume as it was created: a local volume made
with `type=none,o=bind,device=<dir>` is that host directory, whatever the
mounting request says. Such volumes are made by operators (or any client of
the daemon's own socket), never by a job under ci.toml (`driver-options =
false`), but a job could mount one by name: `-v vol:/x` or `--mount
type=volume,src=vol`. Differential: straight to the daemon the container
reads the host directory; through the proxy the create is refused, naming
the volume's options; plain named volumes, new or existing, still work."""
import json
import os
import tempfile

import pytest

from swhelpers import API, DockerCLI, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


@pytest.fixture
def bind_volume(dockerd_sock, short_tmp):
    """A local volume, made straight on the daemon, that binds a host directory holding a secret."""
    host_dir = tempfile.mkdtemp(dir=short_tmp)
    secret = unique("host-secret")
    with open(os.path.join(host_dir, "secret"), "w") as f:
        f.write(secret)
    name = unique("opsvol")
    r = http(dockerd_sock, "POST", f"{API}/volumes/create", json.dumps(
        {"Name": name, "DriverOpts": {"type": "none", "o": "bind", "device": host_dir}}).encode(),
        {"Content-Type": "application/json"})
    assert r.status == 201, r.body
    yield name, secret
    http(dockerd_sock, "DELETE", f"{API}/volumes/{name}?force=1")


MOUNTS = [
    ("binds", lambda v: ["-v", f"{v}:/x:ro"]),
    ("mounts", lambda v: ["--mount", f"type=volume,src={v},dst=/x,readonly"]),
]


@pytest.mark.parametrize("spelling,args", MOUNTS, ids=[m[0] for m in MOUNTS])
def test_an_existing_volume_that_binds_a_host_directory_is_refused(
        spelling, args, bind_volume, proxy_factory, daemon_cli, cli_path, docker_config):
    name, secret = bind_volume
    run = ["run", "--rm", "--network", "none", *args(name), IMG, "cat", "/x/secret"]

    # The attack is real: straight to the daemon the container reads the host directory.
    r = daemon_cli(*run)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == secret

    # Through ci.toml it is refused, naming the volume and what it was created with.
    proxy = proxy_factory(policy="ci.toml")
    r = DockerCLI(cli_path, proxy.sock, docker_config)(*run)
    assert r.returncode != 0
    assert secret.encode() not in r.stdout
    assert f"existing volume {name}".encode() in r.stderr, r.stderr
    assert b"device=" in r.stderr and b"driver-options" in r.stderr, r.stderr
    # The audit thread writes the record after the answer may have reached the CLI.
    def creates(records):
        return [rec for rec in records if rec.get("event") == "request" and rec.get("route") == "container.create"]
    denied = creates(proxy.wait_audit(creates, 10, what="the create's audit record"))
    assert denied and denied[-1]["decision"] == "deny" and denied[-1]["rule"] == "volumes", denied[-1:]
    assert [f["name"] for f in denied[-1]["facts"]["named_volume"]] == [name], denied[-1]["facts"]


def test_plain_named_volumes_new_and_existing_still_work(proxy_factory, dockerd_sock, cli_path, docker_config):
    proxy = proxy_factory(policy="ci.toml")
    cli = DockerCLI(cli_path, proxy.sock, docker_config)
    name = unique("plainvol")
    try:
        # A new volume, created by the run itself, then the same volume again (now existing).
        r = cli("run", "--rm", "--network", "none", "-v", f"{name}:/data", IMG, "sh", "-c", "echo kept > /data/f")
        assert r.returncode == 0, r.stderr
        r = cli("run", "--rm", "--network", "none", "--mount", f"type=volume,src={name},dst=/data", IMG, "cat", "/data/f")
        assert r.returncode == 0, r.stderr
        assert r.stdout == b"kept\n"
        # One made with `docker volume create` (no options) too.
        made = unique("madevol")
        assert cli("volume", "create", made).returncode == 0
        r = cli("run", "--rm", "--network", "none", "-v", f"{made}:/d", IMG, "true")
        assert r.returncode == 0, r.stderr
        http(dockerd_sock, "DELETE", f"{API}/volumes/{made}?force=1")
    finally:
        http(dockerd_sock, "DELETE", f"{API}/volumes/{name}?force=1")
