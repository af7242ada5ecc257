"""The operator scenario of issue 4, on one running proxy, against the real
daemon and the docker CLI:

roll ci.toml out in audit, then warn, then enforce by editing the policy file
(hot reload, no restart); break the policy and fix it while clients are busy;
rotate the log; verify the chain, then tamper with it; review the denials;
derive a policy from the recorded session and check that it allows that
session and nothing broader.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from swhelpers import API, CLI_PATHS, IMAGE, POLICIES, DockerCLI, RawConn, http, unique, wait_for

pytestmark = pytest.mark.proxy_only

NONET = ("--network", "none")


def run_bin(argv: list[str], timeout: float = 60, input: bytes = b"") -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, timeout=timeout, input=input)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{argv} did not finish within {timeout} s (stderr={exc.stderr!r})")


def set_mode(policy: str, mode: str) -> None:
    """Edits the policy file in place, as an operator would, atomically."""
    text = Path(policy).read_text()
    for m in ("enforce", "warn", "audit"):
        text = text.replace(f'mode = "{m}"', f'mode = "{mode}"', 1)
    tmp = policy + ".new"
    Path(tmp).write_text(text)
    os.rename(tmp, policy)


def wait_reload(p, count: int, what: str) -> dict:
    recs = p.wait_audit(lambda rs: sum(1 for r in rs if r.get("event") == "reload") >= count, timeout=10, what=what)
    return [r for r in recs if r.get("event") == "reload"][count - 1]


def workload(cli: DockerCLI, tag: str, cleanup) -> list[subprocess.CompletedProcess]:
    """A small CI job. The first command asks for a capability ci.toml refuses."""
    vol = f"swt-op-{tag}-{os.getpid()}"
    return [
        cli("run", "--rm", *NONET, "--cap-add", "NET_ADMIN", IMAGE, "true"),
        cli("run", "--rm", *NONET, IMAGE, "echo", "hello"),
        cli("volume", "create", vol),
        cli("volume", "rm", vol),
        cli("ps", "-a"),
    ]


def failed(results) -> list[str]:
    return [f"{' '.join(map(str, r.args[1:]))}: {r.stderr.decode(errors='replace')[-300:]}" for r in results if r.returncode != 0]


class BusyClients:
    """Clients hammering the proxy in threads (a list loop and a denied create
    loop), plus an events stream kept open; they note anything unexpected."""

    def __init__(self, sock: str):
        self.sock = sock
        self.stop = threading.Event()
        self.problems: list[str] = []
        self.counts = {"list": 0, "denied": 0}
        self.stream = RawConn(sock, timeout=30)
        self.stream.send(f"GET {API}/events HTTP/1.1\r\nHost: d\r\n\r\n".encode())
        assert self.stream.read_head().status == 200
        self.threads = [threading.Thread(target=self._list, daemon=True), threading.Thread(target=self._deny, daemon=True)]
        for t in self.threads:
            t.start()

    def _list(self):
        try:
            with RawConn(self.sock) as c:
                while not self.stop.is_set():
                    r = c.request("GET", f"{API}/containers/json")
                    if r.status != 200:
                        self.problems.append(f"list: {r.status} {r.body[:200]!r}")
                    self.counts["list"] += 1
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.problems.append(f"list: {exc!r}")

    def _deny(self):
        body = json.dumps({"Image": IMAGE, "HostConfig": {"CapAdd": ["SYS_ADMIN"], "NetworkMode": "none"}}).encode()
        try:
            while not self.stop.is_set():
                r = http(self.sock, "POST", f"{API}/containers/create", body)
                if r.status != 403:
                    self.problems.append(f"create with SYS_ADMIN: {r.status} {r.body[:200]!r}")
                self.counts["denied"] += 1
        except Exception as exc:  # noqa: BLE001
            self.problems.append(f"create: {exc!r}")

    def finish(self, dockerd_sock: str, cleanup) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(20)
        # The events stream opened before everything still delivers.
        name = cleanup.container(unique("swt-op-evt"))
        r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
                 json.dumps({"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}).encode())
        assert r.status == 201, r
        self.stream.read_until(name.encode(), limit=1 << 22)
        self.stream.close()


def test_operator_scenario(proxy_factory, proxy_bin, dockerd_sock, docker_config, sock_dir, cleanup, image):
    if not CLI_PATHS:
        pytest.skip("no docker CLI installed")
    policy = os.path.join(sock_dir, "ci.toml")
    shutil.copyfile(POLICIES / "ci.toml", policy)
    set_mode(policy, "audit")
    metrics = os.path.join(sock_dir, "metrics.sock")
    p = proxy_factory(policy, extra=("--policy-poll", "0.2", "--metrics-socket", metrics))
    cli = DockerCLI(CLI_PATHS[0], p.sock, docker_config)

    # 1. audit: the job runs; the log says what ci.toml would deny.
    results = workload(cli, "a", cleanup)
    assert failed(results) == []
    assert not any(b"sockwarden" in r.stderr for r in results)
    would = [r for r in p.audit_records() if r.get("event") == "request" and r.get("would_deny")]
    # The create (NET_ADMIN), then the run's attach to and start of that container, which has NET_ADMIN.
    assert [(r["route"], r["mode"]) for r in would] == [("container.create", "audit"), ("container.attach", "audit"),
                                                        ("container.start", "audit")], would
    assert "NET_ADMIN" in json.dumps(would[0]["facts"]), would[0]
    assert "CAP_NET_ADMIN" in would[1]["reason"] and "container.attach would act with that access" in would[1]["reason"], would[1]

    # 2. warn, by editing the file: the job runs and the client is warned.
    set_mode(policy, "warn")
    rec = wait_reload(p, 1, "the switch to warn")
    assert (rec["outcome"], rec["trigger"], rec["mode"]) == ("ok", "file-change", "warn"), rec
    results = workload(cli, "w", cleanup)
    assert failed(results) == []
    assert b"would be denied by policy ci.toml" in results[0].stderr, results[0].stderr

    # 3. enforce: the request is refused, the rest of the job runs.
    set_mode(policy, "enforce")
    rec = wait_reload(p, 2, "the switch to enforce")
    assert (rec["outcome"], rec["mode"]) == ("ok", "enforce"), rec
    enforce_digest = rec["policy_digest"]
    results = workload(cli, "e", cleanup)
    assert len(failed(results)) == 1 and b"denied by policy ci.toml" in results[0].stderr, failed(results)

    # 4. break the policy and fix it while clients are busy.
    busy = BusyClients(p.sock)
    good = Path(policy).read_text()
    wait_for(lambda: busy.counts["list"] > 20 and busy.counts["denied"] > 5, 20, what="busy clients")
    Path(policy + ".new").write_text(good.replace('action = "deny"', 'action = "maybe"', 1))
    os.rename(policy + ".new", policy)
    rec = wait_reload(p, 3, "the failed reload")
    assert rec["outcome"] == "invalid" and rec["policy_digest"] == enforce_digest, rec
    assert "ci.toml:" in rec["error"], rec
    wait_for(lambda: "POLICY RELOAD FAILED" in p.log_tail(), 5, what="the failure on stderr")
    # 5. rotate the log while they are busy.
    os.rename(p.audit, p.audit + ".1")
    p.proc.send_signal(signal.SIGUSR1)
    wait_for(lambda: os.path.exists(p.audit), 5, what="the reopened log")
    before_fix = dict(busy.counts)
    Path(policy + ".new").write_text(good)
    os.rename(policy + ".new", policy)
    rec = wait_reload(p, 1, "the fix (in the new file)")
    # The fixed file is the policy still in force: nothing to swap, but it is said.
    assert rec["outcome"] == "unchanged" and rec["policy_digest"] == enforce_digest, rec
    wait_for(lambda: busy.counts["list"] > before_fix["list"] + 20, 20, what="clients busy after the fix")
    busy.finish(dockerd_sock, cleanup)
    assert busy.problems == [], busy.problems[:5]
    assert p.alive()

    # 6. verify the chain across the rotation, then tamper with it.
    logs = [p.audit + ".1", p.audit]
    r = run_bin([proxy_bin, "audit", "verify", *logs])
    assert r.returncode == 0, r.stderr
    old_lines = Path(logs[0]).read_text().splitlines()
    victim = next(i for i, line in enumerate(old_lines) if '"decision":"deny"' in line and '"event":"result"' in line)
    tampered = os.path.join(sock_dir, "tampered.jsonl")
    old_lines[victim] = old_lines[victim].replace('"decision":"deny"', '"decision":"allow"', 1)
    Path(tampered).write_text("\n".join(old_lines) + "\n")
    r = run_bin([proxy_bin, "audit", "verify", tampered, logs[1]])
    assert r.returncode == 1 and f"{tampered}:{victim + 1}: hash mismatch".encode() in r.stderr, r.stderr

    # 7. review the denials.
    r = run_bin([proxy_bin, "audit", "--denied", "--json", *logs])
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    modes = {(row["mode"], row["decision"], row["would_deny"]) for row in rows if row["route"] == "container.create"}
    assert {("audit", "allow", True), ("warn", "allow", True), ("enforce", "deny", False)} <= modes, modes
    s = json.loads(run_bin([proxy_bin, "audit", "--summary", "--json", *logs]).stdout)
    assert s["top_denied_routes"][0]["name"] == "container.create", s
    assert s["reloads"] == {"invalid": 1, "ok": 2, "unchanged": 1}, s
    assert s["denied"] >= busy.counts["denied"], s
    table = run_bin([proxy_bin, "audit", "--denied", "--since", "1h", *logs]).stdout.decode()
    assert "would-deny" in table and "[containers]" in table, table

    # The metrics saw it all.
    m = http(metrics, "GET", "/metrics").body.decode()
    assert 'sockwarden_policy_reloads_total{trigger="file-change",outcome="invalid"} 1' in m
    assert 'sockwarden_requests_total{group="containers",decision="would_deny"}' in m
    assert "sockwarden_audit_reopens_total 1" in m

    # 8. learn a policy from the recorded session (the first file: audit, warn, enforce, busy).
    r = run_bin([proxy_bin, "suggest", "--audit-log", logs[0], "--upstream", dockerd_sock])
    assert r.returncode == 0, r.stderr
    learned = os.path.join(sock_dir, "learned.toml")
    Path(learned).write_bytes(r.stdout)
    assert run_bin([proxy_bin, "check", learned]).returncode == 0
    p.stop()
    q = proxy_factory(learned)
    qcli = DockerCLI(CLI_PATHS[0], q.sock, docker_config)
    # It allows the session...
    assert failed(workload(qcli, "l", cleanup)) == []
    # ...and nothing broader.
    for args in [("run", "--rm", *NONET, "--cap-add", "SYS_ADMIN", IMAGE, "true"),
                 ("run", "--rm", *NONET, "--privileged", IMAGE, "true"),
                 ("run", "--rm", *NONET, "-v", "/etc:/x", IMAGE, "true"),
                 ("network", "create", "swt-op-net"),
                 ("images",)]:
        r = qcli(*args)
        assert r.returncode != 0 and b"denied by policy learned.toml" in r.stderr, (args, r.stderr)
    q.stop()
    assert run_bin([proxy_bin, "audit", "verify", q.audit]).returncode == 0
