"""Registries on this host, against the real daemon, with policies/ci.toml.

A pull, push, login, search, distribution inspect or a Dockerfile's FROM
makes dockerd connect to the registry the request names, from the host's
network namespace. A registry on the host's loopback is a service only the
host can reach (a CI host's local image cache, say): a job that may reach it
through the daemon can read it, or push over the images other jobs trust.
Differential: each request straight to the daemon connects to a listener on
127.0.0.1 (so the route is real on this daemon); through the proxy it is
refused with a message naming the registry, and the listener sees nothing.
That Docker Hub names pass is shown by unit tests (CIPolicyBodyTests, the
policy test cases) only: a pull from Docker Hub here would send a DNS query
off this machine."""
import io
import json
import tarfile
import urllib.parse

import pytest

from swhelpers import API, DockerCLI, LoopbackListener, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


@pytest.fixture
def registry():
    """A stand-in registry on 127.0.0.1 that hangs up on every connection."""
    lst = LoopbackListener(hang_up=True)
    yield lst
    lst.close()


def dockerfile_context(dockerfile: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = dockerfile.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def requests_naming(host: str) -> list[tuple[str, str, str, bytes, dict]]:
    """(name, method, target, body, headers) of each request that contacts `host`."""
    json_headers = {"Content-Type": "application/json"}
    return [
        ("pull", "POST", f"{API}/images/create?fromImage={host}/ci/base&tag=latest", b"", {}),
        ("push", "POST", f"{API}/images/{host}/ci/pushed/push?tag=latest", b"", {"X-Registry-Auth": "e30="}),
        ("login", "POST", f"{API}/auth", json.dumps({"username": "u", "password": "p", "serveraddress": f"http://{host}"}).encode(),
         json_headers),
        ("search", "GET", f"{API}/images/search?term={host}/ci", b"", {}),
        ("distribution inspect", "GET", f"{API}/distribution/{host}/ci/base:latest/json", b"", {}),
        ("build FROM", "POST", f"{API}/build?t={unique('reg-build')}&rm=1",
         dockerfile_context(f"FROM {host}/ci/base:latest\nRUN true\n"), {"Content-Type": "application/x-tar"}),
    ]


def test_each_request_that_contacts_a_registry_on_this_host_is_refused(proxy_factory, dockerd_sock, registry, image):
    host = f"127.0.0.1:{registry.port}"
    # The push needs a local image by that name (tagged straight on the daemon).
    tag = http(dockerd_sock, "POST", f"{API}/images/{IMG}/tag?repo={host}/ci/pushed&tag=latest")
    assert tag.status == 201, tag.body
    proxy = proxy_factory(policy="ci.toml")
    try:
        for name, method, target, body, headers in requests_naming(host):
            before = registry.connections
            direct = http(dockerd_sock, method, target, body, headers=headers, timeout=60)
            assert registry.connections > before, \
                f"{name}: straight to the daemon, no connection to {host} ({direct.status} {direct.body[:200]!r})"

            before = registry.connections
            r = http(proxy.sock, method, target, body, headers=headers, timeout=60)
            assert r.status == 403, f"{name}: {r.status} {r.body[:300]!r}"
            message = json.loads(r.body)["message"]
            assert f"registry {host}, an address of this host itself" in message, f"{name}: {message}"
            assert registry.connections == before, f"{name}: the daemon connected to {host} through the proxy"
    finally:
        http(dockerd_sock, "DELETE", f"{API}/images/{host}/ci/pushed:latest")


def test_a_docker_login_to_this_host_says_what_to_do(proxy_factory, cli_path, docker_config, registry):
    proxy = proxy_factory(policy="ci.toml")
    cli = DockerCLI(cli_path, proxy.sock, docker_config)
    r = cli("login", "-u", "u", "--password-stdin", f"localhost:{registry.port}", input="p\n")
    assert r.returncode != 0
    assert b"an address of this host itself" in r.stderr and b"[registries]" in r.stderr, r.stderr
    assert registry.connections == 0


def test_a_registry_listed_by_ops_is_contacted(proxy_factory, dockerd_sock, registry, short_tmp):
    """`allow` naming the host lets the request through to the daemon, which
    then connects (and fails: the stand-in hangs up)."""
    import os
    host = f"localhost:{registry.port}"
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "policies", "ci.toml")) as f:
        text = f.read().replace('allow = ["*"]  ', f'allow = ["*", "{host}"]  ', 1)
    assert f'"{host}"' in text
    path = os.path.join(short_tmp, unique("registries") + ".toml")
    with open(path, "w") as f:
        f.write(text)
    proxy = proxy_factory(policy=path)
    r = http(proxy.sock, "POST", f"{API}/images/create?fromImage={host}/ci/base&tag=latest", b"", timeout=60)
    assert registry.connections > 0, f"{r.status} {r.body[:300]!r}"


@pytest.mark.parametrize("who", ["u@127.0.0.1", "u@localhost"])
def test_a_search_term_with_user_info_is_refused(proxy_factory, dockerd_sock, registry, who):
    """dockerd reads a search term's registry part as a URL's authority
    (`newV1EndpointFromStr`: "https://" + it, then url.Parse), so user info
    before the host is not part of it: straight to the daemon, the search
    connects to the listener; sockwarden read the whole `u@127.0.0.1:port`
    as the host, not this machine's (found 2026-11-30)."""
    target = f"{API}/images/search?term={who}:{registry.port}/ci"
    before = registry.connections
    http(dockerd_sock, "GET", target, timeout=60)
    assert registry.connections > before, "straight to the daemon, no connection"
    proxy = proxy_factory(policy="ci.toml")
    before = registry.connections
    r = http(proxy.sock, "GET", target, timeout=60)
    assert r.status == 403 and b"search term" in r.body, r.body[:300]
    assert registry.connections == before


