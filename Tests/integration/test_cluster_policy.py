"""Services, swarm, plugins and image names against the real daemon.

The swarm/service/plugin routes are opened by route (a copy of ci.toml with
those groups allowed), so ci.toml's body rules are what decides. Attacks are
judged by the daemon's state afterwards: still no swarm, no plugin.

No test here initialises a swarm: `docker swarm init`, even on loopback,
creates the ingress network and the docker_gwbridge bridge on the host, which
these tests must not do. So an allowed service spec cannot be stored and
inspected; instead the test shows that the daemon's own decoder accepts the
canonical re-encoding sockwarden forwards (it answers "not a swarm manager",
which it only says after decoding the body), and the unit tests
(ClusterBodyTests) prove what is judged."""
import json
import os
import subprocess
import tempfile

import pytest

from swhelpers import API, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"
POLICIES = os.path.join(os.path.dirname(__file__), "..", "..", "policies")


def variant(short_tmp: str, replace: list[tuple[str, str]]) -> str:
    text = open(os.path.join(POLICIES, "ci.toml"), encoding="utf-8").read()
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    fd, path = tempfile.mkstemp(suffix=".toml", dir=short_tmp)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


@pytest.fixture
def cluster_proxy(proxy_factory, short_tmp):
    return proxy_factory(policy=variant(short_tmp, [
        ('groups = ["swarm", "services", "nodes", "tasks", "secrets", "configs", "plugins"]',
         'groups = ["nodes", "tasks", "secrets", "configs"]'),
        ('"events", "distribution"]', '"events", "distribution", "swarm", "services", "plugins"]'),
    ]))


@pytest.fixture
def names_proxy(proxy_factory, short_tmp):
    return proxy_factory(policy=variant(short_tmp, [
        ('images = ["*"]', f'images = ["docker.io/{IMG}:*", "registry.example.com/ci/*"]'),
        ('image-names = ["*"]', 'image-names = ["registry.example.com/ci/*"]'),
    ]))


def swarm_state(sock: str) -> str:
    return json.loads(http(sock, "GET", f"{API}/info").body)["Swarm"]["LocalNodeState"]


def post_json(sock: str, target: str, body) -> "object":
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http(sock, "POST", target, data, {"Content-Type": "application/json"})


SERVICE_ATTACKS = [
    ("bind mount of /", {"TaskTemplate": {"ContainerSpec": {"Image": IMG, "Mounts": [{"Type": "bind", "Source": "/", "Target": "/host"}]}}}),
    ("bind mount, lower-case keys", b'{"tasktemplate":{"containerspec":{"image":"%s","mounts":[{"type":"bind","source":"/etc","target":"/x"}]}}}' % IMG.encode()),
    ("docker socket", {"TaskTemplate": {"ContainerSpec": {"Image": IMG, "Mounts": [{"Type": "bind", "Source": "/var/run/docker.sock", "Target": "/s"}]}}}),
    ("volume binding a host path", {"TaskTemplate": {"ContainerSpec": {"Image": IMG, "Mounts": [{"Type": "volume", "Target": "/x", "VolumeOptions": {"DriverConfig": {"Options": {"type": "none", "o": "bind", "device": "/etc"}}}}]}}}),
    ("SYS_ADMIN", {"TaskTemplate": {"ContainerSpec": {"Image": IMG, "CapabilityAdd": ["CAP_SYS_ADMIN"]}}}),
    ("host network", {"TaskTemplate": {"ContainerSpec": {"Image": IMG}, "Networks": [{"Target": "host"}]}}),
    ("host network, old top-level Networks", {"TaskTemplate": {"ContainerSpec": {"Image": IMG}}, "Networks": [{"Target": "host"}]}),
    ("published port", {"TaskTemplate": {"ContainerSpec": {"Image": IMG}}, "EndpointSpec": {"Ports": [{"TargetPort": 80, "PublishedPort": 18080}]}}),
    ("sysctl", {"TaskTemplate": {"ContainerSpec": {"Image": IMG, "Sysctls": {"net.ipv4.ip_forward": "1"}}}}),
    ("SELinux disabled", {"TaskTemplate": {"ContainerSpec": {"Image": IMG, "Privileges": {"SELinuxContext": {"Disable": True}}}}}),
    ("plugin runtime", {"TaskTemplate": {"Runtime": "plugin", "PluginSpec": {"name": "p", "remote": "x/p"}}}),
]


