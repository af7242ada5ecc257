"""What the audit log, suggest and explain say about the container an exec,
attach or copy acts in, against the real daemon.

The proxy judges such a request by the container it names (its host
access, looked up on the daemon). The request record names that container
(`target_container`: full ID and name) and carries the facts the decision
rested on; `suggest` learns from them what the container needs, as it does
from a create's; `explain` asks the same daemon and gives the decision the
proxy gives, and says so plainly when it cannot reach the daemon."""
from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from swhelpers import API, POLICIES, DockerCLI, force_remove, http, unique, wait_for

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"
JSON = {"Content-Type": "application/json"}


def run_bin(argv: list[str], input: bytes = b"", timeout: float = 60) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, timeout=timeout, input=input)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{argv} did not finish within {timeout} s (stderr={exc.stderr!r})")


def full_id(daemon_cli, name: str) -> str:
    r = daemon_cli("inspect", "-f", "{{.Id}}", name)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().strip()


@pytest.fixture
def containers(daemon_cli, short_tmp):
    """Containers made straight on the daemon (as an operator's are): name -> (name, host dir or None)."""
    host_dir = tempfile.mkdtemp(dir=short_tmp)
    made = {}
    specs = {
        "plain": (),
        "agent": ("--pid", "host"),
        "binder": ("-v", f"{host_dir}:/host"),
    }
    for kind, extra in specs.items():
        name = unique(kind)
        r = daemon_cli("run", "-d", "--name", name, "--network", "none", *extra, IMG, "sleep", "600")
        assert r.returncode == 0, r.stderr
        made[kind] = name
    made["host_dir"] = host_dir
    yield made
    for kind in specs:
        daemon_cli("rm", "-f", made[kind])


def join_policy(short_tmp) -> str:
    """ci.toml with join-namespaces = true."""
    text = (POLICIES / "ci.toml").read_text()
    assert "join-namespaces = false" in text
    path = os.path.join(tempfile.mkdtemp(dir=short_tmp), "ci-join.toml")
    Path(path).write_text(text.replace("join-namespaces = false", "join-namespaces = true", 1))
    return path


def request_records(proxy, route: str) -> list[dict]:
    return [r for r in proxy.audit_records() if r.get("event") == "request" and r.get("route") == route]


# (behaviour, container kind, decision, facts the record must hold: (kind, field prefix, value or None))
EXEC_RECORD_CASES = [
    ("an exec in a plain container is allowed and names it, with no host access in its facts",
     "plain", "allow", []),
    ("an exec in a container in the host's pid namespace is denied and names it, with the namespace in its facts",
     "agent", "deny", [("host_namespace", "HostConfig.PidMode", "host")]),
    ("an exec in a container binding a host directory is denied and names it, with the bind in its facts",
     "binder", "deny", [("host_path", "Mounts[0]", None)]),
]


@pytest.mark.parametrize("case", EXEC_RECORD_CASES, ids=[c[0] for c in EXEC_RECORD_CASES])
def test_the_record_of_a_docker_exec_names_the_container_judged_and_its_facts(case, containers, proxy_factory, proxy_bin,
                                                                              cli_path, docker_config, daemon_cli):
    behaviour, kind, decision, expected = case
    name = containers[kind]
    proxy = proxy_factory(policy="ci.toml")
    cli = DockerCLI(cli_path, proxy.sock, docker_config)
    r = cli("exec", name, "true")
    assert (r.returncode == 0) == (decision == "allow"), (behaviour, r.stderr)
    records = proxy.wait_audit(lambda rs: any(x.get("event") == "result" and x.get("route") == "exec.create" for x in rs),
                               10, "the exec's result record")
    request = [x for x in records if x.get("event") == "request" and x.get("route") == "exec.create"][-1]
    result = [x for x in records if x.get("event") == "result" and x.get("route") == "exec.create"][-1]
    assert request["decision"] == decision, request
    cid = full_id(daemon_cli, name)
    assert request["target_container"] == {"id": cid, "name": name}, request
    if decision == "allow":
        # Forwarded by the full ID of the container judged: the records say so.
        pinned = request["target"].replace(f"/containers/{name}/", f"/containers/{cid}/")
        assert request["forwarded_target"] == pinned != request["target"], request
        assert result["forwarded_target"] == pinned, result
    else:
        assert "forwarded_target" not in request and "forwarded_target" not in result, (request, result)
    keys = list(request)
    assert keys.index("target_container") + 1 == keys.index("facts"), keys
    assert "target_container" not in result, result
    facts = request["facts"]
    for fact_kind, field, value in expected:
        entries = facts.get(fact_kind, [])
        assert any(e["field"].startswith(field) and (value is None or e["value"] == value) for e in entries), facts
    if not expected:
        assert not any(e["field"].startswith(("HostConfig.", "Mounts[", "NetworkSettings.")) for es in facts.values()
                       for e in es), facts
    r = run_bin([proxy_bin, "audit", "verify", proxy.audit])
    assert r.returncode == 0, r.stdout + r.stderr


