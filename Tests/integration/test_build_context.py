"""Classic builds: sockwarden reads the Dockerfile in the build context (the
tar the client uploads) before anything is forwarded, and judges what it
asks the daemon for: the images it names (`FROM`, `COPY --from`) against
the policy's `images` and, on a job socket, the job's view; every `ADD`
URL as a download the daemon makes from the host's network. Differential
where it matters: the same request straight to the daemon shows what a
Dockerfile would have made it do.

The only HTTP server here listens on 127.0.0.1 (a host service the daemon
can reach and a build container with `--network none` cannot)."""
from __future__ import annotations

import gzip
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import io
import json
import os
import socket
import subprocess
import tarfile
import tempfile
import threading
import urllib.parse

import pytest

from swhelpers import API, IMAGE, DockerCLI, Proxy, http, unique

POLICIES = os.path.join(os.path.dirname(__file__), "..", "..", "policies")


def context(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def build(sock: str, files: dict[str, bytes] | bytes, query: str = "", headers: dict | None = None):
    body = files if isinstance(files, bytes) else context(files)
    return http(sock, "POST", f"{API}/build?networkmode=none&rm=1{query}", body,
                {"Content-Type": "application/x-tar", **(headers or {})}, timeout=120)


def message(r) -> str:
    try:
        return json.loads(r.body)["message"]
    except (ValueError, KeyError):
        return r.body.decode(errors="replace")


@pytest.fixture(scope="module")
def ci_sock(proxy_bin, dockerd_sock, image, short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, os.path.join(POLICIES, "ci.toml"),
              os.path.join(d, "audit.jsonl"), d, ("--max-build-context", str(2 << 20)))
    p.start()
    yield p
    p.stop()


class Secret(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        Secret.hits.append(self.path)
        body = b"host-only-secret\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def loopback_service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Secret)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def fetched_directly_refused_through(proxy_sock: str, dockerd_sock: str, body, url: str, query: str = "") -> str:
    """The differential every download test makes: straight to the daemon the
    build succeeds and fetches `url` (else the request proves nothing);
    through the proxy it is refused (403, naming `url`) and nothing is
    fetched. Returns the proxy's message."""
    Secret.hits.clear()
    direct = build(dockerd_sock, body, query)
    assert direct.status == 200 and b"Successfully built" in direct.body, direct.body[-400:]
    assert urllib.parse.urlparse(url).path in Secret.hits, f"the daemon did not fetch {url}: this request proves nothing"
    Secret.hits.clear()
    proxied = build(proxy_sock, body, query)
    text = message(proxied)
    assert proxied.status == 403 and url in text, (proxied.status, text)
    assert not Secret.hits, Secret.hits
    return text


def test_an_ordinary_build_passes_and_the_daemon_gets_the_context(ci_sock, dockerd_sock, cleanup):
    tag = cleanup.image(f"swtest/bc-ok:{unique('t')}")
    r = build(ci_sock.sock, {"Dockerfile": f"FROM {IMAGE}\nCOPY hello.txt /hello.txt\n".encode(),
                             "hello.txt": b"from the context\n"}, f"&t={tag}")
    assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-500:]
    record = [x for x in ci_sock.audit_records() if x.get("route") == "build.image" and x.get("event") == "request"][-1]
    assert record["decision"] == "allow", record
    assert any(f["value"] == IMAGE for f in record["facts"]["image"]), record["facts"]


def test_add_from_a_url_is_refused_where_the_daemon_would_fetch_it(ci_sock, dockerd_sock, loopback_service, cleanup):
    """Differential: straight to the daemon, `ADD http://127.0.0.1:…` makes
    dockerd fetch a host-only service and put it in the image; through
    ci.toml (remote-contexts = false) the build is refused before the
    daemon sees it, naming the line."""
    url = f"{loopback_service}/{unique('secret')}"
    files = {"Dockerfile": f"FROM {IMAGE}\nADD {url} /secret.txt\n".encode()}
    text = fetched_directly_refused_through(ci_sock.sock, dockerd_sock, files, url)
    assert "line 2" in text and "ADD" in text and "remote-contexts" in text, text


@pytest.mark.parametrize("dockerfile", [
    "FROM {image}\nONBUILD ADD {url} /x\n",
    "FROM {image}\nADD [\"{url}\", \"/x\"]\n",
    "FROM {image}\nADD --chown=1:1 {url} /x\n",
    "# escape=`\nFROM {image}\nADD `\n  {url} /x\n",
], ids=["onbuild", "json-form", "flag", "escape-directive-continuation"])
def test_add_urls_in_every_spelling_are_refused(ci_sock, dockerd_sock, loopback_service, dockerfile):
    url = f"{loopback_service}/{unique('s')}"
    r = build(ci_sock.sock, {"Dockerfile": dockerfile.format(image=IMAGE, url=url).encode()})
    assert r.status == 403 and url in message(r), (r.status, message(r))
    assert not Secret.hits


@pytest.mark.parametrize("mark", ["\ufe0f", "\u034f", "\U000e0100", "\u180b"],
                         ids=["variation-selector", "grapheme-joiner", "variation-selector-supplement", "mongolian-fvs"])
def test_an_add_url_whose_host_starts_with_a_character_idna_drops_is_refused(ci_sock, dockerd_sock, loopback_service, mark):
    """Differential: dockerd takes any source starting with the bytes
    `http://` for a URL, and Go's HTTP client maps the host through IDNA,
    which drops a variation selector, a combining grapheme joiner or a
    Mongolian free variation selector: `http://<U+FE0F>127.0.0.1:…` is
    fetched from 127.0.0.1. Such a mark joins the `/` before it into one
    grapheme, so a prefix test by characters (not bytes) missed the URL and
    the old binary forwarded the build (the daemon fetched the host-only
    service). Through the proxy it is refused."""
    url = loopback_service.replace("http://", "http://" + mark) + "/" + unique("idna")
    files = {"Dockerfile": f"FROM {IMAGE}\nADD {url} /secret.txt\n".encode()}
    text = fetched_directly_refused_through(ci_sock.sock, dockerd_sock, files, url)
    assert "line 2" in text and "remote-contexts" in text, text


def tar_entries(entries: list[tuple[str, bytes]], fmt=tarfile.USTAR_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


DEEP = "d/" + "x" * 120 + "/Build.file"
CONTEXT_VARIANTS = [
    # (id, entries with EVIL/HARMLESS placeholders, dockerfile parameter, tar format)
    ("other-path", [("Dockerfile", "HARMLESS"), ("sub/Build.file", "EVIL")], "sub/Build.file", tarfile.USTAR_FORMAT),
    ("lower-case-fallback", [("dockerfile", "EVIL")], None, tarfile.USTAR_FORMAT),
    ("later-entry-wins", [("Dockerfile", "HARMLESS"), ("Dockerfile", "EVIL")], None, tarfile.USTAR_FORMAT),
    ("dot-slash-name", [("./Dockerfile", "EVIL")], None, tarfile.USTAR_FORMAT),
    ("absolute-parameter", [("Dockerfile", "HARMLESS"), ("sub/Build.file", "EVIL")], "/sub/Build.file", tarfile.USTAR_FORMAT),
    ("gnu-long-name", [("Dockerfile", "HARMLESS"), (DEEP, "EVIL")], DEEP, tarfile.GNU_FORMAT),
    ("pax-path", [("Dockerfile", "HARMLESS"), (DEEP, "EVIL")], DEEP, tarfile.PAX_FORMAT),
]


@pytest.mark.parametrize("variant", CONTEXT_VARIANTS, ids=[v[0] for v in CONTEXT_VARIANTS])
def test_the_dockerfile_the_daemon_reads_is_the_one_judged(ci_sock, dockerd_sock, loopback_service, variant):
    """Differential: straight to the daemon, each context makes it read the
    EVIL Dockerfile (it fetches that Dockerfile's ADD URL from the loopback
    service); through ci.toml that Dockerfile is the one judged, and
    refused."""
    _, entries, parameter, fmt = variant
    url = f"{loopback_service}/{unique('s')}"
    texts = {"HARMLESS": f"FROM {IMAGE}\n".encode(), "EVIL": f"FROM {IMAGE}\nADD {url} /x\n".encode()}
    body = tar_entries([(name, texts[which]) for name, which in entries], fmt)
    query = "&dockerfile=" + urllib.parse.quote(parameter) if parameter else ""
    fetched_directly_refused_through(ci_sock.sock, dockerd_sock, body, url, query)


def test_a_hard_link_to_a_symlink_cannot_swap_the_dockerfile(ci_sock, dockerd_sock, loopback_service):
    """Differential (found 2026-12-02 by a red-team helper): Untar makes a
    hard link to a symlink a second symlink (linkat without following), so
    `h/Dockerfile` is written over the root `Dockerfile` sockwarden read.
    Straight to the daemon the build fetches the EVIL Dockerfile's URL;
    through ci.toml the hard link is refused before anything is forwarded."""
    url = f"{loopback_service}/{unique('s')}"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, kind, link in (("s", tarfile.SYMTYPE, "."), ("h", tarfile.LNKTYPE, "s")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, link
            tar.addfile(info)
        for name, data in (("Dockerfile", f"FROM {IMAGE}\n"), ("h/Dockerfile", f"FROM {IMAGE}\nADD {url} /x\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data.encode()))
    body = buf.getvalue()
    Secret.hits.clear()
    direct = build(dockerd_sock, body)
    assert direct.status == 200 and b"Successfully built" in direct.body, direct.body[-400:]
    assert urllib.parse.urlparse(url).path in Secret.hits, "the daemon did not read h/Dockerfile: this request proves nothing"
    Secret.hits.clear()
    proxied = build(ci_sock.sock, body)
    assert proxied.status == 403 and "hard link (h) to s" in message(proxied), (proxied.status, proxied.body[:400])
    assert not Secret.hits, Secret.hits


def test_a_gzip_context_is_read_inflated(ci_sock, dockerd_sock, loopback_service, cleanup):
    """`docker build --compress` and Testcontainers for Java send the context
    gzip-compressed: inflated as Go inflates it, its Dockerfile is judged
    like an uncompressed one's (differential for the refused one)."""
    tag = cleanup.image(f"swtest/bc-gzip:{unique('t')}")
    ok = gzip.compress(context({"Dockerfile": f"FROM {IMAGE}\nCOPY a /a\n".encode(), "a": b"gz\n"}))
    r = build(ci_sock.sock, ok, f"&t={tag}")
    assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-400:]
    url = f"{loopback_service}/{unique('gz')}"
    evil = gzip.compress(context({"Dockerfile": f"FROM {IMAGE}\nADD {url} /x\n".encode()}))
    fetched_directly_refused_through(ci_sock.sock, dockerd_sock, evil, url)


def gzip_member(data: bytes, flags: int, fields: bytes = b"") -> bytes:
    """One gzip member with the header flags and fields given (FEXTRA,
    FNAME, FCOMMENT as written)."""
    import struct
    import zlib
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = deflate.compress(data) + deflate.flush()
    return (bytes([0x1F, 0x8B, 8, flags, 0, 0, 0, 0, 0, 3]) + fields + raw
            + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF))


def test_gzip_headers_are_read_as_dockerd_reads_them(ci_sock, dockerd_sock, loopback_service, cleanup):
    """Go's gzip reader ignores the reserved flag bits, and refuses a file
    name or comment with no zero byte in its first 512 (its header buffer):
    the first is read and its Dockerfile judged, the second refused before
    the daemon answers "gzip: invalid header" (differential both ways)."""
    url = f"{loopback_service}/{unique('gzflags')}"
    evil = context({"Dockerfile": f"FROM {IMAGE}\nADD {url} /x\n".encode()})
    fetched_directly_refused_through(ci_sock.sock, dockerd_sock, gzip_member(evil, 0xE0), url)
    tag = cleanup.image(f"swtest/bc-gzflags:{unique('t')}")
    ok = context({"Dockerfile": f"FROM {IMAGE}\n".encode()})
    r = build(ci_sock.sock, gzip_member(ok, 0x20), f"&t={tag}")
    assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-400:]
    for flags, fields in ((0x08, b"n" * 512 + b"\0"), (0x18, b"n" * 10 + b"\0" + b"c" * 600 + b"\0")):
        body = gzip_member(ok, flags, fields)
        direct = build(dockerd_sock, body)
        assert direct.status == 500 and "gzip: invalid header" in message(direct), (direct.status, message(direct))
        proxied = build(ci_sock.sock, body)
        assert proxied.status == 403 and "gzip" in message(proxied), (proxied.status, message(proxied))
    short = gzip_member(ok, 0x18, b"n" * 511 + b"\0" + b"c" * 511 + b"\0")
    assert build(dockerd_sock, short).status == 200
    r = build(ci_sock.sock, short)
    assert r.status == 200 and b"Successfully built" in r.body, r.body[-400:]


def test_contexts_sockwarden_cannot_read_are_refused_with_what_to_do(ci_sock):
    import bz2
    dockerfile = f"FROM {IMAGE}\n".encode()
    r = build(ci_sock.sock, bz2.compress(context({"Dockerfile": dockerfile})))
    assert r.status == 403 and "compress" in message(r), message(r)
    broken = bytearray(gzip.compress(context({"Dockerfile": dockerfile})))
    broken[len(broken) // 2] ^= 0xFF
    r = build(ci_sock.sock, bytes(broken))
    assert r.status == 403 and "gzip" in message(r), message(r)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.type, info.linkname = tarfile.SYMTYPE, "real"
        tar.addfile(info)
        info = tarfile.TarInfo("real")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    r = build(ci_sock.sock, buf.getvalue())
    assert r.status == 403 and "link" in message(r), message(r)
    r = build(ci_sock.sock, {"README": b"no dockerfile here\n"})
    assert r.status == 403 and "Cannot locate specified Dockerfile" in message(r), message(r)


def test_a_context_past_the_limit_gets_413_and_nothing_is_forwarded(ci_sock, dockerd_sock):
    """A Content-Length past --max-build-context is answered at once (the
    body is not read); a chunked one once the limit is passed."""
    tag = f"swtest/bc-big:{unique('t')}"
    body = context({"Dockerfile": f"FROM {IMAGE}\n".encode(), "big.bin": os.urandom(3 << 20)})
    for framing in ("length", "chunked"):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(60)
        s.connect(ci_sock.sock)
        try:
            head = (f"POST {API}/build?t={tag}&networkmode=none HTTP/1.1\r\nHost: d\r\n"
                    "Content-Type: application/x-tar\r\n")
            head += f"Content-Length: {len(body)}\r\n\r\n" if framing == "length" else "Transfer-Encoding: chunked\r\n\r\n"
            s.sendall(head.encode())
            if framing == "chunked":
                try:
                    for i in range(0, len(body), 65536):
                        piece = body[i:i + 65536]
                        s.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                except OSError:
                    pass  # answered and closed past the limit
            answer = b""
            try:
                while chunk := s.recv(65536):
                    answer += chunk
            except ConnectionResetError:
                pass  # the proxy closed with the rest of the body unread, after its answer
        finally:
            s.close()
        assert answer.startswith(b"HTTP/1.1 413 ") and b"--max-build-context" in answer, (framing, answer[:300])
    assert http(dockerd_sock, "GET", f"{API}/images/{tag}/json").status == 404


def test_a_chunked_context_with_expect_is_spooled_and_forwarded(ci_sock, cleanup):
    """The context arrives chunked after a 100 Continue; the daemon gets
    the same bytes with a plain length."""
    tag = cleanup.image(f"swtest/bc-chunked:{unique('t')}")
    body = context({"Dockerfile": f"FROM {IMAGE}\nCOPY a /a\n".encode(), "a": b"chunked\n"})
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    s.connect(ci_sock.sock)
    try:
        s.sendall((f"POST {API}/build?t={tag}&networkmode=none HTTP/1.1\r\nHost: d\r\nConnection: close\r\n"
                   "Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n").encode())
        interim = s.recv(64)
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        for i in range(0, len(body), 3000):
            piece = body[i:i + 3000]
            s.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    finally:
        s.close()
    assert answer.startswith(b"HTTP/1.1 200 ") and b"Successfully tagged" in answer, answer[-400:]


def test_the_docker_cli_builds_with_a_dockerfile_from_stdin(ci_sock, cli_newest, docker_config, cleanup, tmp_path):
    """`docker build -f - .`: the CLI adds the Dockerfile to the context
    under a random name and names it in `dockerfile`."""
    (tmp_path / "a.txt").write_text("A\n")
    tag = cleanup.image(f"swtest/bc-stdin:{unique('t')}")
    cli = DockerCLI(cli_newest.binary, ci_sock.sock, docker_config)
    out = cli("build", "--network", "none", "-t", tag, "-f", "-", str(tmp_path),
              input=f"FROM {IMAGE}\nCOPY a.txt /a.txt\n")
    assert out.returncode == 0, out.stderr


def load_image(dockerd_sock: str, tag: str, config: dict, container_config: dict, created_by: str):
    """`docker load` straight on the daemon, as an image pulled from a
    registry comes: no layers, one history entry, the configs given."""
    import hashlib
    blob = json.dumps({"architecture": "amd64", "os": "linux", "config": config,
                       "container_config": container_config, "created": "2030-01-01T00:00:00Z",
                       "history": [{"created": "2030-01-01T00:00:00Z", "created_by": created_by, "empty_layer": True}],
                       "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    name = hashlib.sha256(blob).hexdigest() + ".json"
    manifest = json.dumps([{"Config": name, "RepoTags": [tag], "Layers": []}]).encode()
    r = http(dockerd_sock, "POST", f"{API}/images/load?quiet=1", context({name: blob, "manifest.json": manifest}),
             {"Content-Type": "application/x-tar"})
    assert r.status == 200 and b"Loaded image" in r.body, r.body


@pytest.mark.parametrize("via", ["cachefrom", "the local cache"])
def test_a_cached_stage_image_brings_no_unread_triggers(ci_sock, dockerd_sock, loopback_service, cleanup, via):
    """A FROM of a stage built before takes that stage's image, whose ONBUILD
    triggers run there; with the build cache on, the image can be one loaded
    or pulled with triggers nobody read (matched by parent and container
    config, or by history from `cachefrom`). Straight to the daemon the
    cached image's trigger downloads from a loopback-only URL; through
    sockwarden the build is forwarded with `nocache=1` and nothing is
    fetched (found by review on 2026-11-30; the residual SECURITY.md listed)."""
    label = unique("bait")
    url = f"{loopback_service}/{label}"
    tag = cleanup.image(f"swtest/bc-bait:{label}")
    step = f"LABEL bait={label}"
    load_image(dockerd_sock, tag, {"OnBuild": [f"ADD {url} /x"], "Labels": {"bait": label}},
               {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                "Cmd": ["/bin/sh", "-c", "#(nop) ", step], "Labels": {"bait": label}},
               f"/bin/sh -c #(nop)  {step}")
    query = "&cachefrom=" + urllib.parse.quote(json.dumps([tag])) if via == "cachefrom" else ""
    files = {"Dockerfile": f"FROM scratch AS s\n{step}\nFROM s\n".encode()}
    Secret.hits.clear()
    direct = build(dockerd_sock, files, query)
    assert direct.status == 200 and b"Using cache" in direct.body, direct.body[-400:]
    assert f"/{label}" in Secret.hits, "the cached image's trigger did not download: this request proves nothing"
    Secret.hits.clear()
    proxied = build(ci_sock.sock, files, query)
    assert proxied.status == 200 and b"Successfully built" in proxied.body, proxied.body[-400:]
    assert b"Using cache" not in proxied.body and b"build trigger" not in proxied.body, proxied.body[-600:]
    assert not Secret.hits, Secret.hits


def test_a_base_images_onbuild_download_is_judged(ci_sock, dockerd_sock, loopback_service, cleanup):
    """A base image can carry `ONBUILD ADD <url>` in its config (made here
    straight on the daemon); the daemon runs it at `FROM` as if it were in
    the Dockerfile. Differential: straight to the daemon the child build
    fetches; through ci.toml it is refused, naming the base image."""
    url = f"{loopback_service}/{unique('onbuild')}"
    base = cleanup.image(f"swtest/bc-onbuild:{unique('t')}")
    r = build(dockerd_sock, {"Dockerfile": f"FROM {IMAGE}\nONBUILD ADD {url} /x\n".encode()}, f"&t={base}")
    assert r.status == 200 and b"Successfully tagged" in r.body, r.body[-400:]
    child = {"Dockerfile": f"FROM {base}\n".encode()}
    text = fetched_directly_refused_through(ci_sock.sock, dockerd_sock, child, url)
    assert "ONBUILD" in text, text
    # `explain --upstream` reads the base image's triggers as serve does (it said "allow" before session 20).
    with tempfile.NamedTemporaryFile("wb", suffix=".Dockerfile") as f:
        f.write(child["Dockerfile"])
        f.flush()
        out = subprocess.run([ci_sock.binary, "explain", "--policy", os.path.join(POLICIES, "ci.toml"), "POST",
                              "/v1.41/build?networkmode=none", "--dockerfile", f.name, "--upstream", dockerd_sock],
                             capture_output=True, text=True, timeout=60)
    assert out.returncode == 3 and "decision:  deny" in out.stdout and url in out.stdout, (out.stdout, out.stderr)


def trigger_image(dockerd_sock: str, cleanup, triggers: list[str]) -> str:
    """An image whose config carries `triggers` as its OnBuild, committed
    straight on the daemon (a commit body's OnBuild is stored as given)."""
    name = cleanup.container(unique("trig"))
    r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}",
             json.dumps({"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}).encode(),
             {"Content-Type": "application/json"})
    assert r.status == 201, r.body
    repo = f"swtest/bc-trig-{unique('r')}"
    cleanup.image(f"{repo}:1")
    r = http(dockerd_sock, "POST", f"{API}/commit?container={name}&repo={repo}&tag=1",
             json.dumps({"OnBuild": triggers}).encode(), {"Content-Type": "application/json"})
    assert r.status == 201, r.body
    return f"{repo}:1"


@pytest.mark.parametrize("triggers,escape", [
    (["RUN true \\", "ADD {url} /x"], ""),
    (["ADD `{url} /x"], "# escape=`\n"),
], ids=["trailing-escape-before-the-next-trigger", "expanded-with-the-childs-escape"])
def test_base_image_triggers_are_read_as_the_daemon_runs_them(ci_sock, dockerd_sock, loopback_service, cleanup, triggers, escape):
    """A review got past the first reading of base images' triggers: read
    joined, a trigger ending in `\\` swallowed the next; read with `\\`, a
    trigger's words escape with the Dockerfile's own escape token. Each is
    shown on the daemon first (it fetches), then refused through ci.toml."""
    url = f"{loopback_service}/{unique('trig')}"
    base = trigger_image(dockerd_sock, cleanup, [t.format(url=url) for t in triggers])
    child = {"Dockerfile": f"{escape}FROM {base}\n".encode()}
    fetched_directly_refused_through(ci_sock.sock, dockerd_sock, child, url)


def test_a_commit_or_import_cannot_store_a_download_trigger(ci_sock, dockerd_sock, cleanup):
    """Triggers stored by a commit body's OnBuild or by `changes` run in
    later builds; what they would download is judged when they are made."""
    name = cleanup.container(unique("trigc"))
    assert http(ci_sock.sock, "POST", f"{API}/containers/create?name={name}",
                json.dumps({"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}).encode(),
                {"Content-Type": "application/json"}).status == 201
    repo = f"swtest/bc-stored-{unique('r')}"
    attempts = [
        http(ci_sock.sock, "POST", f"{API}/commit?container={name}&repo={repo}&tag=1",
             json.dumps({"OnBuild": ["RUN true \\", "ADD http://127.0.0.1:9/x /x"]}).encode(), {"Content-Type": "application/json"}),
        http(ci_sock.sock, "POST", f"{API}/commit?container={name}&repo={repo}&tag=2&changes="
             + urllib.parse.quote("ONBUILD ADD http://127.0.0.1:9/x /x"), b""),
        http(ci_sock.sock, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag=3&changes="
             + urllib.parse.quote("ONBUILD ADD http://127.0.0.1:9/x /x"), context({"f": b"x"}), {"Content-Type": "application/x-tar"}),
    ]
    escaped = "&".join("changes=" + urllib.parse.quote(c) for c in
                       ["# escape=`", "CMD echo \\", "ONBUILD ADD http://127.0.0.1:9/x /x"])
    attempts += [
        # An escape directive at the top of the changes is a directive to dockerd.
        http(ci_sock.sock, "POST", f"{API}/commit?container={name}&repo={repo}&tag=5&{escaped}", b""),
        http(ci_sock.sock, "POST", f"{API}/images/create?fromSrc=-&repo={repo}&tag=6&{escaped}",
             context({"f": b"x"}), {"Content-Type": "application/x-tar"}),
        # A container's OnBuild is committed with it by a commit without a body.
        http(ci_sock.sock, "POST", f"{API}/containers/create?name={name}-ob",
             json.dumps({"Image": IMAGE, "Cmd": ["true"], "OnBuild": ["ADD http://127.0.0.1:9/x /x"],
                         "HostConfig": {"NetworkMode": "none"}}).encode(), {"Content-Type": "application/json"}),
    ]
    cleanup.container(f"{name}-ob")
    assert http(dockerd_sock, "GET", f"{API}/containers/{name}-ob/json").status == 404
    for tag, r in zip((1, 2, 3, 5, 6, 7), attempts):
        assert r.status == 403 and "http://127.0.0.1:9/x" in message(r), (tag, r.status, message(r))
        assert http(dockerd_sock, "GET", f"{API}/images/{repo}:{tag}/json").status == 404
    ok = http(ci_sock.sock, "POST", f"{API}/commit?container={name}&repo={repo}&tag=4&changes="
              + urllib.parse.quote("ONBUILD RUN echo hi"), b"")
    assert ok.status == 201, ok.body
    cleanup.image(f"{repo}:4")