@pytest.mark.parametrize("label,body", SERVICE_ATTACKS, ids=[a[0] for a in SERVICE_ATTACKS])
def test_service_attacks_are_denied_before_the_daemon(cluster_proxy, dockerd_sock, label, body):
    for target in (f"{API}/services/create", "/services/create", f"{API}/services%2Fcreate"):
        r = post_json(cluster_proxy.sock, target, body)
        assert r.status == 403, f"{label} via {target}: {r.status} {r.body[:300]!r}"
        assert b"sockwarden" in r.body, r.body
    assert swarm_state(dockerd_sock) == "inactive"


def test_allowed_service_spec_reaches_the_daemons_decoder(cluster_proxy):
    body = b'{"Name":"%s","TaskTemplate":{"ContainerSpec":{"Image":"%s","Args":["true"]}},"tasktemplate":{"ContainerSpec":{"Image":"%s"}}}' % (
        unique("svc").encode(), IMG.encode(), IMG.encode())
    r = post_json(cluster_proxy.sock, f"{API}/services/create", body)
    # The daemon decodes the spec first, then finds it is not a manager.
    assert r.status == 503, (r.status, r.body)
    assert b"not a swarm manager" in r.body, r.body


# Each would fail harmlessly on the daemon even if it got through (addresses
# no interface has, a loopback manager nobody runs), so a regression cannot
# put a swarm on a real interface; the state check still catches it.
SWARM_ATTACKS = [
    ("init on a non-loopback address", "swarm/init", {"ListenAddr": "192.0.2.1:42377", "AdvertiseAddr": "192.0.2.1"}),
    ("init advertising an address the daemon picks", "swarm/init", {"ListenAddr": "192.0.2.1:42377"}),
    ("init on an interface name", "swarm/init", {"ListenAddr": "nonexistent0:42377", "AdvertiseAddr": "127.0.0.1"}),
    ("join a foreign swarm", "swarm/join", {"ListenAddr": "127.0.0.1:42377", "AdvertiseAddr": "127.0.0.1",
                                            "RemoteAddrs": ["127.0.0.2:42377"], "JoinToken": "SWMTKN-1-x"}),
    ("init, key case", "swarm/init", b'{"listenaddr":"192.0.2.1:42377","ADVERTISEADDR":"127.0.0.1"}'),
]


@pytest.mark.parametrize("label,path,body", SWARM_ATTACKS, ids=[a[0] for a in SWARM_ATTACKS])
def test_swarm_init_and_join_outside_loopback_are_denied(cluster_proxy, dockerd_sock, label, path, body):
    try:
        r = post_json(cluster_proxy.sock, f"{API}/{path}", body)
        assert r.status == 403, (label, r.status, r.body)
        assert b"[swarm]" in r.body, r.body
        assert swarm_state(dockerd_sock) == "inactive"
    finally:
        if swarm_state(dockerd_sock) != "inactive":
            http(dockerd_sock, "POST", f"{API}/swarm/leave?force=1", b"", timeout=60)


PLUGIN_ATTACKS = [
    ("pull with a host mount", "plugins/pull?remote=localhost:1/p", [{"Name": "mount", "Value": ["/"]}]),
    ("pull with the host network", "plugins/pull?remote=localhost:1/p", [{"Name": "network", "Value": ["host"]}]),
    ("pull with CAP_SYS_ADMIN", "plugins/pull?remote=localhost:1/p", [{"name": "capabilities", "value": ["CAP_SYS_ADMIN"]}]),
    ("upgrade with all devices", "plugins/p/upgrade?remote=localhost:1/p", [{"Name": "allow-all-devices", "Value": ["true"]}]),
    ("set a mount source", "plugins/p/set", ["state.source=/etc"]),
    ("set a field-less path", "plugins/p/set", ["state=/etc"]),
]


