"""Testcontainers for Python (testcontainers 4.x) through `target`: what a
test suite in a CI job does with it (start a container and wait for its log,
exec, copy files in and out, build an image, stop and remove).

Ryuk, Testcontainers' reaper container, is disabled
(`TESTCONTAINERS_RYUK_DISABLED=true`): its image cannot be pulled here, and it
reaches the tests over a published port, which needs a bridge network these
tests do not have. With Ryuk on, Testcontainers bind-mounts the Docker socket
into it; on a job socket sockwarden gives it the job's own socket instead
(docs/tenancy.md, "Nested socket").

Every container runs with `network_mode="none"`."""
from __future__ import annotations

import importlib
import os
import pathlib
import tempfile

import pytest

from swhelpers import API, IMAGE, http, unique

tc = pytest.importorskip("testcontainers.core.container",
                         reason="Testcontainers for Python is not installed (scripts/install-test-deps)")
from testcontainers.core.container import DockerContainer  # noqa: E402
from testcontainers.core.image import DockerImage  # noqa: E402
from testcontainers.core.waiting_utils import wait_for_logs  # noqa: E402
from testcontainers.core.wait_strategies import LogMessageWaitStrategy  # noqa: E402


@pytest.fixture
def on_target(target, image, monkeypatch):
    """Testcontainers pointed at `target` the way a CI job points it: DOCKER_HOST."""
    monkeypatch.setenv("DOCKER_HOST", f"unix://{target}")
    monkeypatch.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
    from testcontainers.core.config import testcontainers_config
    monkeypatch.setattr(testcontainers_config, "_ryuk_disabled", True)
    return target


def sleeper(name: str) -> DockerContainer:
    """A container that prints `ready` and sleeps; `with` returns once the
    log line is there (Testcontainers polls the logs through the proxy)."""
    return (DockerContainer(IMAGE)
            .with_name(name)
            .with_command(["sh", "-c", "echo ready; exec sleep 300"])
            .with_kwargs(network_mode="none")
            .waiting_for(LogMessageWaitStrategy("ready").with_startup_timeout(30)))


def container_state(dockerd_sock: str, name: str) -> int:
    return http(dockerd_sock, "GET", f"{API}/containers/{name}/json").status


def test_start_wait_for_log_exec_and_remove(on_target, dockerd_sock, cleanup):
    name = cleanup.container(unique("tc"))
    with sleeper(name).with_env("GREETING", "hello") as c:
        c.reload()
        assert c.status == "running"
        r = c.exec(["sh", "-c", "echo $GREETING; echo err >&2; exit 3"])
        assert r.exit_code == 3
        assert sorted(r.output.splitlines()) == [b"err", b"hello"], r.output  # two streams, either order
        out, _ = c.get_logs()
        assert out == b"ready\n", out
        info = c.get_wrapped_container().attrs
        assert info["Config"]["Labels"]["org.testcontainers"] == "true", info["Config"]["Labels"]
        assert info["HostConfig"]["NetworkMode"] == "none"
    # leaving the block stops and removes the container, on the daemon itself
    assert container_state(dockerd_sock, name) == 404


@pytest.mark.filterwarnings("ignore:The wait_for_logs function:DeprecationWarning")
def test_wait_for_logs_function(on_target, cleanup):
    """The older helper, still common in test suites: polls logs and status."""
    name = cleanup.container(unique("tc"))
    c = (DockerContainer(IMAGE).with_name(name).with_kwargs(network_mode="none")
         .with_command(["sh", "-c", "sleep 1; echo up; exec sleep 300"]))
    with c:
        waited = wait_for_logs(c, lambda text: "up" in text, timeout=30, interval=0.2)
        assert waited >= 0.5, waited
        assert c.exec(["true"]).exit_code == 0


def test_copy_into_and_out_of_container(on_target, cleanup, tmp_path):
    name = cleanup.container(unique("tc"))
    payload = os.urandom(256 << 10)
    with sleeper(name) as c:
        c.copy_into_container(payload, "/tmp/payload.bin")
        r = c.exec(["sh", "-c", "wc -c < /tmp/payload.bin"])
        assert r.output.strip() == str(len(payload)).encode(), r.output
        dest = tmp_path / "back.bin"
        c.copy_from_container("/tmp/payload.bin", dest)
        assert dest.read_bytes() == payload


