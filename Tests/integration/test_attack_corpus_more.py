"""More of the generated attack corpus for policies/ci.toml, beyond container
create's HostConfig: exec, volumes, networks, builds, host-path spellings and
symlinks. Each request goes through `sockwarden serve --policy ci.toml` on
three spellings of its path (versioned, unversioned, percent-encoded), and is
judged by the daemon's state afterwards, never by the proxy's answer.

Every attack here is chosen so that, even if it got through, it could not
touch the machine's real network (macvlan parents that do not exist, builds
that only tag an image)."""
import io
import json
import os
import tarfile
import tempfile

import pytest

from swhelpers import API, IMAGE, RawConn, build_request, container_exists, demux, force_remove, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


def spellings(path: str) -> list[tuple[str, str]]:
    """The route written three ways the daemon routes alike."""
    encoded = path.replace("/create", "%2Fcreate").replace("/exec", "%2Fexec") if "/" in path[1:] else path
    return [("versioned", f"{API}{path}"), ("unversioned", path), ("percent-encoded", f"{API}{encoded}")]


def key_variants(key: str) -> list[tuple[str, str]]:
    out = [("exact", key), ("lower-case", key.lower()), ("upper-case", key.upper()),
           ("escaped", "\\u%04x%s" % (ord(key[0]), key[1:]))]
    folded = key.replace("k", "\u212a").replace("K", "\u212a").replace("s", "\u017f").replace("S", "\u017f")
    if folded != key:
        out.append(("Unicode-folded", folded))
    return out


# --- exec: privileged ---------------------------------------------------------

def exec_bodies() -> list[tuple[str, str]]:
    out = []
    for label, k in key_variants("Privileged"):
        out.append((f"{label} key", '{"Cmd":["true"],"%s":true}' % k))
    out += [
        ("false then true", '{"Cmd":["true"],"Privileged":false,"Privileged":true}'),
        ("false then lower-case true", '{"Cmd":["true"],"Privileged":false,"privileged":true}'),
        ("trailing value", '{"Cmd":["true"],"Privileged":true} {"Privileged":false}'),
        ("with whitespace and BOM-free padding", '  {"Cmd":["true"] ,\n"Privileged" : true }  '),
    ]
    return out


EXEC_CORPUS = [(f"exec {b[0]} via {s[0]}", b[1], s[0]) for b in exec_bodies() for s in spellings("/containers/ID/exec")]


@pytest.fixture(scope="module")
def sleeper(dockerd_sock, image):
    name = unique("sleeper")
    body = json.dumps({"Image": IMG, "Cmd": ["sleep", "600"], "HostConfig": {"NetworkMode": "none"}}).encode()
    assert http(dockerd_sock, "POST", f"{API}/containers/create?name={name}", body).status == 201
    assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start", b"").status == 204
    yield name
    force_remove(dockerd_sock, name)


@pytest.mark.parametrize("label,body,spelling", EXEC_CORPUS, ids=[c[0] for c in EXEC_CORPUS])
def test_privileged_exec_never_created(ci_sock, dockerd_sock, sleeper, label, body, spelling):
    target = dict(spellings(f"/containers/{sleeper}/exec"))[spelling]
    r = http(ci_sock, "POST", target, body.encode(), {"Content-Type": "application/json"})
    assert r.status in (400, 403), f"{label}: {r.status} {r.body[:300]!r}"
    info = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{sleeper}/json").body)
    assert not info["ExecIDs"], f"{label}: the daemon created exec {info['ExecIDs']}"