@pytest.mark.parametrize("label,path,body", PLUGIN_ATTACKS, ids=[a[0] for a in PLUGIN_ATTACKS])
def test_plugin_privileges_are_judged(cluster_proxy, dockerd_sock, label, path, body):
    r = post_json(cluster_proxy.sock, f"{API}/{path}", body)
    assert r.status == 403, (label, r.status, r.body)
    assert json.loads(http(dockerd_sock, "GET", f"{API}/plugins").body) == []


def test_plugin_create_is_refused_as_unjudgeable(cluster_proxy):
    r = http(cluster_proxy.sock, "POST", f"{API}/plugins/create?name=p", b"", {"Content-Type": "application/x-tar"})
    assert r.status == 403 and b"plugin.create" in r.body, r.body


def test_plugin_pull_without_privileges_is_forwarded(proxy_factory, short_tmp):
    # Allowed once the registry is listed: the daemon tries it (localhost:1,
    # nothing listens) and fails there.
    listed = proxy_factory(policy=variant(short_tmp, [
        ('groups = ["swarm", "services", "nodes", "tasks", "secrets", "configs", "plugins"]',
         'groups = ["nodes", "tasks", "secrets", "configs"]'),
        ('"events", "distribution"]', '"events", "distribution", "swarm", "services", "plugins"]'),
        ('allow = ["*"] ', 'allow = ["*", "localhost:1"] '),
    ]))
    r = post_json(listed.sock, f"{API}/plugins/pull?remote=localhost:1/p:latest&name=p", [])
    assert r.status != 403, r.body
    assert b"sockwarden" not in r.body, r.body


def test_plugin_pull_from_a_registry_on_this_host_is_refused(cluster_proxy):
    r = post_json(cluster_proxy.sock, f"{API}/plugins/pull?remote=localhost:1/p:latest&name=p", [])
    assert r.status == 403 and b"[registries]" in r.body, r.body


def plugin_tar() -> bytes:
    """A plugin's config.json and rootfs, as `docker plugin create` sends."""
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        config = json.dumps({"Description": "t", "Documentation": "t", "Entrypoint": ["/p"],
                             "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "p.sock"},
                             "Network": {"Type": "none"}}).encode()
        info = tarfile.TarInfo("config.json")
        info.size = len(config)
        tar.addfile(info, io.BytesIO(config))
        rootfs = tarfile.TarInfo("rootfs")
        rootfs.type = tarfile.DIRTYPE
        tar.addfile(rootfs)
        entry = tarfile.TarInfo("rootfs/p")
        entry.size, entry.mode = 1, 0o755
        tar.addfile(entry, io.BytesIO(b"x"))
    return buf.getvalue()


def test_plugin_push_to_a_registry_on_this_host_is_refused(cluster_proxy, dockerd_sock):
    """A plugin named for a registry on this host (a pull's `name`, or made
    on the daemon's own socket) is pushed there, by name or by an ID prefix:
    the push was forwarded unjudged (found 2026-11-30)."""
    from swhelpers import LoopbackListener
    registry = LoopbackListener(hang_up=True)
    name = f"127.0.0.1:{registry.port}/ci/plug:latest"
    try:
        r = http(dockerd_sock, "POST", f"{API}/plugins/create?name={name}", plugin_tar(), {"Content-Type": "application/x-tar"})
        assert r.status == 204, r.body
        plugin_id = json.loads(http(dockerd_sock, "GET", f"{API}/plugins/{name}/json").body)["Id"]
        for target in (f"{API}/plugins/{name}/push", f"{API}/plugins/{plugin_id[:12]}/push"):
            r = http(cluster_proxy.sock, "POST", target, b"", {"X-Registry-Auth": "e30="}, timeout=60)
            assert r.status == 403, (target, r.status, r.body[:300])
            assert registry.connections == 0, target
        # The route is real: straight to the daemon, the push connects.
        http(dockerd_sock, "POST", f"{API}/plugins/{name}/push", b"", {"X-Registry-Auth": "e30="}, timeout=60)
        assert registry.connections > 0
    finally:
        http(dockerd_sock, "DELETE", f"{API}/plugins/{name}?force=1")
        registry.close()


