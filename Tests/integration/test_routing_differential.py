"""Differential test of route matching: for each odd request-target, what the
real daemon does with it (routes it, 404s it as an unknown page, redirects an
unclean path, or refuses it at the HTTP level) must agree with what
sockwarden's catalogue says, as reported by `sockwarden explain --json`.

Only GET/HEAD/OPTIONS targets of read-only routes are sent to the daemon."""
import json
import subprocess

import pytest

from swhelpers import API, http

pytestmark = pytest.mark.proxy_only

# (method, target, expected catalogue route or None, expected daemon class)
# daemon classes: routed | unrouted (404 page not found) | redirect (301) | rejected (400 by Go's server)
CASES = [
    ("GET", "/_ping", "system.ping", "routed"),
    ("HEAD", "/_ping", "system.ping.head", "routed"),
    ("GET", f"{API}/_ping", "system.ping", "routed"),
    ("GET", f"{API}/containers/json", "container.list", "routed"),
    ("GET", "/containers/json", "container.list", "routed"),
    ("GET", f"{API}/containers%2Fjson", "container.list", "routed"),
    ("GET", f"{API}/containers%2fjson", "container.list", "routed"),
    ("GET", f"{API}%2Fcontainers%2Fjson", "container.list", "routed"),
    ("GET", f"{API}/containers/json?all=1", "container.list", "routed"),
    ("GET", f"{API}/containers/json?", "container.list", "routed"),
    ("GET", f"{API}/containers/json?all=%zz", "container.list", "routed"),
    ("GET", "/v1/containers/json", "container.list", "routed"),          # routed, then "too old"
    ("GET", "/v1.2.3/containers/json", "container.list", "routed"),
    ("GET", "/v./containers/json", "container.list", "routed"),
    ("GET", f"{API}/info", "system.info", "routed"),
    ("GET", f"{API}/images/json", "image.list", "routed"),
    ("GET", f"{API}/images/swtest/busybox/json", "image.inspect", "routed"),
    ("GET", f"{API}/images/swtest%2Fbusybox/json", "image.inspect", "routed"),
    ("GET", f"{API}/containers/abc%2Fdef/json", "container.inspect", "routed"),
    ("GET", f"{API}/containers/abc/json", "container.inspect", "routed"),
    ("GET", f"{API}/networks/", "network.list.slash", "routed"),
    ("GET", f"{API}/volumes", "volume.list", "routed"),
    ("OPTIONS", "/anything/at/all", "system.options", "routed"),
    ("GET", f"{API}/containers/json/", None, "unrouted"),
    ("GET", f"{API}/nonexistent", None, "unrouted"),
    ("GET", "/V1.41/containers/json", None, "unrouted"),
    ("GET", f"{API}/containers/json%3Fall=1", None, "unrouted"),
    ("GET", f"{API}/containers/json#frag", None, "unrouted"),
    ("GET", f"{API}/containers/x%0A/json", None, "unrouted"),
    ("GET", f"{API}/containers/x/logs%00", None, "unrouted"),
    ("POST", f"{API}/_ping", None, "unrouted"),
    ("get", f"{API}/_ping", None, "unrouted"),
    ("GET", f"//{API[1:]}/containers/json", None, "redirect"),
    ("GET", f"{API}/containers/./json", None, "redirect"),
    ("GET", f"{API}/containers/%2e%2e/json", None, "redirect"),
    ("GET", f"{API}/containers/..%2fjson", None, "redirect"),
    ("GET", f"{API}/images//json", None, "redirect"),
    ("GET", f"{API}/containers/%zz/json", None, "rejected"),
    ("GET", f"{API}/containers/%4/json", None, "rejected"),
]


def daemon_class(sock: str, method: str, target: str) -> str:
    r = http(sock, method, target)
    if r.status == 301:
        return "redirect"
    if r.status == 404 and b"page not found" in r.body:
        return "unrouted"
    if r.status == 405:
        return "unrouted"
    if r.status == 400 and r.body.startswith(b"400 Bad Request"):
        return "rejected"  # Go's server itself, before any handler (a handler's
        # errors are JSON, or plain text for API versions below 1.24)
    return "routed"


def explain(bin_path: str, method: str, target: str) -> dict:
    out = subprocess.run([bin_path, "explain", "--policy", "policies/observe.toml", method, target, "--json"],
                         capture_output=True, timeout=30, cwd=_repo())
    assert out.returncode in (0, 3), out.stderr
    return json.loads(out.stdout)


def _repo() -> str:
    import os
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("method,target,route,klass", CASES, ids=[f"{m} {t}" for m, t, _, _ in CASES])
def test_catalogue_routes_like_the_daemon(dockerd_sock, image, proxy_bin, method, target, route, klass):
    observed = daemon_class(dockerd_sock, method, target)
    assert observed == klass, f"the daemon {observed} {method} {target}; the table says {klass}"
    verdict = explain(proxy_bin, method, target)
    assert verdict["route"] == route, verdict
    if klass in ("redirect", "rejected"):
        assert verdict["rule"] == "invalid-target", verdict
    elif klass == "unrouted":
        assert verdict["rule"] in ("unknown-route", "invalid-target"), verdict