def loopback_names_in_etc_hosts() -> list[str]:
    """Names this machine's /etc/hosts maps to 127.x, other than localhost:
    the daemon resolves them from the file, without a DNS query."""
    names = []
    with open("/etc/hosts") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if len(fields) >= 2 and fields[0].startswith("127."):
                names += [n for n in fields[1:] if n.lower() not in ("localhost", "localhost.localdomain")]
    return names


def test_a_name_etc_hosts_gives_this_host_is_refused(proxy_factory, dockerd_sock, registry):
    """`*` is any registry but this host's: a name /etc/hosts maps to
    127.0.0.1 (a job learns the host name from `GET /info`) is this host's
    too. Straight to the daemon the pull connects to the listener; through
    ci.toml it is refused (found by a review on 2026-11-30)."""
    names = loopback_names_in_etc_hosts()
    if not names:
        pytest.skip("/etc/hosts maps no name but localhost to 127.x on this machine")
    host = f"{names[0]}:{registry.port}"
    target = f"{API}/images/create?fromImage={host}/ci/base&tag=latest"
    before = registry.connections
    http(dockerd_sock, "POST", target, b"", timeout=60)
    assert registry.connections > before, f"straight to the daemon, no connection to {host}"
    proxy = proxy_factory(policy="ci.toml")
    before = registry.connections
    r = http(proxy.sock, "POST", target, b"", timeout=60)
    assert r.status == 403 and b"an address of this host itself" in r.body, r.body[:300]
    assert registry.connections == before


@pytest.mark.parametrize("dockerfile,buildargs", [
    ("ARG \u00c9={host}/ci/base:latest\nFROM $\u00c9\nRUN true\n", {"E\u0301": IMG}),
    ("ARG E\u0301={img}\nFROM ${{\u00c9:-{host}/ci/base:latest}}\nRUN true\n", {}),
], ids=["build-arg-decomposed", "arg-declared-decomposed"])
def test_a_from_through_an_arg_spelt_two_ways_is_judged_as_dockerd_expands_it(proxy_factory, dockerd_sock, registry, image,
                                                                              dockerfile, buildargs):
    """Differential: dockerd keys build args and meta ARGs by their bytes, so
    `É` (U+00C9) and `E` + U+0301 are two names: the FROM expands to the
    loopback registry and the daemon connects to it. sockwarden's reader
    keyed them by Swift String, where the two are one name, judged the
    FROM as swtest/busybox, and the old binary forwarded the build. Now
    refused, naming the registry."""
    host = f"127.0.0.1:{registry.port}"
    body = dockerfile_context(dockerfile.format(host=host, img=IMG))
    query = f"t={unique('reg-arg')}&rm=1&networkmode=none"
    if buildargs:
        query += "&buildargs=" + urllib.parse.quote(json.dumps(buildargs, ensure_ascii=False))
    message = build_contacts_directly_refused_through(proxy_factory, dockerd_sock, registry, f"{API}/build?{query}", body)
    assert f"registry {host}, an address of this host itself" in message, message


def build_contacts_directly_refused_through(proxy_factory, dockerd_sock, registry, target: str, body: bytes) -> str:
    """The differential of a build that reaches the stand-in registry: straight
    to the daemon it connects (else the request proves nothing); through
    ci.toml it is refused (403) and nothing connects. Returns the message."""
    headers = {"Content-Type": "application/x-tar"}
    before = registry.connections
    direct = http(dockerd_sock, "POST", target, body, headers=headers, timeout=60)
    assert registry.connections > before, f"straight to the daemon, no connection to the registry: {direct.body[-300:]!r}"
    proxy = proxy_factory(policy="ci.toml")
    before = registry.connections
    r = http(proxy.sock, "POST", target, body, headers=headers, timeout=60)
    assert r.status == 403, (r.status, r.body[-300:])
    assert registry.connections == before, "the daemon connected to the registry through the proxy"
    return json.loads(r.body)["message"]


def test_a_meta_arg_named_with_an_equals_sign_is_refused(proxy_factory, dockerd_sock, registry, image):
    """Differential (found 2026-12-02 by a red-team helper): dockerd hands
    meta ARGs to the word lexer as "key=value" and splits at the first "=",
    so the meta ARG `A=1` (its name from a variable) with value `v` is read
    as `A` = `1=v`: the FROM expands to the loopback registry and the daemon
    connects to it. sockwarden's reader found no `A`, judged the FROM as
    swtest/busybox, and the old binary forwarded the build. Now refused,
    naming the ARG."""
    host = f"127.0.0.1:{registry.port}"
    body = dockerfile_context(f"ARG K=A=1\nARG ${{K}}=v\nFROM ${{A:+{host}/ci/}}{IMG}\nRUN true\n")
    target = f"{API}/build?t={unique('reg-eq')}&rm=1&networkmode=none"
    message = build_contacts_directly_refused_through(proxy_factory, dockerd_sock, registry, target, body)
    assert 'with "=" in its name' in message, message
