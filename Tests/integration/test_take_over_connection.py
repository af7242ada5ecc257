"""A request that may take the connection over goes to the daemon on a
connection of its own.

After a `101` (attach, exec start, any `Upgrade`), the proxy relays the
client's bytes raw: what the daemon then reads is no longer judged. So the
`101` must be the daemon's answer to that request. On a daemon connection
that earlier answers went over, an answer the proxy framed shorter than the
daemon sent it would leave daemon bytes waiting (container logs, say, which
a job writes), and the proxy would read them as the take-over's `101`. No
such mis-framing is known; this is defence in depth. The fake daemon here
sends one on purpose: a logs answer with a forged `101` behind its body.
The event loop already dropped a daemon connection with bytes left over;
the connection threads (which serve a connection once the loop hands it
over, as it does for any request it must look something up for) did not:
they answered the attach with the forged `101`. Now a take-over request goes
on a new daemon connection and the client gets the daemon's own answer."""
import json
import os
import tempfile

import pytest

from swhelpers import API, POLICIES, FakeUnixDaemon, Proxy, RawConn

pytestmark = pytest.mark.proxy_only

FORGED = b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"


class MisframingDaemon(FakeUnixDaemon):
    """Answers container x's inspect (for the policy's look-up), its logs with
    a forged `101` behind the body, and its attach (or a wait sent with an
    Upgrade header) with a 404; records which of its connections each came on."""

    def __init__(self, directory: str):
        self.seen: list[tuple[str, int]] = []
        super().__init__(os.path.join(directory, "misframe.sock"))

    def serve(self, conn, number):
        buffered = b""
        while (request := self.read_request(conn, buffered)) is not None:
            head, _, buffered = request
            target = head.split(b" ", 2)[1]
            if target.endswith(b"/containers/x/json") or target.endswith(f"/containers/{'ab' * 32}/json".encode()):
                self.answer_plain_inspect(conn, "x", "ab" * 32)
                return
            if self.answer_daemon_facts(conn, target):
                return
            if b"/logs" in target:
                self.seen.append(("logs", number))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + FORGED)
            elif b"/attach" in target or b"/wait" in target:
                self.seen.append(("attach", number))
                body = b'{"message":"attach refused by the fake daemon"}'
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                             + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.parametrize("how", ["attach route", "Upgrade header"])
def test_a_take_over_request_is_answered_by_the_daemon_on_a_connection_of_its_own(proxy_bin, short_tmp, how):
    d = tempfile.mkdtemp(dir=short_tmp)
    daemon = MisframingDaemon(d)
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), daemon.path, str(POLICIES / "ci.toml"),
              os.path.join(d, "audit.jsonl"), d).start()
    try:
        with RawConn(p.sock, 10) as c:
            # A copy's stat is looked up on the daemon: the event loop hands the
            # connection to threads, which serve what follows on it.
            stat = c.request("HEAD", f"{API}/containers/x/archive?path=%2F")
            assert stat.status == 404, stat
            logs = c.request("GET", f"{API}/containers/x/logs?stdout=1")
            assert logs.status == 200 and logs.body == b"ok", logs
            headers = {"Connection": "Upgrade", "Upgrade": "tcp"}
            target = f"{API}/containers/x/attach?stream=1&stdout=1" if how == "attach route" else f"{API}/containers/x/wait"
            answer = c.request("POST", target, b"", headers)
        # The daemon's own answer, not the forged 101 left behind the logs.
        assert answer.status == 404 and b"attach refused by the fake daemon" in answer.body, answer
        kinds = dict(daemon.seen)
        assert {"logs", "attach"} <= set(kinds), daemon.seen
        assert kinds["attach"] != kinds["logs"], daemon.seen
    finally:
        p.stop()
        daemon.close()
