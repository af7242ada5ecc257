"""Log drivers and options against the real daemon, with policies/ci.toml.

A log driver that ships logs (syslog, fluentd, gelf, …) makes dockerd open a
connection from the host's network namespace to an address the request
names and send the container's output there: a `--network none` container
reaching a service that listens only on the host's loopback. Differential:
straight to the daemon the listener receives the container's output (so the
attack is real on this daemon); through the proxy the create is refused with
a message naming the driver or option, and the listener hears nothing.
Ordinary logging settings (json-file, local, a size cap) still work."""
import pytest

from swhelpers import DockerCLI, LoopbackListener, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


@pytest.fixture
def listener():
    lst = LoopbackListener()
    yield lst
    lst.close()


def run_args(marker: str, *log_args: str) -> list[str]:
    return ["run", "--rm", "--network", "none", *log_args, IMG, "echo", marker]


# (name, log arguments with {addr} for the listener): refused by ci.toml.
SHIPPING = [
    ("syslog over tcp", ("--log-driver", "syslog", "--log-opt", "syslog-address=tcp://{addr}")),
    ("gelf over tcp", ("--log-driver", "gelf", "--log-opt", "gelf-address=tcp://{addr}")),
]


@pytest.mark.parametrize("name,log_args", SHIPPING, ids=[s[0] for s in SHIPPING])
def test_a_log_driver_that_ships_output_to_the_hosts_loopback_is_refused(
        name, log_args, proxy_factory, daemon_cli, cli_path, docker_config, listener):
    addr = f"127.0.0.1:{listener.port}"
    args = [a.format(addr=addr) for a in log_args]

    # The attack is real: straight to the daemon, the output reaches the listener.
    direct_marker = unique("direct-log")
    r = daemon_cli(*run_args(direct_marker, *args))
    assert r.returncode == 0, r.stderr
    assert listener.wait_for(direct_marker.encode(), 10), \
        f"the daemon did not ship the log line to {addr}: {listener.received[-300:]!r}"

    # Through ci.toml it is refused, saying why, and nothing more arrives.
    proxy = proxy_factory(policy="ci.toml")
    cli = DockerCLI(cli_path, proxy.sock, docker_config)
    marker = unique("proxied-log")
    r = cli(*run_args(marker, *args))
    assert r.returncode != 0
    assert b"log driver" in r.stderr and b"log-drivers" in r.stderr, r.stderr
    assert not listener.wait_for(marker.encode(), 2)


def test_an_address_option_for_the_default_driver_is_refused(proxy_factory, cli_path, docker_config, listener):
    proxy = proxy_factory(policy="ci.toml")
    cli = DockerCLI(cli_path, proxy.sock, docker_config)
    r = cli(*run_args(unique("opt"), "--log-opt", f"syslog-address=tcp://127.0.0.1:{listener.port}"))
    assert r.returncode != 0
    assert b"sets log option syslog-address" in r.stderr, r.stderr
    assert listener.connections == 0


@pytest.mark.parametrize("log_args", [
    (),
    ("--log-driver", "json-file", "--log-opt", "max-size=1m", "--log-opt", "max-file=2"),
    ("--log-driver", "local", "--log-opt", "compress=false"),
], ids=["daemon default", "json-file capped", "local"])
def test_ordinary_log_settings_work_through_ci_toml(log_args, proxy_factory, cli_path, docker_config):
    proxy = proxy_factory(policy="ci.toml")
    cli = DockerCLI(cli_path, proxy.sock, docker_config)
    marker = unique("ordinary-log")
    name = unique("logs")
    r = cli.ok("run", "--name", name, "--network", "none", *log_args, IMG, "echo", marker)
    assert marker.encode() in r.stdout
    try:
        logs = cli.ok("logs", name)
        assert marker.encode() in logs.stdout
    finally:
        cli("rm", "-f", name)
