"""Body-level policy against the real daemon, with policies/ci.toml.

Attacks: every request is sent through the proxy, and is judged by the state
the daemon ends up in, never by the proxy's answer: no container of that name
may exist afterwards (and a benign container must not have been changed).

Differential: tricky but harmless bodies are allowed, and what the daemon
stored (inspect, straight from the daemon) must be exactly what the policy
judged, which proves the decoder reads them as dockerd does."""
import json

import pytest

from swhelpers import API, RawConn, build_request, container_exists, force_remove, http, unique

pytestmark = pytest.mark.proxy_only

IMG = "swtest/busybox"


@pytest.fixture
def ci_proxy(proxy_factory):
    return proxy_factory(policy="ci.toml")


def create_body(host_config: dict | None = None, **top) -> bytes:
    body = {"Image": IMG, "Cmd": ["true"], **top}
    if host_config is not None:
        body["HostConfig"] = {"NetworkMode": "none", **host_config}
    return json.dumps(body).encode()


# (name, target suffix after the version, raw body)
ATTACKS = [
    ("privileged", create_body({"Privileged": True})),
    ("privileged lower-case key", b'{"Image":"%s","HostConfig":{"NetworkMode":"none","privileged":true}}' % IMG.encode()),
    ("privileged upper-case keys", b'{"IMAGE":"%s","HOSTCONFIG":{"NETWORKMODE":"none","PRIVILEGED":true}}' % IMG.encode()),
    ("privileged then merged HostConfig", b'{"Image":"%s","HostConfig":{"Privileged":true},"HostConfig":{"NetworkMode":"none"}}' % IMG.encode()),
    ("privileged false then true", b'{"Image":"%s","HostConfig":{"NetworkMode":"none","Privileged":false,"Privileged":true}}' % IMG.encode()),
    ("top-level privileged (old API form)", b'{"Image":"%s","Privileged":true,"NetworkMode":"none"}' % IMG.encode()),
    ("top-level binds (old API form)", b'{"Image":"%s","Binds":["/:/host"],"NetworkMode":"none"}' % IMG.encode()),
    ("HostConfig null then top-level", b'{"Image":"%s","HostConfig":null,"Privileged":true,"NetworkMode":"none"}' % IMG.encode()),
    ("bind /etc", create_body({"Binds": ["/etc:/x"]})),
    ("bind / read-only", create_body({"Binds": ["/:/host:ro"]})),
    ("bind the daemon socket", create_body({"Binds": ["/var/run/docker.sock:/var/run/docker.sock"]})),
    ("bind via unclean path", create_body({"Binds": ["/tmp/../etc:/x"]})),
    ("bind key with long s", ('{"Image":"%s","HostConfig":{"NetworkMode":"none","Bind\u017f":["/etc:/x"]}}' % IMG).encode()),
    ("mount type bind", create_body({"Mounts": [{"Type": "bind", "Source": "/etc", "Target": "/x"}]})),
    ("mount keys lower-case", create_body({"Mounts": [{"type": "bind", "source": "/etc", "target": "/x"}]})),
    ("volume mount binding a host path", create_body({"Mounts": [{"Type": "volume", "Target": "/x", "VolumeOptions": {
        "DriverConfig": {"Name": "local", "Options": {"type": "none", "o": "bind", "device": "/etc"}}}}]})),
    ("host network", create_body({"NetworkMode": "host"})),
    ("host pid", create_body({"PidMode": "host"})),
    ("host ipc", create_body({"IpcMode": "host"})),
    ("host uts", create_body({"UTSMode": "host"})),
    ("host userns", create_body({"UsernsMode": "host"})),
    ("cap-add SYS_ADMIN", create_body({"CapAdd": ["SYS_ADMIN"]})),
    ("cap-add as bare string", create_body({"CapAdd": "sys_admin"})),
    ("cap-add ALL", create_body({"CapAdd": ["ALL"]})),
    ("device", create_body({"Devices": [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/x", "CgroupPermissions": "rwm"}]})),
    ("device cgroup rule", create_body({"DeviceCgroupRules": ["a *:* rwm"]})),
    ("seccomp unconfined", create_body({"SecurityOpt": ["seccomp=unconfined"]})),
    ("seccomp unconfined colon form", create_body({"SecurityOpt": ["seccomp:unconfined"]})),
    ("apparmor unconfined", create_body({"SecurityOpt": ["apparmor=unconfined"]})),
    ("label disable", create_body({"SecurityOpt": ["label=disable"]})),
    ("systempaths unconfined", create_body({"MaskedPaths": [], "ReadonlyPaths": []})),
    ("sysctl", create_body({"Sysctls": {"kernel.shm_rmid_forced": "1"}})),
    ("runtime", create_body({"Runtime": "runc-other"})),
    ("cgroup parent", create_body({"CgroupParent": "/"})),
    ("negative OOM score adjustment", create_body({"OomScoreAdj": -1000})),
    ("OOM kill disabled", create_body({"OomKillDisable": True, "Memory": 0})),
    ("log driver shipping to the host's loopback", create_body({"LogConfig": {"Type": "syslog", "Config": {"syslog-address": "udp://127.0.0.1:514"}}})),
    ("published port", create_body({"PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18080"}]}})),
    ("publish all", create_body({"PublishAllPorts": True})),
    ("volumes from", create_body({"VolumesFrom": ["someone"]})),
    ("tmpfs with the rbind option (a bind of <bundle>/tmpfs)", create_body({"Tmpfs": {"/mnt": "rbind"}})),
    ("tmpfs with the bind option, lower-case key", create_body({"tmpfs": {"/mnt": "size=1m,bind"}})),
    ("tmpfs with the remount option (/sys remounted read-write)", create_body({"Tmpfs": {"/sys/": "remount"}})),
]


def attack_targets(name: str) -> list[str]:
    return [f"{API}/containers/create?name={name}", f"/containers/create?name={name}",
            f"{API}/containers%2Fcreate?name={name}"]


@pytest.mark.parametrize("label,body", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attack_never_takes_effect(ci_proxy, dockerd_sock, label, body):
    for i, path in enumerate(attack_targets(unique("atk"))):
        name = path.split("name=")[1]
        try:
            r = http(ci_proxy.sock, "POST", path, body)
            assert r.status in (400, 403), f"{label} via {path}: {r.status} {r.body[:300]!r}"
            assert b"sockwarden" in r.body, r.body
            assert not container_exists(dockerd_sock, name), f"{label} via {path}: the daemon created it"
        finally:
            force_remove(dockerd_sock, name)


@pytest.mark.parametrize("framing", ["chunked", "expect-continue", "after-allowed-request"])
def test_attack_in_other_framings_never_takes_effect(ci_proxy, dockerd_sock, framing):
    name = unique("atk")
    body = create_body({"Privileged": True, "Binds": ["/:/host"]})
    target = f"{API}/containers/create?name={name}"
    try:
        with RawConn(ci_proxy.sock) as c:
            if framing == "chunked":
                c.send(build_request("POST", target, None, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
                       + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
                r = c.read_response("POST")
            elif framing == "expect-continue":
                c.send(build_request("POST", target, None, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                                            ("Expect", "100-continue")]))
                c.send(body)
                r = c.read_response("POST")
            else:
                c.send(build_request("GET", f"{API}/_ping") + build_request("POST", target, body))
                first = c.read_response("GET")
                assert first.status == 200
                r = c.read_response("POST")
        assert r.status == 403, r
        assert not container_exists(dockerd_sock, name)
    finally:
        force_remove(dockerd_sock, name)


@pytest.mark.parametrize("version", ["1.99999999999999999999", "99999999999999999999.0", "1.9223372036854775808"])
def test_an_overflowing_api_version_is_read_as_the_daemon_reads_it(ci_proxy, dockerd_sock, version):
    """dockerd reads each part of the URL's version with strconv.Atoi, which
    clamps an overflow to MaxInt64: too new, and refused so. sockwarden read
    the part as 0 and denied the request as older than min-version; now it
    judges it as new, and the client gets the daemon's own answer."""
    name = unique("ver")
    d = http(dockerd_sock, "POST", f"/v{version}/containers/create?name={name}", create_body({}))
    r = http(ci_proxy.sock, "POST", f"/v{version}/containers/create?name={name}", create_body({}))
    assert d.status == 400 and b"is too new" in d.body, d
    assert (r.status, r.body) == (d.status, d.body), (r.status, r.body)
    assert not container_exists(dockerd_sock, name)


def test_old_api_start_body_cannot_change_a_container(ci_proxy, dockerd_sock):
    name = unique("benign")
    try:
        r = http(ci_proxy.sock, "POST", f"{API}/containers/create?name={name}", create_body({}))
        assert r.status == 201, r
        evil = json.dumps({"Privileged": True, "Binds": ["/:/host"]}).encode()
        for version in ("/v1.23", "/v1.12", ""):
            r = http(ci_proxy.sock, "POST", f"{version}/containers/{name}/start", evil)
            assert r.status in (400, 403), r
        info = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{name}/json").body)
        assert info["HostConfig"]["Privileged"] is False
        assert not info["HostConfig"]["Binds"]
    finally:
        force_remove(dockerd_sock, name)


def test_privileged_exec_never_takes_effect(ci_proxy, dockerd_sock):
    name = unique("exec")
    try:
        r = http(ci_proxy.sock, "POST", f"{API}/containers/create?name={name}", create_body({}, Cmd=["sleep", "30"]))
        assert r.status == 201, r
        assert http(ci_proxy.sock, "POST", f"{API}/containers/{name}/start").status == 204
        for body in ({"Cmd": ["true"], "Privileged": True}, {"Cmd": ["true"], "privileged": True}):
            r = http(ci_proxy.sock, "POST", f"{API}/containers/{name}/exec", json.dumps(body).encode())
            assert r.status == 403, r
        info = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{name}/json").body)
        assert not info.get("ExecIDs"), "an exec instance was created"
    finally:
        force_remove(dockerd_sock, name)


def test_volume_binding_a_host_path_is_never_created(ci_proxy, dockerd_sock):
    name = unique("vol")
    body = json.dumps({"Name": name, "DriverOpts": {"type": "none", "o": "bind", "device": "/etc"}}).encode()
    r = http(ci_proxy.sock, "POST", f"{API}/volumes/create", body)
    assert r.status == 403, r
    assert http(dockerd_sock, "GET", f"{API}/volumes/{name}").status == 404


# Harmless but tricky bodies: allowed, and the daemon must store what was judged.
DIFFERENTIAL = [
    ("duplicate HostConfig objects merge",
     b'{"Image":"%s","Cmd":["true"],"HostConfig":{"NetworkMode":"none","Memory":8388608},"hostconfig":{"CpuShares":7}}' % IMG.encode(),
     lambda i: i["HostConfig"]["Memory"] == 8388608 and i["HostConfig"]["CpuShares"] == 7),
    ("later scalar wins",
     b'{"Image":"%s","Cmd":["true"],"HostConfig":{"NetworkMode":"none","CpuShares":3,"CPUSHARES":9}}' % IMG.encode(),
     lambda i: i["HostConfig"]["CpuShares"] == 9),
    ("map keys keep their case",
     b'{"Image":"%s","Cmd":["true"],"Labels":{"k":"1","K":"2"},"HostConfig":{"NetworkMode":"none"}}' % IMG.encode(),
     lambda i: i["Config"]["Labels"] == {"k": "1", "K": "2"}),
    ("duplicate map keys: last wins",
     b'{"Image":"%s","Cmd":["true"],"Labels":{"a":"1","a":"2"},"HostConfig":{"NetworkMode":"none"}}' % IMG.encode(),
     lambda i: i["Config"]["Labels"] == {"a": "2"}),
    ("Cmd as a bare string",
     b'{"Image":"%s","Cmd":"true","HostConfig":{"NetworkMode":"none"}}' % IMG.encode(),
     lambda i: i["Config"]["Cmd"] == ["true"]),
    ("kelvin sign folds to k in a field name",
     ('{"Image":"%s","Cmd":["true"],"Labels":{"x":"1"},"HostConfig":{"NetworkMode":"none","Lin\u212As":[]}}' % IMG).encode(),
     lambda i: i["Config"]["Labels"] == {"x": "1"}),
    ("trailing data after the object is ignored",
     b'{"Image":"%s","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}} {"HostConfig":{"Privileged":true}}' % IMG.encode(),
     lambda i: i["HostConfig"]["Privileged"] is False),
    ("unknown fields are ignored",
     b'{"Image":"%s","Cmd":["true"],"NotAField":{"Privileged":true},"HostConfig":{"NetworkMode":"none"}}' % IMG.encode(),
     lambda i: i["HostConfig"]["Privileged"] is False),
    ("named volume and tmpfs are fine",
     create_body({"Binds": ["swt-diff-vol:/data"], "Tmpfs": {"/t": "size=1m"}}),
     lambda i: i["HostConfig"]["Binds"] == ["swt-diff-vol:/data"] and "/t" in i["HostConfig"]["Tmpfs"]),
]


@pytest.mark.parametrize("label,body,check", DIFFERENTIAL, ids=[d[0] for d in DIFFERENTIAL])
def test_daemon_stores_what_was_judged(ci_proxy, dockerd_sock, label, body, check):
    name = unique("diff")
    try:
        r = http(ci_proxy.sock, "POST", f"{API}/containers/create?name={name}", body)
        assert r.status == 201, f"{label}: {r.status} {r.body[:300]!r}"
        info = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{name}/json").body)
        assert check(info), f"{label}: daemon stored {json.dumps(info['HostConfig'])[:400]} / {json.dumps(info['Config'])[:300]}"
    finally:
        force_remove(dockerd_sock, name)
        http(dockerd_sock, "DELETE", f"{API}/volumes/swt-diff-vol")


def test_host_network_named_by_id_is_refused_by_its_driver(ci_proxy, dockerd_sock, docker_config):
    """A NetworkMode naming the host network by an ID prefix: straight to the
    daemon the container runs (with only its loopback: dockerd does not give
    it the host's namespace); through ci.toml the network is looked up and
    refused by its driver, host, which `[networks] drivers` does not list."""
    import os
    import subprocess
    host_id = json.loads(http(dockerd_sock, "GET", f"{API}/networks/host").body)["Id"]
    run = ["docker", "run", "--rm", "--network", host_id[:12], IMG, "ls", "/sys/class/net"]
    direct = subprocess.run(run, capture_output=True, timeout=60,
                            env=dict(os.environ, DOCKER_HOST=f"unix://{dockerd_sock}", DOCKER_CONFIG=docker_config))
    assert direct.returncode == 0 and direct.stdout.split() == [b"lo"], (direct.stdout, direct.stderr)
    out = subprocess.run(run, capture_output=True, timeout=60,
                         env=dict(os.environ, DOCKER_HOST=f"unix://{ci_proxy.sock}", DOCKER_CONFIG=docker_config))
    assert out.returncode != 0
    assert f"joins existing network {host_id[:12]}, whose driver is host".encode() in out.stderr, out.stderr


# (flag, value, inspect template, what the daemon stores, what the denial must say)
PAST_THE_HOST = [
    ("--oom-score-adj", "-1000", "{{.HostConfig.OomScoreAdj}}", "-1000", (b"OOM killer", b"oom-protection")),
    ("--ulimit", "memlock=-1", "{{json .HostConfig.Ulimits}}", '[{"Name":"memlock","Hard":-1,"Soft":-1}]',
     (b"resource limit memlock", b"ulimits in [containers]")),
]


@pytest.mark.parametrize("flag,value,template,stored,says", PAST_THE_HOST, ids=[p[0] for p in PAST_THE_HOST])
def test_a_setting_past_the_host_is_refused_where_the_daemon_would_apply_it(
        ci_proxy, daemon_cli, docker_config, flag, value, template, stored, says):
    """Straight to the daemon, `--oom-score-adj -1000` (the OOM killer would
    never pick the container, and kill the host's other processes instead)
    and `--ulimit memlock=-1` (memory that cannot be swapped) are stored for
    the container, to be applied as root at start. Starting it is not shown
    here: this test machine's root lacks CAP_SYS_RESOURCE, so runc cannot
    apply either and the start fails. Through ci.toml the create is refused
    and says why."""
    from swhelpers import CLI_PATHS, DockerCLI
    name = unique("past")
    try:
        daemon_cli.ok("create", "--name", name, "--network", "none", flag, value, IMG, "true")
        assert daemon_cli.ok("inspect", "-f", template, name).stdout.strip() == stored.encode()
    finally:
        daemon_cli("rm", "-f", name)
    proxied = DockerCLI(CLI_PATHS[0], ci_proxy.sock, docker_config)
    r = proxied("create", "--network", "none", flag, value, IMG, "true")
    assert r.returncode != 0
    assert all(part in r.stderr for part in says), r.stderr


def test_an_ordinary_ulimit_reaches_the_container(ci_proxy, docker_config):
    from swhelpers import CLI_PATHS, DockerCLI
    proxied = DockerCLI(CLI_PATHS[0], ci_proxy.sock, docker_config)
    r = proxied.ok("run", "--rm", "--network", "none", "--ulimit", "nofile=512:1024", IMG, "sh", "-c", "ulimit -n")
    assert r.stdout.strip() == b"512", r.stdout