def test_suggest_learns_what_the_container_of_a_recorded_docker_exec_needs(containers, proxy_factory, proxy_bin, cli_path,
                                                                            docker_config, dockerd_sock, sock_dir):
    agent = containers["agent"]
    proxy = proxy_factory(policy="ci.toml", extra=("--mode", "audit"))
    cli = DockerCLI(cli_path, proxy.sock, docker_config)
    r = cli("exec", agent, "true")
    assert r.returncode == 0, r.stderr  # audit mode: forwarded, recorded as would-deny
    proxy.wait_audit(lambda rs: any(x.get("event") == "result" and x.get("route") == "exec.create" for x in rs),
                     10, "the exec's result record")
    record = request_records(proxy, "exec.create")[-1]
    assert record["would_deny"] is True and record["target_container"]["name"] == agent, record

    r = run_bin([proxy_bin, "suggest", "--audit-log", proxy.audit, "--base", str(POLICIES / "ci.toml"),
                 "--upstream", dockerd_sock])
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode()
    assert "NOT CHECKED" not in text, text
    assert re.search(r'^host-namespaces = \["pid"\]', text, re.M), text
    # Learned from one request, and root on the host: said loudly (2026-12-02).
    assert text.startswith("# WARNING: this policy gives jobs what amounts to root on the host"), text[:300]
    assert b"WARNING" in r.stderr and b'host-namespaces "pid"' in r.stderr, r.stderr
    assert "Learned for the containers exec, attach and copy acted in" in text, text
    assert re.search(rf"exec\.create\) in container {re.escape(agent)} [0-9a-f]{{12}}: needs .*containers\.host-namespaces \(pid\)",
                     text), text
    learned = os.path.join(sock_dir, "learned.toml")
    Path(learned).write_bytes(r.stdout)
    # The learned policy lets that exec through, judged against the same daemon.
    r = run_bin([proxy_bin, "explain", "--policy", learned, "--upstream", dockerd_sock, "POST",
                 f"{API}/containers/{agent}/exec", "--body", "-", "--json"], input=b'{"Cmd":["true"]}')
    assert r.returncode == 0, r.stdout + r.stderr

    # A log written before records named the container: still NOT CHECKED, not learned.
    old = os.path.join(sock_dir, "old.jsonl")
    with open(old, "w") as f:
        for line in Path(proxy.audit).read_text().splitlines():
            rec = json.loads(line)
            # docker exec sends exec.create, then exec.start: both are judged by the container.
            if rec.pop("target_container", None) is not None:
                rec["facts"] = {} if rec["route"] == "exec.create" else None
            f.write(json.dumps(rec) + "\n")
    r = run_bin([proxy_bin, "suggest", "--audit-log", old, "--base", str(POLICIES / "ci.toml"), "--upstream", dockerd_sock])
    assert r.returncode == 0, r.stderr
    assert "NOT CHECKED" in r.stdout.decode() and b"not checked" in r.stderr, r.stdout + r.stderr
    assert not re.search(r'^host-namespaces = \["pid"\]', r.stdout.decode(), re.M)


# (behaviour, policy ("ci" or "join"), method, target, body); {plain}, {agent}, {binder}, {vol}, {hostnet}, {exec}, {new}
# are filled in. Each request goes to the proxy and to explain against the same daemon.
EXPLAIN_CASES = [
    ("an exec in a plain container", "ci", "POST", "/containers/{plain}/exec", '{"Cmd":["true"]}'),
    ("an exec in a container in the host's pid namespace", "ci", "POST", "/containers/{agent}/exec", '{"Cmd":["true"]}'),
    ("an exec in a container the daemon does not know", "ci", "POST", "/containers/{ghost}/exec", '{"Cmd":["true"]}'),
    ("an exec start of an exec in a container in the host's pid namespace", "ci", "POST", "/exec/{exec}/start",
     '{"Detach":true}'),
    ("an attach to a container in the host's pid namespace", "ci", "POST", "/containers/{agent}/attach?stream=1&stdout=1", None),
    ("a docker cp stat in a container binding a host directory", "ci", "HEAD", "/containers/{binder}/archive?path=/host", None),
    ("a create mounting a named volume that binds a host directory", "ci", "POST", "/containers/create?name={new}",
     '{"Image":"swtest/busybox","HostConfig":{"NetworkMode":"none","Binds":["{vol}:/x"]}}'),
    ("a create joining the host network by its ID", "ci", "POST", "/containers/create?name={new}",
     '{"Image":"swtest/busybox","HostConfig":{"NetworkMode":"{hostnet}"}}'),
    ("a create joining a plain container's network namespace, join-namespaces = true", "join", "POST",
     "/containers/create?name={new}", '{"Image":"swtest/busybox","HostConfig":{"NetworkMode":"container:{plain}"}}'),
    ("a create joining the pid namespace of one in the host's, join-namespaces = true", "join", "POST",
     "/containers/create?name={new}", '{"Image":"swtest/busybox","HostConfig":{"NetworkMode":"none","PidMode":"container:{agent}"}}'),
]


