"""`sockwarden audit` on logs written by hand (no daemon, no proxy): what the
reviewer sees of a record that is half written when `--follow` starts, of a
line that is not a record while following, and of characters a terminal acts
on or does not show in `--json` and the table (red team, 2026-12-02).

Before the fixes: `--follow` started on a log ending in the first 200 bytes of
a record read that half as a line of its own, then the rest as another; both
were "not JSON" and counted for a message printed at exit, which `--follow`
never reaches: the record was never shown, and nothing said so. `--json`
wrote U+202E, U+2066 and the C1 control U+009B (a CSI to xterm) raw, and the
table showed U+200B, U+FEFF and tag characters as they are (invisible).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from types import SimpleNamespace

import pytest

from swhelpers import LineReader


def record(req: int, reason: str, rule: str = "default-deny", route: str = "container.create") -> bytes:
    """A denied request's result record (a row of its own: no request record to join)."""
    return json.dumps({
        "v": 1, "event": "result", "time": "2026-12-02T10:00:00.000Z", "run": "r1", "req": req, "conn": 1,
        "peer": {"uid": 1000}, "method": "POST", "route": route, "decision": "deny", "rule": rule,
        "reason": reason, "status": 403,
    }, ensure_ascii=False).encode() + b"\n"


def follow(proxy_bin: str, path: str) -> tuple[subprocess.Popen, LineReader, LineReader]:
    f = subprocess.Popen([proxy_bin, "audit", "--follow", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    return f, LineReader(f), LineReader(SimpleNamespace(stdout=f.stderr))


def append(path: str, data: bytes) -> None:
    with open(path, "ab") as out:
        out.write(data)


def test_follow_shows_a_record_half_written_when_it_started(proxy_bin, short_tmp):
    log = os.path.join(tempfile.mkdtemp(dir=short_tmp), "audit.jsonl")
    whole = record(7, "HostConfig.Privileged true " + "x" * 300)
    assert len(whole) > 400
    with open(log, "wb") as out:
        out.write(record(6, "first") + whole[:200])
    f, out, err = follow(proxy_bin, log)
    try:
        out.wait_line(lambda l: "first" in l, 10, what="the complete record")
        time.sleep(0.6)  # past the first read, into the 250 ms polls
        append(log, whole[200:])
        out.wait_line(lambda l: "HostConfig.Privileged" in l, 10, what="the record completed after --follow started")
        assert not any("not a JSON record" in l for l in err.texts()), err.texts()
    finally:
        f.kill()
        f.wait(5)


def test_follow_reports_a_line_that_is_not_a_record_at_once(proxy_bin, short_tmp):
    log = os.path.join(tempfile.mkdtemp(dir=short_tmp), "audit.jsonl")
    with open(log, "wb") as out:
        out.write(b"garbage before\n" + record(1, "first"))
    f, out, err = follow(proxy_bin, log)
    try:
        out.wait_line(lambda l: "first" in l, 10, what="the record")
        err.wait_line(lambda l: "line 1" in l and "not a JSON record" in l, 10, what="the line already there")
        append(log, b"{\"truncated\n" + record(2, "second"))
        out.wait_line(lambda l: "second" in l, 10, what="the record after it")
        err.wait_line(lambda l: "line 3" in l and "not a JSON record" in l, 10, what="the appended line")
    finally:
        f.kill()
        f.wait(5)


# A terminal acts on C1 controls and bidi controls; format characters (Cf)
# do not show. Each must reach the reviewer as an escape of the same value.
SHOWN_ESCAPED = [
    ("right-to-left override", "\u202e", "\\u202e", "\\u{202e}"),
    ("left-to-right isolate", "\u2066", "\\u2066", "\\u{2066}"),
    ("C1 CSI", "\u009b", "\\u009b", "\\u{9b}"),
    ("C1 NEL", "\u0085", "\\u0085", "\\u{85}"),
    ("zero-width space", "\u200b", "\\u200b", "\\u{200b}"),
    ("byte order mark", "\ufeff", "\\ufeff", "\\u{feff}"),
    ("word joiner", "\u2060", "\\u2060", "\\u{2060}"),
    ("invisible plus", "\u2064", "\\u2064", "\\u{2064}"),
    ("soft hyphen", "\u00ad", "\\u00ad", "\\u{ad}"),
    ("tag letter A (above U+FFFF: a surrogate pair)", "\U000e0041", "\\udb40\\udc41", "\\u{e0041}"),
    ("cancel tag", "\U000e007f", "\\udb40\\udc7f", "\\u{e007f}"),
]


@pytest.mark.parametrize("name,char,in_json,in_table", SHOWN_ESCAPED, ids=[c[0] for c in SHOWN_ESCAPED])
def test_json_and_table_escape_controls_and_invisible_characters(proxy_bin, short_tmp, name, char, in_json, in_table):
    log = os.path.join(tempfile.mkdtemp(dir=short_tmp), "audit.jsonl")
    reason = f"deny{char}wolla é"
    with open(log, "wb") as out:
        out.write(record(1, reason, rule=f"rule{char}é"))
    for args in (["--json"], ["--summary", "--json"]):
        r = subprocess.run([proxy_bin, "audit", *args, log], capture_output=True, timeout=30)
        assert r.returncode == 0, r.stderr
        text = r.stdout.decode()
        assert char not in text and in_json in text, (args, text)
        assert "é" in text, text  # printable non-ASCII stays as it is
        value = json.loads(text.splitlines()[0])
        if args == ["--json"]:
            assert (value["reason"], value["rule"]) == (reason, f"rule{char}é"), value
        else:
            assert value["top_denied_rules"] == [{"name": f"rule{char}é", "count": 1}], value
    table = subprocess.run([proxy_bin, "audit", log], capture_output=True, timeout=30)
    assert table.returncode == 0, table.stderr
    assert char not in table.stdout.decode() and in_table in table.stdout.decode(), table.stdout
