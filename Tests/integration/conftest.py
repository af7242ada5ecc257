"""Fixtures for Sockwarden's integration tests.

Environment:
  SOCKWARDEN_TARGET  proxy (default) | direct   -- where `target` points
  SOCKWARDEN_BIN     sockwarden binary (default <repo>/.build/debug/sockwarden)
  DOCKERD_SOCK       reuse a running dockerd instead of starting a private one
  SOCKWARDEN_POLICY_DIR  where observe.toml / read-only.toml live (default <repo>/policies)
  SOCKWARDEN_POLICY      policy of the session proxy the client tests use (default observe.toml)
  SOCKWARDEN_TEST_TIMEOUT  hard limit per test in seconds (default 180)
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from swhelpers import (  # noqa: E402
    API, BUSYBOX_APPLETS, CLI_PATHS, IMAGE, POLICIES, REPO, DockerCLI, Proxy, ProxyStartError,
    cli_id, force_remove, http, ping,
)

MODE = os.environ.get("SOCKWARDEN_TARGET", "proxy").strip().lower() or "proxy"
SESSION_POLICY = os.environ.get("SOCKWARDEN_POLICY", "observe.toml")
if MODE not in ("proxy", "direct"):
    raise pytest.UsageError(f"SOCKWARDEN_TARGET must be 'proxy' or 'direct', not {MODE!r}")

BIN = os.environ.get("SOCKWARDEN_BIN") or str(REPO / ".build" / "debug" / "sockwarden")


TEST_TIMEOUT = float(os.environ.get("SOCKWARDEN_TEST_TIMEOUT", "180"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Hard per-test limit (setup + call + teardown): a hang fails, never sticks.

    Every wait in the suite has its own shorter deadline; this is the backstop.
    """
    def on_alarm(signum, frame):
        pytest.fail(f"{item.nodeid} still running after {TEST_TIMEOUT:.0f} s "
                    f"(SOCKWARDEN_TEST_TIMEOUT)")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    config.addinivalue_line("markers", "proxy_only: needs the Sockwarden proxy; skipped when SOCKWARDEN_TARGET=direct")
    # SIGTERM ends the run as Ctrl-C does: fixtures are torn down, so each
    # private dockerd is stopped (scripts/test-all stops background runs so;
    # a shell starts those with SIGINT ignored).
    signal.signal(signal.SIGTERM, _interrupted)


def pytest_report_header(config):
    return [f"sockwarden: target={MODE} bin={BIN} (exists={os.access(BIN, os.X_OK)}) "
            f"dockerd={os.environ.get('DOCKERD_SOCK') or 'private'}"]


def pytest_collection_modifyitems(config, items):
    if MODE != "direct":
        return
    skip = pytest.mark.skip(reason="proxy-specific test; SOCKWARDEN_TARGET=direct")
    for item in items:
        if "proxy_only" in item.keywords:
            item.add_marker(skip)


