"""docker-compose v1 (Python, Debian's /usr/bin/docker-compose) through `target`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.parse

import pytest

from swhelpers import API, http, unique

COMPOSE = shutil.which("docker-compose") or "/usr/bin/docker-compose"

COMPOSE_FILE = """\
version: "2.4"
services:
  alpha:
    image: {image}
    network_mode: none
    command: ["sh", "-c", "trap 'exit 0' TERM; echo hello-alpha; sleep 300 & wait"]
  beta:
    image: {image}
    network_mode: none
    command: ["sh", "-c", "trap 'exit 0' TERM; echo hello-beta; sleep 300 & wait"]
"""


def project_containers(dockerd_sock: str, project: str) -> list[dict]:
    filters = urllib.parse.quote(json.dumps({"label": [f"com.docker.compose.project={project}"]}))
    r = http(dockerd_sock, "GET", f"{API}/containers/json?all=1&filters={filters}")
    assert r.status == 200, r
    return r.json()


def test_compose_up_ps_logs_down(target, image, dockerd_sock, sock_dir, docker_config):
    if not os.access(COMPOSE, os.X_OK):
        pytest.skip("docker-compose (v1) not installed")
    project = unique("swc").replace("-", "")
    with open(os.path.join(sock_dir, "docker-compose.yml"), "w") as f:
        f.write(COMPOSE_FILE.format(image=image))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
    env.update(DOCKER_HOST=f"unix://{target}", DOCKER_CONFIG=docker_config,
               COMPOSE_PROJECT_NAME=project, COMPOSE_INTERACTIVE_NO_CLI="1")

    def compose(*args, timeout=90):
        try:
            r = subprocess.run([COMPOSE, *args],
                               cwd=sock_dir, env=env, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"docker-compose {' '.join(args)} hung: {exc.stderr!r}")
        assert r.returncode == 0, f"docker-compose {' '.join(args)} exited {r.returncode}: {r.stderr.decode()[-2000:]}"
        return r

    try:
        compose("up", "-d")
        running = project_containers(dockerd_sock, project)
        assert len(running) == 2, running
        assert all(c["State"] == "running" for c in running), running
        assert all(c["HostConfig"]["NetworkMode"] == "none" for c in running), running

        ps = compose("ps").stdout.decode()
        assert f"{project}_alpha_1" in ps and f"{project}_beta_1" in ps, ps
        assert ps.count(" Up") >= 2, ps

        logs = compose("logs", "--no-color").stdout.decode()
        assert "hello-alpha" in logs and "hello-beta" in logs, logs

        compose("down", "-t", "5")
        assert project_containers(dockerd_sock, project) == []
    finally:
        for c in project_containers(dockerd_sock, project):
            http(dockerd_sock, "DELETE", f"{API}/containers/{c['Id']}?force=1", timeout=30)


COMPOSE_BUILD_FILE = """\
version: "2.4"
services:
  app:
    build:
      context: ./app
      dockerfile: Containerfile
      network: none
      args:
        GREETING: hello-from-args
    image: {tag}
    network_mode: none
    command: ["cat", "/greeting"]
"""


def test_compose_build_then_run(target, image, dockerd_sock, sock_dir, docker_config, cleanup):
    """`docker-compose build` (the SDK's classic build: the context as a tar,
    a Dockerfile named in `dockerfile`, build args) and a run of the result;
    under ci.toml the Dockerfile is read and judged on the way."""
    if not os.access(COMPOSE, os.X_OK):
        pytest.skip("docker-compose (v1) not installed")
    project = unique("swb").replace("-", "")
    tag = cleanup.image(f"swtest/compose-built:{project}")
    os.makedirs(os.path.join(sock_dir, "app"))
    with open(os.path.join(sock_dir, "app", "Containerfile"), "w") as f:
        f.write(f"ARG BASE={image}\nFROM $BASE\nARG GREETING\nRUN echo $GREETING > /greeting\n")
    with open(os.path.join(sock_dir, "docker-compose.yml"), "w") as f:
        f.write(COMPOSE_BUILD_FILE.format(tag=tag))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
    env.update(DOCKER_HOST=f"unix://{target}", DOCKER_CONFIG=docker_config,
               COMPOSE_PROJECT_NAME=project, COMPOSE_INTERACTIVE_NO_CLI="1", DOCKER_BUILDKIT="0")
    try:
        for args in (["build"], ["up", "--no-build"]):
            r = subprocess.run([COMPOSE, *args], cwd=sock_dir, env=env, capture_output=True, timeout=120)
            assert r.returncode == 0, f"docker-compose {args}: {r.stderr.decode()[-2000:]}"
        assert "hello-from-args" in r.stdout.decode(), r.stdout.decode()[-1000:]
    finally:
        for c in project_containers(dockerd_sock, project):
            http(dockerd_sock, "DELETE", f"{API}/containers/{c['Id']}?force=1", timeout=30)
