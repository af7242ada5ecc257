"""The event loop's sends, put off to the end of each batch of ready
connections and made together (`serve --send-batching`): many clients at
once, each on one keep-alive connection, get their own answers, whole and
in order, in every mode, and each exchange is audited once.

The loop gathers a batch only when several connections are ready in the
same epoll wake-up, so the clients here run at once (threads) and pipeline
some of their requests; the proxy's own answers (a denial) and relayed ones
(the daemon's) are mixed on every connection, since the two are sent from
different places in the loop."""

import json
import threading

import pytest

from swhelpers import API, RawConn, build_request, wait_for

pytestmark = pytest.mark.proxy_only

CLIENTS = 24
ROUNDS = 15

PRIVILEGED = json.dumps({"Image": "swtest/busybox", "HostConfig": {"Privileged": True}}).encode()
NO_SUCH_NAME = "%7B%22name%22%3A%5B%22swt-no-such-container-batching%22%5D%7D"


def one_client(sock: str, n: int, failures: list) -> None:
    """One connection: a round of five exchanges, ROUNDS times; the last two
    of each round are sent in one write (pipelined)."""
    try:
        with RawConn(sock) as c:
            for r in range(ROUNDS):
                ping = c.request("GET", "/_ping")
                assert (ping.status, ping.body) == (200, b"OK"), ping
                denied = c.request("POST", f"{API}/containers/create", PRIVILEGED)
                assert denied.status == 403, denied
                assert "privileged" in denied.json()["message"], denied
                head = c.request("HEAD", "/_ping")
                assert (head.status, head.body) == (200, b""), head
                c.send(build_request("GET", f"{API}/version")
                       + build_request("GET", f"{API}/containers/json?all=1&filters={NO_SUCH_NAME}"))
                version, listed = c.read_response(), c.read_response()
                assert version.status == 200 and version.json()["ApiVersion"], version
                assert (listed.status, listed.json()) == (200, []), listed
    except Exception as exc:  # noqa: BLE001 - reported by the test
        failures.append(f"client {n}: {exc!r}")


@pytest.mark.parametrize("batching", ["io-uring", "plain", "off"])
def test_many_clients_at_once_each_get_their_own_answers(proxy_factory, batching):
    p = proxy_factory("ci.toml", extra=("--send-batching", batching))
    failures: list[str] = []
    threads = [threading.Thread(target=one_client, args=(p.sock, n, failures)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a client hung"
    assert failures == [], failures[:5]
    assert p.alive(), p.log_tail()
    log = open(p.log_path).read()
    if batching == "io-uring":
        if "io_uring is not available" in log:
            pytest.skip("io_uring is refused here: the loop sent one by one (covered by the plain case)")
        assert "sends of each batch of ready connections in one io_uring call" in log, log
        assert "did not complete a send at once" not in log, log
    else:
        assert "io_uring" not in log, log
    # Every exchange audited once: its request record and its result record.
    exchanges = CLIENTS * ROUNDS * 5

    def records(event):
        with open(p.audit) as f:
            return [r for r in map(json.loads, filter(str.strip, f)) if r.get("event") == event]

    wait_for(lambda: len(records("result")) >= exchanges, 20, what=f"{exchanges} result records")
    requests, results = records("request"), records("result")
    assert (len(requests), len(results)) == (exchanges, exchanges)
    assert sorted(r["status"] for r in results if r.get("decision") == "deny") == [403] * (CLIENTS * ROUNDS)
    assert {(r["conn"], r["req"]) for r in requests} == {(r["conn"], r["req"]) for r in results}


def test_an_unknown_batching_is_refused_with_the_choices(proxy_bin, short_tmp):
    import subprocess

    out = subprocess.run([proxy_bin, "serve", "--listen", f"{short_tmp}/x.sock", "--policy", "/dev/null",
                          "--send-batching", "sometimes"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "--send-batching must be io-uring, plain or off, got sometimes" in out.stderr