def test_tmpfs_mount(on_target, cleanup):
    name = cleanup.container(unique("tc"))
    with sleeper(name).with_tmpfs_mount("/scratch", size="size=1m") as c:
        r = c.exec(["sh", "-c", "echo x > /scratch/f && grep ' /scratch ' /proc/mounts"])
        assert r.exit_code == 0 and b"tmpfs" in r.output, r.output


def test_build_image_then_run_it(on_target, cleanup, tmp_path):
    tag = cleanup.image(f"swtest/tc-built:{unique('t')}")
    (tmp_path / "Dockerfile").write_text(f"FROM {IMAGE}\nRUN echo built > /built.txt\nCMD cat /built.txt\n")
    with DockerImage(path=str(tmp_path), tag=tag, clean_up=False) as img:
        name = cleanup.container(unique("tc"))
        with DockerContainer(str(img)).with_name(name).with_kwargs(network_mode="none") as c:
            assert c.wait() == 0
            assert c.get_logs()[0] == b"built\n"


@pytest.mark.proxy_only
def test_denied_host_bind_names_the_rule(on_target, cleanup, tmp_path):
    """Under a policy that refuses host binds the job's test fails with
    sockwarden's message, not a hang or a bare 403; under observe.toml the
    container starts (the same test then shows the proxy is invisible)."""
    from docker.errors import APIError
    from conftest import SESSION_POLICY
    name = cleanup.container(unique("tc"))
    c = sleeper(name).with_volume_mapping(str(tmp_path), "/host", mode="ro")
    if SESSION_POLICY != "ci.toml":
        with c:
            assert c.exec(["ls", "/host"]).exit_code == 0
        return
    with pytest.raises(APIError) as err:
        c.start()
    assert err.value.status_code == 403
    message = err.value.explanation
    assert "sockwarden" in message and str(tmp_path) in message, message


@pytest.mark.proxy_only
def test_two_jobs_run_testcontainers_side_by_side(proxy_bin, dockerd_sock, image, short_tmp, monkeypatch, cleanup):
    """Two CI jobs, each with its own job socket (issue 5), run the same
    Testcontainers code: each sees, execs into and copies from only its own
    container; `job close` removes what a job left running."""
    import docker
    from test_jobs import Jobs
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp)).start()
    monkeypatch.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
    from testcontainers.core.config import testcontainers_config
    monkeypatch.setattr(testcontainers_config, "_ryuk_disabled", True)
    try:
        a, b = unique("tca"), unique("tcb")
        socks = {a: jobs.open(a), b: jobs.open(b)}
        started = {}
        for job, sock in socks.items():
            monkeypatch.setenv("DOCKER_HOST", f"unix://{sock}")
            c = sleeper(cleanup.container(f"{job}-c")).start()
            c.copy_into_container(job.encode(), "/tmp/owner")
            started[job] = c
        for job, sock in socks.items():
            other = b if job == a else a
            client = docker.DockerClient(base_url=f"unix://{sock}", version="auto", timeout=60)
            assert [x.name for x in client.containers.list(all=True)] == [f"{job}-c"]
            with pytest.raises(docker.errors.NotFound):
                client.containers.get(f"{other}-c")
            own = client.containers.get(f"{job}-c")
            assert own.exec_run(["cat", "/tmp/owner"]).output == job.encode()
            client.close()
        # Job A leaves its container running (a test that crashed before its
        # `with` ended); closing the job removes it on the daemon.
        out = jobs.job("close", "--id", a)
        assert "removed container" in out.stdout, out.stdout
        assert container_state(dockerd_sock, f"{a}-c") == 404
        assert container_state(dockerd_sock, f"{b}-c") == 200
        monkeypatch.setenv("DOCKER_HOST", f"unix://{socks[b]}")
        started[b].stop()
        assert container_state(dockerd_sock, f"{b}-c") == 404
    finally:
        jobs.proxy.stop()
