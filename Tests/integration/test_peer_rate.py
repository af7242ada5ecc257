"""`serve --peer-rate` and `--peer-burst` (session 17): a peer (the calling
container, else the uid) past its rate has its requests wait their turn;
none is refused, and ordinary traffic never meets the default."""
from __future__ import annotations

import os
import re
import tempfile

import pytest

from swhelpers import API, RawConn, wait_for
from test_limits import SERVING, metric

PEER = re.compile(r"PEER RATE: (uid \d+|container [0-9a-f]+) sends more than 20 requests a second \(burst 5\)")


@pytest.mark.parametrize("extra", SERVING)
def test_a_peer_past_its_rate_waits_its_turn_and_nothing_is_refused(proxy_factory, short_tmp, extra):
    """20 a second with 5 saved up: 30 pings on one connection are all
    answered 200 and allowed in the audit log, and most of them waited (the
    metric counts each wait; stderr names the peer once)."""
    metrics = os.path.join(tempfile.mkdtemp(dir=short_tmp), "m.sock")
    p = proxy_factory("ci.toml", extra=("--peer-rate", "20", "--peer-burst", "5", "--metrics-socket", metrics) + extra)
    with RawConn(p.sock, timeout=30) as c:
        statuses = [c.request("GET", f"{API}/_ping").status for _ in range(30)]
    assert statuses == [200] * 30
    assert metric(metrics, "sockwarden_peer_rate_waits_total") >= 10
    said = wait_for(lambda: PEER.findall(p.log_tail()), 10, what="the PEER RATE notice")
    assert len(said) == 1, p.log_tail()
    results = p.wait_results(lambda rs: len([r for r in rs if r["route"] == "system.ping"]) >= 30, timeout=10)
    pings = [r for r in results if r["route"] == "system.ping"]
    assert all(r["decision"] == "allow" and r["status"] == 200 for r in pings), pings[:3]


@pytest.mark.parametrize("extra", SERVING)
def test_requests_that_went_away_while_they_waited_leave_no_wait_behind(proxy_factory, short_tmp, extra):
    """A peer that sends a request and hangs up at once, again and again,
    booked slot after slot it never used: at 20 a second, 3 s of that made
    its next real request wait 51 s (found 2026-12-02, session 21, by a
    red-team helper). Each request that goes away while it waits gives its
    slot back: the metric counts them, and nothing is left for the next."""
    metrics = os.path.join(tempfile.mkdtemp(dir=short_tmp), "m.sock")
    p = proxy_factory("ci.toml", extra=("--peer-rate", "20", "--peer-burst", "1", "--metrics-socket", metrics) + extra)
    with RawConn(p.sock, timeout=30) as first:
        assert first.request("GET", f"{API}/_ping").status == 200
    # 40 more at once, each hung up right after it was sent: every one of them waits (20 a second).
    gone = []
    for _ in range(40):
        c = RawConn(p.sock, timeout=30)
        c.send(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
        gone.append(c)
    wait_for(lambda: metric(metrics, "sockwarden_peer_rate_waits_total") >= 30, 10, what="the requests waiting")
    for c in gone:
        c.close()
    given = wait_for(lambda: metric(metrics, "sockwarden_peer_rate_slots_given_back_total") >= 30, 10,
                     what="the slots of the requests that went away given back")
    assert given
    with RawConn(p.sock, timeout=30) as after:
        assert after.request("GET", f"{API}/_ping").status == 200


def test_the_default_rate_holds_back_no_ordinary_burst(proxy_factory, short_tmp):
    """The default (2000 a second, 4000 at once): 500 requests as fast as
    one connection sends them never wait."""
    metrics = os.path.join(tempfile.mkdtemp(dir=short_tmp), "m.sock")
    p = proxy_factory("ci.toml", extra=("--metrics-socket", metrics))
    with RawConn(p.sock, timeout=30) as c:
        statuses = [c.request("GET", f"{API}/_ping").status for _ in range(500)]
    assert statuses == [200] * 500
    assert metric(metrics, "sockwarden_peer_rate_waits_total") == 0
    assert "PEER RATE" not in p.log_tail()


def test_no_limit_with_a_rate_of_zero(proxy_factory, short_tmp):
    """--peer-rate 0 turns the limit off: a peer sending past any burst never waits."""
    metrics = os.path.join(tempfile.mkdtemp(dir=short_tmp), "m.sock")
    p = proxy_factory("ci.toml", extra=("--peer-rate", "0", "--peer-burst", "1", "--metrics-socket", metrics))
    with RawConn(p.sock, timeout=30) as c:
        statuses = [c.request("GET", f"{API}/_ping").status for _ in range(50)]
    assert statuses == [200] * 50
    assert metric(metrics, "sockwarden_peer_rate_waits_total") == 0


def test_on_a_job_socket_the_job_is_the_peer(proxy_bin, dockerd_sock, image, short_tmp):
    """A job may start containers with its own socket mounted, each a
    container of its own: on a job's socket the budget is the job's, and the
    notice names it."""
    from test_jobs import Jobs
    from swhelpers import unique
    jobs = Jobs(proxy_bin, dockerd_sock, tempfile.mkdtemp(dir=short_tmp), ("--peer-rate", "20", "--peer-burst", "5")).start()
    job = unique("jr")
    try:
        sock = jobs.open(job)
        with RawConn(sock, timeout=30) as c:
            statuses = [c.request("GET", f"{API}/_ping").status for _ in range(12)]
        assert statuses == [200] * 12
        said = wait_for(lambda: re.findall(r"PEER RATE: job (\S+) sends more than 20", jobs.proxy.log_tail()), 10,
                        what="the PEER RATE notice")
        assert said == [job], jobs.proxy.log_tail()
    finally:
        jobs.proxy.stop()
