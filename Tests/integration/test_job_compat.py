"""Ordinary CI commands on a job socket behave as they do straight on the
daemon (the compatibility sweep of 2026-12-01). Each test runs the same
docker CLI command (both CLIs) straight against the daemon and through a
job socket of a ci.toml serve, and compares what the job sees and what the
daemon did."""
import json
import os
import shutil
import subprocess
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


COMPOSE_WITH_VOLUME_AND_NETWORK = """\
version: "2.4"
services:
  app:
    image: {image}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"]
    networks: [inner]
    volumes: [data:/data]
networks:
  inner:
    internal: true
    labels: {{team: ci}}
volumes:
  data:
    labels: {{kind: cache}}
"""


def compose_v1() -> str:
    """docker-compose v1's path; the test is skipped without it."""
    compose = shutil.which("docker-compose") or "/usr/bin/docker-compose"
    if not os.access(compose, os.X_OK):
        pytest.skip("docker-compose (v1) not installed")
    return compose


def compose_runner(compose: str, cwd, sock: str, docker_config: str, project: str, where: str):
    """Runs docker-compose on `sock` as project `project`, asserting it succeeds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
    env.update(DOCKER_HOST=f"unix://{sock}", DOCKER_CONFIG=docker_config,
               COMPOSE_PROJECT_NAME=project, COMPOSE_INTERACTIVE_NO_CLI="1")

    def run(*args) -> subprocess.CompletedProcess:
        r = subprocess.run([compose, *args], cwd=cwd, env=env, capture_output=True, timeout=120)
        assert r.returncode == 0, (where, args, r.stderr.decode()[-2000:])
        return r
    return run


def test_compose_sees_its_volume_and_network_labels_unchanged(dockerd_sock, job_sock, docker_config, tmp_path):
    # docker-compose v1 compares a project's volumes' and networks' labels
    # with its file at every `up` and `run`; on a job socket it found the
    # owner label the socket stamps and warned each time ("label
    # io.sockwarden.job has changed. It may need to be recreated"), which it
    # never does straight. The job's answers now leave the owner label out;
    # the daemon still has it.
    compose = compose_v1()
    (tmp_path / "docker-compose.yml").write_text(COMPOSE_WITH_VOLUME_AND_NETWORK.format(image=IMAGE))
    for where, sock in (("direct", dockerd_sock), ("job", job_sock)):
        project = unique("swl").replace("-", "")
        compose_run = compose_runner(compose, tmp_path, sock, docker_config, project, where)
        try:
            compose_run("up", "-d")
            again = compose_run("up", "-d").stderr.decode() + compose_run("run", "--rm", "-T", "app", "true").stderr.decode()
            assert "has changed" not in again, (where, again)
            volume = http(dockerd_sock, "GET", f"{API}/volumes/{project}_data").json()
            network = http(dockerd_sock, "GET", f"{API}/networks/{project}_inner").json()
            assert ("io.sockwarden.job" in volume["Labels"]) == (where == "job"), (where, volume)
            assert ("io.sockwarden.job" in network["Labels"]) == (where == "job"), (where, network)
            # What the client sees: its own labels, as straight.
            seen = http(sock, "GET", f"{API}/volumes/{project}_data").json()["Labels"]
            assert {k: v for k, v in seen.items() if not k.startswith("com.docker.")} == {"kind": "cache"}, (where, seen)
            seen = http(sock, "GET", f"{API}/networks/{project}_inner").json()["Labels"]
            assert {k: v for k, v in seen.items() if not k.startswith("com.docker.")} == {"team": "ci"}, (where, seen)
            listed = http(sock, "GET", f"{API}/volumes").json()["Volumes"]
            assert [v["Labels"].get("kind") for v in listed if v["Name"] == f"{project}_data"] == ["cache"], (where, listed)
            listed_networks = http(sock, "GET", f"{API}/networks").json()
            assert [n["Labels"].get("team") for n in listed_networks if n["Name"] == f"{project}_inner"] == ["ci"], where
            if where == "job":
                assert all("io.sockwarden.job" not in (v["Labels"] or {}) for v in listed), listed
                assert all("io.sockwarden.job" not in (n["Labels"] or {}) for n in listed_networks), listed_networks
            compose_run("down", "-v", "-t", "1")
            assert http(dockerd_sock, "GET", f"{API}/volumes/{project}_data").status == 404, where
        finally:
            for c in json.loads(http(dockerd_sock, "GET", f"{API}/containers/json?all=1").body):
                if c["Labels"].get("com.docker.compose.project") == project:
                    http(dockerd_sock, "DELETE", f"{API}/containers/{c['Id']}?force=1")
            http(dockerd_sock, "DELETE", f"{API}/networks/{project}_inner")
            http(dockerd_sock, "DELETE", f"{API}/volumes/{project}_data")


def test_volume_create_answers_the_clients_labels(dockerd_sock, job_sock):
    # The create's answer (the SDK's `volumes.create(...).attrs`) and
    # `system df` show the volume as inspect does: the client's labels, not
    # the owner label.
    import docker
    for where, sock in (("direct", dockerd_sock), ("job", job_sock)):
        client = docker.DockerClient(base_url=f"unix://{sock}", version="auto", timeout=60)
        name = unique("vcreate")
        try:
            made = client.volumes.create(name, labels={"team": "ci"})
            assert made.attrs["Labels"] == {"team": "ci"}, (where, made.attrs)
            again = client.volumes.create(name)  # the daemon answers the existing volume
            assert again.attrs["Labels"] == {"team": "ci"}, (where, again.attrs)
            assert client.volumes.get(name).attrs["Labels"] == {"team": "ci"}, where
            assert [v["Labels"] for v in client.df()["Volumes"] if v["Name"] == name] == [{"team": "ci"}], where
            labels = http(dockerd_sock, "GET", f"{API}/volumes/{name}").json()["Labels"]
            assert ("io.sockwarden.job" in labels) == (where == "job"), (where, labels)
        finally:
            client.close()
            http(dockerd_sock, "DELETE", f"{API}/volumes/{name}?force=1")


COMPOSE_WITH_ANONYMOUS_VOLUME = """\
version: "2.4"
services:
  db:
    image: {image}
    network_mode: none
    command: ["sh", "-c", "trap 'exit 0' TERM; echo boot >> /data/boots; sleep 300 & wait"]
    volumes:
      - /data
