"""What a job's import makes is the job's even when its answer is cut
(session 15, the `jobmarks` task, against dockerd 20.10.24).

dockerd 20.10 finishes an import it has all the tar of, whatever becomes
of the request: an import still at the daemon (a slow one; here one that
fetches a loopback URL held back by the test) when `job close` cut it
after its 5 s wait ends in an image with the job's owner label and seal
after the close. The job's socket never read the answer, so the
image's ID is not recorded; images are reaped by recorded ID only, so it was
left on the host for good. Each import and commit on a job socket now adds
a mark (`io.sockwarden.create=image-<hex>`, the `LABEL` change added last),
counted while it is unanswered; the close and its late reaps remove an image
with the job's label and seal that carries one.

An import's `import` event comes before its answer: the job's event stream
now passes it by the import's mark (it dropped it, as the ID was not
recorded yet). Every check of the daemon's state is made straight on the
daemon socket."""
import json
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from swhelpers import API, RawConn, http, tar_of, unique, wait_for
from test_jobs import POLICIES, Jobs

pytestmark = pytest.mark.proxy_only

OWNER = "io.sockwarden.job"


class HeldTar:
    """A loopback HTTP server with one tar, for an import `fromSrc=<URL>`:
    it answers the daemon's GET with its head at once and its body only once
    released, so the import is at the daemon, unanswered, for as long as
    the test wants; the daemon's fetch does not depend on the client's
    connection, so a cut request still ends in an image."""

    def __init__(self, files: dict):
        self.body = tar_of(files)
        self.asked = threading.Event()
        self.release = threading.Event()
        held = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                held.asked.set()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-tar")
                self.send_header("Content-Length", str(len(held.body)))
                self.end_headers()
                self.wfile.flush()
                held.release.wait(60)
                self.wfile.write(held.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/layer.tar"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def import_request(url: str, repo: str) -> bytes:
    return (f"POST {API}/images/create?fromSrc={q(url)}&repo={q(repo)}&tag=1 HTTP/1.1\r\n"
            "Host: docker\r\nContent-Length: 0\r\n\r\n").encode()


def q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def image_status(daemon: str, repo: str) -> int:
    return http(daemon, "GET", f"{API}/images/{q(repo)}:1/json").status


def labelled_images(daemon: str, job: str) -> list[str]:
    filters = q(json.dumps({"label": [f"{OWNER}={job}"]}))
    return [i["Id"] for i in json.loads(http(daemon, "GET", f"{API}/images/json?filters={filters}").body)]


def remote_policy(jobs: Jobs) -> str:
    """ci.toml with `remote-contexts = true`: the import fetches a URL (a loopback one here)."""
    with open(f"{POLICIES}/ci.toml") as f:
        text = f.read()
    assert "remote-contexts = false" in text
    path = f"{jobs.dir}/remote.toml"
    with open(path, "w") as f:
        f.write(text.replace("remote-contexts = false", "remote-contexts = true", 1))
    return path


def test_an_import_cut_by_job_close_is_reaped(proxy_bin, dockerd_sock, image, short_tmp):
    """Straight on the daemon, an import whose client hangs up while the
    daemon is still fetching its tar ends in its image all the same. Through
    job J's socket the same import, cut by `job close`, left an image with
    J's label and seal that no reap removed (fails on the old binary); now
    the close's late reaps remove it by the import's mark."""
    # Straight: the daemon finishes the cut import.
    straight = f"swtest/{unique('cut-straight')}"
    held = HeldTar({"f": b"x"})
    try:
        with RawConn(dockerd_sock, timeout=20) as c:
            c.send(import_request(held.url, straight))
            assert held.asked.wait(20), "the daemon did not fetch the import's URL"
        held.release.set()
        wait_for(lambda: image_status(dockerd_sock, straight) == 200, 20, what="the cut import's image, straight")
    finally:
        held.close()
        http(dockerd_sock, "DELETE", f"{API}/images/{q(straight)}:1?force=1")

    d = tempfile.mkdtemp(dir=short_tmp)
    jobs = Jobs(proxy_bin, dockerd_sock, d, ("--reap-after-close", "1,2,4,8,16")).start()
    job, repo = unique("jm"), f"swtest/{unique('cut-import')}"
    held = HeldTar({"g": b"y"})
    try:
        sock = jobs.open(job, "--policy", remote_policy(jobs))
        c = RawConn(sock, timeout=30)
        try:
            c.send(import_request(held.url, repo))
            assert held.asked.wait(20), "the daemon did not fetch the job's import's URL"
            # The close waits for the import (5 s), then cuts it; the daemon fetches on.
            jobs.job("close", "--id", job)
        finally:
            c.close()
        held.release.set()
        # The daemon finishes the import after the close cut it: an image with J's label and seal.
        seen: list[str] = []

        def made() -> bool:
            seen.extend(labelled_images(dockerd_sock, job))
            return image_status(dockerd_sock, repo) == 200 or bool(seen)
        wait_for(made, 20, what="the cut import's image")
        # A late reap removes it; the old binary left it.
        wait_for(lambda: image_status(dockerd_sock, repo) == 404 and not labelled_images(dockerd_sock, job), 25,
                 what="the reap of the image of the import the close cut")
        wait_for(lambda: any(r.get("rule") == "job-reap" and r["target"].startswith("/images/") for r in jobs.audit()), 5,
                 what="the image's job-reap record")
    finally:
        held.close()
        jobs.proxy.stop()
        http(dockerd_sock, "DELETE", f"{API}/images/{q(repo)}:1?force=1")
        for ident in labelled_images(dockerd_sock, job):
            http(dockerd_sock, "DELETE", f"{API}/images/{ident}?force=1")


def test_an_imports_event_is_on_the_jobs_stream(proxy_bin, dockerd_sock, image, short_tmp):
    """dockerd sends an import's `import` event before its answer. J's event
    stream passed an image's events by the recorded ID only, so it dropped
    the import's own event (fails on the old binary); now it passes it by the
    import's mark, which it leaves out. The daemon's stream shows the mark."""
    d = tempfile.mkdtemp(dir=short_tmp)
    jobs = Jobs(proxy_bin, dockerd_sock, d).start()
    job, repo = unique("je"), f"swtest/{unique('ev-import')}"
    try:
        sock = jobs.open(job)
        since = int(time.time()) - 1
        straight = RawConn(dockerd_sock, timeout=30)
        stream = RawConn(sock, timeout=30)
        try:
            for c in (straight, stream):
                c.send(f"GET {API}/events?since={since}&filters={urllib.parse.quote(json.dumps({'type': ['image']}))} HTTP/1.1\r\nHost: docker\r\n\r\n".encode())
                assert c.read_head().status == 200
            r = http(sock, "POST", f"{API}/images/create?fromSrc=-&repo={urllib.parse.quote(repo, safe='')}&tag=1",
                     tar_of({"f": b"x"}), {"Content-Type": "application/x-tar"})
            assert r.status == 200 and b"error" not in r.body, r.body
            image_id = [json.loads(line)["status"] for line in r.body.splitlines() if line.strip()][-1]
            assert image_id.startswith("sha256:")

            def events(c: RawConn, until_id: str) -> list[dict]:
                out, buf = [], b""
                while True:
                    buf += c.read_until(b"\n")
                    for line in buf.split(b"\n"):
                        line = line.strip()
                        # chunk sizes and empty lines between messages
                        if line.startswith(b"{"):
                            out.append(json.loads(line))
                    buf = b""
                    if any(e.get("Action") == "import" and e["Actor"]["ID"] == until_id for e in out):
                        return out

            seen_straight = events(straight, image_id)
            straight_import = next(e for e in seen_straight if e.get("Action") == "import" and e["Actor"]["ID"] == image_id)
            stream.settimeout(10)
            try:
                seen = events(stream, image_id)
            except OSError:
                seen = []
            mine = [e for e in seen if e.get("Action") == "import" and e["Actor"]["ID"] == image_id]
            assert mine, "the job's stream dropped its own import's event"
            assert "io.sockwarden.create" not in mine[0]["Actor"]["Attributes"], mine[0]
            # Straight on the daemon the event shows the import's mark, which the job's stream leaves out.
            assert straight_import["Actor"]["Attributes"]["io.sockwarden.create"].startswith("image-"), straight_import
        finally:
            straight.close()
            stream.close()
    finally:
        jobs.job("close", "--id", job, check=False)
        jobs.proxy.stop()
        http(dockerd_sock, "DELETE", f"{API}/images/{urllib.parse.quote(repo, safe='')}:1?force=1")