def test_privileged_exec_is_a_real_attack_on_the_daemon(dockerd_sock, image):
    """Sent straight to the daemon, the lower-case and duplicate forms do create a privileged exec."""
    name = unique("direxec")
    body = json.dumps({"Image": IMG, "Cmd": ["sleep", "600"], "HostConfig": {"NetworkMode": "none"}}).encode()
    try:
        assert http(dockerd_sock, "POST", f"{API}/containers/create?name={name}", body).status == 201
        assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start", b"").status == 204
        for attack in ('{"Cmd":["true"],"privileged":true}', '{"Cmd":["true"],"Privileged":false,"PRIVILEGED":true}'):
            r = http(dockerd_sock, "POST", f"{API}/containers/{name}/exec", attack.encode(), {"Content-Type": "application/json"})
            assert r.status == 201, r.body
            exec_id = json.loads(r.body)["Id"]
            assert json.loads(http(dockerd_sock, "GET", f"{API}/exec/{exec_id}/json").body)["ProcessConfig"]["privileged"] is True
    finally:
        force_remove(dockerd_sock, name)


# --- volumes: local driver options that bind a host path --------------------

BIND_OPTS = {"type": "none", "o": "bind", "device": "/etc"}


def volume_bodies() -> list[tuple[str, str]]:
    out = []
    for label, k in key_variants("DriverOpts"):
        out.append((f"{label} DriverOpts", '{"Name":"NAME","%s":%s}' % (k, json.dumps(BIND_OPTS))))
    out += [
        ("empty then binding DriverOpts (maps merge)", '{"Name":"NAME","DriverOpts":{},"driveropts":%s}' % json.dumps(BIND_OPTS)),
        ("split across duplicate DriverOpts", '{"Name":"NAME","DriverOpts":{"type":"none","o":"bind"},"DriverOpts":{"device":"/etc"}}'),
        ("explicit local driver", '{"Name":"NAME","Driver":"local","DriverOpts":%s}' % json.dumps(BIND_OPTS)),
        ("driver key in upper case", '{"Name":"NAME","DRIVER":"local","DriverOpts":%s}' % json.dumps(BIND_OPTS)),
        ("device is the docker socket's directory", '{"Name":"NAME","DriverOpts":{"type":"none","o":"bind","device":"/var/run"}}'),
        ("tmpfs with options", '{"Name":"NAME","DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=1m"}}'),
        ("trailing value", '{"Name":"NAME","DriverOpts":%s} {"DriverOpts":{}}' % json.dumps(BIND_OPTS)),
        ("a plugin driver", '{"Name":"NAME","Driver":"sshfs"}'),
    ]
    return out


VOLUME_CORPUS = [(f"volume {b[0]} via {s[0]}", b[1], s[0]) for b in volume_bodies() for s in spellings("/volumes/create")]


@pytest.mark.parametrize("label,body,spelling", VOLUME_CORPUS, ids=[c[0] for c in VOLUME_CORPUS])
def test_binding_volume_never_created(ci_sock, dockerd_sock, label, body, spelling):
    name = unique("corpusvol")
    target = dict(spellings("/volumes/create"))[spelling]
    try:
        r = http(ci_sock, "POST", target, body.replace("NAME", name).encode(), {"Content-Type": "application/json"})
        assert r.status in (400, 403), f"{label}: {r.status} {r.body[:300]!r}"
        assert http(dockerd_sock, "GET", f"{API}/volumes/{name}").status == 404, f"{label}: the daemon created it"
    finally:
        http(dockerd_sock, "DELETE", f"{API}/volumes/{name}?force=1")


def test_split_driver_opts_are_a_real_attack_on_the_daemon(dockerd_sock):
    """Straight to the daemon, duplicate DriverOpts objects merge into one bind."""
    name = unique("directvol")
    try:
        body = '{"Name":"%s","DriverOpts":{"type":"none","o":"bind"},"driveropts":{"device":"/etc"}}' % name
        assert http(dockerd_sock, "POST", f"{API}/volumes/create", body.encode(), {"Content-Type": "application/json"}).status == 201
        opts = json.loads(http(dockerd_sock, "GET", f"{API}/volumes/{name}").body)["Options"]
        assert opts == BIND_OPTS, opts
    finally:
        http(dockerd_sock, "DELETE", f"{API}/volumes/{name}?force=1")