# --------------------------------------------------------------------------
# short temp dirs (Unix socket paths are limited to 107 bytes)
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def short_tmp():
    d = tempfile.mkdtemp(prefix="sw.", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def sock_dir(short_tmp):
    """A fresh short directory for one test's sockets and files."""
    return tempfile.mkdtemp(dir=short_tmp)


# --------------------------------------------------------------------------
# dockerd
# --------------------------------------------------------------------------


def _umount_under(root: str) -> None:
    try:
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return
    for m in sorted((m for m in mounts if m == root or m.startswith(root + "/")), reverse=True):
        subprocess.run(["umount", "-l", m], capture_output=True, timeout=30)


@pytest.fixture(scope="session")
def dockerd_sock():
    """Socket of the Docker daemon under test (private one unless DOCKERD_SOCK)."""
    given = os.environ.get("DOCKERD_SOCK")
    if given:
        deadline = time.monotonic() + 20
        while not ping(given):
            if time.monotonic() > deadline:
                pytest.fail(f"DOCKERD_SOCK={given} does not answer GET /_ping")
            time.sleep(0.1)
        yield given
        return

    dockerd = shutil.which("dockerd") or "/usr/sbin/dockerd"
    if not os.access(dockerd, os.X_OK):
        pytest.skip("dockerd is not installed (Debian package docker.io) and DOCKERD_SOCK is unset")
    if os.geteuid() != 0:
        pytest.skip("a private dockerd needs root; set DOCKERD_SOCK to reuse a running daemon")

    d = tempfile.mkdtemp(prefix="swd.", dir="/tmp")
    sock = os.path.join(d, "docker.sock")
    log = open(os.path.join(d, "dockerd.log"), "wb")
    proc = subprocess.Popen(
        [dockerd, "--data-root", f"{d}/data", "--exec-root", f"{d}/exec", "--pidfile", f"{d}/pid",
         "-H", f"unix://{sock}", "--bridge=none", "--iptables=false", "--ip6tables=false",
         "--containerd-namespace", "swtest", "--containerd-plugins-namespace", "swtestp"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (os.path.exists(sock) and ping(sock)):
            if proc.poll() is not None:
                pytest.fail(f"dockerd exited with {proc.returncode}: "
                            f"{Path(d, 'dockerd.log').read_text(errors='replace')[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("dockerd did not answer /_ping within 60 s")
            time.sleep(0.1)
        yield sock
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        log.close()
        _umount_under(d)
        shutil.rmtree(d, ignore_errors=True)
        if os.path.exists(d):
            _umount_under(d)
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def image(dockerd_sock):
    """swtest/busybox:latest, imported from busybox-static unless present."""
    r = http(dockerd_sock, "GET", f"{API}/images/{IMAGE}/json")
    if r.status == 200:
        return IMAGE
    assert r.status == 404, r
    if not os.path.exists("/bin/busybox"):
        pytest.skip("/bin/busybox missing (Debian package busybox-static)")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for dname in ("bin", "tmp", "etc"):
            ti = tarfile.TarInfo(dname)
            ti.type, ti.mode = tarfile.DIRTYPE, 0o1777 if dname == "tmp" else 0o755
            tar.addfile(ti)
        tar.add("/bin/busybox", arcname="bin/busybox")
        for applet in BUSYBOX_APPLETS:
            ti = tarfile.TarInfo(f"bin/{applet}")
            ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, "busybox", 0o777
            tar.addfile(ti)
    repo, tag = IMAGE.split(":")
    r = http(dockerd_sock, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag={tag}",
             body=buf.getvalue(), headers={"Content-Type": "application/x-tar"}, timeout=60)
    assert r.status == 200, r
    r = http(dockerd_sock, "GET", f"{API}/images/{IMAGE}/json")
    assert r.status == 200, f"import of {IMAGE} failed: {r}"
    return IMAGE


@pytest.fixture
def cleanup(dockerd_sock):
    """Collects container names/ids and image refs; removes them via the daemon socket."""
    class Bag:
        def __init__(self):
            self.containers: list[str] = []
            self.images: list[str] = []

        def container(self, name: str) -> str:
            self.containers.append(name)
            return name

        def image(self, ref: str) -> str:
            self.images.append(ref)
            return ref

    bag = Bag()
    yield bag
    for c in bag.containers:
        force_remove(dockerd_sock, c)
    for ref in bag.images:
        try:
            http(dockerd_sock, "DELETE", f"{API}/images/{ref}?force=1", timeout=30)
        except (OSError, EOFError):
            pass


# --------------------------------------------------------------------------
# sockwarden
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def proxy_bin():
    if not os.access(BIN, os.X_OK):
        pytest.skip(f"sockwarden binary not found at {BIN} (run `swift build` or set SOCKWARDEN_BIN)")
    return BIN


def policy_path(name: str) -> str:
    p = Path(name)
    if not p.is_absolute():
        p = POLICIES / name
    if not p.exists():
        pytest.skip(f"policy {p} does not exist yet")
    return str(p)


@pytest.fixture(scope="session")
def proxy(proxy_bin, dockerd_sock, image, short_tmp):
    """The session's proxy: SOCKWARDEN_POLICY (default observe.toml) in front
    of the daemon, with an audit log. scripts/test-all runs the client tests
    once more with ci.toml: ordinary CI work must pass under the baseline."""
    d = tempfile.mkdtemp(dir=short_tmp)
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, policy_path(SESSION_POLICY),
              os.path.join(d, "audit.jsonl"), d)
    try:
        p.start()
    except ProxyStartError as exc:
        pytest.fail(str(exc))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def ci_sock(proxy_bin, dockerd_sock, image, short_tmp):
    """One policies/ci.toml proxy (no audit log) for a module's many raw
    requests: the socket's path. It must still be running at the end."""
    d = tempfile.mkdtemp(dir=short_tmp)
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, policy_path("ci.toml"), None, d)
    try:
        p.start()
    except ProxyStartError as exc:
        pytest.fail(str(exc))
    yield p.sock
    assert p.alive(), p.log_tail()
    p.stop()


@pytest.fixture
def proxy_factory(proxy_bin, dockerd_sock, image, short_tmp):
    """start(policy="observe.toml", upstream=None, listen=None, audit=True, wait=True) -> Proxy."""
    started: list[Proxy] = []

    def start(policy: str = "observe.toml", upstream: str | None = None, listen: str | None = None,
              audit: bool = True, wait: bool = True, extra: tuple[str, ...] = ()) -> Proxy:
        d = tempfile.mkdtemp(dir=short_tmp)
        p = Proxy(proxy_bin, listen or os.path.join(d, "sw.sock"), upstream or dockerd_sock,
                  policy_path(policy) if not os.path.isabs(policy) else policy,
                  os.path.join(d, "audit.jsonl") if audit else None, d, extra)
        started.append(p)
        try:
            p.start(wait=wait)
        except ProxyStartError as exc:
            pytest.fail(str(exc))
        return p

    yield start
    for p in started:
        p.stop()


@pytest.fixture(scope="session")
def _session_target(request):
    if MODE == "direct":
        request.getfixturevalue("image")
        return request.getfixturevalue("dockerd_sock"), None
    p = request.getfixturevalue("proxy")  # skips first if the binary is missing
    return p.sock, p


@pytest.fixture
def target(_session_target):
    """Socket the client tests talk to: the proxy (default) or the daemon (direct)."""
    sock, p = _session_target
    if p is not None and not p.alive():
        pytest.fail(f"the session's sockwarden died (exit {p.proc.returncode}): {p.log_tail()}")
    yield sock
    if p is not None and not p.alive():
        pytest.fail(f"the session's sockwarden died during this test (exit {p.proc.returncode}): "
                    f"{p.log_tail()}")


# --------------------------------------------------------------------------
# docker CLI
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_config(short_tmp):
    d = os.path.join(short_tmp, "docker-config")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write("{}\n")
    return d


_CLI_IDS = [cli_id(p) for p in CLI_PATHS]


@pytest.fixture(params=CLI_PATHS or [None], ids=_CLI_IDS or ["nocli"])
def cli_path(request):
    """Each installed docker CLI binary (28.x and Debian's 20.10)."""
    if request.param is None:
        pytest.skip("no docker CLI installed")
    return request.param


@pytest.fixture
def cli(cli_path, target, docker_config, image):
    """The docker CLI (each installed version) pointed at `target`."""
    return DockerCLI(cli_path, target, docker_config)


@pytest.fixture
def cli_newest(target, docker_config, image):
    """Only the first (newest) docker CLI, for slow tests."""
    if not CLI_PATHS:
        pytest.skip("no docker CLI installed")
    return DockerCLI(CLI_PATHS[0], target, docker_config)


@pytest.fixture
def daemon_cli(dockerd_sock, docker_config, image):
    """The docker CLI talking to the daemon directly (for setup and checks)."""
    if not CLI_PATHS:
        pytest.skip("no docker CLI installed")
    return DockerCLI(CLI_PATHS[0], dockerd_sock, docker_config)
