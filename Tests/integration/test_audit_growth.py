"""How much the audit log grows per byte a client sends (SECURITY.md, docs/audit-log.md
"How large a record can be"). A client controls the bytes of its requests: whatever it
puts in a body, a query, a path or a header must not make the log grow much faster than
it sends, or a job fills the log's disk (with --audit-failure refuse, the proxy then
refuses every request).

The table sends one request of about 64 KiB per byte class (each class a JSON string can
carry through Go's decoder: DEL raw, controls escaped, invalid UTF-8 that Go decodes to
U+FFFD, `<>&`, U+2028, quotes, backslashes, plain ASCII) and place (a bind path: facts
and reason; a capability; the image; many small asks; a pull's query; a container's path;
headers), measures each record written for it, prints the table (pytest -s) and checks
the bound the docs state: every record at most 2 x the request's bytes + 32 KiB, and a
result record at most 32 KiB whatever the request (it repeats a long target's head and
tail only). Before
2026-12-01 a DEL in a bind path was written `\\u007f`, in the facts twice and in the
reason: about 24 x in the request record and 12 x in the result.

Runs against a canned daemon (every forwarded request is answered 201 {"Id":"abc"}), so
nothing is created; ci.toml judges.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from swhelpers import API, IMAGE, CannedDaemon, RawConn, build_request

pytestmark = pytest.mark.proxy_only

SIZE = 64 << 10
FIXED = 32 << 10     # the fixed part of the bound: members, the facts' 4 KiB and one entry, the cut reason
FACTOR = 2           # the per-byte part

# Byte classes: (name, bytes inside a JSON string of the body, percent-encoded for a query).
CLASSES = [
    ("DEL raw", b"\x7f", "%7F"),
    ("C0 escaped", b"\\u0001", "%01"),
    ("newline escaped", b"\\n", "%0A"),
    ("invalid UTF-8", b"\xff", "%FF"),
    ("surrogate escaped", b"\\ud800", "%ED%A0%80"),
    ("<>&", b"<>&", "%3C%3E%26"),
    ("U+2028", "\u2028".encode(), "%E2%80%A8"),
    ("quote escaped", b'\\"', "%22"),
    ("backslash escaped", b"\\\\", "%5C"),
    ("ASCII", b"a", "a"),
]


def fill(unit: bytes, size: int = SIZE) -> bytes:
    return unit * max(1, size // len(unit))


def create(host_config: bytes = b"{}", image: bytes = b'"busybox"') -> bytes:
    return b'{"Image":' + image + b',"Cmd":["true"],"HostConfig":' + host_config + b"}"


def body_cases():
    for name, unit, _ in CLASSES:
        x = fill(unit)
        yield f"bind path, {name}", "POST", f"{API}/containers/create", {}, create(b'{"Binds":["/' + x + b':/m"]}')
        yield f"capability, {name}", "POST", f"{API}/containers/create", {}, create(b'{"CapAdd":["' + x + b'"]}')
        yield f"image, {name}", "POST", f"{API}/containers/create", {}, create(image=b'"' + x + b'"')


def query_cases():
    for name, _, encoded in CLASSES:
        x = encoded * max(1, (SIZE // 2) // len(encoded))
        yield f"pull query, {name}", "POST", f"{API}/images/create?fromImage={x}&tag=1", {}, None
        yield f"container path, {name}", "GET", f"{API}/containers/{x}/json", {}, None


def raw_target_cases():
    # A request-target is visible ASCII: `"` and `\` are the only bytes a record escapes.
    for name, char in (("raw quote", '"'), ("raw backslash", "\\")):
        yield f"container path, {name}", "GET", f"{API}/containers/{char * (SIZE // 2)}/json", {}, None
    # The version is a run of [0-9.] of any length, recorded again as api_version.
    yield "API version", "GET", f"/v1.{'4' * (SIZE // 2)}/_ping", {}, None
    yield "method", "G" * (SIZE // 2), f"{API}/_ping", {}, None


def many_asks_cases():
    caps = b",".join([b'"A"'] * (SIZE // 4))
    yield "many capabilities", "POST", f"{API}/containers/create", {}, create(b'{"CapAdd":[' + caps + b"]}")
    binds = b",".join(b'"/%d:/m%d"' % (i, i) for i in range(SIZE // 16))
    yield "many binds", "POST", f"{API}/containers/create", {}, create(b'{"Binds":[' + binds + b"]}")
    kinds = (b'{"Binds":["/a:/b"],"CapAdd":["A"],"Devices":[{"PathOnHost":"/dev/x"}],"Sysctls":{"a":"b"},'
             b'"SecurityOpt":["label=disable"],"Privileged":true,"PidMode":"host","Runtime":"r","CgroupParent":"c"}')
    yield "one of many kinds", "POST", f"{API}/containers/create", {}, create(kinds)


def header_cases():
    marker = "swmarker" * (SIZE // 16)
    auth = base64.urlsafe_b64encode(json.dumps({"username": marker, "password": marker}).encode()).decode()
    yield "User-Agent", "GET", f"{API}/version", {"User-Agent": marker}, None
    yield "X-Registry-Auth", "POST", f"{API}/images/create?fromImage=busybox&tag=1", {"X-Registry-Auth": auth}, None


CASES = [*body_cases(), *query_cases(), *raw_target_cases(), *many_asks_cases(), *header_cases()]


@pytest.fixture
def canned(sock_dir):
    daemon = CannedDaemon(os.path.join(sock_dir, "d.sock"), "201 Created", b'{"Id":"abc","Warnings":[]}')
    yield daemon
    daemon.close()


def send(p, method: str, target: str, headers: dict, body: bytes | None) -> tuple[int, list[bytes]]:
    """Sends one request on its own connection; returns its bytes and the audit lines
    written for it (its request and result records)."""
    before = os.path.getsize(p.audit)
    results = len(p.audit_results())
    request = build_request(method, target, body, headers)
    with RawConn(p.sock, timeout=60) as c:
        c.send(request)
        c.read_response(method)
    p.wait_results(lambda rs: len(rs) > results, timeout=30)
    with open(p.audit, "rb") as f:
        f.seek(before)
        lines = [line for line in f.read().split(b"\n") if line]
    return len(request), lines


@pytest.mark.parametrize("mode", ["enforce", "warn"])
def test_every_record_is_at_most_twice_the_request_plus_32_kib(proxy_factory, canned, mode, capsys):
    p = proxy_factory("ci.toml", upstream=canned.path, extra=("--mode", mode))
    rows, over = [], []
    for name, method, target, headers, body in CASES:
        sent, lines = send(p, method, target, headers, body)
        kinds = [json.loads(line)["event"] for line in lines]
        assert kinds == ["request", "result"], (name, kinds)
        for line in lines:
            json.loads(line)
        biggest = max(len(line) for line in lines)
        rows.append((name, sent, [len(line) for line in lines], sum(len(line) for line in lines) / sent))
        if biggest > FACTOR * sent + FIXED or len(lines[1]) > FIXED:
            over.append((name, sent, [len(line) for line in lines]))
        if name in ("User-Agent", "X-Registry-Auth"):
            assert not any(b"swmarker" in line for line in lines), name
    with capsys.disabled():
        print(f"\naudit growth, mode {mode}: request bytes -> record bytes (request, result), both / request")
        for name, sent, sizes, ratio in rows:
            print(f"  {name:34} {sent:8} -> {sizes[0]:9} {sizes[1]:9}  {ratio:6.2f}x")
    assert over == [], over


def test_a_1_mib_bind_path_of_del_bytes_makes_records_of_a_few_kib(proxy_factory, canned, proxy_bin):
    """The red team's body: one refused create whose bind path is 1 MiB of DEL bytes wrote
    a 24 MB request record and a 12 MB result record (36 x). Now the facts quote the path's
    first 256 bytes with its length and SHA-256 (evidence of what was judged), the reason
    its head and tail: a few KiB in all. The log still verifies, `audit` shows the record
    and `suggest` says the record's facts were cut rather than learn a cut path."""
    p = proxy_factory("ci.toml", upstream=canned.path)
    path = "/" + "\x7f" * 1_000_000
    body = json.dumps({"Image": "busybox", "Cmd": ["true"], "HostConfig": {"Binds": [path + ":/m"]}},
                      ensure_ascii=False).encode()
    sent, lines = send(p, "POST", f"{API}/containers/create", {}, body)
    request, result = (json.loads(line) for line in lines)
    assert result["status"] == 403 and request["decision"] == "deny" and request["rule"] == "host-paths", request["reason"][:300]
    growth = sum(len(line) for line in lines)
    print(f"\n1 MiB DEL bind path: {sent} bytes sent, records {[len(line) for line in lines]}")
    assert growth < 64 << 10, f"{growth} bytes of records for a {sent}-byte request"
    bind = request["facts"]["host_path"][0]
    assert bind["cut"]["path"] == {"bytes": len(path.encode()), "sha256": hashlib.sha256(path.encode()).hexdigest()}
    assert bind["cut"]["value"]["bytes"] == len((path + ":/m").encode())
    assert bind["path"] == path[:256] + "…"
    # The reason keeps its head and tail, and says how long it was.
    assert request["reason"].startswith("[host-paths]: HostConfig.Binds[0] \"/\x7f") and "bytes)…" in request["reason"], request["reason"]
    assert len(request["reason"].encode()) <= 1024 + 512 + 32 and request["reason"] == result["reason"]
    subprocess.run([proxy_bin, "audit", "verify", p.audit], check=True, capture_output=True, timeout=60)
    shown = subprocess.run([proxy_bin, "audit", "--denied", p.audit], capture_output=True, timeout=60)
    assert shown.returncode == 0 and b"host-paths" in shown.stdout, shown
    learned = subprocess.run([proxy_bin, "suggest", "--audit-log", p.audit], capture_output=True, timeout=60)
    assert b"\x7f" * 300 not in learned.stdout + learned.stderr
    assert b"cut short" in learned.stdout + learned.stderr, learned


def test_a_builds_cut_query_fact_stays_in_its_record_with_the_dockerfiles(proxy_factory, cleanup):
    """A build's record holds its query's facts and then its Dockerfile's. The query's were
    read back from their rendering to add the Dockerfile's; a fact cut there (a name of
    more than 256 bytes, normalised) would have been lost. The build runs (a daemon-valid
    name: 255 bytes of repository, a 100-byte tag)."""
    from test_build_context import build
    p = proxy_factory("ci.toml")
    repo = "swtest/" + "a" * 200
    tag = cleanup.image(f"{repo}:{'t' * 100}")
    r = build(p.sock, {"Dockerfile": f"FROM {IMAGE}\n".encode()}, f"&t={tag}")
    assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-500:]
    record = [x for x in p.audit_records() if x.get("route") == "build.image" and x.get("event") == "request"][-1]
    named = record["facts"]["image_name"][0]
    assert named["value"] == tag[:256] + "…" and named["cut"]["value"] == {
        "bytes": len(tag), "sha256": hashlib.sha256(tag.encode()).hexdigest()}, named
    assert any(f["value"] == IMAGE for f in record["facts"]["image"]), record["facts"]