# --- networks: drivers that reach host interfaces ------------------------------

def network_bodies() -> list[tuple[str, str]]:
    out = []
    for label, k in key_variants("Driver"):
        out.append((f"{label} Driver macvlan", '{"Name":"NAME","%s":"macvlan","Options":{"parent":"swtnope0"}}' % k))
    out += [
        ("ipvlan", '{"Name":"NAME","Driver":"ipvlan","Options":{"parent":"swtnope0"}}'),
        ("bridge then macvlan", '{"Name":"NAME","Driver":"bridge","driver":"macvlan","Options":{"parent":"swtnope0"}}'),
        ("options key folded", '{"Name":"NAME","Driver":"macvlan","Option\u017f":{"parent":"swtnope0"}}'),
        ("config-from another network", '{"Name":"NAME","Driver":"macvlan","ConfigFrom":{"Network":"host"}}'),
        ("ingress", '{"Name":"NAME","Driver":"overlay","Ingress":true}'),
    ]
    return out


NETWORK_CORPUS = [(f"network {b[0]} via {s[0]}", b[1], s[0]) for b in network_bodies() for s in spellings("/networks/create")]


@pytest.mark.parametrize("label,body,spelling", NETWORK_CORPUS, ids=[c[0] for c in NETWORK_CORPUS])
def test_host_reaching_network_never_created(ci_sock, dockerd_sock, label, body, spelling):
    name = unique("corpusnet")
    target = dict(spellings("/networks/create"))[spelling]
    try:
        r = http(ci_sock, "POST", target, body.replace("NAME", name).encode(), {"Content-Type": "application/json"})
        assert r.status in (400, 403), f"{label}: {r.status} {r.body[:300]!r}"
        assert http(dockerd_sock, "GET", f"{API}/networks/{name}").status == 404, f"{label}: the daemon created it"
    finally:
        http(dockerd_sock, "DELETE", f"{API}/networks/{name}")


# --- builds: query parameters --------------------------------------------------

def context_tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = f"FROM {IMG}\nRUN true\n".encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


BUILD_QUERIES = [
    ("networkmode host", "networkmode=host"),
    ("networkmode percent-encoded key", "network%6Dode=host"),
    ("networkmode percent-encoded value", "networkmode=%68ost"),
    ("host first of two", "networkmode=host&networkmode=none"),
    ("join a container's network", "networkmode=container:x"),
    ("cgroup parent", "cgroupparent=%2F"),
    ("remote context", "remote=http%3A%2F%2F127.0.0.1%3A1%2Fx.tar"),
    ("BuildKit", "version=2"),
    ("outputs", "outputs=%5B%7B%22Type%22%3A%22local%22%7D%5D"),
]

BUILD_CORPUS = [(f"build {q[0]} via {s[0]}", q[1], s[0]) for q in BUILD_QUERIES for s in spellings("/build")]


@pytest.mark.parametrize("label,query,spelling", BUILD_CORPUS, ids=[c[0] for c in BUILD_CORPUS])
def test_host_reaching_build_never_runs(ci_sock, dockerd_sock, label, query, spelling):
    tag = unique("corpusbuild")
    target = dict(spellings("/build"))[spelling] + f"?t={tag}&{query}"
    try:
        r = http(ci_sock, "POST", target, context_tar(), {"Content-Type": "application/x-tar"}, timeout=60)
        assert r.status in (400, 403), f"{label}: {r.status} {r.body[:300]!r}"
        assert http(dockerd_sock, "GET", f"{API}/images/{tag}/json").status == 404, f"{label}: the daemon built it"
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{tag}?force=1")


