"""Hot reload against writers of the policy file (no daemon needed: a
stand-in answers what the proxy forwards).

A policy rewritten in place by a writer that pauses half-way (a generator,
`cat` from a slow pipe, a script appending rules) is, half-way, usually a
valid and wider policy: cut after `groups = [...]`, a rule has lost the
`methods` that narrowed it. A reload reads the file only once it has been
still for a second, so that pause is not seen.

Anyone who can write the policy file, or a directory on its way, changes
the policy in force within a poll, without a signal: a file (or directory)
every user can write is refused at start and at reload; one its group or
another user can write is warned about.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time

import pytest

from swhelpers import CannedDaemon, Proxy, http, wait_for

pytestmark = pytest.mark.proxy_only

HEAD = ('[[rules]]\nid = "no-web-terminal"\naction = "deny"\nroutes = ["container.attach.websocket"]\n\n'
        '[[rules]]\nid = "containers-read"\naction = "allow"\ngroups = ["containers"]\n')
TAIL = 'methods = ["GET"]\n'


@pytest.mark.parametrize("pause", [0.3, 0.7])
def test_a_policy_rewritten_in_place_with_a_pause_is_not_read_half_written(proxy_bin, short_tmp, pause):
    d = tempfile.mkdtemp(dir=short_tmp)
    daemon = CannedDaemon(os.path.join(d, "d.sock"))
    policy = os.path.join(d, "policy.toml")
    with open(policy, "w") as f:
        f.write(HEAD + TAIL)
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), daemon.path, policy, os.path.join(d, "audit.jsonl"), d,
              ("--policy-poll", "0.2")).start()
    forwarded: list[int] = []
    done = threading.Event()

    def pause_requests():
        # Denied by the policy before and after the rewrite (a POST), allowed by its first half.
        # (A pause: a kill is judged by its container too, which this canned daemon cannot answer.)
        while not done.is_set():
            r = http(p.sock, "POST", "/v1.41/containers/abc/pause")
            if r.status != 403:
                forwarded.append(r.status)
            time.sleep(0.01)

    t = threading.Thread(target=pause_requests)
    t.start()
    try:
        time.sleep(0.5)
        with open(policy, "w") as f:  # truncated, then written in two parts
            f.write(HEAD)
            f.flush()
            time.sleep(pause)
            f.write(TAIL)
        time.sleep(2.0)
    finally:
        done.set()
        t.join()
        assert p.alive(), p.log_tail()
        p.stop()
        daemon.close()
    assert forwarded == [], f"the half-written policy was in force: {len(forwarded)} pauses forwarded; {p.log_tail()}"


def test_a_reload_after_a_rename_into_place_is_in_force_within_a_second_or_two(proxy_bin, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    daemon = CannedDaemon(os.path.join(d, "d.sock"))
    policy = os.path.join(d, "policy.toml")
    with open(policy, "w") as f:
        f.write(HEAD + TAIL)
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), daemon.path, policy, os.path.join(d, "audit.jsonl"), d,
              ("--policy-poll", "0.2")).start()
    try:
        assert http(p.sock, "POST", "/v1.41/containers/abc/pause").status == 403
        with open(policy + ".new", "w") as f:
            f.write(HEAD.replace('"containers-read"', '"containers"'))
        os.rename(policy + ".new", policy)
        wait_for(lambda: http(p.sock, "POST", "/v1.41/containers/abc/pause").status != 403, 5, what="the renamed policy in force")
    finally:
        assert p.alive(), p.log_tail()
        p.stop()
        daemon.close()


ALLOW_ALL = '[policy]\ntrust-bodies = true\n[[rules]]\nid = "all"\naction = "allow"\ngroups = ["*"]\n'
PING_ONLY = '[[rules]]\nid = "ping"\naction = "allow"\nroutes = ["system.ping"]\n'


def test_serve_refuses_a_policy_file_every_user_can_write(proxy_bin, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    policy = os.path.join(d, "policy.toml")
    with open(policy, "w") as f:
        f.write(PING_ONLY)
    os.chmod(policy, 0o666)
    r = subprocess.run([proxy_bin, "serve", "--listen", os.path.join(d, "sw.sock"), "--upstream", os.path.join(d, "d.sock"),
                        "--policy", policy], capture_output=True, timeout=20)
    assert r.returncode == 2, r
    assert b"refusing to start" in r.stderr and b"writable by every user" in r.stderr, r.stderr
    r = subprocess.run([proxy_bin, "check", policy], capture_output=True, timeout=20)
    assert r.returncode == 2 and b"writable by every user" in r.stderr, r
    os.chmod(policy, 0o664)
    r = subprocess.run([proxy_bin, "check", policy], capture_output=True, timeout=20)
    assert r.returncode == 0 and b"warning:" in r.stderr and b"writable by its group" in r.stderr, r


def test_a_policy_file_made_writable_by_every_user_is_not_reloaded(proxy_bin, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    daemon = CannedDaemon(os.path.join(d, "d.sock"))
    policy = os.path.join(d, "policy.toml")
    with open(policy, "w") as f:
        f.write(PING_ONLY)
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), daemon.path, policy, os.path.join(d, "audit.jsonl"), d,
              ("--policy-poll", "0.2")).start()
    try:
        assert http(p.sock, "POST", "/v1.41/containers/abc/pause").status == 403
        os.chmod(policy, 0o666)
        with open(policy, "w") as f:  # what any user could now write
            f.write(ALLOW_ALL)
        wait_for(lambda: b"POLICY RELOAD FAILED" in open(p.log_path, "rb").read(), 10, what="the failed reload")
        assert http(p.sock, "POST", "/v1.41/containers/abc/pause").status == 403, p.log_tail()
        assert "writable by every user" in p.log_tail()
        # Put right, the same content is loaded (the owner meant it).
        os.chmod(policy, 0o644)
        wait_for(lambda: http(p.sock, "POST", "/v1.41/containers/abc/pause").status != 403, 10, what="the policy put right in force")
    finally:
        assert p.alive(), p.log_tail()
        p.stop()
        daemon.close()


CONTAINERS = '[[rules]]\nid = "containers"\naction = "allow"\ngroups = ["containers"]\n'


def test_peer_policies_are_reloaded_when_their_file_changes_and_an_invalid_one_keeps_the_old(proxy_bin, short_tmp):
    """A `[[peer]]` policy of `--listeners` was read at start only: tightened
    on disk (and SIGHUP said "reloaded"), the old one stayed in force."""
    d = tempfile.mkdtemp(dir=short_tmp)
    daemon = CannedDaemon(os.path.join(d, "d.sock"))
    main = os.path.join(d, "main.toml")
    peer = os.path.join(d, "peer.toml")
    listeners = os.path.join(d, "listeners.toml")
    with open(main, "w") as f:
        f.write(PING_ONLY)
    with open(peer, "w") as f:
        f.write(CONTAINERS)
    with open(listeners, "w") as f:
        f.write(f'[[peer]]\nuid = {os.geteuid()}\npolicy = "{peer}"\n')
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), daemon.path, main, os.path.join(d, "audit.jsonl"), d,
              ("--listeners", listeners)).start()

    def pause() -> int:
        return http(p.sock, "POST", "/v1.41/containers/abc/pause").status

    def replace(text: str) -> None:
        with open(peer + ".new", "w") as f:
            f.write(text)
        os.rename(peer + ".new", peer)

    try:
        assert pause() == 204, p.log_tail()  # the peer's policy, not the main one
        replace(PING_ONLY)
        wait_for(lambda: pause() == 403, 10, what="the tightened [[peer]] policy in force")
        assert "[[peer]] policy" in p.log_tail() and "reloaded" in p.log_tail()
        replace(CONTAINERS + "methods = [\"GETT\"]\n")
        wait_for(lambda: b"PEER POLICY RELOAD FAILED" in open(p.log_path, "rb").read(), 10, what="the failed [[peer]] reload")
        assert pause() == 403
        assert http(p.sock, "GET", "/v1.41/_ping").status == 204
        reloads = [r for r in p.audit_records() if r.get("event") == "reload"]
        assert [r["outcome"] for r in reloads] == ["ok", "invalid"], reloads
        assert reloads[1]["path"] == peer and "GETT" in reloads[1]["error"], reloads
    finally:
        assert p.alive(), p.log_tail()
        p.stop()
        daemon.close()


def test_a_listeners_file_is_refused_when_not_utf8_or_writable_by_every_user(proxy_bin, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    main = os.path.join(d, "main.toml")
    with open(main, "w") as f:
        f.write(PING_ONLY)
    listeners = os.path.join(d, "listeners.toml")
    argv = [proxy_bin, "serve", "--listen", os.path.join(d, "sw.sock"), "--upstream", os.path.join(d, "d.sock"),
            "--policy", main, "--listeners", listeners]
    # Invalid UTF-8 was replaced by U+FFFD (another file name), not refused.
    with open(listeners, "wb") as f:
        f.write(b'[[peer]]\nuid = 0\npolicy = "' + d.encode() + b'/peer\xff.toml"\n')
    r = subprocess.run(argv, capture_output=True, timeout=20)
    assert r.returncode == 2 and b"not valid UTF-8" in r.stderr, r
    with open(listeners, "w") as f:
        f.write(f'[[peer]]\nuid = 0\npolicy = "{main}"\n')
    os.chmod(listeners, 0o666)
    r = subprocess.run(argv, capture_output=True, timeout=20)
    assert r.returncode == 2 and b"writable by every user" in r.stderr, r
