"""A generated attack corpus for policies/ci.toml: every dangerous HostConfig
setting, written every way the daemon's decoder accepts (key case, Unicode
folding, JSON escapes, duplicate keys and objects, the old top-level form,
trailing data). Each is judged by the daemon's state afterwards: no container
of that name may exist."""
import json

import pytest

from swhelpers import API, container_exists, force_remove, http, unique

pytestmark = pytest.mark.proxy_only

DANGEROUS = [
    ("Privileged", True),
    ("Binds", ["/etc:/x"]),
    ("NetworkMode", "host"),
    ("PidMode", "host"),
    ("IpcMode", "host"),
    ("UTSMode", "host"),
    ("UsernsMode", "host"),
    ("CgroupnsMode", "host"),
    ("CapAdd", ["SYS_ADMIN"]),
    ("Devices", [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/x", "CgroupPermissions": "rwm"}]),
    ("DeviceCgroupRules", ["a *:* rwm"]),
    ("SecurityOpt", ["seccomp=unconfined"]),
    ("MaskedPaths", []),
    ("Sysctls", {"kernel.shm_rmid_forced": "1"}),
    ("CgroupParent", "/"),
    ("Mounts", [{"Type": "bind", "Source": "/etc", "Target": "/x"}]),
    ("PortBindings", {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18080"}]}),
    ("PublishAllPorts", True),
    ("VolumesFrom", ["someone"]),
    ("Runtime", "other"),
]

BENIGN = {"Privileged": False, "Binds": [], "NetworkMode": "none", "PidMode": "", "IpcMode": "", "UTSMode": "",
          "UsernsMode": "", "CgroupnsMode": "", "CapAdd": [], "Devices": [], "DeviceCgroupRules": [],
          "SecurityOpt": [], "MaskedPaths": None, "Sysctls": {}, "CgroupParent": "", "Mounts": [],
          "PortBindings": {}, "PublishAllPorts": False, "VolumesFrom": [], "Runtime": ""}


def folded(key: str) -> str | None:
    """The key with k/K as KELVIN SIGN and s/S as LONG S: Go's decoder still matches it."""
    out = key.replace("k", "\u212a").replace("K", "\u212a").replace("s", "\u017f").replace("S", "\u017f")
    return out if out != key else None


def escaped(key: str) -> str:
    """The key with its first letter as a JSON \\u escape."""
    return "\\u%04x%s" % (ord(key[0]), key[1:])


def enc(v) -> str:
    return json.dumps(v)


def variants(key: str, value) -> list[tuple[str, str]]:
    img = '"Image":"swtest/busybox","Cmd":["true"]'
    hc_base = '"NetworkMode":"none"' if key != "NetworkMode" else '"Memory":0'
    v = enc(value)
    out = [
        ("exact", '{%s,"HostConfig":{%s,"%s":%s}}' % (img, hc_base, key, v)),
        ("lower-case key", '{%s,"HostConfig":{%s,"%s":%s}}' % (img, hc_base, key.lower(), v)),
        ("upper-case key", '{%s,"HostConfig":{%s,"%s":%s}}' % (img, hc_base, key.upper(), v)),
        ("escaped key", '{%s,"HostConfig":{%s,"%s":%s}}' % (img, hc_base, escaped(key), v)),
        ("lower-case HostConfig", '{%s,"hostconfig":{%s,"%s":%s}}' % (img, hc_base, key, v)),
        ("benign then dangerous", '{%s,"HostConfig":{%s,"%s":%s,"%s":%s}}' % (img, hc_base, key, enc(BENIGN[key]), key, v)),
        ("dangerous HostConfig then benign HostConfig",
         '{%s,"HostConfig":{"%s":%s},"HostConfig":{%s}}' % (img, key, v, hc_base)),
        ("benign HostConfig then dangerous HostConfig",
         '{%s,"HostConfig":{%s},"HOSTCONFIG":{"%s":%s}}' % (img, hc_base, key, v)),
        ("old top-level form", '{%s,%s,"%s":%s}' % (img, hc_base, key, v)),
        ("top-level with HostConfig null", '{%s,"HostConfig":null,%s,"%s":%s}' % (img, hc_base, key, v)),
        ("trailing object", '{%s,"HostConfig":{%s,"%s":%s}} {"HostConfig":{}}' % (img, hc_base, key, v)),
    ]
    f = folded(key)
    if f:
        out.append(("Unicode-folded key", '{%s,"HostConfig":{%s,"%s":%s}}' % (img, hc_base, f, v)))
    return out


CORPUS = [(f"{key}: {label}", body) for key, value in DANGEROUS for label, body in variants(key, value)]


@pytest.mark.parametrize("label,body", CORPUS, ids=[c[0] for c in CORPUS])
def test_crafted_create_never_takes_effect(ci_sock, dockerd_sock, label, body):
    name = unique("corpus")
    try:
        r = http(ci_sock, "POST", f"{API}/containers/create?name={name}", body.encode())
        assert r.status in (400, 403), f"{label}: {r.status} {r.body[:300]!r}"
        assert not container_exists(dockerd_sock, name), f"{label}: the daemon created it"
    finally:
        force_remove(dockerd_sock, name)


def test_corpus_is_large():
    assert len(CORPUS) >= 200, len(CORPUS)


VALIDATED = [(f"{key}: {label}", key, body) for key, value in DANGEROUS if key in ("Privileged", "Binds")
             for label, body in variants(key, value)]


@pytest.mark.parametrize("label,key,body", VALIDATED, ids=[v[0] for v in VALIDATED])
def test_corpus_variants_are_real_attacks_on_the_daemon(dockerd_sock, image, label, key, body):
    """Sent straight to the daemon, each variant does take effect: the tricks
    are real, so the proxy test above can fail."""
    name = unique("direct")
    try:
        r = http(dockerd_sock, "POST", f"{API}/containers/create?name={name}", body.encode())
        assert r.status == 201, f"{label}: the daemon refused it ({r.status} {r.body[:200]!r}); not a real attack"
        stored = json.loads(http(dockerd_sock, "GET", f"{API}/containers/{name}/json").body)["HostConfig"]
        expected = dict(DANGEROUS)[key]
        assert stored[key] == expected, f"{label}: daemon stored {key}={stored[key]!r}"
    finally:
        force_remove(dockerd_sock, name)