"""


def test_compose_recreates_a_service_with_an_anonymous_volume(dockerd_sock, job_sock, docker_config, tmp_path):
    # `docker-compose up --force-recreate` (and `up` after any change to the
    # service or its image) creates the new container with the old one's
    # anonymous volumes bound by name, so the data survives. A job socket
    # refused that bind (the daemon makes anonymous volumes unlabelled) and
    # left the old container renamed; now it binds them as the job's own.
    compose = compose_v1()
    (tmp_path / "docker-compose.yml").write_text(COMPOSE_WITH_ANONYMOUS_VOLUME.format(image=IMAGE))
    for where, sock in (("direct", dockerd_sock), ("job", job_sock)):
        project = unique("swa").replace("-", "")
        compose_run = compose_runner(compose, tmp_path, sock, docker_config, project, where)

        def project_containers():
            return [c for c in json.loads(http(dockerd_sock, "GET", f"{API}/containers/json?all=1").body)
                    if c["Labels"].get("com.docker.compose.project") == project]

        volumes = []
        try:
            compose_run("up", "-d")
            first = project_containers()
            assert len(first) == 1, (where, first)
            volumes = [m["Name"] for m in first[0]["Mounts"] if m["Type"] == "volume"]
            compose_run("up", "-d", "--force-recreate")
            now = project_containers()
            assert len(now) == 1 and now[0]["Id"] != first[0]["Id"], (where, now)
            assert now[0]["Names"] == [f"/{project}_db_1"], (where, now)
            assert [m["Name"] for m in now[0]["Mounts"] if m["Type"] == "volume"] == volumes, (where, now)
            r = compose_run("exec", "-T", "db", "cat", "/data/boots")
            assert r.stdout == b"boot\nboot\n", (where, r.stdout)
            compose_run("down", "-t", "1")
        finally:
            for c in project_containers():
                http(dockerd_sock, "DELETE", f"{API}/containers/{c['Id']}?force=1")
            for v in volumes:
                http(dockerd_sock, "DELETE", f"{API}/volumes/{v}?force=1")