def test_form_encoded_build_parameters_are_refused(ci_sock, dockerd_sock):
    """Go's ParseForm reads a form-encoded body before the query: parameters
    in the body would win. Refused whatever the body says."""
    tag = unique("formbuild")
    r = http(ci_sock, "POST", f"{API}/build?t={tag}", f"networkmode=host&t={tag}".encode(),
             {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status in (400, 403), r.body
    assert http(dockerd_sock, "GET", f"{API}/images/{tag}/json").status == 404


@pytest.mark.parametrize("order", [["application/x-www-form-urlencoded", "application/x-tar"],
                                   ["application/x-tar", "application/x-www-form-urlencoded"]],
                         ids=["form first", "form second"])
def test_form_encoded_build_in_a_duplicate_content_type_is_refused(ci_sock, dockerd_sock, order):
    """Two Content-Type headers: Go's Header.Get (ParseForm's) takes the
    first, so with the form first the body's networkmode=host would win.
    Refused in either order (red-team review, 2026-11-30: safe)."""
    tag = unique("dupct")
    body = f"networkmode=host&t={tag}".encode()
    with RawConn(ci_sock) as c:
        c.send(build_request("POST", f"{API}/build?t={tag}", body, [("Content-Type", ct) for ct in order]))
        r = c.read_response("POST")
    assert r.status in (400, 403), r.body
    assert http(dockerd_sock, "GET", f"{API}/images/{tag}/json").status == 404


def multipart_build(sock: str, query_tag: str, part_tag: str) -> bytes:
    """A build whose body is a context tar followed by a multipart form, in
    two writes: dockerd 20.10's build route peeks the first bytes as the
    context, then `r.FormValue` (no ParseForm before it) reads the rest as
    multipart/form-data, whose parts become build parameters (here `t`, and
    `networkmode=host`); a pad part takes the body past sockwarden's 64 KiB
    judging buffer, as the reviewer who found it did. Returns the answer."""
    import socket
    import time
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        data = f"FROM {IMAGE}\nLABEL via=multipart\n".encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    context = buf.getvalue()[:2048]  # the file and the end-of-archive blocks
    parts = (b"--XX\r\nContent-Disposition: form-data; name=\"pad\"\r\n\r\n" + b"p" * 70000 + b"\r\n"
             b"--XX\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n" + part_tag.encode() + b"\r\n"
             b"--XX\r\nContent-Disposition: form-data; name=\"networkmode\"\r\n\r\nhost\r\n--XX--\r\n")
    head = (f"POST {API}/build?rm=1&t={query_tag} HTTP/1.1\r\nHost: d\r\nConnection: close\r\n"
            f"Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: {len(context) + len(parts)}\r\n\r\n").encode()
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    try:
        s.connect(sock)
        s.sendall(head + context)
        time.sleep(1)
        try:
            s.sendall(parts)
        except OSError:
            pass  # refused and closed before the rest was sent
        answer = b""
        while True:
            more = s.recv(65536)
            if not more:
                return answer
            answer += more
    finally:
        s.close()


def test_multipart_build_parameters_are_refused(ci_sock, dockerd_sock):
    """Differential: the daemon takes a multipart part as a build parameter
    (it tags the image with the part's name); through ci.toml the body is
    refused before the daemon sees it (a review found it allowed, with
    networkmode=host among the parts)."""
    query_tag, part_tag = unique("mpq"), unique("mpp")
    try:
        direct = multipart_build(dockerd_sock, query_tag, part_tag)
        assert b"Successfully built" in direct, direct[-500:]
        assert http(dockerd_sock, "GET", f"{API}/images/{part_tag}/json").status == 200, \
            "the daemon did not read the multipart part, so this request proves nothing"
        for name in (query_tag, part_tag):
            http(dockerd_sock, "DELETE", f"{API}/images/{name}?force=1")
        proxied = multipart_build(ci_sock, query_tag, part_tag)
        assert proxied.startswith(b"HTTP/1.1 403 ") and b"multipart" in proxied, proxied[:400]
        for name in (query_tag, part_tag):
            assert http(dockerd_sock, "GET", f"{API}/images/{name}/json").status == 404, f"{name}: built through the proxy"
    finally:
        for name in (query_tag, part_tag):
            http(dockerd_sock, "DELETE", f"{API}/images/{name}?force=1")


FORM_SPELLINGS = [
    ("plain", "application/x-www-form-urlencoded"),
    ("dotted capital I, which Go lowers to i", "appl\u0130cation/x-www-form-urlencoded"),
    ("a combining mark after the semicolon", "application/x-www-form-urlencoded;\u0301"),
    ("a trailing no-break space", "application/x-www-form-urlencoded\u00a0"),
    ("a next-line before a parameter", "application/x-www-form-urlencoded\u0085; charset=utf-8"),
]


def utf8_header(text: str) -> str:
    """`text`'s UTF-8 bytes, as the latin-1 text build_request encodes."""
    return text.encode("utf-8").decode("latin-1")


@pytest.mark.parametrize("label,content_type", FORM_SPELLINGS, ids=[f[0] for f in FORM_SPELLINGS])
def test_form_body_spellings_that_go_reads_are_refused(ci_sock, dockerd_sock, label, content_type):
    """Differential: the daemon reads each spelling's body as a form whose
    values come before the query's (it tags the image with the body's name,
    not the query's); through ci.toml every one is refused (a review found
    the Unicode ones allowed)."""
    query_name, body_name = unique("formq"), unique("formb")
    target = f"{API}/images/{IMAGE}/tag?repo={query_name}&tag=t"
    body = f"repo={body_name}&tag=t".encode()
    headers = {"Content-Type": utf8_header(content_type)}
    try:
        direct = http(dockerd_sock, "POST", target, body, headers)
        assert direct.status == 201, (label, direct.status, direct.body[:200])
        assert http(dockerd_sock, "GET", f"{API}/images/{body_name}:t/json").status == 200, \
            f"{label}: the daemon did not read the body as a form, so this spelling proves nothing"
        assert http(dockerd_sock, "GET", f"{API}/images/{query_name}:t/json").status == 404
        http(dockerd_sock, "DELETE", f"{API}/images/{body_name}:t")
        proxied = http(ci_sock, "POST", target, body, headers)
        assert proxied.status == 403 and b"form-encoded" in proxied.body, (label, proxied.status, proxied.body[:300])
        assert http(dockerd_sock, "GET", f"{API}/images/{body_name}:t/json").status == 404, f"{label}: forwarded"
    finally:
        for name in (query_name, body_name):
            http(dockerd_sock, "DELETE", f"{API}/images/{name}:t")


def ci_proxy_with(proxy_bin: str, dockerd_sock: str, short_tmp: str, marker: str, replacement: str):
    """A proxy running ci.toml with the line `marker` replaced; yields its socket."""
    from swhelpers import Proxy
    text = open(os.path.join(os.path.dirname(__file__), "..", "..", "policies", "ci.toml"), encoding="utf-8").read()
    assert marker in text
    d = tempfile.mkdtemp(dir=short_tmp)
    policy = os.path.join(d, "ci-variant.toml")
    with open(policy, "w") as f:
        f.write(text.replace(marker, replacement, 1))
    p = Proxy(proxy_bin, os.path.join(d, "sw.sock"), dockerd_sock, policy, None, d)
    p.start()
    yield p.sock
    p.stop()


@pytest.fixture(scope="module")
def non_root_sock(proxy_bin, dockerd_sock, image, short_tmp):
    """ci.toml with [containers] non-root = true."""
    yield from ci_proxy_with(proxy_bin, dockerd_sock, short_tmp, "non-root = false", "non-root = true")


ROOT_SPELLINGS = ["00", "+0", "-0", "000:0"]


@pytest.mark.parametrize("user", ROOT_SPELLINGS)
def test_numeric_spellings_of_root_are_root(non_root_sock, dockerd_sock, user):
    """Differential: dockerd (runc) runs User "00", "+0", "-0" as uid 0 (Go's
    strconv.Atoi reads them as 0); with non-root = true each is refused (a
    review found them allowed)."""
    name = unique("rootspell")
    body = json.dumps({"Image": IMG, "User": user, "Cmd": ["id", "-u"], "HostConfig": {"NetworkMode": "none"}}).encode()
    try:
        assert http(dockerd_sock, "POST", f"{API}/containers/create?name={name}", body).status == 201
        assert http(dockerd_sock, "POST", f"{API}/containers/{name}/start", b"").status == 204
        assert http(dockerd_sock, "POST", f"{API}/containers/{name}/wait", b"", timeout=30).status == 200
        out, _ = demux(http(dockerd_sock, "GET", f"{API}/containers/{name}/logs?stdout=1").body)
        assert out.strip() == b"0", (user, out)
        force_remove(dockerd_sock, name)
        r = http(non_root_sock, "POST", f"{API}/containers/create?name={name}", body)
        assert r.status == 403 and b"runs as root" in r.body, (user, r.status, r.body[:300])
        assert not container_exists(dockerd_sock, name)
    finally:
        force_remove(dockerd_sock, name)


def test_a_non_root_user_is_allowed_with_non_root(non_root_sock, dockerd_sock):
    """The control: the same proxy lets a numeric non-root user through."""
    name = unique("nonroot")
    body = json.dumps({"Image": IMG, "User": "1000", "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}).encode()
    try:
        assert http(non_root_sock, "POST", f"{API}/containers/create?name={name}", body).status == 201
    finally:
        force_remove(dockerd_sock, name)


# --- host paths: spellings and symlinks, with /tmp allowed ------------------------

@pytest.fixture(scope="module")
def tmp_allowed_sock(proxy_bin, dockerd_sock, image, short_tmp):
    """ci.toml with [host-paths] allow = ["/tmp"]: the spellings below must
    still be refused because of where they really lead."""
    yield from ci_proxy_with(proxy_bin, dockerd_sock, short_tmp, "allow = []                    # no host bind mounts",
                             'allow = ["/tmp"]              # test: /tmp allowed')


@pytest.fixture(scope="module")
def links(short_tmp):
    d = tempfile.mkdtemp(dir=short_tmp)
    os.symlink("/", os.path.join(d, "root"))
    os.symlink("/etc", os.path.join(d, "etc"))
    os.symlink("/var/run", os.path.join(d, "run"))
    os.symlink("/nonexistent-swd/x", os.path.join(d, "dangling"))
    os.symlink("/etc", os.path.join(d, "l\u0600"))  # U+0600 joins the "/" after it into one Swift Character
    os.mkdir(os.path.join(d, "plain"))
    return d


def host_paths(links: str, daemon_sock: str) -> list[tuple[str, str]]:
    daemon_dir = os.path.dirname(daemon_sock)
    return [
        ("/etc", "/etc"), ("double slash", "//etc"), ("dot segment", "/./etc"), ("trailing slash", "/etc/"),
        ("dot-dot out of /tmp", "/tmp/../etc"), ("dot-dot out of /tmp, no clean prefix", "/tmp/./../etc"),
        ("root", "/"), ("proc", "/proc"), ("proc self root", "/proc/self/root"),
        ("docker socket", "/var/run/docker.sock"), ("run docker socket", "/run/docker.sock"),
        ("the daemon's socket under /tmp", daemon_sock), ("the daemon's socket directory under /tmp", daemon_dir),
        ("/tmp itself holds the daemon's socket", "/tmp"),
        ("symlink in /tmp to /", f"{links}/root"), ("symlink in /tmp to /etc", f"{links}/etc"),
        ("symlink in /tmp to /var/run", f"{links}/run"), ("through a symlink in /tmp", f"{links}/root/etc"),
        ("through a symlink, dot-dot after", f"{links}/etc/../etc"),
        ("a missing directory under a symlink to /etc (the daemon would create /etc/new)", f"{links}/etc/swd-new-dir"),
        ("a missing path two levels under a symlink", f"{links}/root/swd-missing/deeper"),
        ("a dangling symlink", f"{links}/dangling"),
        ("a missing path under a dangling symlink", f"{links}/dangling/sub"),
        # Found by review: splitting on Characters hid these symlinks (the daemon would create them under /etc).
        ("a missing path under a symlink whose name ends in a prepend character", f"{links}/l\u0600/swd-new-dir"),
        ("a missing name starting with a combining mark under a symlink to /etc", f"{links}/etc/\u0301swd-new"),
    ]


def path_body(path: str, kind: str) -> bytes:
    if kind == "Binds":
        hc = {"NetworkMode": "none", "Binds": [f"{path}:/x:ro"]}
    else:
        hc = {"NetworkMode": "none", "Mounts": [{"Type": "bind", "Source": path, "Target": "/x", "ReadOnly": True}]}
    return json.dumps({"Image": IMG, "Cmd": ["true"], "HostConfig": hc}).encode()


PATH_CASES = [(f"{kind} {label}", kind, i) for i, (label, _) in enumerate(host_paths("/L", "/D/docker.sock"))
              for kind in ("Binds", "Mounts")]


@pytest.mark.parametrize("label,kind,index", PATH_CASES, ids=[c[0] for c in PATH_CASES])
def test_host_path_spellings_never_mounted(tmp_allowed_sock, dockerd_sock, links, label, kind, index):
    _, path = host_paths(links, dockerd_sock)[index]
    name = unique("corpuspath")
    try:
        r = http(tmp_allowed_sock, "POST", f"{API}/containers/create?name={name}", path_body(path, kind),
                 {"Content-Type": "application/json"})
        assert r.status in (400, 403), f"{label} ({path}): {r.status} {r.body[:300]!r}"
        assert not container_exists(dockerd_sock, name), f"{label}: the daemon created it"
    finally:
        force_remove(dockerd_sock, name)


@pytest.mark.parametrize("kind", ["Binds", "Mounts"])
def test_a_plain_directory_under_the_allowed_prefix_is_mounted(tmp_allowed_sock, dockerd_sock, links, kind):
    """The control: the same proxy does mount an allowed path, so the refusals
    above are about where those paths lead."""
    name = unique("okpath")
    try:
        r = http(tmp_allowed_sock, "POST", f"{API}/containers/create?name={name}", path_body(f"{links}/plain", kind),
                 {"Content-Type": "application/json"})
        assert r.status == 201, r.body
        mounts = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{name}/json").body)["Mounts"]
        assert [m["Source"] for m in mounts] == [f"{links}/plain"], mounts
    finally:
        force_remove(dockerd_sock, name)


def test_extended_corpus_size():
    total = len(EXEC_CORPUS) + len(VOLUME_CORPUS) + len(NETWORK_CORPUS) + len(BUILD_CORPUS) + len(PATH_CASES)
    assert total >= 150, total


def test_the_proxy_survives_values_that_once_trapped_it(ci_sock, dockerd_sock):
    """Found by fuzzing: a CpuQuota near Int64.max overflowed an Int64
    multiplication and killed the proxy. Now judged, and the proxy serves on."""
    name = unique("trap")
    body = json.dumps({"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none", "CpuQuota": 9223372036854775807,
                                                                     "CpuPeriod": 1}}).encode()
    try:
        r = http(ci_sock, "POST", f"{API}/containers/create?name={name}", body, {"Content-Type": "application/json"})
        assert r.status in (201, 400, 403, 500), r
        assert http(ci_sock, "GET", "/_ping").status == 200
    finally:
        force_remove(dockerd_sock, name)