@pytest.mark.parametrize("case", EXPLAIN_CASES, ids=[c[0] for c in EXPLAIN_CASES])
def test_explain_gives_the_proxys_decision_against_the_same_daemon(case, containers, proxy_factory, proxy_bin, dockerd_sock,
                                                                   daemon_cli, short_tmp):
    behaviour, policy_kind, method, target, body = case
    vol = unique("hostvol")
    r = daemon_cli("volume", "create", "--driver", "local", "--opt", "type=none", "--opt", "o=bind",
                   "--opt", f"device={containers['host_dir']}", vol)
    assert r.returncode == 0, r.stderr
    made = http(dockerd_sock, "POST", f"{API}/containers/{containers['agent']}/exec", b'{"Cmd":["true"]}', JSON)
    assert made.status == 201, made.body
    hostnet = daemon_cli("network", "inspect", "-f", "{{.Id}}", "host").stdout.decode().strip()
    new = unique("created")
    values = {**{k: containers[k] for k in ("plain", "agent", "binder")}, "vol": vol, "hostnet": hostnet,
              "exec": json.loads(made.body)["Id"], "new": new, "ghost": unique("ghost")}
    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text
    target = API + fill(target)
    data = fill(body).encode() if body else None
    policy = str(POLICIES / "ci.toml") if policy_kind == "ci" else join_policy(short_tmp)
    try:
        proxy = proxy_factory(policy=policy)
        answer = http(proxy.sock, method, target, data, JSON if data else None)
        route_records = proxy.wait_audit(lambda rs: any(x.get("event") == "request" and x.get("target") == target for x in rs),
                                         10, "the request record")
        record = [x for x in route_records if x.get("event") == "request" and x.get("target") == target][-1]
        r = run_bin([proxy_bin, "explain", "--policy", policy, "--upstream", f"unix://{dockerd_sock}", method, target, "--json",
                     *(["--body", "-"] if data else [])], input=data or b"")
        assert r.returncode in (0, 3), r.stderr
        explained = json.loads(r.stdout)
        assert (explained["decision"], explained["rule"], explained["reason"]) == \
            (record["decision"], record["rule"], record["reason"]), (behaviour, explained, record, answer.status)
        assert explained["target_container"] == record.get("target_container"), (behaviour, explained, record)
        assert explained["facts"] == record["facts"], (behaviour, explained, record)
        assert explained["lookup_failures"] == [] and r.stderr == b"", r.stderr
        assert (r.returncode == 0) == (record["decision"] == "allow")
    finally:
        force_remove(dockerd_sock, new)
        daemon_cli("volume", "rm", "-f", vol)


# (behaviour, method, target, body): each needs a look-up; the daemon's socket does not exist.
UNREACHABLE_CASES = [
    ("an exec", "POST", "/containers/anything/exec", b'{"Cmd":["true"]}'),
    ("a create mounting a named volume", "POST", "/containers/create",
     b'{"Image":"swtest/busybox","HostConfig":{"NetworkMode":"none","Binds":["somevol:/x"]}}'),
    ("a create joining a network by name", "POST", "/containers/create", b'{"Image":"swtest/busybox","HostConfig":{"NetworkMode":"lan"}}'),
]


@pytest.mark.parametrize("case", UNREACHABLE_CASES, ids=[c[0] for c in UNREACHABLE_CASES])
def test_explain_says_which_daemon_it_could_not_reach(case, proxy_factory, proxy_bin, sock_dir):
    behaviour, method, target, body = case
    gone = os.path.join(sock_dir, "no-daemon.sock")
    target = API + target
    r = run_bin([proxy_bin, "explain", "--policy", str(POLICIES / "ci.toml"), "--upstream", gone, method, target, "--json",
                 "--body", "-"], input=body)
    assert r.returncode == 3, (behaviour, r.stdout, r.stderr)
    explained = json.loads(r.stdout)
    assert explained["decision"] == "deny" and explained["lookup_failures"], explained
    stderr = r.stderr.decode()
    assert f"the daemon at {gone} could not answer a look-up" in stderr and "--upstream" in stderr, stderr
    # serve against the same missing daemon refuses it alike.
    proxy = proxy_factory(policy="ci.toml", upstream=gone)
    answer = http(proxy.sock, method, target, body, JSON)
    assert answer.status == 403, (answer.status, answer.body)
    record = proxy.wait_audit(lambda rs: any(x.get("event") == "request" and x.get("target") == target for x in rs),
                              10, "the request record")
    record = [x for x in record if x.get("event") == "request" and x.get("target") == target][-1]
    assert (explained["rule"], explained["reason"]) == (record["rule"], record["reason"]), (explained, record)