def test_commit_through_ci_toml_with_both_clis(proxy_factory, dockerd_sock, docker_config):
    p = proxy_factory(policy="ci.toml")
    env = dict(os.environ, DOCKER_HOST=f"unix://{p.sock}", DOCKER_CONFIG=docker_config)
    for cli in ("/usr/local/bin/docker", "/usr/bin/docker"):
        if not os.access(cli, os.X_OK):
            continue
        name = unique("commit")
        repo = f"swt-commit/{name}"
        try:
            run = subprocess.run([cli, "create", "--name", name, "--network", "none", IMG, "true"],
                                 capture_output=True, timeout=60, env=env)
            assert run.returncode == 0, run.stderr
            out = subprocess.run([cli, "commit", "--change", "ENV SWT=1", name, repo + ":v1"],
                                 capture_output=True, timeout=60, env=env)
            assert out.returncode == 0, (cli, out.stderr)
            info = json.loads(http(dockerd_sock, "GET", f"{API}/images/{repo}:v1/json").body)
            assert "SWT=1" in info["Config"]["Env"], info["Config"]["Env"]
        finally:
            http(dockerd_sock, "DELETE", f"{API}/containers/{name}?force=1")
            http(dockerd_sock, "DELETE", f"{API}/images/{repo}:v1?force=1")


def test_naming_images_is_judged_by_image_names(names_proxy, dockerd_sock):
    name = unique("names")
    r = post_json(dockerd_sock, f"{API}/containers/create?name={name}", {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
    assert r.status == 201, r.body
    try:
        # Squatting a trusted name: refused, and the daemon has no such tag.
        for target in (f"{API}/images/{IMG}/tag?repo={IMG}&tag=squat", f"{API}/commit?container={name}&repo={IMG}&tag=squat2"):
            r = http(names_proxy.sock, "POST", target, b"", {"Content-Type": "application/json"})
            assert r.status == 403, (target, r.status, r.body)
            assert b"image-names" in r.body, r.body
        for tag in ("squat", "squat2"):
            assert http(dockerd_sock, "GET", f"{API}/images/{IMG}:{tag}/json").status == 404
        # A name the job may give: allowed and stored.
        r = http(names_proxy.sock, "POST", f"{API}/images/{IMG}/tag?repo=registry.example.com/ci/{name}&tag=1", b"")
        assert r.status == 201, (r.status, r.body)
        assert http(dockerd_sock, "GET", f"{API}/images/registry.example.com/ci/{name}:1/json").status == 200
        # Running by ID prefix cannot be judged against a narrowed list.
        image_id = json.loads(http(dockerd_sock, "GET", f"{API}/images/{IMG}/json").body)["Id"]
        short = image_id.split(":")[1][:12]
        r = post_json(names_proxy.sock, f"{API}/containers/create?name={name}-id", {"Image": short, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
        assert r.status == 403 and b"ID" in r.body, r.body
        assert http(dockerd_sock, "GET", f"{API}/containers/{name}-id/json").status == 404
        # ... but the allowed name runs.
        r = post_json(names_proxy.sock, f"{API}/containers/create?name={name}-ok", {"Image": IMG, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
        assert r.status == 201, r.body
    finally:
        for n in (name, f"{name}-ok", f"{name}-id"):
            http(dockerd_sock, "DELETE", f"{API}/containers/{n}?force=1")
        http(dockerd_sock, "DELETE", f"{API}/images/registry.example.com/ci/{name}:1")
