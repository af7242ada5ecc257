"""Rollout modes, what-if, policy tests and learning (issue 4, items 1-4).

Warn and audit mode against the real daemon and the real docker CLIs (28.x
and 20.10): what is forwarded, what the client is told, what the audit log
says. The operator scenario: roll ci.toml out in audit, then warn, then
enforce; learn a policy from the recorded session; it allows that session
and nothing broader. Plus the CLI wiring of explain, test and suggest."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from swhelpers import API, IMAGE, POLICIES, REPO, DockerCLI, FakeUnixDaemon, RawConn, force_remove, http, unique, wait_for

pytestmark = pytest.mark.proxy_only

NONET = ("--network", "none")
WARNING = "WARNING: sockwarden: POST /containers/create (container.create) would be denied by policy"


def run_bin(argv: list[str], input: bytes | None = None, timeout: float = 60, cwd: str | None = None):
    try:
        return subprocess.run(argv, capture_output=True, timeout=timeout, input=input if input is not None else b"", cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{argv} did not finish within {timeout} s (stderr={exc.stderr!r})")


def requests(proxy) -> list[dict]:
    """The audit log's request records (one per request, whatever the log's layout)."""
    return [r for r in proxy.audit_records() if r.get("event", "request") == "request" and "decision" in r]


def wait_request(proxy, pred, what: str) -> dict:
    recs = proxy.wait_audit(lambda rs: any(pred(r) for r in rs if r.get("event", "request") == "request"), what=what)
    return next(r for r in recs if r.get("event", "request") == "request" and pred(r))


def policy_with_mode(sock_dir: str, name: str, mode: str) -> str:
    """A copy of a shipped policy with its [policy] mode changed."""
    text = (POLICIES / name).read_text()
    assert 'mode = "enforce"' in text
    path = os.path.join(sock_dir, f"{mode}-{name}")
    Path(path).write_text(text.replace('mode = "enforce"', f'mode = "{mode}"', 1))
    return path


def inspect(dockerd_sock: str, name: str) -> dict:
    r = http(dockerd_sock, "GET", f"{API}/containers/{name}/json")
    assert r.status == 200, r
    return r.json()


# --------------------------------------------------------------------------
# warn and audit mode with the docker CLI
# --------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["--mode warn", "mode = \"warn\" in the file"])
def test_warn_mode_runs_the_container_and_the_cli_prints_the_warning(proxy_factory, dockerd_sock, cli_path, docker_config,
                                                                     sock_dir, cleanup, how):
    if how == "--mode warn":
        p = proxy_factory("ci.toml", extra=("--mode", "warn"))
    else:
        p = proxy_factory(policy_with_mode(sock_dir, "ci.toml", "warn"))
    cli = DockerCLI(cli_path, p.sock, docker_config)
    name = cleanup.container(unique("warn"))
    r = cli("run", *NONET, "--name", name, "--cap-add", "NET_ADMIN", IMAGE, "true")
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err
    assert WARNING in err, err
    assert "adds capability CAP_NET_ADMIN" in err, err
    # What ci.toml would deny reached the daemon as asked.
    assert any(c.endswith("NET_ADMIN") for c in inspect(dockerd_sock, name)["HostConfig"]["CapAdd"] or [])
    rec = wait_request(p, lambda r: r.get("route") == "container.create", "the create record")
    assert rec["decision"] == "allow" and rec["would_deny"] is True and rec["mode"] == "warn", rec
    assert rec["rule"] == "containers" and "CAP_NET_ADMIN" in rec["reason"], rec
    caps = [a["capability"] for a in (rec.get("facts") or {}).get("capability_add", [])]
    assert caps == ["CAP_NET_ADMIN"], rec.get("facts")
    # An allowed request in warn mode is no would-deny and gets no warning.
    r = cli("run", "--rm", *NONET, IMAGE, "true")
    assert r.returncode == 0 and b"WARNING: sockwarden" not in r.stderr, r.stderr


def test_audit_mode_is_silent_but_recorded(proxy_factory, dockerd_sock, cli_path, docker_config, cleanup):
    p = proxy_factory("ci.toml", extra=("--mode", "audit"))
    cli = DockerCLI(cli_path, p.sock, docker_config)
    name = cleanup.container(unique("aud"))
    r = cli("run", *NONET, "--name", name, "--cap-add", "NET_ADMIN", IMAGE, "true")
    assert r.returncode == 0, r.stderr
    assert b"sockwarden" not in r.stderr, r.stderr
    assert any(c.endswith("NET_ADMIN") for c in inspect(dockerd_sock, name)["HostConfig"]["CapAdd"] or [])
    rec = wait_request(p, lambda r: r.get("route") == "container.create", "the create record")
    assert rec["decision"] == "allow" and rec["would_deny"] is True and rec["mode"] == "audit", rec
    assert rec["rule"] == "containers", rec


def test_mode_flag_overrides_the_file(proxy_factory, cli_path, docker_config, sock_dir, cleanup):
    p = proxy_factory(policy_with_mode(sock_dir, "ci.toml", "warn"), extra=("--mode", "enforce"))
    cli = DockerCLI(cli_path, p.sock, docker_config)
    name = cleanup.container(unique("enf"))
    r = cli("run", *NONET, "--name", name, "--cap-add", "NET_ADMIN", IMAGE, "true")
    assert r.returncode != 0
    assert b"denied by policy warn-ci.toml: [containers]" in r.stderr, r.stderr
    rec = wait_request(p, lambda r: r.get("route") == "container.create", "the create record")
    assert rec["decision"] == "deny" and rec["would_deny"] is False and rec["mode"] == "enforce", rec


def test_mode_flag_survives_a_reload(proxy_factory, cli_path, docker_config, cleanup):
    import signal
    p = proxy_factory("ci.toml", extra=("--mode", "warn"))
    p.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "reloaded" in p.log_tail(), 10, what="the SIGHUP reload")
    cli = DockerCLI(cli_path, p.sock, docker_config)
    r = cli("run", "--rm", *NONET, "--cap-add", "NET_ADMIN", IMAGE, "true")
    assert r.returncode == 0 and WARNING.encode() in r.stderr, r.stderr
    assert p.alive()


def test_serve_refuses_an_unknown_mode(proxy_bin, dockerd_sock, sock_dir):
    r = run_bin([proxy_bin, "serve", "--listen", os.path.join(sock_dir, "x.sock"), "--upstream", dockerd_sock,
                 "--policy", str(POLICIES / "ci.toml"), "--mode", "warning"], timeout=15)
    assert r.returncode == 2
    assert b"--mode must be one of enforce, warn, audit, got warning" in r.stderr, r.stderr


# --------------------------------------------------------------------------
# warn and audit mode on the wire
# --------------------------------------------------------------------------


def test_warn_header_on_a_route_without_warnings(proxy_factory, dockerd_sock, cleanup):
    name = cleanup.container(unique("hdr"))
    r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
             json.dumps({"Image": IMAGE, "Cmd": ["echo", "hello"], "HostConfig": {"NetworkMode": "none"}}).encode())
    assert r.status == 201, r
    assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start").status == 204
    for mode in ("warn", "audit", "enforce"):
        p = proxy_factory("read-only.toml", extra=("--mode", mode))
        r = http(p.sock, "GET", f"{API}/containers/{name}/logs?stdout=1")
        header = r.header("X-Sockwarden-Warning")
        if mode == "enforce":
            assert r.status == 403 and header is None, r
            continue
        assert r.status == 200, r
        if mode == "warn":
            assert header and "would be denied by policy read-only.toml" in header and "no-contents" in header, r
        else:
            assert header is None, r
        rec = wait_request(p, lambda r: r.get("route") == "container.logs", "the logs record")
        assert rec["would_deny"] is True and rec["rule"] == "no-contents" and rec["mode"] == mode, rec


def test_warn_mode_lets_an_interactive_exec_through(proxy_factory, dockerd_sock, cli_path, docker_config, cleanup):
    """exec is hijacked (101 or raw stream): the warning header goes on the
    101 head and the session works as without the proxy."""
    name = cleanup.container(unique("exe"))
    r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
             json.dumps({"Image": IMAGE, "Cmd": ["sleep", "60"], "HostConfig": {"NetworkMode": "none"}}).encode())
    assert r.status == 201, r
    assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start").status == 204
    p = proxy_factory("read-only.toml", extra=("--mode", "warn"))
    cli = DockerCLI(cli_path, p.sock, docker_config)
    r = cli("exec", "-i", name, "cat", input=b"through the warn proxy\n")
    assert r.returncode == 0 and r.stdout == b"through the warn proxy\n", r
    recs = [x for x in requests(p) if x.get("route") in ("exec.create", "exec.start")]
    assert {x["route"] for x in recs} == {"exec.create", "exec.start"} and all(x["would_deny"] for x in recs), recs


def test_audit_forwards_an_undecodable_body_as_received(proxy_factory, dockerd_sock, cleanup):
    """The old API form is refused in enforce mode; audit mode forwards the
    received bytes, never a re-encoding of what was not understood: the
    daemon (20.10 reads top-level HostConfig fields) applies the memory limit."""
    p = proxy_factory("ci.toml", extra=("--mode", "audit"))
    name = cleanup.container(unique("old"))
    body = json.dumps({"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}, "Memory": 16 << 20}).encode()
    r = http(p.sock, "POST", f"{API}/containers/create?name={name}", body)
    assert r.status == 201, r
    assert inspect(dockerd_sock, name)["HostConfig"]["Memory"] == 16 << 20
    rec = wait_request(p, lambda r: r.get("route") == "container.create", "the create record")
    assert rec["would_deny"] is True and rec["rule"] == "body" and "top level" in rec["reason"], rec
    assert rec.get("facts") is None, rec


def test_audit_still_refuses_unknown_routes(proxy_factory):
    p = proxy_factory("ci.toml", extra=("--mode", "audit"))
    r = http(p.sock, "GET", f"{API}/debug/pprof/")
    assert r.status == 404 and b"sockwarden" in r.body, r


class FakeDaemon(FakeUnixDaemon):
    """Answers container create with a fixed response (framing chosen by the
    test) and /_ping with OK, on keep-alive connections."""

    def __init__(self, path: str, create_response: bytes):
        self.create_response = create_response
        super().__init__(path, backlog=8)

    def serve(self, conn, number):
        buf = b""
        while (request := self.read_request(conn, buf)) is not None:
            head, _, buf = request
            if b"/containers/create" in head.split(b"\r\n")[0]:
                conn.sendall(self.create_response)
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK")


@pytest.mark.parametrize("framing,warnings", [("length", "null"), ("length", "[]"), ("chunked", "null"), ("chunked", '["kernel says"]')])
def test_warn_rewrites_the_create_response(proxy_factory, sock_dir, framing, warnings):
    body = b'{"Id":"abc","Warnings":%s}\n' % warnings.encode()
    if framing == "length":
        response = b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    else:
        response = (b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (10, body[:10], len(body) - 10, body[10:]))
    fake = FakeDaemon(os.path.join(sock_dir, "fake.sock"), response)
    try:
        p = proxy_factory("ci.toml", upstream=fake.path, extra=("--mode", "warn"))
        create = json.dumps({"Image": IMAGE, "HostConfig": {"Privileged": True}}).encode()
        with RawConn(p.sock) as c:
            r = c.request("POST", f"{API}/containers/create", create)
            assert r.status == 201, r
            assert r.header("Transfer-Encoding") is None and int(r.header("Content-Length")) == len(r.body), r
            doc = r.json()
            assert doc["Id"] == "abc"
            expected_first = ["kernel says"] if "kernel" in warnings else []
            assert doc["Warnings"][:len(expected_first)] == expected_first
            assert len(doc["Warnings"]) == len(expected_first) + 1, doc
            assert doc["Warnings"][-1].startswith("sockwarden: POST /containers/create (container.create) would be denied"), doc
            assert "privileged" in doc["Warnings"][-1]
            assert "would be denied" in (r.header("X-Sockwarden-Warning") or ""), r
            # The connection carries on after the rewritten response.
            r = c.request("GET", "/_ping")
            assert r.status == 200 and r.body == b"OK", r
    finally:
        fake.close()


# --------------------------------------------------------------------------
# the operator scenario: audit, warn, enforce; then learn
# --------------------------------------------------------------------------


def workload(cli: DockerCLI, tag: str, cleanup) -> list:
    """A small CI job: what it runs, as CompletedProcess results."""
    name = cleanup.container(unique(f"job{tag}"))
    return [
        cli("run", "--rm", *NONET, "--cap-add", "NET_ADMIN", IMAGE, "true"),
        cli("run", "-d", *NONET, "--name", name, IMAGE, "sh", "-c", "echo built"),
        cli("wait", name),
        cli("logs", name),
        cli("rm", "-f", name),
    ]


def failures(results) -> list[str]:
    return [f"{' '.join(map(str, r.args[1:]))}: {r.stderr.decode(errors='replace')[-300:]}" for r in results if r.returncode != 0]


def test_rollout_audit_warn_enforce_then_learn(proxy_factory, proxy_bin, dockerd_sock, docker_config, sock_dir, cleanup, image):
    from swhelpers import CLI_PATHS
    if not CLI_PATHS:
        pytest.skip("no docker CLI installed")
    cli_for = lambda p: DockerCLI(CLI_PATHS[0], p.sock, docker_config)  # noqa: E731

    # 1. audit: everything runs; the log records what ci.toml would deny.
    audit = proxy_factory("ci.toml", extra=("--mode", "audit"))
    results = workload(cli_for(audit), "a", cleanup)
    assert failures(results) == []
    assert not any(b"sockwarden" in r.stderr for r in results)
    would = [r for r in requests(audit) if r.get("would_deny")]
    # The create (NET_ADMIN), then the run's attach to and start of that container, which has NET_ADMIN.
    assert [r["route"] for r in would] == ["container.create", "container.attach", "container.start"], would
    audit_log = audit.audit
    audit.stop()

    # 2. warn: everything runs; the client is warned about the one request.
    warn = proxy_factory("ci.toml", extra=("--mode", "warn"))
    results = workload(cli_for(warn), "w", cleanup)
    assert failures(results) == []
    assert WARNING.encode() in results[0].stderr and b"sockwarden" not in b"".join(r.stderr for r in results[1:])

    # 3. enforce: that request is refused; the rest runs.
    enforce = proxy_factory("ci.toml")
    results = workload(cli_for(enforce), "e", cleanup)
    assert len(failures(results)) == 1 and b"denied by policy ci.toml: [containers]" in results[0].stderr, failures(results)

    # 4. learn from the audit session, with no base and with ci.toml as base.
    for base in ((), ("--base", str(POLICIES / "ci.toml"))):
        r = run_bin([proxy_bin, "suggest", "--audit-log", audit_log, "--upstream", dockerd_sock, *base])
        assert r.returncode == 0, r.stderr
        learned = os.path.join(sock_dir, f"learned{len(base)}.toml")
        Path(learned).write_bytes(r.stdout)
        assert b"# learned: CAP_NET_ADMIN" in r.stdout, r.stdout.decode()
        check = run_bin([proxy_bin, "check", learned])
        assert check.returncode == 0, check.stderr

        p = proxy_factory(learned)
        cli = cli_for(p)
        # It allows the recorded session...
        assert failures(workload(cli, "l", cleanup)) == []
        # ...and nothing broader.
        for args in [("run", "--rm", *NONET, "--cap-add", "SYS_ADMIN", IMAGE, "true"),
                     ("run", "--rm", *NONET, "--privileged", IMAGE, "true"),
                     ("run", "--rm", *NONET, "-v", "/etc:/x", IMAGE, "true"),
                     ("swarm", "init")]:
            r = cli(*args)
            assert r.returncode != 0 and b"denied by policy" in r.stderr, (args, r.stderr)
        if not base:
            # Without a base only the routes seen are allowed, and only the image run.
            for args in [("volume", "ls"), ("images",), ("pull", "busybox"), ("run", "--rm", *NONET, "busybox:1.36", "true")]:
                r = cli(*args)
                assert r.returncode != 0 and b"denied by policy" in r.stderr, (args, r.stderr)
        p.stop()


# --------------------------------------------------------------------------
# explain, test, suggest: the command line
# --------------------------------------------------------------------------


def test_explain_json_has_decision_and_facts(proxy_bin):
    body = b'{"Image":"busybox","HostConfig":{"CapAdd":["NET_ADMIN"],"Binds":["/srv:/srv:ro"]}}'
    r = run_bin([proxy_bin, "explain", "--policy", str(POLICIES / "ci.toml"), "POST", "/containers/create",
                 "--api-version", "1.41", "--body", "-", "--json"], input=body)
    assert r.returncode == 3, r.stderr
    out = json.loads(r.stdout)
    assert out["decision"] == "deny" and out["rule"] == "containers" and out["api_version"] == "1.41"
    assert out["mode"] == "enforce" and out["would_deny"] is False
    assert out["facts"]["capability_add"][0]["capability"] == "CAP_NET_ADMIN"
    assert out["facts"]["host_path"][0] == {"field": "HostConfig.Binds[0]", "value": "/srv:/srv:ro", "path": "/srv",
                                            "read_only": True, "shared_propagation": False}
    assert out["facts"]["image"][0]["reference"] == "busybox"
    # Text, in audit mode.
    r = run_bin([proxy_bin, "explain", "--policy", str(POLICIES / "ci.toml"), "--mode", "audit", "POST",
                 "/v1.41/containers/create", "--body", "-"], input=body)
    assert r.returncode == 3
    text = r.stdout.decode()
    assert "decision:  deny" in text and "mode:      audit: the request would be forwarded anyway" in text, text
    assert re.search(r'^  capability_add +HostConfig\.CapAdd\[0\] = "NET_ADMIN"$', text, re.M), text


def test_explain_api_version_conflict_is_a_usage_error(proxy_bin):
    r = run_bin([proxy_bin, "explain", "--policy", str(POLICIES / "ci.toml"), "GET", "/v1.41/_ping", "--api-version", "1.40"])
    assert r.returncode == 2 and b"already names API version 1.41" in r.stderr, r.stderr


def test_test_command_passes_on_shipped_policies(proxy_bin):
    r = run_bin([proxy_bin, "test"], cwd=str(REPO))
    assert r.returncode == 0, r.stdout.decode()[-2000:] + r.stderr.decode()
    out = r.stdout.decode()
    for name in ("ci.tests.toml", "observe.tests.toml", "read-only.tests.toml"):
        assert name in out
    assert " 0 failed" in out and "FAIL" not in out


def test_test_command_fails_on_a_wrong_expectation(proxy_bin, sock_dir):
    Path(sock_dir, "p.toml").write_text((POLICIES / "ci.toml").read_text())
    Path(sock_dir, "p.tests.toml").write_text(
        '[[cases]]\nname = "privileged passes?"\nmethod = "POST"\npath = "/v1.41/containers/create"\n'
        'body = \'{"Image":"b","HostConfig":{"Privileged":true}}\'\nexpect = "allow"\n')
    r = run_bin([proxy_bin, "test", os.path.join(sock_dir, "p.toml")])
    assert r.returncode == 1, r.stdout
    assert b"FAIL" in r.stdout and b"expected allow, got deny by rule containers" in r.stdout, r.stdout
    Path(sock_dir, "p.tests.toml").write_text('[[cases]]\nname = "x"\nmethod = "GET"\npath = "/_ping"\nexpect = "maybe"\n')
    r = run_bin([proxy_bin, "test", sock_dir])
    assert r.returncode == 2 and b'p.tests.toml:5:10: expect must be "allow" or "deny"' in r.stderr, r.stderr


def test_suggest_with_nothing_to_learn(proxy_bin, sock_dir):
    log = os.path.join(sock_dir, "empty.jsonl")
    Path(log).write_text("")
    r = run_bin([proxy_bin, "suggest", "--audit-log", log])
    assert r.returncode == 2 and b"record a session first" in r.stderr, r.stderr
